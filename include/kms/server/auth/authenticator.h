// Request authentication: SigV4 verification against the configured access
// keys, yielding the Caller; plus the via-service countersignature
// (DESIGN.md section 3).
#ifndef KMS_SERVER_AUTH_AUTHENTICATOR_H_
#define KMS_SERVER_AUTH_AUTHENTICATOR_H_

#include <string>
#include <string_view>
#include <unordered_map>

#include "kms/clock.h"
#include "kms/principal.h"
#include "kms/server/config/config.h"
#include "kms/server/http/http_message.h"
#include "kms/status.h"

namespace kms::auth {

// Header naming the AWS service that makes a call on the user's behalf.
inline constexpr std::string_view kViaServiceHeader = "X-Kmsd-Via-Service";
// Header carrying the service principal's SigV4 signature of the request.
inline constexpr std::string_view kServiceAuthorizationHeader = "X-Kmsd-Service-Authorization";
// Header naming the access key id of the user the service calls for; the
// service signature must cover it, binding the countersignature to that user.
inline constexpr std::string_view kViaPrincipalHeader = "X-Kmsd-Via-Principal";

// The longest region name accepted in a credential scope (one DNS label).
inline constexpr size_t kMaxRegionNameLength = 63;

struct Caller {
  // The identity of the access key (user, role session or root); null for a
  // service principal calling as itself.
  const config::Identity* identity = nullptr;
  Principal principal;
  std::string access_key_id;
  std::string region;  // from the credential scope
  std::string source_ip;
  std::string user_agent;
  // Set when a configured service principal countersigned the request:
  // via_service "rds.us-east-1.amazonaws.com", invoked_by "rds.amazonaws.com".
  std::string via_service;
  std::string invoked_by;
  bool secure_transport = false;
};

// Thread-safe. Signing keys are cached per access key and day.
class Authenticator {
 public:
  Authenticator(const config::ServerConfig& config, const Clock& clock);

  // Verifies `request` signed for SigV4 service name `service` ("kms",
  // "cloudtrail"). Errors as AWS returns them: MissingAuthenticationToken,
  // IncompleteSignature, InvalidSignature (bad signature, expired, wrong
  // scope, host or date header not signed), UnrecognizedClient (unknown or
  // malformed key, wrong session token); and AccessDenied for a via-service
  // header without a valid service signature bound to the caller. Permissive
  // mode maps unknown access keys to its default identity without checking a
  // signature; known keys and service countersignatures are always verified.
  StatusOr<Caller> Authenticate(const http::Request& request, std::string_view service) const;

 private:
  struct Secret {
    const config::Identity* identity = nullptr;
    const config::ServicePrincipal* service = nullptr;
    std::string secret_access_key;
  };
  const Secret* FindKey(std::string_view access_key_id) const;
  // Sets *secret (nullptr for an unknown key in permissive mode) and the
  // caller's region and access key id.
  Status VerifySignature(const http::Request& request, std::string_view authorization_header,
                         std::string_view service, const Secret** secret, Caller* caller) const;
  Status VerifyViaService(const http::Request& request, std::string_view service,
                          Caller* caller) const;

  const config::ServerConfig& config_;
  const Clock& clock_;
  std::unordered_map<std::string, Secret> keys_;
  const config::Identity* permissive_identity_ = nullptr;
};

// Whether `region` looks like an AWS region name ("us-east-1", "us-gov-west-1")
// of at most kMaxRegionNameLength characters.
bool IsValidRegionName(std::string_view region);

}  // namespace kms::auth

#endif  // KMS_SERVER_AUTH_AUTHENTICATOR_H_
