// Grants as a source of Allow in authorization (DESIGN.md section 5).
#ifndef KMS_SERVER_KEYS_GRANT_AUTHORITY_H_
#define KMS_SERVER_KEYS_GRANT_AUTHORITY_H_

#include "kms/server/keys/access.h"
#include "kms/server/keys/grants.h"
#include "kms/server/store/key_store.h"

namespace kms::keys {

// Reads the key's grants from the store's cache. Thread-safe.
class StoredGrantAuthority final : public GrantAuthority {
 public:
  StoredGrantAuthority(KeyStore& store, const grants::TokenCodec& tokens)
      : store_(store), tokens_(tokens) {}

  // The first grant of the key whose grantee is `principal`, whose operations
  // include the request's grant operation and whose constraints hold (and,
  // for CreateGrant, that the proposed grant does not exceed).
  std::optional<std::string> FindAllowingGrant(const Principal& principal,
                                               const AccessRequest& request) override;
  Status ValidateTokens(const std::vector<std::string>& tokens) override;

 private:
  KeyStore& store_;
  const grants::TokenCodec& tokens_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_GRANT_AUTHORITY_H_
