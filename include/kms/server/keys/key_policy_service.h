// GetKeyPolicy, PutKeyPolicy and ListKeyPolicies (keys of the caller's
// account only: cross-account use: no), and the policy lockout safety check
// CreateKey shares. Thread-safe.
#ifndef KMS_SERVER_KEYS_KEY_POLICY_SERVICE_H_
#define KMS_SERVER_KEYS_KEY_POLICY_SERVICE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

struct GetKeyPolicyRequest {
  std::string key_id;
  std::optional<std::string> policy_name;  // only "default" exists
};

struct PutKeyPolicyRequest {
  std::string key_id;
  std::optional<std::string> policy_name;
  std::string policy;
  bool bypass_policy_lockout_safety_check = false;
};

struct ListKeyPoliciesRequest {
  std::string key_id;
  PageRequest page;
};

// MalformedPolicyDocumentException "The new key policy will not allow you to
// update the key policy in the future." unless the caller could still call
// PutKeyPolicy on `key` under `new_policy`.
Status CheckPolicyLockout(Access& access, const CallContext& call, const KeyRecord& key,
                          std::shared_ptr<const policy::Policy> new_policy);

class KeyPolicyService {
 public:
  explicit KeyPolicyService(const ServiceDeps& deps) : deps_(deps) {}

  // The key's policy text. NotFoundException "No such policy exists" for a
  // name other than "default" (after authorization, as AWS checks it).
  StatusOr<std::string> GetKeyPolicy(CallContext& call, const GetKeyPolicyRequest& request);
  // Replaces the key's policy: MalformedPolicyDocumentException or
  // LimitExceededException for a policy that does not parse or is too large,
  // and the lockout check unless bypassed.
  Status PutKeyPolicy(CallContext& call, const PutKeyPolicyRequest& request);
  // The key's policy names: ["default"], or none on a page after the first.
  StatusOr<std::vector<std::string>> ListKeyPolicies(CallContext& call,
                                                     const ListKeyPoliciesRequest& request);

 private:
  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_KEY_POLICY_SERVICE_H_
