// Typed, validated reading of one awsJson1_1 request body, producing KMS's
// errors: a member of the wrong JSON type is a SerializationException (the
// first one wins); constraint failures (required, length, range, pattern,
// enum) accumulate into one ValidationException worded as AWS words it:
//   "2 validation errors detected: Value '0' at 'numberOfBytes' failed to
//    satisfy constraint: Member must have value greater than or equal to 1; ..."
// Members are read in model order so messages list them in that order.
#ifndef KMS_SERVER_API_REQUEST_READER_H_
#define KMS_SERVER_API_REQUEST_READER_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "kms/bytes.h"
#include "kms/clock.h"
#include "kms/encryption_context.h"
#include "kms/json_text.h"
#include "kms/server/store/key_record.h"
#include "kms/status.h"

namespace kms::api {

struct StringRule {
  bool required = false;
  size_t min_length = 0;
  size_t max_length = SIZE_MAX;
  // A pattern as the model writes it (shown in the message) and its matcher.
  std::string_view pattern;
  bool (*matches)(std::string_view) = nullptr;
  std::span<const std::string_view> enum_values;  // in AWS's message order
  bool sensitive = false;                         // the value is never echoed
};

struct IntRule {
  bool required = false;
  int64_t min = INT64_MIN;
  int64_t max = INT64_MAX;
};

struct BlobRule {
  bool required = false;
  size_t min_length = 1;
  size_t max_length = SIZE_MAX;
  bool sensitive = false;
};

struct ListRule {
  bool required = false;
  size_t min_items = 0;
  size_t max_items = SIZE_MAX;
};

class RequestReader {
 public:
  // `body` must outlive the reader.
  explicit RequestReader(const rapidjson::Value& body) : body_(body) {}

  std::optional<std::string> String(const char* member, const StringRule& rule);
  std::optional<int64_t> Int(const char* member, const IntRule& rule);
  std::optional<bool> Bool(const char* member);
  // A timestamp as awsJson sends it: seconds since the epoch (a fraction
  // allowed), as milliseconds.
  std::optional<EpochMillis> Timestamp(const char* member);
  std::optional<Bytes> Blob(const char* member, const BlobRule& rule);
  std::optional<SecretBytes> SecretBlob(const char* member, const BlobRule& rule);
  // A string -> string map (encryption contexts), at most
  // kMaxEncryptionContextBytes of keys and values.
  std::optional<EncryptionContext> StringMap(const char* member, bool required = false);
  std::optional<std::vector<std::string>> StringList(const char* member, const ListRule& rule,
                                                     const StringRule& item);
  // A list of {TagKey, TagValue} structures.
  std::optional<std::vector<Tag>> Tags(const char* member, const ListRule& rule);
  // A nested structure, or nullptr when absent (or of the wrong type, which is
  // recorded). Read its members with a child reader.
  const rapidjson::Value* Structure(const char* member);
  // A reader for a nested structure whose messages say '<member>.<inner>'.
  RequestReader Nested(const rapidjson::Value& value, const char* member) const;

  // Adds an operation-level validation failure in the same message.
  void AddViolation(std::string violation) { violations_.push_back(std::move(violation)); }

  // OK, the first SerializationException, the ValidationException, or the
  // first error of a check beyond the model's constraints (a context too large).
  Status Finish() const;
  bool ok() const { return !serialization_error_ && violations_.empty() && !service_error_; }

 private:
  const rapidjson::Value* Find(const char* member, bool required);
  std::string Path(const char* member) const;
  void TypeMismatch(const rapidjson::Value& value, std::string_view wanted);
  void Violation(const char* member, const std::string* value, std::string_view constraint);
  bool CheckString(const std::string& path, const std::string& value, const StringRule& rule);

  const rapidjson::Value& body_;
  std::string prefix_;  // "constraints." for nested readers
  std::optional<Status> serialization_error_;
  std::vector<std::string> violations_;
  std::optional<Status> service_error_;
};

// "KeyId" -> "keyId": the path names AWS uses in messages and CloudTrail.
std::string LowerCamel(std::string_view member);

// What a request body may hold (docs/limits.md): no KMS request nests deeper
// than 4 levels or needs more than a few hundred members in one object.
inline constexpr JsonTextLimits kRequestJsonLimits{.max_depth = 32, .max_members = 1000};
// The most bytes an encryption context's keys and values may hold together:
// what KMS passes on as associated data to an external key store (the XKS
// proxy API specification's "up to 8192 bytes"; KMS documents no other bound).
inline constexpr size_t kMaxEncryptionContextBytes = 8192;

// Parses a request body: must be one JSON object of well-formed UTF-8 within
// kRequestJsonLimits. SerializationException (with AWS's texts) otherwise.
Status ParseBody(std::string_view body, rapidjson::Document* doc);

}  // namespace kms::api

#endif  // KMS_SERVER_API_REQUEST_READER_H_
