#include "kms/server/keys/key_policy_service.h"

namespace kms::keys {
namespace {

Status CheckPolicyName(const std::optional<std::string>& name) {
  if (!name || *name == "default") return OkStatus();
  return Error(Code::kNotFound, "No such policy exists");
}

}  // namespace

Status CheckPolicyLockout(Access& access, const CallContext& call, const KeyRecord& key,
                          std::shared_ptr<const policy::Policy> new_policy) {
  AccessRequest request;
  request.action = "kms:PutKeyPolicy";
  request.key = &key;
  const policy::Decision decision =
      access.Evaluate(call.caller, call.now, request, std::move(new_policy));
  if (decision.allowed) return OkStatus();
  return Error(Code::kMalformedPolicyDocument,
               "The new key policy will not allow you to update the key policy in the future.");
}

StatusOr<std::string> KeyPolicyService::GetKeyPolicy(CallContext& call,
                                                     const GetKeyPolicyRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:GetKeyPolicy", *resolved.key));
  KMS_RETURN_IF_ERROR(CheckPolicyName(request.policy_name));
  return resolved.key->policy;
}

Status KeyPolicyService::PutKeyPolicy(CallContext& call, const PutKeyPolicyRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  AccessRequest access;
  access.action = "kms:PutKeyPolicy";
  access.key = resolved.key.get();
  access.conditions.Set("kms:BypassPolicyLockoutSafetyCheck",
                        request.bypass_policy_lockout_safety_check ? "true" : "false");
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  KMS_RETURN_IF_ERROR(CheckPolicyName(request.policy_name));
  KMS_ASSIGN_OR_RETURN(auto parsed, deps_.access.ParseKeyPolicy(request.policy));
  if (!request.bypass_policy_lockout_safety_check) {
    KMS_RETURN_IF_ERROR(CheckPolicyLockout(deps_.access, call, *resolved.key, parsed));
  }
  KMS_RETURN_IF_ERROR(deps_.keys.UpdateKey(resolved.key->store_id(), [&](KeyRecord& key) -> Status {
    key.policy = request.policy;
    return OkStatus();
  }));
  return OkStatus();
}

StatusOr<std::vector<std::string>> KeyPolicyService::ListKeyPolicies(
    CallContext& call, const ListKeyPoliciesRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:ListKeyPolicies", *resolved.key));
  if (request.page.marker) return std::vector<std::string>{};
  return std::vector<std::string>{"default"};
}

}  // namespace kms::keys
