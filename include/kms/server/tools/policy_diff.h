// `kmsd policy diff OLD NEW`: what a change of key policy grants or takes
// away. Every request that matters is decided under both policies by the
// server's own evaluator, offline: the config's principals (with their IAM
// policies) and service principals, the principals and accounts either policy
// names, and one outside account; each KMS action on a key; and the condition
// values either policy names, with one value outside each. What the
// enumeration covers and cannot prove: docs/policy-test.md, "Diffing".
#ifndef KMS_SERVER_TOOLS_POLICY_DIFF_H_
#define KMS_SERVER_TOOLS_POLICY_DIFF_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kms/server/config/config.h"
#include "kms/status.h"

namespace kms::tools {

// One request whose decision changes.
struct DecisionChange {
  std::string principal;  // an ARN or a service principal
  std::string action;     // "kms:Decrypt"
  std::string when;       // the condition values of the request: "kms:ViaService=..., ..."
  std::string before;     // "allow", "deny", "explicit-deny"
  std::string after;
};

struct PolicyDiff {
  std::vector<DecisionChange> gains;   // denied before, allowed now
  std::vector<DecisionChange> losses;  // allowed before, denied now
  size_t principals = 0;
  size_t actions = 0;
  size_t cases = 0;  // condition cases per principal and action
  size_t requests = 0;
};

// Decides the requests under `old_policy` and `new_policy`, the policies of a
// symmetric key in `account` (us-east-1). kValidation "<name>: <problem>"
// when a policy is not a key policy.
StatusOr<PolicyDiff> DiffKeyPolicies(std::string_view old_policy, std::string_view new_policy,
                                     std::string_view account, const config::ServerConfig& config);

// Who gains what, then who loses what, each principal's actions with the
// cases that change (or "in every case tried"), then a summary line.
std::string FormatPolicyDiff(const PolicyDiff& diff);

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_POLICY_DIFF_H_
