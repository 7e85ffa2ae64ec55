#include "client/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>

#include "kms/bytes.h"
#include "kms/json_text.h"

namespace kms::client::json {
namespace {

rapidjson::SizeType Size(std::string_view text) {
  return static_cast<rapidjson::SizeType>(text.size());
}

Status CheckParsed(const rapidjson::Document& document, std::string_view what) {
  if (document.HasParseError()) {
    return Error(Code::kValidation, std::string(what) + " is not valid JSON: " +
                                        rapidjson::GetParseError_En(document.GetParseError()) +
                                        " (at offset " + std::to_string(document.GetErrorOffset()) +
                                        ")");
  }
  if (!document.IsObject()) {
    return Error(Code::kValidation, std::string(what) + " is not a JSON object");
  }
  return OkStatus();
}

// Responses, records and config files nest a few levels at most.
constexpr JsonTextLimits kJsonLimits{.max_depth = 64};

// kValidation naming `what` when `text` is too deep or not UTF-8.
Status CheckText(std::string_view text, std::string_view what) {
  switch (CheckJsonText(text, kJsonLimits)) {
    case JsonTextProblem::kNone:
      return OkStatus();
    case JsonTextProblem::kInvalidUtf8:
      return Error(Code::kValidation, std::string(what) + " is not valid JSON: it is not well-formed UTF-8");
    case JsonTextProblem::kTooDeep:
    case JsonTextProblem::kTooManyMembers:
      break;
  }
  return Error(Code::kValidation, std::string(what) + " is not valid JSON: it nests deeper than " +
                                      std::to_string(kJsonLimits.max_depth) + " levels");
}

}  // namespace

Writer& Writer::StartObject() {
  writer_.StartObject();
  return *this;
}

Writer& Writer::EndObject() {
  writer_.EndObject();
  return *this;
}

Writer& Writer::StartArray() {
  writer_.StartArray();
  return *this;
}

Writer& Writer::EndArray() {
  writer_.EndArray();
  return *this;
}

Writer& Writer::Key(std::string_view name) {
  writer_.Key(name.data(), Size(name));
  return *this;
}

Writer& Writer::Value(std::string_view value) {
  writer_.String(value.data(), Size(value));
  return *this;
}

Writer& Writer::String(std::string_view name, std::string_view value) {
  return Key(name).Value(value);
}

Writer& Writer::Bool(std::string_view name, bool value) {
  Key(name);
  writer_.Bool(value);
  return *this;
}

Writer& Writer::Uint(std::string_view name, uint64_t value) {
  Key(name);
  writer_.Uint64(value);
  return *this;
}

Writer& Writer::Int(std::string_view name, int64_t value) {
  Key(name);
  writer_.Int64(value);
  return *this;
}

Writer& Writer::StringList(std::string_view name, const std::vector<std::string>& values) {
  Key(name).StartArray();
  for (const std::string& value : values) Value(value);
  return EndArray();
}

Writer& Writer::StringMap(std::string_view name, const std::map<std::string, std::string>& values) {
  Key(name).StartObject();
  for (const auto& [key, value] : values) String(key, value);
  return EndObject();
}

Writer& Writer::Raw(std::string_view json) {
  writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

std::string Writer::Take() {
  std::string out(buffer_.GetString(), buffer_.GetSize());
  // Request bodies may carry a plaintext (Encrypt): leave no copy behind.
  SecureWipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(const_cast<char*>(buffer_.GetString())),
                                buffer_.GetSize()));
  buffer_.Clear();
  writer_.Reset(buffer_);
  return out;
}

std::string Pretty(std::string_view json) {
  rapidjson::Document document;
  if (!CheckText(json, "").ok()) return std::string(json);
  document.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (document.HasParseError()) return std::string(json);
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 4);
  document.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status ParseObject(std::string_view text, std::string_view what, rapidjson::Document& document) {
  KMS_RETURN_IF_ERROR(CheckText(text, what));
  document.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  return CheckParsed(document, what);
}

Status ParseObjectInPlace(std::string& text, std::string_view what, rapidjson::Document& document) {
  KMS_RETURN_IF_ERROR(CheckText(text, what));
  document.ParseInsitu<rapidjson::kParseIterativeFlag>(text.data());
  return CheckParsed(document, what);
}

std::string GetString(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

bool GetBool(const rapidjson::Value& object, const char* name, bool fallback) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsBool()) return fallback;
  return it->value.GetBool();
}

std::optional<uint64_t> GetUint(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsUint64()) return std::nullopt;
  return it->value.GetUint64();
}

std::optional<int64_t> GetInt(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
  return it->value.GetInt64();
}

std::vector<std::string> GetStringList(const rapidjson::Value& object, const char* name) {
  std::vector<std::string> out;
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsArray()) return out;
  for (const rapidjson::Value& item : it->value.GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

std::map<std::string, std::string> GetStringMap(const rapidjson::Value& object, const char* name) {
  std::map<std::string, std::string> out;
  const rapidjson::Value* map = GetObject(object, name);
  if (map == nullptr) return out;
  for (const auto& member : map->GetObject()) {
    if (!member.value.IsString()) continue;
    out.emplace(std::string(member.name.GetString(), member.name.GetStringLength()),
                std::string(member.value.GetString(), member.value.GetStringLength()));
  }
  return out;
}

const rapidjson::Value* GetObject(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsObject()) return nullptr;
  return &it->value;
}

}  // namespace kms::client::json
