#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kms/server/policy/policy.h"
#include "server/policy/policy_test_util.h"
#include "testing/status_matchers.h"

namespace kms::policy {
namespace {

using testing::Document;
using ::testing::HasSubstr;
using testing::kAccount;
using testing::kKeyArn;
using testing::MakeRequest;
using testing::Who;

ParseOptions KeyPolicy() { return ParseOptions{}; }

ParseOptions IdentityPolicy() {
  ParseOptions options;
  options.kind = PolicyKind::kIdentityPolicy;
  return options;
}

std::string AliceStatement(const std::string& extra) {
  return Document(
      {R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
       R"("Action":"kms:*","Resource":"*")" +
       extra + "}"});
}

void ExpectMalformed(const std::string& json, const ParseOptions& options,
                     const std::string& message_part) {
  EXPECT_THAT(ParsePolicy(json, options),
              StatusIs(Code::kMalformedPolicyDocument, HasSubstr(message_part)))
      << json;
}

TEST(PolicyParserTest, ParsesTheDefaultKeyPolicy) {
  KMS_ASSERT_OK_AND_ASSIGN(auto policy, ParsePolicy(testing::kDefaultKeyPolicy, KeyPolicy()));
  EXPECT_EQ(policy->kind(), PolicyKind::kKeyPolicy);
  EXPECT_EQ(policy->version(), "2012-10-17");
  ASSERT_EQ(policy->statement_count(), 1u);
  EXPECT_EQ(policy->StatementName(0), "Enable IAM User Permissions");
}

TEST(PolicyParserTest, ParsedDocumentRoundTripsThroughEvaluation) {
  KMS_ASSERT_OK_AND_ASSIGN(auto policy, ParsePolicy(testing::kAwsRdsKeyPolicy, KeyPolicy()));
  const RequestContext via_rds = MakeRequest(Who::kAlice, "kms:GenerateDataKey", kKeyArn,
                                             {{"kms:ViaService", {"rds.us-east-1.amazonaws.com"}}});
  const PolicyEvaluation allowed = policy->Evaluate(via_rds);
  EXPECT_EQ(allowed.allow_statement, 0u);
  EXPECT_EQ(allowed.allow_scope, PrincipalScope::kDirect);
  const PolicyEvaluation describe =
      policy->Evaluate(MakeRequest(Who::kAlice, "kms:DescribeKey", kKeyArn));
  EXPECT_EQ(describe.allow_statement, 1u);
  EXPECT_EQ(describe.allow_scope, PrincipalScope::kAccount);
  EXPECT_EQ(describe.closest_statement, 0u);
}

TEST(PolicyParserTest, StatementMayBeASingleObject) {
  KMS_ASSERT_OK_AND_ASSIGN(
      auto policy,
      ParsePolicy(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*",)"
                  R"("Resource":"*"}})",
                  IdentityPolicy()));
  EXPECT_EQ(policy->statement_count(), 1u);
  EXPECT_EQ(policy->StatementName(0), "Statement[0]");
}

TEST(PolicyParserTest, MissingVersionMeans2008) {
  KMS_ASSERT_OK_AND_ASSIGN(
      auto policy,
      ParsePolicy(R"({"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]})",
                  IdentityPolicy()));
  EXPECT_EQ(policy->version(), "2008-10-17");
}

TEST(PolicyParserTest, RejectsInvalidJson) {
  ExpectMalformed("{\"Version\":", KeyPolicy(), "not valid JSON");
  ExpectMalformed("", KeyPolicy(), "not valid JSON");
  ExpectMalformed(testing::kDefaultKeyPolicy + std::string("x"), KeyPolicy(), "not valid JSON");
}

TEST(PolicyParserTest, RejectsInvalidUtf8) {
  ExpectMalformed(AliceStatement(R"(,"Sid":")" + std::string("\xff\xfe") + "\""), KeyPolicy(),
                  "not valid JSON");
}

TEST(PolicyParserTest, RejectsANonObjectDocument) {
  ExpectMalformed("[]", KeyPolicy(), "must be a JSON object");
}

TEST(PolicyParserTest, RejectsUnknownAndDuplicateElements) {
  ExpectMalformed(R"({"Version":"2012-10-17","Foo":1,"Statement":[]})", KeyPolicy(),
                  "unknown element: Foo");
  ExpectMalformed(R"({"Version":"2012-10-17","Version":"2012-10-17","Statement":[]})", KeyPolicy(),
                  "duplicate element: Version");
  ExpectMalformed(AliceStatement(R"(,"Effect":"Deny")"), KeyPolicy(), "duplicate element: Effect");
  ExpectMalformed(AliceStatement(R"(,"Actions":"kms:*")"), KeyPolicy(), "unknown element: Actions");
}

