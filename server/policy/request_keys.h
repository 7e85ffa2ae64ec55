// Condition key lookup for one request.
#ifndef KMS_SERVER_POLICY_REQUEST_KEYS_H_
#define KMS_SERVER_POLICY_REQUEST_KEYS_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kms/server/policy/policy.h"

namespace kms::policy::internal {

// The condition keys of one request: RequestContext::conditions first, then
// the keys IAM derives from the caller (IAM User Guide, "AWS global condition
// context keys" and "Principal key values"), for keys the caller did not set:
//   aws:PrincipalArn      principal_arn (user ARN, role ARN, or root ARN)
//   aws:PrincipalAccount  account
//   aws:PrincipalType     "Account" (root), "User", "AssumedRole"
//   aws:userid            principal_id
//   aws:username          user_name, for IAM users only (absent for roles)
//   aws:PrincipalTag/<k>  tags (tag keys compared case-insensitively)
//   kms:CallerAccount     account, only when the request names a key
//                         (resource != "*"), as KMS defines it for key ops.
// Empty strings count as absent. Service principals derive nothing.
// Borrows `request`; allocation-free; not thread-safe to share while the
// request is mutated.
class RequestKeys {
 public:
  explicit RequestKeys(const RequestContext& request) : request_(request) {}

  // The values of `key` (any case), or nullopt when the key is absent. A key
  // may be present with no values (an empty multi-valued key).
  std::optional<std::span<const std::string>> Find(std::string_view key) const;
  // Whether the request's values of `key` are alternatives
  // (ConditionValues::Entry::alternatives).
  bool HasAlternatives(std::string_view key) const;

  const RequestContext& request() const { return request_; }

 private:
  std::optional<std::span<const std::string>> Derived(std::string_view key) const;

  const RequestContext& request_;
};

}  // namespace kms::policy::internal

#endif  // KMS_SERVER_POLICY_REQUEST_KEYS_H_
