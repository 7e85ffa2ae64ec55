// Decision texts: Decision::Explain and the AccessDeniedException message.
#include <string>

#include "kms/server/policy/policy.h"

namespace kms::policy {
namespace {

using Reason = Decision::Reason;

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  out.append(text).push_back('"');
  return out;
}

std::string StatementOf(const Decision& decision) {
  std::string out = decision.deciding_policy;
  if (!decision.deciding_statement.empty()) {
    out += " statement " + Quoted(decision.deciding_statement);
  }
  return out;
}

std::string ClosestMiss(const Decision& decision) {
  if (decision.deciding_statement.empty()) return {};
  std::string out = "; closest: " + StatementOf(decision);
  if (!decision.failed_condition.empty()) out += ", failed condition " + decision.failed_condition;
  return out;
}

}  // namespace

std::string Decision::Explain() const {
  switch (reason) {
    case Reason::kAllowedByKeyPolicy:
      return "ALLOW by " + StatementOf(*this);
    case Reason::kAllowedByIdentityPolicy: {
      std::string out = "ALLOW by identity policy " + StatementOf(*this);
      if (!delegating_statement.empty()) {
        out +=
            " (the key policy statement " + Quoted(delegating_statement) + " allows the account)";
      }
      return out;
    }
    case Reason::kAllowedByGrant:
      return "ALLOW by " + deciding_policy;
    case Reason::kAllowedAsAccountRoot:
      return "ALLOW: the account root user may perform actions without a key";
    case Reason::kExplicitDenyInKeyPolicy:
      return "DENY: explicit deny in " + StatementOf(*this);
    case Reason::kExplicitDenyInIdentityPolicy:
      return "DENY: explicit deny in identity policy " + StatementOf(*this);
    case Reason::kNoKeyPolicyAllow:
      return "DENY: no key policy statement allows the caller or its account" + ClosestMiss(*this);
    case Reason::kNoIdentityPolicyAllow:
      return "DENY: no identity policy allows the action" + ClosestMiss(*this);
    case Reason::kKeyPolicyUnreadable:
      return "DENY: the key's stored policy cannot be read (" + failed_condition + ")";
  }
  return "DENY";
}

// AWS's wording (KMS AccessDeniedException messages seen in public, see
// shared/reference/kms-wire-protocol.md section 1; "on resource: *" for
// CreateKey, seen in a public error report).
std::string AccessDeniedMessage(const RequestContext& request, const Decision& decision) {
  if (decision.allowed) return {};
  std::string message = "User: " + request.principal.arn +
                        " is not authorized to perform: " + request.action +
                        " on resource: " + request.resource;
  switch (decision.reason) {
    case Reason::kExplicitDenyInKeyPolicy:
      return message + " with an explicit deny in a resource-based policy";
    case Reason::kExplicitDenyInIdentityPolicy:
      return message + " with an explicit deny in an identity-based policy";
    case Reason::kNoKeyPolicyAllow:
    case Reason::kKeyPolicyUnreadable:  // the client sees what AWS would say; the record says why
      return message + " because no resource-based policy allows the " + request.action + " action";
    default:
      return message + " because no identity-based policy allows the " + request.action + " action";
  }
}

}  // namespace kms::policy
