// Authorize: the KMS authorization decision for one request.
//
// Rules, in order, with their sources:
//  1. An explicit Deny in the key policy or in any identity policy denies,
//     whatever else allows, grants included ("An explicit deny in any policy
//     overrides any allows": IAM User Guide, "Policy evaluation logic"; grants
//     "allow access, but not deny it": KMS Developer Guide, "Using grants";
//     marked inferred in shared/reference section 5).
//  2. Actions without a key (key_policy == null: CreateKey, ListKeys, ...)
//     are decided by the caller's identity policies alone ("The kms:CreateKey
//     permission is valid only in an IAM policy": KMS Developer Guide,
//     "Default key policy"); the account root user is not subject to IAM
//     policies and may perform them (IAM User Guide, "AWS account root user").
//  3. The key policy is mandatory: KMS does not trust the account implicitly,
//     not even its root user (KMS Developer Guide, "Default key policy":
//     "Unlike other AWS resource policies, an AWS KMS key policy does not
//     automatically give permission to the account or any of its users").
//  4. Same-account caller: allowed when the key policy names the caller
//     directly (PrincipalScope::kDirect); or when it names the caller's
//     account, which delegates to IAM, and an identity policy of the caller
//     allows the action on the key ("Allows access to the AWS account and
//     enables IAM policies", same page).
//  5. Cross-account caller: needs both a key policy statement naming it (its
//     account, user, role, session or "*") and an identity policy in its own
//     account allowing the action on the key; the root user of that account
//     counts as allowed by IAM (KMS Developer Guide, "Allowing users in other
//     accounts to use a KMS key": "Neither the key policy nor the IAM policy
//     alone is sufficient").
//  6. Service principals have no identity policies: the key policy must name
//     them ({"Service": ...} or "*").
//  7. Otherwise a grant that allows the request allows it (KMS Developer
//     Guide, "Grants in AWS KMS"); the grants module decides that.
//  8. Otherwise implicit deny.
#include <string>

#include "kms/server/policy/policy.h"

