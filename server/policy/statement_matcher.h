// Matching of one statement's Action, Resource and Principal elements.
#ifndef KMS_SERVER_POLICY_STATEMENT_MATCHER_H_
#define KMS_SERVER_POLICY_STATEMENT_MATCHER_H_

#include <string_view>

#include "kms/server/policy/policy.h"
#include "policy_document.h"
#include "request_keys.h"

namespace kms::policy::internal {

// Action/NotAction: action names are case-insensitive and may use '*' and
// '?' (IAM User Guide, "IAM JSON policy elements: Action"); NotAction matches
// every action not listed.
bool ActionMatches(const Statement& statement, std::string_view action);

// Resource/NotResource against request.resource. In a key policy "*" means
// the key itself (KMS Developer Guide, "Key policies"); other patterns are
// ARN patterns matched per ARN component, with policy variables substituted
// when the document's Version is 2012-10-17. A pattern whose variable cannot
// be resolved matches nothing.
bool ResourceMatches(const Statement& statement, const RequestKeys& keys);

// How the statement's Principal or NotPrincipal covers `caller` (see
// PrincipalScope). Principal (IAM User Guide, "Principal"):
//  - "*" and {"AWS": "*"} match every caller, service principals included;
//  - an account id or arn:aws:iam::<account>:root matches every principal of
//    that account (kAccount), and the root user itself directly;
//  - a user ARN matches that user; a role ARN matches every session of the
//    role (the caller's principal_arn); an assumed-role ARN matches that
//    session (the caller's arn);
//  - {"Service": name} matches the service principal of that name.
// NotPrincipal (IAM User Guide, "NotPrincipal"): AWS checks the caller's
// account, then its role, then its session, so a caller escapes the statement
// only when every one of its identities is listed: the account (as id or
// root ARN) and the user ARN for a user; the account, the role ARN and the
// session ARN for a session; the service name for a service. Otherwise the
// statement applies directly (kDirect).
PrincipalScope PrincipalScopeFor(const PrincipalSpec& spec, const Principal& caller);

}  // namespace kms::policy::internal

#endif  // KMS_SERVER_POLICY_STATEMENT_MATCHER_H_
