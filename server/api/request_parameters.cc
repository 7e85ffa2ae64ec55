#include "server/api/request_parameters.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "server/api/request_reader.h"

namespace kms::api {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Members never logged: they carry secrets or ciphertexts.
bool IsSecret(std::string_view name) {
  return name == "Plaintext" || name == "CiphertextBlob" || name == "AttestationDocument";
}

// Maps whose keys are data, not member names.
bool IsMap(std::string_view name) { return name.ends_with("EncryptionContext") || name.starts_with("EncryptionContext"); }

void WriteValue(Writer& w, const rapidjson::Value& value, bool rename_members);

void WriteObject(Writer& w, const rapidjson::Value& object, bool rename_members) {
  w.StartObject();
  for (const auto& m : object.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (rename_members && IsSecret(name)) continue;
    const std::string key = rename_members ? LowerCamel(name) : std::string(name);
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    WriteValue(w, m.value, rename_members && !IsMap(name));
  }
  w.EndObject();
}

void WriteValue(Writer& w, const rapidjson::Value& value, bool rename_members) {
  if (value.IsObject()) {
    WriteObject(w, value, rename_members);
  } else if (value.IsArray()) {
    w.StartArray();
    for (const auto& item : value.GetArray()) WriteValue(w, item, rename_members);
    w.EndArray();
  } else {
    value.Accept(w);
  }
}

}  // namespace

std::string RenderRequestParameters(const rapidjson::Value& body) {
  if (!body.IsObject()) return "null";
  bool any = false;
  for (const auto& m : body.GetObject()) {
    any |= !IsSecret(std::string_view(m.name.GetString(), m.name.GetStringLength()));
  }
  if (!any) return "null";
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteObject(w, body, true);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace kms::api