namespace kms::policy {
namespace {

using Reason = Decision::Reason;

constexpr std::string_view kKeyPolicyName = "key policy";

// The first identity policy that denies, the first that allows, and the
// first with a closest statement.
struct IdentityResult {
  const NamedPolicy* deny_policy = nullptr;
  size_t deny_statement = PolicyEvaluation::kNone;
  const NamedPolicy* allow_policy = nullptr;
  size_t allow_statement = PolicyEvaluation::kNone;
  const NamedPolicy* closest_policy = nullptr;
  size_t closest_statement = PolicyEvaluation::kNone;
};

IdentityResult EvaluateIdentityPolicies(const AuthorizationInput& input) {
  IdentityResult result;
  for (const NamedPolicy& named : input.identity_policies) {
    if (named.policy == nullptr) continue;
    const PolicyEvaluation evaluation = named.policy->Evaluate(*input.request);
    if (evaluation.denied()) {
      result.deny_policy = &named;
      result.deny_statement = evaluation.deny_statement;
      return result;
    }
    if (evaluation.allowed() && result.allow_policy == nullptr) {
      result.allow_policy = &named;
      result.allow_statement = evaluation.allow_statement;
    }
    if (evaluation.closest_statement != PolicyEvaluation::kNone &&
        result.closest_policy == nullptr) {
      result.closest_policy = &named;
      result.closest_statement = evaluation.closest_statement;
    }
  }
  return result;
}

Decision Make(bool allowed, Reason reason, std::string_view policy_name, const Policy* policy,
              size_t statement) {
  Decision decision;
  decision.allowed = allowed;
  decision.reason = reason;
  decision.deciding_policy = std::string(policy_name);
  if (policy != nullptr && statement != PolicyEvaluation::kNone) {
    decision.deciding_statement = policy->StatementName(statement);
  }
  return decision;
}

// An implicit deny, naming the closest statement of the layer that was
// missing and its first failing condition.
Decision ImplicitDeny(Reason reason, std::string_view policy_name, const Policy* policy,
                      size_t closest, const RequestContext& request) {
  Decision decision = Make(false, reason, {}, nullptr, PolicyEvaluation::kNone);
  if (policy == nullptr || closest == PolicyEvaluation::kNone) return decision;
  decision.deciding_policy = std::string(policy_name);
  decision.deciding_statement = policy->StatementName(closest);
  decision.failed_condition = policy->ExplainFailedCondition(closest, request);
  return decision;
}

Decision NoIdentityAllow(const IdentityResult& identity, const RequestContext& request) {
  if (identity.closest_policy == nullptr) {
    return ImplicitDeny(Reason::kNoIdentityPolicyAllow, {}, nullptr, PolicyEvaluation::kNone,
                        request);
  }
  return ImplicitDeny(Reason::kNoIdentityPolicyAllow, identity.closest_policy->name,
                      identity.closest_policy->policy.get(), identity.closest_statement, request);
}

Decision AllowByIdentity(const IdentityResult& identity) {
  return Make(true, Reason::kAllowedByIdentityPolicy, identity.allow_policy->name,
              identity.allow_policy->policy.get(), identity.allow_statement);
}

// Rule 2: no key.
Decision AuthorizeWithoutKey(const AuthorizationInput& input, const IdentityResult& identity) {
  const RequestContext& request = *input.request;
  if (identity.allow_policy != nullptr) return AllowByIdentity(identity);
  if (request.principal.type == PrincipalType::kRoot) {
    return Make(true, Reason::kAllowedAsAccountRoot, {}, nullptr, PolicyEvaluation::kNone);
  }
  return NoIdentityAllow(identity, request);
}

// Rules 3 to 8: a key and its policy.
Decision AuthorizeWithKey(const AuthorizationInput& input, const PolicyEvaluation& key,
                          const IdentityResult& identity) {
  const RequestContext& request = *input.request;
  const Principal& caller = request.principal;
  const Policy& key_policy = *input.key_policy;
  const bool is_service = caller.type == PrincipalType::kAwsService;
  const bool same_account = !is_service && caller.account == input.key_account;
  const bool iam_allows = identity.allow_policy != nullptr || caller.type == PrincipalType::kRoot;

  if ((is_service || same_account) && key.allow_scope == PrincipalScope::kDirect) {
    return Make(true, Reason::kAllowedByKeyPolicy, kKeyPolicyName, &key_policy,
                key.allow_statement);
  }
  if (!is_service && key.allow_scope != PrincipalScope::kNone && iam_allows) {
    if (identity.allow_policy == nullptr) {  // the root user of another account
      return Make(true, Reason::kAllowedByKeyPolicy, kKeyPolicyName, &key_policy,
                  key.allow_statement);
    }
    Decision decision = AllowByIdentity(identity);
    decision.delegating_statement = key_policy.StatementName(key.allow_statement);
    return decision;
  }
  if (input.grant_allows) {
    return Make(true, Reason::kAllowedByGrant, *input.grant_allows, nullptr,
                PolicyEvaluation::kNone);
  }
  if (key.allow_scope == PrincipalScope::kNone) {
    return ImplicitDeny(Reason::kNoKeyPolicyAllow, kKeyPolicyName, &key_policy,
                        key.closest_statement, request);
  }
  // The key policy delegates to IAM and no IAM policy allows. When no IAM
  // statement came close, the key policy statement that did (its condition
  // failed) is the more useful explanation.
  if (identity.closest_policy == nullptr && key.closest_statement != PolicyEvaluation::kNone) {
    return ImplicitDeny(Reason::kNoIdentityPolicyAllow, kKeyPolicyName, &key_policy,
                        key.closest_statement, request);
  }
  return NoIdentityAllow(identity, request);
}

}  // namespace

Decision Authorize(const AuthorizationInput& input) {
  KMS_CHECK(input.request != nullptr);
  PolicyEvaluation key;
  if (input.key_policy != nullptr) key = input.key_policy->Evaluate(*input.request);
  if (key.denied()) {
    return Make(false, Reason::kExplicitDenyInKeyPolicy, kKeyPolicyName, input.key_policy.get(),
                key.deny_statement);
  }
  const IdentityResult identity = EvaluateIdentityPolicies(input);
  if (identity.deny_policy != nullptr) {
    return Make(false, Reason::kExplicitDenyInIdentityPolicy, identity.deny_policy->name,
                identity.deny_policy->policy.get(), identity.deny_statement);
  }
  if (input.key_policy == nullptr) return AuthorizeWithoutKey(input, identity);
  return AuthorizeWithKey(input, key, identity);
}

std::string_view ReasonName(Decision::Reason reason) {
  switch (reason) {
    case Reason::kAllowedByKeyPolicy:
      return "AllowedByKeyPolicy";
    case Reason::kAllowedByIdentityPolicy:
      return "AllowedByIdentityPolicy";
    case Reason::kAllowedByGrant:
      return "AllowedByGrant";
    case Reason::kAllowedAsAccountRoot:
      return "AllowedAsAccountRoot";
    case Reason::kExplicitDenyInKeyPolicy:
      return "ExplicitDenyInKeyPolicy";
    case Reason::kExplicitDenyInIdentityPolicy:
      return "ExplicitDenyInIdentityPolicy";
    case Reason::kNoKeyPolicyAllow:
      return "NoKeyPolicyAllow";
    case Reason::kNoIdentityPolicyAllow:
      return "NoIdentityPolicyAllow";
    case Reason::kKeyPolicyUnreadable:
      return "KeyPolicyUnreadable";
  }
  return "Unknown";
}

}  // namespace kms::policy
