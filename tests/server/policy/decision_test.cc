// Explanations: which statement decided, which condition failed, and the
// AccessDeniedException texts.
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
using testing::Values;
using testing::Who;
using Reason = Decision::Reason;

std::shared_ptr<const Policy> Parse(const std::string& json,
                                    PolicyKind kind = PolicyKind::kKeyPolicy) {
  ParseOptions options;
  options.kind = kind;
  auto policy = ParsePolicy(json, options);
  EXPECT_TRUE(policy) << policy.error().ToString();
  return policy ? *policy : nullptr;
}

Decision Decide(const RequestContext& request, const std::string& key_policy,
                std::vector<std::string> identity = {}) {
  AuthorizationInput input;
  input.request = &request;
  input.key_account = kAccount;
  input.key_policy = Parse(key_policy);
  for (size_t i = 0; i < identity.size(); ++i) {
    input.identity_policies.push_back(
        {"Policy" + std::to_string(i), Parse(identity[i], PolicyKind::kIdentityPolicy)});
  }
  return Authorize(input);
}

TEST(DecisionTest, NamesTheAllowingKeyPolicyStatementBySid) {
  const RequestContext request = MakeRequest(Who::kRoot, "kms:Decrypt", kKeyArn);
  const Decision decision = Decide(request, testing::kDefaultKeyPolicy);
  EXPECT_TRUE(decision.allowed);
  EXPECT_EQ(decision.reason, Reason::kAllowedByKeyPolicy);
  EXPECT_EQ(decision.deciding_policy, "key policy");
  EXPECT_EQ(decision.deciding_statement, "Enable IAM User Permissions");
  EXPECT_EQ(decision.Explain(), "ALLOW by key policy statement \"Enable IAM User Permissions\"");
}

TEST(DecisionTest, NamesAStatementWithoutSidByIndex) {
  const RequestContext request = MakeRequest(Who::kAlice, "kms:Decrypt", kKeyArn);
  const Decision decision = Decide(
      request,
      Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                R"("Action":"kms:*","Resource":"*"})",
                R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                R"("Action":"kms:*","Resource":"*"})"}));
  EXPECT_EQ(decision.deciding_statement, "Statement[1]");
}

TEST(DecisionTest, DelegatedAllowNamesTheIamStatementAndTheKeyPolicyStatement) {
  const RequestContext request = MakeRequest(Who::kAlice, "kms:Decrypt", kKeyArn);
  const Decision decision = Decide(
      request, testing::kDefaultKeyPolicy,
      {Document({R"({"Sid":"UseKeys","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"})"})});
  EXPECT_EQ(decision.reason, Reason::kAllowedByIdentityPolicy);
  EXPECT_EQ(decision.deciding_policy, "Policy0");
  EXPECT_EQ(decision.deciding_statement, "UseKeys");
  EXPECT_EQ(decision.delegating_statement, "Enable IAM User Permissions");
  EXPECT_THAT(decision.Explain(), HasSubstr("identity policy Policy0 statement \"UseKeys\""));
}

TEST(DecisionTest, ExplicitDenyNamesTheDenyingStatement) {
  const RequestContext request = MakeRequest(Who::kAlice, "kms:Decrypt", kKeyArn);
  const Decision decision = Decide(
      request,
      Document({R"({"Sid":"All","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})",
                R"({"Sid":"NoDecrypt","Effect":"Deny","Principal":"*","Action":"kms:Decrypt",)"
                R"("Resource":"*"})"}));
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.deciding_statement, "NoDecrypt");
  EXPECT_EQ(decision.Explain(), "DENY: explicit deny in key policy statement \"NoDecrypt\"");
}

TEST(DecisionTest, ImplicitDenyNamesTheClosestStatementAndItsFirstFailingCondition) {
  const RequestContext request = MakeRequest(Who::kAlice, "kms:GenerateDataKey", kKeyArn);
  const Decision decision = Decide(request, testing::kAwsRdsKeyPolicy);
  EXPECT_EQ(decision.reason, Reason::kNoKeyPolicyAllow);
  EXPECT_EQ(decision.deciding_statement,
            "Allow access through RDS for all principals in the account that are authorized to "
            "use RDS");
  // kms:CallerAccount is derived from the caller and matches; kms:ViaService is absent.
  EXPECT_EQ(decision.failed_condition,
            "StringEquals kms:ViaService: request has no value; policy wants "
            "[rds.us-east-1.amazonaws.com]");
  EXPECT_THAT(decision.Explain(), HasSubstr("failed condition StringEquals kms:ViaService"));
}

