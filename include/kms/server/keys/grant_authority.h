// Grants as a source of Allow in authorization (DESIGN.md section 5).
#ifndef KMS_SERVER_KEYS_GRANT_AUTHORITY_H_
#define KMS_SERVER_KEYS_GRANT_AUTHORITY_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

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
  // for CreateGrant, that the proposed grant does not exceed). A key with
  // many grants looks at the caller's only (GranteeIndex).
  std::optional<std::string> FindAllowingGrant(const Principal& principal,
                                               const AccessRequest& request) override;
  Status ValidateTokens(const std::vector<std::string>& tokens) override;

 private:
  using Grants = std::vector<GrantRecord>;
  // The positions of one snapshot of a key's grants, by grantee principal.
  struct GranteeIndex {
    std::shared_ptr<const Grants> grants;
    std::unordered_map<std::string, std::vector<size_t>> positions;
  };
  // The index of `grants` (the key's current snapshot), built once per
  // snapshot.
  std::shared_ptr<const GranteeIndex> IndexOf(const std::string& store_id,
                                              const std::shared_ptr<const Grants>& grants);

  KeyStore& store_;
  const grants::TokenCodec& tokens_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const GranteeIndex>> indexes_;  // by key id
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_GRANT_AUTHORITY_H_
