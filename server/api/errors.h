// Status -> awsJson1_1 error response: HTTP status and {"__type", "message"}.
#ifndef KMS_SERVER_API_ERRORS_H_
#define KMS_SERVER_API_ERRORS_H_

#include <string>

#include "kms/status.h"

namespace kms::api {

// 400 for client errors; 500 for KMSInternal and KeyUnavailable; 503 for
// DependencyTimeout (the SDKs retry those).
int HttpStatusFor(Code code);

// The error body. An empty message leaves the member out (as KMS does for
// InvalidCiphertextException); AccessDeniedException and the framework
// errors spell the member "Message", as AWS does.
std::string ErrorBody(const Status& status);

}  // namespace kms::api

#endif  // KMS_SERVER_API_ERRORS_H_
