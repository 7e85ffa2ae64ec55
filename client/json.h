// JSON helpers of the RDS volume client over RapidJSON: a writer for
// request bodies, records and CLI output, and tolerant member readers.
// Internal to client/.
#ifndef KMS_CLIENT_JSON_H_
#define KMS_CLIENT_JSON_H_

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kms/status.h"

namespace kms::client::json {

// Builds compact JSON text. Calls must nest correctly (a programmer error
// otherwise, caught by RapidJSON's assertions in debug builds).
class Writer {
 public:
  Writer() : writer_(buffer_) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  Writer& StartObject();
  Writer& EndObject();
  Writer& StartArray();
  Writer& EndArray();
  Writer& Key(std::string_view name);
  Writer& Value(std::string_view value);
  Writer& String(std::string_view name, std::string_view value);
  Writer& Bool(std::string_view name, bool value);
  Writer& Uint(std::string_view name, uint64_t value);
  Writer& Int(std::string_view name, int64_t value);
  Writer& StringList(std::string_view name, const std::vector<std::string>& values);
  Writer& StringMap(std::string_view name, const std::map<std::string, std::string>& values);
  // Inserts `json`, which must be one complete JSON value, as the next value.
  Writer& Raw(std::string_view json);

  std::string Take();

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// Re-indents JSON text with 4 spaces per level, as the AWS CLI prints.
std::string Pretty(std::string_view json);

// Parses `text` into `document`; kValidation naming `what` unless the text is
// a JSON object.
Status ParseObject(std::string_view text, std::string_view what, rapidjson::Document& document);

// As ParseObject, parsing in place: the document's strings point into
// `text`, which must outlive the document (and can then be wiped at once).
Status ParseObjectInPlace(std::string& text, std::string_view what, rapidjson::Document& document);

// Members of an object; the fallback when absent or of another type.
std::string GetString(const rapidjson::Value& object, const char* name);
bool GetBool(const rapidjson::Value& object, const char* name, bool fallback = false);
std::optional<uint64_t> GetUint(const rapidjson::Value& object, const char* name);
std::optional<int64_t> GetInt(const rapidjson::Value& object, const char* name);
std::vector<std::string> GetStringList(const rapidjson::Value& object, const char* name);
std::map<std::string, std::string> GetStringMap(const rapidjson::Value& object, const char* name);
// The member if it is an object, else null.
const rapidjson::Value* GetObject(const rapidjson::Value& object, const char* name);

}  // namespace kms::client::json

#endif  // KMS_CLIENT_JSON_H_
