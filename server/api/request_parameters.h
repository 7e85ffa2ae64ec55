// CloudTrail's requestParameters for a KMS (or CloudTrail LookupEvents)
// request: only the members CloudTrail records for the operation
// (docs/research/cloudtrail-request-parameters.md), named lowerCamel, each
// bounded (docs/limits.md); never the plaintext, a ciphertext, a grant token
// or a member the model does not define. Built from the request body as sent,
// so a refused request is recorded with what it asked. Internal to server/api.
#ifndef KMS_SERVER_API_REQUEST_PARAMETERS_H_
#define KMS_SERVER_API_REQUEST_PARAMETERS_H_

#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace kms::api {

// The most bytes of one recorded string (a key policy's own limit); longer
// strings are cut there, at a UTF-8 boundary, and end in "...".
inline constexpr size_t kMaxRecordedPolicyBytes = 32768;

// JSON text: an object, or "null" when the operation records nothing or the
// body has none of its members (a member of the wrong JSON type is left out).
std::string RenderRequestParameters(std::string_view operation, const rapidjson::Value& body);

}  // namespace kms::api

#endif  // KMS_SERVER_API_REQUEST_PARAMETERS_H_
