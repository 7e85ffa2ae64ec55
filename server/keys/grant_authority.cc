#include "kms/server/keys/grant_authority.h"

#include <algorithm>

namespace kms::keys {

namespace {

// Below this many grants a key's list is scanned; from it, looked up.
constexpr size_t kIndexedFrom = 64;

}  // namespace

std::optional<std::string> StoredGrantAuthority::FindAllowingGrant(const Principal& principal,
                                                                   const AccessRequest& request) {
  auto grants = store_.GetGrantsForKey(request.key->store_id());
  if (!grants) return std::nullopt;
  const auto allows = [&](const GrantRecord& grant) {
    if (std::find(grant.operations.begin(), grant.operations.end(), request.grant_operation) ==
        grant.operations.end()) {
      return false;
    }
    // A grant that allows CreateGrant constrains the grants it creates (they
    // may only narrow it), not a request context.
    if (request.proposed_grant != nullptr)
      return grants::IsNoBroaderThan(*request.proposed_grant, grant);
    return grants::ConstraintsAllow(grant, request.grant_operation, request.encryption_context);
  };
  const Grants& all = **grants;
  if (all.size() < kIndexedFrom) {
    for (const GrantRecord& grant : all) {
      if (grants::GranteeMatches(grant, principal) && allows(grant))
        return "grant " + grant.grant_id;
    }
    return std::nullopt;
  }
  // The caller's grants, in the list's order (GranteeMatches: either name).
  const std::shared_ptr<const GranteeIndex> index = IndexOf(request.key->store_id(), *grants);
  std::vector<size_t> mine;
  for (const std::string* name : {&principal.arn, &principal.principal_arn}) {
    if (auto it = index->positions.find(*name); it != index->positions.end())
      mine.insert(mine.end(), it->second.begin(), it->second.end());
  }
  std::sort(mine.begin(), mine.end());
  mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
  for (const size_t position : mine) {
    if (allows(all[position])) return "grant " + all[position].grant_id;
  }
  return std::nullopt;
}

std::shared_ptr<const StoredGrantAuthority::GranteeIndex> StoredGrantAuthority::IndexOf(
    const std::string& store_id, const std::shared_ptr<const Grants>& grants) {
  {
    std::lock_guard lock(mu_);
    auto it = indexes_.find(store_id);
    if (it != indexes_.end() && it->second->grants == grants) return it->second;
  }
  auto index = std::make_shared<GranteeIndex>();
  index->grants = grants;
  for (size_t i = 0; i < grants->size(); ++i)
    index->positions[(*grants)[i].grantee_principal].push_back(i);
  std::lock_guard lock(mu_);
  indexes_[store_id] = index;
  return index;
}

Status StoredGrantAuthority::ValidateTokens(const std::vector<std::string>& tokens) {
  for (const std::string& token : tokens) KMS_RETURN_IF_ERROR(tokens_.Parse(token));
  return OkStatus();
}

}  // namespace kms::keys
