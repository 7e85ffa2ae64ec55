// The operational endpoints, for orchestrators, load balancers and monitoring,
// on kmsd's own ports, unauthenticated and never recorded as KMS calls:
//   GET /healthz  200 {"status":"ok"} while the process serves;
//   GET /readyz   200 {"status":"ready", ...} when calls can have effects
//                 (the audit log and the store can take records), else 503
//                 {"status":"not ready", "audit_log": "<why>", ...}.
//   GET /metrics  Prometheus text (kms/server/metrics/metrics.h), to the
//                 clients server.metrics allows (loopback ones by default).
// Internal to server/api.
#ifndef KMS_SERVER_API_OPERATIONAL_ENDPOINTS_H_
#define KMS_SERVER_API_OPERATIONAL_ENDPOINTS_H_

#include <optional>

#include "kms/server/audit/audit_log.h"
#include "kms/server/config/config.h"
#include "kms/server/http/http_message.h"
#include "kms/server/metrics/metrics.h"

namespace kms::api {

// The answer to a health request (GET of /healthz or /readyz, any query), or nullopt for any other
// request. `audit` may be null (no log).
std::optional<http::Response> AnswerHealthRequest(const http::Request& request,
                                                  const audit::AuditLog* audit);

// The answer to GET /metrics (any query), or nullopt for any other request,
// or when there are no metrics or server.metrics is "off".
std::optional<http::Response> AnswerMetricsRequest(const http::Request& request,
                                                   const metrics::Registry* registry,
                                                   config::ServerConfig::MetricsAccess access);

// Whether `address` (as Request::remote_address has it) is a loopback one.
bool IsLoopbackAddress(std::string_view address);

}  // namespace kms::api

#endif  // KMS_SERVER_API_OPERATIONAL_ENDPOINTS_H_
