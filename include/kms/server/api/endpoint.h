// The KMS endpoint: an HTTP handler that authenticates each request,
// dispatches on X-Amz-Target to an operation (or to CloudTrail LookupEvents),
// turns errors into KMS-shaped responses, and answers only once the call's
// CloudTrail record is durable.
#ifndef KMS_SERVER_API_ENDPOINT_H_
#define KMS_SERVER_API_ENDPOINT_H_

#include <memory>

#include "kms/clock.h"
#include "kms/server/audit/audit_log.h"
#include "kms/server/auth/authenticator.h"
#include "kms/server/config/config.h"
#include "kms/server/http/http_server.h"
#include "kms/server/keys/key_service.h"
#include "kms/server/keys/services.h"
#include "kms/server/seed/seed_loader.h"

namespace kms::metrics {
class Registry;
}  // namespace kms::metrics

namespace kms::api {

// What the endpoint's operations use.
struct Services {
  keys::Services* operations = nullptr;
  const config::ServerConfig* config = nullptr;
  const Clock* clock = nullptr;
  // Counts requests and serves GET /metrics when set.
  metrics::Registry* metrics = nullptr;
};

// The endpoint. `services`, `authenticator` and `audit` must outlive it;
// `audit` may be null (no audit log).
std::unique_ptr<http::Handler> NewEndpoint(const Services& services,
                                           const auth::Authenticator& authenticator,
                                           audit::AuditLog* audit);

// What the maintenance sweep (KeyService::RunMaintenance) records with each
// change: a DeleteKey or RotateKey AwsServiceEvent in the key's account, as
// CloudTrail records them. `audit` (may be null) and `clock` must outlive it.
keys::KeyService::MaintenanceRecorder MaintenanceRecorder(audit::AuditLog* audit,
                                                          const Clock& clock);

// What a seed file's creations (seed::ApplySeed) record: a CreateKey,
// CreateAlias or CreateGrant AwsServiceEvent in the key's account, with the
// seed file named in additionalEventData. Never key material.
seed::SeedRecorder SeedRecorder(audit::AuditLog* audit, const Clock& clock, std::string seed_file);

}  // namespace kms::api

#endif  // KMS_SERVER_API_ENDPOINT_H_
