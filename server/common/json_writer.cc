#include "kms/encoding.h"
#include "kms/json/writer.h"
#include "kms/text.h"

namespace kms::json {
namespace {

rapidjson::SizeType Size(std::string_view text) {
  return static_cast<rapidjson::SizeType>(text.size());
}

// Writes `text` through `write` as valid UTF-8.
template <class Write>
bool WriteUtf8(std::string_view text, Write&& write) {
  if (IsValidUtf8(text)) return write(text);
  const std::string clean = SanitizeUtf8(text);
  return write(std::string_view(clean));
}

}  // namespace

Writer::~Writer() {
  SecureWipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(const_cast<char*>(buffer_.GetString())),
                                buffer_.GetSize()));
}

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
  WriteUtf8(name, [&](std::string_view text) { return writer_.Key(text.data(), Size(text)); });
  return *this;
}

Writer& Writer::String(std::string_view value) {
  WriteUtf8(value, [&](std::string_view text) { return writer_.String(text.data(), Size(text)); });
  return *this;
}

Writer& Writer::Bool(bool value) {
  writer_.Bool(value);
  return *this;
}

Writer& Writer::Null() {
  writer_.Null();
  return *this;
}

Writer& Writer::Value(const rapidjson::Value& value) {
  value.Accept(writer_);
  return *this;
}

Writer& Writer::Raw(std::string_view json) {
  writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

Writer& Writer::Field(std::string_view name, std::string_view value) {
  return Key(name).String(value);
}

Writer& Writer::Field(std::string_view name, bool value) { return Key(name).Bool(value); }

Writer& Writer::Int(std::string_view name, int64_t value) {
  Key(name);
  writer_.Int64(value);
  return *this;
}

Writer& Writer::Uint(std::string_view name, uint64_t value) {
  Key(name);
  writer_.Uint64(value);
  return *this;
}

Writer& Writer::Blob(std::string_view name, ByteView bytes) {
  return Field(name, Base64Encode(bytes));
}

Writer& Writer::Time(std::string_view name, EpochMillis time) {
  Key(name);
  if (time % 1000 == 0) {
    writer_.Int64(time / 1000);
  } else {
    writer_.Double(static_cast<double>(time) / 1000.0);
  }
  return *this;
}

Writer& Writer::StringList(std::string_view name, const std::vector<std::string>& values) {
  Key(name).StartArray();
  for (const std::string& value : values) String(value);
  return EndArray();
}

Writer& Writer::StringMap(std::string_view name, const std::map<std::string, std::string>& values) {
  Key(name).StartObject();
  for (const auto& [key, value] : values) Field(key, value);
  return EndObject();
}

std::string Writer::Take() {
  std::string out(buffer_.GetString(), buffer_.GetSize());
  SecureWipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(const_cast<char*>(buffer_.GetString())),
                                buffer_.GetSize()));
  buffer_.Clear();
  writer_.Reset(buffer_);
  return out;
}

}  // namespace kms::json
