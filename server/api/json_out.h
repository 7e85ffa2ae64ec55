// Writing response JSON. Internal to server/api.
#ifndef KMS_SERVER_API_JSON_OUT_H_
#define KMS_SERVER_API_JSON_OUT_H_

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

#include "kms/bytes.h"
#include "kms/clock.h"
#include "kms/encryption_context.h"
#include "kms/key_record.h"

namespace kms::api {

// A JSON writer with the few shorthands the handlers need.
class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}
  rapidjson::Writer<rapidjson::StringBuffer>& w() { return writer_; }

  JsonOut& Key(std::string_view key) {
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    return *this;
  }
  JsonOut& String(std::string_view value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    return *this;
  }
  JsonOut& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  // Without this, a string literal would pick the bool overload.
  JsonOut& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonOut& Field(std::string_view key, bool value) {
    Key(key);
    writer_.Bool(value);
    return *this;
  }
  JsonOut& Int(std::string_view key, int64_t value) {
    Key(key);
    writer_.Int64(value);
    return *this;
  }
  // A blob member: standard base64.
  JsonOut& Blob(std::string_view key, ByteView bytes);
  // A timestamp member: epoch seconds with milliseconds, as AWS writes them.
  JsonOut& Time(std::string_view key, EpochMillis time);
  JsonOut& Context(std::string_view key, const EncryptionContext& context);
  JsonOut& StartObject() {
    writer_.StartObject();
    return *this;
  }
  JsonOut& EndObject() {
    writer_.EndObject();
    return *this;
  }
  JsonOut& StartArray() {
    writer_.StartArray();
    return *this;
  }
  JsonOut& EndArray() {
    writer_.EndArray();
    return *this;
  }
  std::string Take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// The KeyMetadata structure of DescribeKey, CreateKey, ... (members in AWS's order).
void WriteKeyMetadata(JsonOut& out, const KeyRecord& key);
// CloudTrail's responseElements.keyMetadata: lowerCamel members, "aWSAccountId",
// dates as "Jun 30, 2020 2:34:07 AM".
void WriteCloudTrailKeyMetadata(JsonOut& out, const KeyRecord& key);
// "Jun 30, 2020 2:34:07 AM", as CloudTrail writes dates in responseElements.
std::string CloudTrailDate(EpochMillis time);

}  // namespace kms::api

#endif  // KMS_SERVER_API_JSON_OUT_H_