TEST(PolicyParserTest, RejectsAnUnsupportedVersion) {
  ExpectMalformed(R"({"Version":"2020-01-01","Statement":[]})", KeyPolicy(),
                  "unsupported Version: 2020-01-01");
}

TEST(PolicyParserTest, RequiresAStatement) {
  ExpectMalformed(R"({"Version":"2012-10-17"})", KeyPolicy(), "Statement");
  ExpectMalformed(R"({"Version":"2012-10-17","Statement":"x"})", KeyPolicy(), "Statement");
}

TEST(PolicyParserTest, RejectsAnUnknownOrMissingEffect) {
  ExpectMalformed(
      Document({R"({"Effect":"Permit","Principal":"*","Action":"kms:*","Resource":"*"})"}),
      KeyPolicy(), "invalid Effect: Permit");
  ExpectMalformed(
      Document({R"({"Effect":"allow","Principal":"*","Action":"kms:*","Resource":"*"})"}),
      KeyPolicy(), "invalid Effect: allow");
  ExpectMalformed(Document({R"({"Principal":"*","Action":"kms:*","Resource":"*"})"}), KeyPolicy(),
                  "no Effect");
}

TEST(PolicyParserTest, IdentityPolicyRequiresActionAndResource) {
  ExpectMalformed(Document({R"({"Effect":"Allow","Resource":"*"})"}), IdentityPolicy(),
                  "Policy statement must contain actions.");
  ExpectMalformed(Document({R"({"Effect":"Allow","Action":"kms:*"})"}), IdentityPolicy(),
                  "Policy statement must contain resources.");
}

TEST(PolicyParserTest, KeyPolicyStatementWithoutActionIsAcceptedAndHasNoEffect) {
  // KMS API reference, PutKeyPolicy: such statements are accepted and ineffective.
  KMS_ASSERT_OK_AND_ASSIGN(
      auto policy,
      ParsePolicy(Document({R"({"Effect":"Allow","Principal":"*","Resource":"*"})"}), KeyPolicy()));
  EXPECT_FALSE(policy->Evaluate(MakeRequest(Who::kAlice, "kms:Decrypt", kKeyArn)).allowed());
}

TEST(PolicyParserTest, RejectsBothMembersOfAPair) {
  ExpectMalformed(AliceStatement(R"(,"NotAction":"kms:Decrypt")"), KeyPolicy(),
                  "both Action and NotAction");
  ExpectMalformed(AliceStatement(R"(,"NotResource":"*")"), KeyPolicy(),
                  "both Resource and NotResource");
  ExpectMalformed(AliceStatement(R"(,"NotPrincipal":"*")"), KeyPolicy(),
                  "both Principal and NotPrincipal");
}

TEST(PolicyParserTest, KeyPolicyStatementNeedsAPrincipal) {
  ExpectMalformed(Document({R"({"Effect":"Allow","Action":"kms:*","Resource":"*"})"}), KeyPolicy(),
                  "Policy contains a statement with no principal.");
}

TEST(PolicyParserTest, IdentityPolicyMustNotNameAPrincipal) {
  ExpectMalformed(testing::kDefaultKeyPolicy, IdentityPolicy(),
                  "Policy document should not specify a principal.");
  ExpectMalformed(
      Document({R"({"Effect":"Deny","NotPrincipal":"*","Action":"kms:*","Resource":"*"})"}),
      IdentityPolicy(), "Policy document should not specify a principal.");
}

