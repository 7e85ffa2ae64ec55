// Who is calling: the authenticated identity of a request.
#ifndef KMS_PRINCIPAL_H_
#define KMS_PRINCIPAL_H_

#include <map>
#include <string>

namespace kms {

// CloudTrail's userIdentity.type values for the identities kmsd models.
enum class PrincipalType {
  kRoot,         // "Root":        arn:aws:iam::<account>:root
  kIamUser,      // "IAMUser":     arn:aws:iam::<account>:user/<path/><name>
  kAssumedRole,  // "AssumedRole": arn:aws:sts::<account>:assumed-role/<role>/<session>
  kAwsService,   // "AWSService":  a service principal such as rds.amazonaws.com
};

struct Principal {
  PrincipalType type = PrincipalType::kIamUser;
  std::string account;  // 12-digit account id; empty for kAwsService
  // The caller's ARN as CloudTrail's userIdentity.arn shows it (sts ARN for
  // assumed roles); for kAwsService the service name, e.g. "rds.amazonaws.com".
  std::string arn;
  // aws:PrincipalArn: the user ARN, the *role* ARN for an assumed role
  // (arn:aws:iam::<account>:role/<path/><role>), or the root ARN.
  std::string principal_arn;
  // userIdentity.principalId and aws:userid: "AIDA..." for users,
  // "AROA...:<session>" for assumed roles, the account id for root.
  std::string principal_id;
  std::string user_name;                    // aws:username (users only); role name for roles
  std::string session_name;                 // assumed roles only
  std::map<std::string, std::string> tags;  // aws:PrincipalTag/<key>

  friend bool operator==(const Principal&, const Principal&) = default;
};

std::string_view PrincipalTypeName(PrincipalType type);  // "IAMUser", ...

}  // namespace kms

#endif  // KMS_PRINCIPAL_H_
