// Health endpoints for orchestrators and load balancers, on kmsd's own ports,
// unauthenticated and never recorded as KMS calls:
//   GET /healthz  200 {"status":"ok"} while the process serves;
//   GET /readyz   200 {"status":"ready", ...} when calls can have effects
//                 (the audit log and the store can take records), else 503
//                 {"status":"not ready", "audit_log": "<why>", ...}.
// Internal to server/api.
#ifndef KMS_SERVER_API_HEALTH_H_
#define KMS_SERVER_API_HEALTH_H_

#include <optional>

#include "kms/server/audit/audit_log.h"
#include "kms/server/http/http_message.h"

namespace kms::api {

// The answer to a health request (GET of /healthz or /readyz, any query), or nullopt for any other
// request. `audit` may be null (no log).
std::optional<http::Response> AnswerHealthRequest(const http::Request& request,
                                                  const audit::AuditLog* audit);

}  // namespace kms::api

#endif  // KMS_SERVER_API_HEALTH_H_
