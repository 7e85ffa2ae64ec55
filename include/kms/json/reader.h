// Reading JSON text with RapidJSON, for kmsd and its client (see
// kms/json/writer.h): parsing within limits, and typed member readers.
#ifndef KMS_JSON_READER_H_
#define KMS_JSON_READER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "kms/json_text.h"
#include "kms/status.h"

namespace kms::json {

// Parses `text` into `document`: refused before RapidJSON sees it when
// CheckJsonText finds it too deep, too wide or not UTF-8, then parsed
// iteratively (no recursion, whatever the input). kValidation with what is
// wrong ("it nests deeper than 32 levels", "it is not well-formed UTF-8",
// "Missing a comma or '}' after an object member. (at offset 12)"); callers
// word their own errors around it. Any JSON value is accepted: check
// document->IsObject() where an object is wanted.
Status Parse(std::string_view text, const JsonTextLimits& limits, rapidjson::Document* document);

// For kmsd's own files and peers' answers (nesting at most 64 levels): parses
// `text` into `document`, which must hold an object. kValidation naming
// `what`: "<what> is not valid JSON: <Parse's problem>", "<what> is not a JSON
// object".
Status ParseObject(std::string_view text, std::string_view what, rapidjson::Document* document);
// As ParseObject, in place: the document's strings point into `text`, which
// must outlive it (and can then be wiped at once: no copy of them is left).
Status ParseObjectInPlace(std::string& text, std::string_view what, rapidjson::Document* document);

// Whether `text` is exactly one well-formed UTF-8 JSON value (surrounding
// whitespace allowed), nesting at most 64 levels.
bool IsWellFormed(std::string_view text);

// `json` re-indented with 4 spaces a level (as the AWS CLI prints), or
// unchanged when it does not parse.
std::string Pretty(std::string_view json);

// Typed members of an object: nullopt (or null) when the member is absent or
// of another type.
std::optional<std::string> FindString(const rapidjson::Value& object, std::string_view name);
std::optional<bool> FindBool(const rapidjson::Value& object, std::string_view name);
std::optional<int64_t> FindInt(const rapidjson::Value& object, std::string_view name);
std::optional<uint64_t> FindUint(const rapidjson::Value& object, std::string_view name);
const rapidjson::Value* FindObject(const rapidjson::Value& object, std::string_view name);
const rapidjson::Value* FindArray(const rapidjson::Value& object, std::string_view name);
// An array of strings, or an object of string members; nullopt when absent,
// of another type, or holding a member or element that is not a string.
std::optional<std::vector<std::string>> FindStringList(const rapidjson::Value& object,
                                                       std::string_view name);
std::optional<std::map<std::string, std::string>> FindStringMap(const rapidjson::Value& object,
                                                                std::string_view name);
// A string member, or "" when it is absent or not a string.
std::string GetString(const rapidjson::Value& object, std::string_view name);

}  // namespace kms::json

#endif  // KMS_JSON_READER_H_
