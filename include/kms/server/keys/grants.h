// Grants: the pure rules (which operations, whose grant, which constraints)
// and grant tokens. Storage is in KeyStore; the operations are in server/api.
#ifndef KMS_SERVER_KEYS_GRANTS_H_
#define KMS_SERVER_KEYS_GRANTS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kms/bytes.h"
#include "kms/encryption_context.h"
#include "kms/principal.h"
#include "kms/server/store/key_record.h"
#include "kms/status.h"

namespace kms::grants {

// The GrantOperation enum of the KMS model, in the order AWS lists it.
std::span<const std::string_view> AllOperations();
// Whether a grant for a key of this spec and usage may list `operation`
// (the KMS developer guide's "grant operations" by key type).
bool IsValidForKey(std::string_view operation, std::string_view key_spec,
                   std::string_view key_usage);

// A service principal: "rds.amazonaws.com".
bool IsServicePrincipal(std::string_view principal);
// What a grantee or retiring principal may be: an IAM or STS principal ARN
// (root, user, role, assumed-role, federated-user) or a service principal.
bool IsGrantPrincipal(std::string_view principal);

// Whether the grant's grantee is this caller: the exact ARN, the role of an
// assumed-role session, or the service principal's name.
bool GranteeMatches(const GrantRecord& grant, const Principal& principal);

// Whether the grant's constraints hold for a request with `context` (null:
// none). Matching is exact and case-sensitive; constraints do not apply to
// DescribeKey and RetireGrant.
bool ConstraintsAllow(const GrantRecord& grant, std::string_view operation,
                      const EncryptionContext* context);

// Whether `child` confers no more than `parent` (for a CreateGrant allowed by
// a grant): its operations are a subset, and its constraints at least as
// strict.
bool IsNoBroaderThan(const GrantRecord& child, const GrantRecord& parent);

// Whether two grants of one key have the same parameters (Name idempotency).
bool SameParameters(const GrantRecord& a, const GrantRecord& b);

// A new GrantId: 64 lowercase hex digits.
std::string NewGrantId();

// What a grant token says.
struct TokenClaims {
  std::string key_id;
  std::string grant_id;
};

// Issues and checks grant tokens: opaque base64 strings naming a key and a
// grant, authenticated with an HMAC so they cannot be forged. Every Issue()
// returns a new token; all tokens of a grant are interchangeable. Thread-safe.
class TokenCodec {
 public:
  explicit TokenCodec(SecretBytes key) : key_(std::move(key)) {}
  std::string Issue(std::string_view key_id, std::string_view grant_id) const;
  // InvalidGrantTokenException for anything this server did not issue.
  StatusOr<TokenClaims> Parse(std::string_view token) const;

 private:
  SecretBytes key_;
};

}  // namespace kms::grants

#endif  // KMS_SERVER_KEYS_GRANTS_H_