TEST(DecisionTest, FailedConditionShowsTheRequestValues) {
  const RequestContext request = MakeRequest(Who::kCarol, "kms:Decrypt", kKeyArn,
                                             {{"kms:ViaService", {"rds.us-east-1.amazonaws.com"}}});
  const Decision decision = Decide(request, testing::kAwsRdsKeyPolicy);
  EXPECT_EQ(decision.failed_condition,
            "StringEquals kms:CallerAccount: request has [444455556666]; policy wants "
            "[111122223333]");
}

TEST(DecisionTest, FailedConditionShowsUnresolvedVariables) {
  const RequestContext request = MakeRequest(Who::kAdminSession, "kms:Decrypt", kKeyArn,
                                             {{"kms:EncryptionContext:owner", {"x"}}});
  const Decision decision = Decide(
      request,
      Document(
          {R"({"Sid":"Own","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",)"
           R"("Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}}})"}));
  EXPECT_EQ(decision.failed_condition,
            "StringEquals kms:EncryptionContext:owner: request has [x]; policy wants "
            "[${aws:username} (unresolved)]");
}

TEST(DecisionTest, NoClosestStatementLeavesTheExplanationShort) {
  const RequestContext request = MakeRequest(Who::kBob, "kms:Decrypt", kKeyArn);
  const Decision decision = Decide(
      request,
      Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
                R"("Action":"kms:*","Resource":"*"})"}));
  EXPECT_TRUE(decision.deciding_statement.empty());
  EXPECT_TRUE(decision.failed_condition.empty());
  EXPECT_EQ(decision.Explain(), "DENY: no key policy statement allows the caller or its account");
}

TEST(DecisionTest, GrantDecisionNamesTheGrant) {
  const RequestContext request = MakeRequest(Who::kBob, "kms:Decrypt", kKeyArn);
  AuthorizationInput input;
  input.request = &request;
  input.key_account = kAccount;
  input.key_policy = Parse(testing::kDefaultKeyPolicy);
  input.grant_allows = "grant 1a2b3c";
  const Decision decision = Authorize(input);
  EXPECT_EQ(decision.reason, Reason::kAllowedByGrant);
  EXPECT_EQ(decision.Explain(), "ALLOW by grant 1a2b3c");
}

TEST(AccessDeniedMessageTest, NoResourceBasedPolicyAllows) {
  const RequestContext request = MakeRequest(Who::kAlice, "kms:Decrypt", kKeyArn);
  const Decision decision = Decide(
      request,
      Document({R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                R"("Action":"kms:*","Resource":"*"})"}));
  EXPECT_EQ(AccessDeniedMessage(request, decision),
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt "
            "on resource: arn:aws:kms:us-east-1:111122223333:key/"
            "1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the "
            "kms:Decrypt action");
}

TEST(AccessDeniedMessageTest, NoIdentityBasedPolicyAllows) {
  const RequestContext request = MakeRequest(Who::kAdminSession, "kms:Encrypt", kKeyArn);
  const Decision decision = Decide(request, testing::kDefaultKeyPolicy);
  EXPECT_EQ(AccessDeniedMessage(request, decision),
            "User: arn:aws:sts::111122223333:assumed-role/Admin/s1 is not authorized to perform: "
            "kms:Encrypt on resource: arn:aws:kms:us-east-1:111122223333:key/"
            "1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the "
            "kms:Encrypt action");
}

TEST(AccessDeniedMessageTest, ExplicitDenyInAResourceBasedPolicy) {
  const RequestContext request = MakeRequest(Who::kAdminSession, "kms:Decrypt", kKeyArn);
  const Decision decision = Decide(
      request,
      Document({R"({"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"})"}));
  EXPECT_THAT(AccessDeniedMessage(request, decision),
              ::testing::EndsWith(" with an explicit deny in a resource-based policy"));
}

TEST(AccessDeniedMessageTest, ExplicitDenyInAnIdentityBasedPolicy) {
  const RequestContext request = MakeRequest(Who::kAlice, "kms:Decrypt", kKeyArn);
  const Decision decision =
      Decide(request, testing::kDefaultKeyPolicy,
             {Document({R"({"Effect":"Deny","Action":"kms:*","Resource":"*"})"})});
  EXPECT_THAT(AccessDeniedMessage(request, decision),
              ::testing::EndsWith(" with an explicit deny in an identity-based policy"));
}