TEST(PolicyParserTest, RejectsInvalidPrincipals) {
  const std::string invalid = "Policy contains a statement with one or more invalid principals.";
  for (const std::string principal :
       {R"("alice")", R"({"AWS":"alice"})", R"({"AWS":"12345"})",
        R"({"AWS":"arn:aws:iam::111122223333:user/*"})", R"({"AWS":"arn:aws:iam::1111:root"})",
        R"({"AWS":"arn:aws:s3:::bucket"})", R"({"AWS":"arn:aws:iam::111122223333:group/g"})",
        R"({"AWS":"arn:aws:iam::111122223333:user/"})", R"({"AWS":[]})", R"({})",
        R"({"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})",
        R"({"Service":""})", R"({"Service":"*"})", R"({"AWS":{"x":1}})",
        R"({"AWS":"arn:aws:sts::111122223333:assumed-role/Admin"})"}) {
    ExpectMalformed(Document({R"({"Effect":"Allow","Principal":)" + principal +
                              R"(,"Action":"kms:*","Resource":"*"})"}),
                    KeyPolicy(), invalid);
  }
}

TEST(PolicyParserTest, AcceptsEveryDocumentedPrincipalForm) {
  for (const std::string principal :
       {R"("*")", R"({"AWS":"*"})", R"({"AWS":"111122223333"})", R"({"AWS":111122223333})",
        R"({"AWS":"arn:aws:iam::111122223333:root"})",
        R"({"AWS":"arn:aws:iam::111122223333:user/path/alice"})",
        R"({"AWS":"arn:aws:iam::111122223333:role/Admin"})",
        R"({"AWS":"arn:aws:sts::111122223333:assumed-role/Admin/s1"})",
        R"({"AWS":"arn:aws-cn:iam::111122223333:root"})",
        R"({"Service":["rds.amazonaws.com","ec2.amazonaws.com"]})",
        R"({"AWS":"111122223333","Service":"rds.amazonaws.com"})"}) {
    EXPECT_THAT(ParsePolicy(Document({R"({"Effect":"Allow","Principal":)" + principal +
                                      R"(,"Action":"kms:*","Resource":"*"})"}),
                            KeyPolicy()),
                IsOk())
        << principal;
  }
}

TEST(PolicyParserTest, RejectsPrincipalsThatDoNotExist) {
  ParseOptions options;
  options.principal_exists = [](std::string_view arn) { return arn.ends_with("/alice"); };
  EXPECT_THAT(ParsePolicy(AliceStatement(""), options), IsOk());
  EXPECT_THAT(
      ParsePolicy(
          Document(
              {R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/ghost"},)"
               R"("Action":"kms:*","Resource":"*"})"}),
          options),
      StatusIs(Code::kMalformedPolicyDocument, HasSubstr("invalid principals")));
}

TEST(PolicyParserTest, RejectsAnActionWithoutAVendorPrefix) {
  ExpectMalformed(
      Document({R"({"Effect":"Allow","Principal":"*","Action":"Decrypt","Resource":"*"})"}),
      KeyPolicy(), "must be prefaced by a vendor");
  ExpectMalformed(Document({R"({"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"})"}),
                  KeyPolicy(), "must not be an empty list");
  ExpectMalformed(Document({R"({"Effect":"Allow","Principal":"*","Action":[1],"Resource":"*"})"}),
                  KeyPolicy(), "must be prefaced by a vendor");
  ExpectMalformed(
      Document({R"({"Effect":"Allow","Principal":"*","Action":[true],"Resource":"*"})"}),
      KeyPolicy(), "must be a string or an array of strings");
}

TEST(PolicyParserTest, IdentityPolicySidsMustBeAlphanumericAndUnique) {
  ExpectMalformed(
      Document({R"({"Sid":"Use keys","Effect":"Allow","Action":"kms:*","Resource":"*"})"}),
      IdentityPolicy(), "Statement IDs (SID) must be alpha-numeric.");
  ExpectMalformed(Document({R"({"Sid":"A","Effect":"Allow","Action":"kms:*","Resource":"*"})",
                            R"({"Sid":"A","Effect":"Deny","Action":"kms:*","Resource":"*"})"}),
                  IdentityPolicy(), "Statement IDs (SID) in a single policy must be unique.");
  // Key policies use free-form Sids, as in KMS's own default policies.
  EXPECT_THAT(ParsePolicy(testing::kAwsRdsKeyPolicy, KeyPolicy()), IsOk());
}

TEST(PolicyParserTest, RejectsAResourceThatIsNotAnArn) {
  ExpectMalformed(Document({R"({"Effect":"Allow","Action":"kms:*","Resource":"my-key"})"}),
                  IdentityPolicy(), "Resource my-key must be in ARN format or \"*\".");
}

TEST(PolicyParserTest, RejectsAnUnknownConditionOperator) {
  ExpectMalformed(AliceStatement(R"(,"Condition":{"StringEqualz":{"kms:ViaService":"x"}})"),
                  KeyPolicy(), "invalid condition operator: StringEqualz");
  ExpectMalformed(AliceStatement(R"(,"Condition":{"NullIfExists":{"kms:ViaService":"true"}})"),
                  KeyPolicy(), "invalid condition operator: NullIfExists");
  ExpectMalformed(
      AliceStatement(R"(,"Condition":{"ForSomeValues:StringEquals":{"kms:ViaService":"x"}})"),
      KeyPolicy(), "invalid condition operator");
}

TEST(PolicyParserTest, RejectsMalformedConditionBlocks) {
  ExpectMalformed(AliceStatement(R"(,"Condition":"x")"), KeyPolicy(), "must be a JSON object");
  ExpectMalformed(AliceStatement(R"(,"Condition":{"StringEquals":"x"})"), KeyPolicy(),
                  "must map keys to values");
  ExpectMalformed(AliceStatement(R"(,"Condition":{"StringEquals":{"kms:ViaService":{"a":1}}})"),
                  KeyPolicy(), "must be a string or an array of strings");
  ExpectMalformed(AliceStatement(R"(,"Condition":{"StringEquals":{"kms:ViaService":null}})"),
                  KeyPolicy(), "must be a string or an array of strings");
  ExpectMalformed(AliceStatement(R"(,"Condition":{"StringEquals":{"ViaService":"x"}})"),
                  KeyPolicy(), "must be prefaced by a vendor");
  ExpectMalformed(AliceStatement(R"(,"Condition":{"Bool":{"aws:SecureTransport":"true"},)"
                                 R"("Bool":{"aws:SecureTransport":"false"}})"),
                  KeyPolicy(), "duplicate operator: Bool");
  ExpectMalformed(
      AliceStatement(
          R"(,"Condition":{"Bool":{"aws:SecureTransport":"true","aws:SecureTransport":"false"}})"),
      KeyPolicy(), "duplicate key: aws:SecureTransport");
}

TEST(PolicyParserTest, KeyPolicyRejectsForAllValuesWithEncryptionContextKeys) {
  ExpectMalformed(
      AliceStatement(
          R"(,"Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContext:Dept":"IT"}})"),
      KeyPolicy(),
      "OverlyPermissiveCondition: Using the ForAllValues set operator with a "
      "single-valued condition key matches requests without the specified encryption "
      "context or with an unspecified encryption context. To fix, remove ForAllValues.");
  ExpectMalformed(
      AliceStatement(R"(,"Condition":{"ForAllValues:StringLike":{"aws:RequestTag/Project":"*"}})"),
      KeyPolicy(), "without the specified tag or with an unspecified tag");
}

TEST(PolicyParserTest, ForAllValuesOnMultiValuedKeysIsAccepted) {
  EXPECT_THAT(
      ParsePolicy(
          AliceStatement(
              R"(,"Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":"Dept"}})"),
          KeyPolicy()),
      IsOk());
  // KMS can only check the policies it stores; IAM accepts this identity policy.
  EXPECT_THAT(ParsePolicy(Document({R"({"Effect":"Allow","Action":"kms:*","Resource":"*",)"
                                    R"("Condition":{"ForAllValues:StringEquals":)"
                                    R"({"kms:EncryptionContext:Dept":"IT"}}})"}),
                          IdentityPolicy()),
              IsOk());
}

TEST(PolicyParserTest, AcceptsEveryOperatorWithQualifiers) {
  for (const std::string op : {"StringEquals",
                               "StringNotEquals",
                               "StringEqualsIgnoreCase",
                               "StringNotEqualsIgnoreCase",
                               "StringLike",
                               "StringNotLike",
                               "NumericEquals",
                               "NumericNotEquals",
                               "NumericLessThan",
                               "NumericLessThanEquals",
                               "NumericGreaterThan",
                               "NumericGreaterThanEquals",
                               "DateEquals",
                               "DateNotEquals",
                               "DateLessThan",
                               "DateLessThanEquals",
                               "DateGreaterThan",
                               "DateGreaterThanEquals",
                               "Bool",
                               "BinaryEquals",
                               "IpAddress",
                               "NotIpAddress",
                               "ArnEquals",
                               "ArnLike",
                               "ArnNotEquals",
                               "ArnNotLike"}) {
    for (const std::string& form :
         {op, op + "IfExists", "ForAnyValue:" + op, "ForAllValues:" + op + "IfExists"}) {
      EXPECT_THAT(ParsePolicy(AliceStatement(R"(,"Condition":{")" + form + R"(":{"aws:x":"1"}})"),
                              KeyPolicy()),
                  IsOk())
          << form;
    }
  }
  EXPECT_THAT(ParsePolicy(AliceStatement(R"(,"Condition":{"Null":{"aws:x":"true"}})"), KeyPolicy()),
              IsOk());
}

TEST(PolicyParserTest, RejectsOversizedDocuments) {
  ParseOptions options;
  options.max_bytes = 64;
  EXPECT_THAT(ParsePolicy(testing::kDefaultKeyPolicy, options), StatusIs(Code::kLimitExceeded));
  const std::string padded(32768, ' ');
  EXPECT_THAT(ParsePolicy(padded + "{}", KeyPolicy()), StatusIs(Code::kLimitExceeded));
}

TEST(PolicyParserTest, DeeplyNestedJsonIsRejectedWithoutCrashing) {
  const std::string nested = std::string(10000, '[') + std::string(10000, ']');
  ExpectMalformed(nested, KeyPolicy(), "nests deeper than 32 levels");
}

TEST(PolicyParserTest, EscapedLoneSurrogatesAreRejected) {
  ExpectMalformed(AliceStatement(R"(,"Sid":"\udc00")"), KeyPolicy(), "not well-formed UTF-8");
}

}  // namespace
}  // namespace kms::policy
