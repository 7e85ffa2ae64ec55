// The JSON writer of kmsd and its client: builds compact JSON text with
// RapidJSON. (kms/json/ is the one RapidJSON helper library, and the only
// public headers that include RapidJSON: that is their job.)
//
// Strings are written as UTF-8 whatever they hold: bytes that are not part of
// well-formed UTF-8 become U+FFFD, so the text is always valid JSON. Calls
// must nest correctly (RapidJSON's assertions check it in debug builds).
// Not thread-safe.
#ifndef KMS_JSON_WRITER_H_
#define KMS_JSON_WRITER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "kms/bytes.h"
#include "kms/clock.h"

namespace kms::json {

class Writer {
 public:
  // `capacity`: the bytes the text is expected to take (it grows past them).
  explicit Writer(size_t capacity = 512) : buffer_(nullptr, capacity), writer_(buffer_) {}
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  Writer& StartObject();
  Writer& EndObject();
  Writer& StartArray();
  Writer& EndArray();
  Writer& Key(std::string_view name);
  // Values.
  Writer& String(std::string_view value);
  Writer& Bool(bool value);
  Writer& Null();
  // A parsed value, written back as compact text.
  Writer& Value(const rapidjson::Value& value);
  // `json`, one complete JSON value, copied as it is.
  Writer& Raw(std::string_view json);

  // Members: the name, then the value.
  Writer& Field(std::string_view name, std::string_view value);
  // Without this, a string literal would pick the bool overload.
  Writer& Field(std::string_view name, const char* value) {
    return Field(name, std::string_view(value));
  }
  Writer& Field(std::string_view name, bool value);
  Writer& Int(std::string_view name, int64_t value);
  Writer& Uint(std::string_view name, uint64_t value);
  // Standard base64, as awsJson writes blobs.
  Writer& Blob(std::string_view name, ByteView bytes);
  // Epoch seconds, with the milliseconds as a fraction when there are any
  // (as awsJson writes timestamps).
  Writer& Time(std::string_view name, EpochMillis time);
  Writer& StringList(std::string_view name, const std::vector<std::string>& values);
  // An object of string members (encryption contexts), in key order.
  Writer& StringMap(std::string_view name, const std::map<std::string, std::string>& values);

  // The text written so far; the writer starts over. The internal copy is
  // wiped (request bodies may carry a plaintext).
  std::string Take();

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace kms::json

#endif  // KMS_JSON_WRITER_H_
