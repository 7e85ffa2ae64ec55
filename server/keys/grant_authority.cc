#include "kms/server/keys/grant_authority.h"

#include <algorithm>

namespace kms::keys {

std::optional<std::string> StoredGrantAuthority::FindAllowingGrant(const Principal& principal,
                                                                   const AccessRequest& request) {
  auto grants = store_.GetGrantsForKey(request.key->key_id);
  if (!grants) return std::nullopt;
  for (const GrantRecord& grant : **grants) {
    if (!grants::GranteeMatches(grant, principal)) continue;
    if (std::find(grant.operations.begin(), grant.operations.end(), request.grant_operation) ==
        grant.operations.end()) {
      continue;
    }
    // A grant that allows CreateGrant constrains the grants it creates (they
    // may only narrow it), not a request context.
    if (request.proposed_grant != nullptr) {
      if (!grants::IsNoBroaderThan(*request.proposed_grant, grant)) continue;
    } else if (!grants::ConstraintsAllow(grant, request.grant_operation,
                                         request.encryption_context)) {
      continue;
    }
    return "grant " + grant.grant_id;
  }
  return std::nullopt;
}

Status StoredGrantAuthority::ValidateTokens(const std::vector<std::string>& tokens) {
  for (const std::string& token : tokens) KMS_RETURN_IF_ERROR(tokens_.Parse(token));
  return OkStatus();
}

}  // namespace kms::keys