TEST(AccessDeniedMessageTest, ActionWithoutAKeyUsesResourceStar) {
  const RequestContext request = MakeRequest(Who::kAdminSession, "kms:CreateKey", "*");
  AuthorizationInput input;
  input.request = &request;
  const Decision decision = Authorize(input);
  EXPECT_EQ(AccessDeniedMessage(request, decision),
            "User: arn:aws:sts::111122223333:assumed-role/Admin/s1 is not authorized to perform: "
            "kms:CreateKey on resource: * because no identity-based policy allows the "
            "kms:CreateKey action");
}

TEST(AccessDeniedMessageTest, IsEmptyForAnAllowedDecision) {
  const RequestContext request = MakeRequest(Who::kRoot, "kms:Decrypt", kKeyArn);
  EXPECT_EQ(AccessDeniedMessage(request, Decide(request, testing::kDefaultKeyPolicy)), "");
}

TEST(ReasonNameTest, NamesEveryReason) {
  EXPECT_EQ(ReasonName(Reason::kExplicitDenyInKeyPolicy), "ExplicitDenyInKeyPolicy");
  EXPECT_EQ(ReasonName(Reason::kAllowedAsAccountRoot), "AllowedAsAccountRoot");
}

TEST(ConditionValuesTest, KeysAreCaseInsensitiveAndStoredLowercase) {
  ConditionValues values;
  values.Set("kms:EncryptionContext:Department", "Finance");
  values.Add("KMS:ENCRYPTIONCONTEXTKEYS", "Department");
  values.Add("kms:encryptioncontextkeys", "Project");
  ASSERT_NE(values.Find("kms:encryptioncontext:department"), nullptr);
  EXPECT_EQ(*values.Find("KMS:EncryptionContext:DEPARTMENT"), std::vector<std::string>{"Finance"});
  EXPECT_EQ(values.Find("kms:EncryptionContextKeys")->size(), 2u);
  EXPECT_EQ(values.entries()[0].key, "kms:encryptioncontext:department");
  values.Set("kms:encryptioncontextkeys", "Only");
  EXPECT_EQ(*values.Find("kms:EncryptionContextKeys"), std::vector<std::string>{"Only"});
  values.SetEmpty("aws:TagKeys");
  ASSERT_NE(values.Find("aws:tagkeys"), nullptr);
  EXPECT_TRUE(values.Find("aws:tagkeys")->empty());
  values.Remove("AWS:TAGKEYS");
  EXPECT_EQ(values.Find("aws:tagkeys"), nullptr);
  EXPECT_EQ(values.Find("kms:ViaService"), nullptr);
}

TEST(ConditionValuesTest, SetAllMergesInOnePassAndFoldsCaseVariantsIntoAlternatives) {
  ConditionValues values;
  values.Set("aws:SourceIp", "1.2.3.4");
  values.Set("kms:EncryptionContext:tenant", "stale");
  std::vector<std::pair<std::string, std::string>> pairs;
  // Byte order and lower-case order differ ('Z' < 'a' < 'z'): the case that was quadratic.
  for (int i = 0; i < 20000; ++i) {
    pairs.emplace_back(
        "kms:EncryptionContext:" + std::string(1, i % 2 ? 'Z' : 'a') + std::to_string(i), "v");
  }
  pairs.emplace_back("kms:EncryptionContext:Tenant", "B");
  pairs.emplace_back("kms:EncryptionContext:tenant", "A");
  values.SetAll(std::move(pairs));
  EXPECT_EQ(values.size(), 20000u + 2u);
  const ConditionValues::Entry* tenant = values.FindEntry("KMS:EncryptionContext:TENANT");
  ASSERT_NE(tenant, nullptr);
  EXPECT_EQ(tenant->values, (std::vector<std::string>{"B", "A"}));  // the stale value is replaced
  EXPECT_TRUE(tenant->alternatives);
  EXPECT_FALSE(values.FindEntry("kms:encryptioncontext:z1")->alternatives);
  EXPECT_EQ(*values.Find("aws:sourceip"), std::vector<std::string>{"1.2.3.4"});
  for (size_t i = 1; i < values.entries().size(); ++i) {
    EXPECT_LT(values.entries()[i - 1].key, values.entries()[i].key);
  }
  values.Set("kms:EncryptionContext:tenant", "C");
  EXPECT_FALSE(values.FindEntry("kms:encryptioncontext:tenant")->alternatives);
}

}  // namespace
}  // namespace kms::policy
