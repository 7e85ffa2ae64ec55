// RapidJSON helpers shared by the audit module's JSON writers. Internal to
// server/audit.
#ifndef KMS_SERVER_AUDIT_JSON_UTIL_H_
#define KMS_SERVER_AUDIT_JSON_UTIL_H_

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

#include "kms/text.h"

namespace kms::audit {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Writes `text` as a JSON string, after SanitizeUtf8 (kms/text.h).
void WriteString(JsonWriter& writer, std::string_view text);
// Writes a member name and a string value.
void WriteMember(JsonWriter& writer, std::string_view name, std::string_view value);

// Whether `text` is exactly one well-formed UTF-8 JSON value (surrounding
// whitespace allowed).
bool IsWellFormedJson(std::string_view text);

// Number of Unicode code points in well-formed UTF-8 `text`.
size_t CountCodePoints(std::string_view text);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_JSON_UTIL_H_
