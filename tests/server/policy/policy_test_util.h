// Callers, keys and request builders shared by the policy tests.
#ifndef KMS_TESTS_SERVER_POLICY_POLICY_TEST_UTIL_H_
#define KMS_TESTS_SERVER_POLICY_POLICY_TEST_UTIL_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kms/principal.h"
#include "kms/server/policy/policy.h"

namespace kms::policy::testing {

inline constexpr char kAccount[] = "111122223333";
inline constexpr char kOtherAccount[] = "444455556666";
inline constexpr char kKeyArn[] =
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
inline constexpr char kOtherKeyArn[] =
    "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";

enum class Who {
  kAlice,          // IAM user in the key's account, tag team=blue
  kBob,            // another IAM user in the key's account
  kAdminSession,   // session "s1" of role Admin in the key's account
  kAdminSession2,  // session "s2" of role Admin
  kRoot,           // root user of the key's account
  kCarol,          // IAM user in another account
  kOpsSession,     // session of role Ops in another account
  kOtherRoot,      // root user of another account
  kRds,            // service principal rds.amazonaws.com
};

inline Principal MakePrincipal(Who who) {
  Principal p;
  switch (who) {
    case Who::kAlice:
      p = {PrincipalType::kIamUser,
           kAccount,
           "arn:aws:iam::111122223333:user/alice",
           "arn:aws:iam::111122223333:user/alice",
           "AIDAALICE",
           "alice",
           "",
           {{"team", "blue"}}};
      p.tags["key-id"] = "1234abcd-12ab-34cd-56ef-1234567890ab";
      break;
    case Who::kBob:
      p = {PrincipalType::kIamUser,
           kAccount,
           "arn:aws:iam::111122223333:user/bob",
           "arn:aws:iam::111122223333:user/bob",
           "AIDABOB",
           "bob",
           "",
           {}};
      break;
    case Who::kAdminSession:
    case Who::kAdminSession2: {
      const std::string session = who == Who::kAdminSession ? "s1" : "s2";
      p = {PrincipalType::kAssumedRole,
           kAccount,
           "arn:aws:sts::111122223333:assumed-role/Admin/" + session,
           "arn:aws:iam::111122223333:role/Admin",
           "AROAADMIN:" + session,
           "Admin",
           session,
           {}};
      break;
    }
    case Who::kRoot:
      p = {PrincipalType::kRoot,
           kAccount,
           "arn:aws:iam::111122223333:root",
           "arn:aws:iam::111122223333:root",
           kAccount,
           "",
           "",
           {}};
      break;
    case Who::kCarol:
      p = {PrincipalType::kIamUser,
           kOtherAccount,
           "arn:aws:iam::444455556666:user/carol",
           "arn:aws:iam::444455556666:user/carol",
           "AIDACAROL",
           "carol",
           "",
           {}};
      break;
    case Who::kOpsSession:
      p = {PrincipalType::kAssumedRole,
           kOtherAccount,
           "arn:aws:sts::444455556666:assumed-role/Ops/s",
           "arn:aws:iam::444455556666:role/Ops",
           "AROAOPS:s",
           "Ops",
           "s",
           {}};
      break;
    case Who::kOtherRoot:
      p = {PrincipalType::kRoot,
           kOtherAccount,
           "arn:aws:iam::444455556666:root",
           "arn:aws:iam::444455556666:root",
           kOtherAccount,
           "",
           "",
           {}};
      break;
    case Who::kRds:
      p = {PrincipalType::kAwsService, "", "rds.amazonaws.com", "", "", "", "", {}};
      break;
  }
  return p;
}

// Request condition values: key -> values; an empty list makes the key
// present with no values.
using Values = std::vector<std::pair<std::string, std::vector<std::string>>>;

inline RequestContext MakeRequest(Who who, std::string action, std::string resource,
                                  const Values& values = {}) {
  RequestContext request;
  request.action = std::move(action);
  request.resource = std::move(resource);
  request.principal = MakePrincipal(who);
  for (const auto& [key, list] : values) {
    request.conditions.SetEmpty(key);
    for (const std::string& value : list) request.conditions.Add(key, value);
  }
  return request;
}

// A policy document with Version 2012-10-17 around the given statements.
inline std::string Document(std::initializer_list<std::string> statements) {
  std::string out = R"({"Version":"2012-10-17","Statement":[)";
  bool first = true;
  for (const std::string& statement : statements) {
    if (!first) out += ",";
    out += statement;
    first = false;
  }
  return out + "]}";
}

// The default key policy KMS attaches (KMS Developer Guide, "Default key policy").
inline constexpr char kDefaultKeyPolicy[] = R"({
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
})";

// The AWS managed key policy of aws/rds (shared/reference, section 6).
inline constexpr char kAwsRdsKeyPolicy[] =
    R"({"Version":"2012-10-17","Id":"auto-rds-2","Statement":[
 {"Sid":"Allow access through RDS for all principals in the account that are authorized to use RDS",
  "Effect":"Allow",
  "Principal":{"AWS":"*"},
  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant",
            "kms:ListGrants","kms:DescribeKey"],
  "Resource":"*",
  "Condition":{"StringEquals":{"kms:CallerAccount":"111122223333",
                              "kms:ViaService":"rds.us-east-1.amazonaws.com"}}},
 {"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",
  "Principal":{"AWS":"arn:aws:iam::111122223333:root"},
  "Action":["kms:Describe*","kms:Get*","kms:List*","kms:RevokeGrant"],"Resource":"*"}]})";

}  // namespace kms::policy::testing

#endif  // KMS_TESTS_SERVER_POLICY_POLICY_TEST_UTIL_H_
