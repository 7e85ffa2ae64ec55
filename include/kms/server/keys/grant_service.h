// CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and RevokeGrant.
// The pure grant rules are in kms/grants.h; grants as a source of Allow are
// in server/keys/grant_authority.h. Thread-safe.
#ifndef KMS_SERVER_KEYS_GRANT_SERVICE_H_
#define KMS_SERVER_KEYS_GRANT_SERVICE_H_

#include <optional>
#include <string>
#include <vector>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

// The KMS quotas for grants.
inline constexpr size_t kMaxGrantsPerKey = 50000;
inline constexpr size_t kMaxConstraintPairs = 8;
inline constexpr size_t kMaxConstraintValue = 384;

struct CreateGrantRequest {
  std::string key_id;
  std::string grantee_principal;
  std::optional<std::string> retiring_principal;
  std::vector<std::string> operations;  // members of grants::AllOperations()
  std::optional<EncryptionContext> encryption_context_subset;
  std::optional<EncryptionContext> encryption_context_equals;
  std::vector<std::string> grant_tokens;
  std::optional<std::string> name;
  bool dry_run = false;
};

struct CreateGrantResult {
  std::string grant_id;
  std::string grant_token;
};

struct ListGrantsRequest {
  std::string key_id;
  std::optional<std::string> grant_id;
  std::optional<std::string> grantee_principal;
  PageRequest page;  // positions are grant ids
};

// A grant with the ARN of its key, as List* operations show it.
struct ListedGrant {
  GrantRecord grant;
  std::string key_arn;
};

struct ListRetirableGrantsRequest {
  std::string retiring_principal;
  PageRequest page;  // positions are the store's
};

// A grant to retire: by token, or by key and grant id.
struct RetireGrantRequest {
  std::optional<std::string> grant_token;
  std::optional<std::string> key_id;
  std::optional<std::string> grant_id;
  bool dry_run = false;
};

struct RevokeGrantRequest {
  std::string key_id;
  std::string grant_id;
  bool dry_run = false;
};

class GrantService {
 public:
  explicit GrantService(const ServiceDeps& deps) : deps_(deps) {}

  // Errors, in this order: ValidationException for no operations;
  // InvalidArnException for a grantee or retiring principal that is not a
  // principal ARN (account root, user, role, assumed-role session,
  // federated user) or service principal; ValidationException for constraints
  // past the quotas; the key's resolution; ValidationException for operations
  // a symmetric key cannot have; AccessDenied (a grant may allow CreateGrant
  // for narrower grants); the key state's; DryRun; LimitExceeded past
  // kMaxGrantsPerKey. A Name already used with the same parameters returns
  // that grant (with a new token).
  StatusOr<CreateGrantResult> CreateGrant(CallContext& call, const CreateGrantRequest& request);
  // The key's grants, filtered by id and grantee, 50 a page unless Limit says
  // otherwise (at most 100). InvalidGrantIdException for an unknown GrantId;
  // InvalidMarkerException for a position that is no listed grant.
  StatusOr<ListPage<ListedGrant>> ListGrants(CallContext& call, const ListGrantsRequest& request);
  // The grants of the request's region that the principal may retire, on
  // keys of any account (AWS: "can include grants on KMS keys owned by other
  // AWS accounts"). Authorized on the retiring principal as the resource;
  // AccessDenied unless it is a principal of the caller's account or a
  // service principal.
  StatusOr<ListPage<ListedGrant>> ListRetirableGrants(CallContext& call,
                                                      const ListRetirableGrantsRequest& request);
  // Allowed for the grant's retiring principal, its grantee when it lists
  // RetireGrant, and the issuing account (its root, or an IAM policy).
  // ValidationException without a token or a key and grant id.
  Status RetireGrant(CallContext& call, const RetireGrantRequest& request);
  // Authorized by the key's policy; InvalidGrantIdException for an unknown grant.
  Status RevokeGrant(CallContext& call, const RevokeGrantRequest& request);

 private:
  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_GRANT_SERVICE_H_
