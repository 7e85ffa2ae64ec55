// `kmsd policy lint`: the mistakes that bite people in KMS key policies, each
// with where it is and how to fix it (docs/policy-test.md, "Linting"):
//   set-operator        a bare operator on a multi-valued key
//                       (kms:EncryptionContextKeys, kms:GrantOperations,
//                       kms:ResourceAliases, aws:TagKeys)
//   via-service         a kms:ViaService value that is not
//                       <service>.<region>.amazonaws.com
//   public-principal    an Allow to Principal "*" no condition narrows to an
//                       account, organization or principal
//   lockout             the account's root user could not change the policy
//                       again (PutKeyPolicy); not for AWS managed keys'
//                       policies (Id "auto-..."), which nobody changes
//   unknown-action      an action that is no KMS action
//   unknown-condition-key  a condition key KMS and IAM do not have
//   vacuous-for-all-values  an Allow with ForAllValues on a key a request
//                       may lack, which then holds for every request
#ifndef KMS_SERVER_TOOLS_POLICY_LINT_H_
#define KMS_SERVER_TOOLS_POLICY_LINT_H_

#include <string>
#include <string_view>
#include <vector>

#include "kms/status.h"

namespace kms::tools {

struct LintFinding {
  std::string location;  // "<file>:<line>:<column>"
  std::string rule;      // "set-operator", ...
  std::string message;
  std::string fix;
};

// Lints the key policy `text` (of `file`) for a key of `account`.
// kValidation when it is not a valid key policy (as PutKeyPolicy would
// refuse it), with the parser's message.
StatusOr<std::vector<LintFinding>> LintKeyPolicy(std::string_view text, const std::string& file,
                                                 std::string_view account);

// One line per finding: "<location>: <rule>: <message> Fix: <fix>".
std::string FormatLintFindings(const std::vector<LintFinding>& findings);

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_POLICY_LINT_H_
