// CloudTrail's requestParameters for a request body: the members as sent, with
// lowerCamel names (map keys such as encryption-context keys unchanged), and
// never the plaintext or the ciphertext. Internal to server/api.
#ifndef KMS_SERVER_API_REQUEST_PARAMETERS_H_
#define KMS_SERVER_API_REQUEST_PARAMETERS_H_

#include <rapidjson/document.h>

#include <string>

namespace kms::api {

// "null" when the body has no members left to show.
std::string RenderRequestParameters(const rapidjson::Value& body);

}  // namespace kms::api

#endif  // KMS_SERVER_API_REQUEST_PARAMETERS_H_
