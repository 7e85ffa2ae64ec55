#include "kms/server/keys/explain_service.h"

#include <deque>

#include "tests/server/keys/service_test_util.h"

namespace kms::keys {
namespace {

using ::testing::ElementsAre;
using Reason = policy::Decision::Reason;
using testing::kAccount;
using testing::kOtherAccount;
using testing::kRegion;
using testing::ServiceTest;

constexpr char kAliceArn[] = "arn:aws:iam::111122223333:user/alice";
constexpr char kBobArn[] = "arn:aws:iam::111122223333:user/bob";
constexpr char kCarolArn[] = "arn:aws:iam::444455556666:user/carol";
constexpr char kDbAdminRoleArn[] = "arn:aws:iam::111122223333:role/DbAdmin";
constexpr char kDbAdminSessionArn[] = "arn:aws:sts::111122223333:assumed-role/DbAdmin/dbadmin";
constexpr char kRdsInRegion[] = "rds.us-east-1.amazonaws.com";
constexpr char kRdsStatement[] =
    "Allow access through RDS for all principals in the account that are authorized to use RDS";

class ExplainServiceTest : public ServiceTest {
 protected:
  ExplainService& explain() { return services_->explain; }

  // Explains `request` as asked by `asker` (alice, the admin, by default).
  StatusOr<Explanation> Explain(const ExplainRequest& request, const std::string& asker = "alice") {
    CallContext call = Context(asker);
    return explain().Explain(call, request);
  }

  static ExplainRequest Request(const std::string& action, std::optional<std::string> key_id,
                                std::optional<std::string> principal = std::nullopt) {
    ExplainRequest request;
    request.action = action;
    request.key_id = std::move(key_id);
    request.principal = std::move(principal);
    return request;
  }

  static std::string Statement(const std::string& sid, const std::string& effect,
                               const std::string& principal, const std::string& actions,
                               const std::string& condition = "") {
    std::string statement = R"({"Sid":")" + sid + R"(","Effect":")" + effect + R"(","Principal":)" +
                            principal + R"(,"Action":)" + actions + R"(,"Resource":"*")";
    if (!condition.empty()) statement += R"(,"Condition":)" + condition;
    return statement + "}";
  }
  static std::string AllowBob(const std::string& sid, const std::string& actions,
                              const std::string& condition = "") {
    return Statement(sid, "Allow", std::string(R"({"AWS":")") + kBobArn + R"("})", actions,
                     condition);
  }

  void CreateAlias(const std::string& alias_name, const Key& key) {
    CallContext call = Context("alice");
    ASSERT_THAT(services_->aliases.CreateAlias(call, AliasRequest{alias_name, key->key_id}),
                IsOk());
  }

  // The AWS managed key alias/aws/rds of alice's account, created as AWS does
  // on first use (DescribeKey).
  std::string GrantToBob(const Key& key, std::vector<std::string> operations,
                         std::optional<EncryptionContext> subset = std::nullopt) {
    CallContext call = Context("alice");
    CreateGrantRequest request;
    request.key_id = key->key_id;
    request.grantee_principal = kBobArn;
    request.operations = std::move(operations);
    request.encryption_context_subset = std::move(subset);
    StatusOr<CreateGrantResult> grant = services_->grants.CreateGrant(call, request);
    EXPECT_TRUE(grant.has_value()) << grant.error().ToString();
    return grant ? grant->grant_id : std::string();
  }

  static const std::vector<std::string>* Condition(const Explanation& explanation,
                                                   std::string_view key) {
    return explanation.evaluated.conditions.Find(key);
  }
};

TEST_F(ExplainServiceTest, CheckAdmin_AllowsAnAdminPrincipal) {
  CallContext call = Context("alice");
  EXPECT_THAT(explain().CheckAdmin(call), IsOk());
}

TEST_F(ExplainServiceTest, CheckAdmin_RefusesAPrincipalNotListedAsAdmin) {
  CallContext call = Context("bob");
  EXPECT_THAT(explain().CheckAdmin(call),
              StatusIs(Code::kAccessDenied,
                       "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
                       "kmsd:ExplainAuthorization (not in auth.admin_principals)"));
}

TEST_F(ExplainServiceTest, CheckAdmin_RefusesTheAccountRootAndRolesWithKmsPermissions) {
  for (const std::string who : {"root", "dbadmin", "carol", "rds.amazonaws.com"}) {
    CallContext call = Context(who);
    EXPECT_THAT(explain().CheckAdmin(call), StatusIs(Code::kAccessDenied)) << who;
  }
}

TEST_F(ExplainServiceTest, Explain_RefusesANonAdmin) {
  const Key key = NewKey();
  EXPECT_THAT(Explain(Request("kms:Decrypt", key->key_id), "bob"),
              StatusIs(Code::kAccessDenied,
                       "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
                       "kmsd:ExplainAuthorization (not in auth.admin_principals)"));
}

TEST_F(ExplainServiceTest, Explain_RefusesANonAdminBeforeLookingAnythingUp) {
  EXPECT_THAT(
      Explain(Request("kms:Decrypt", "alias/missing", "arn:aws:iam::111122223333:user/nobody"),
              "bob"),
      StatusIs(Code::kAccessDenied));
}

TEST_F(ExplainServiceTest, Explain_EvaluatesTheAskingAdminWhenNoPrincipalIsGiven) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation, Explain(Request("kms:Decrypt", key->key_id)));
  EXPECT_TRUE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kAllowedByIdentityPolicy);
  EXPECT_EQ(explanation.decision.deciding_policy, "admin");
  EXPECT_EQ(explanation.decision.delegating_statement, "Enable IAM User Permissions");
  EXPECT_EQ(explanation.evaluated.principal.arn, kAliceArn);
  EXPECT_EQ(explanation.evaluated.action, "kms:Decrypt");
  EXPECT_EQ(explanation.evaluated.resource, key->Arn());
}

TEST_F(ExplainServiceTest, Explain_DeniesBobOnAKeyWithTheDefaultPolicy) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation,
                           Explain(Request("kms:Decrypt", key->key_id, kBobArn)));
  EXPECT_FALSE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kNoIdentityPolicyAllow);
  EXPECT_EQ(explanation.evaluated.principal.arn, kBobArn);
  EXPECT_EQ(policy::AccessDeniedMessage(explanation.evaluated, explanation.decision),
            "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: kms:Decrypt on "
            "resource: " +
                key->Arn() + " because no identity-based policy allows the kms:Decrypt action");
}

TEST_F(ExplainServiceTest, Explain_GivesTheAccessDeniedTheRealCallWouldGet) {
  const Key key = NewKey();
  CallContext call = Context("bob");
  EncryptRequest request;
  request.key_id = key->key_id;
  request.plaintext = SecretBytes(AsBytes("x"));
  StatusOr<EncryptResult> real = services_->crypto.Encrypt(call, request);
  ASSERT_FALSE(real.has_value());
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation,
                           Explain(Request("kms:Encrypt", key->key_id, kBobArn)));
  EXPECT_EQ(policy::AccessDeniedMessage(explanation.evaluated, explanation.decision),
            real.error().message());
}

TEST_F(ExplainServiceTest, Explain_FindsAConfiguredIdentityByItsRoleArn) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation,
                           Explain(Request("kms:Decrypt", key->key_id, kDbAdminRoleArn)));
  EXPECT_EQ(explanation.evaluated.principal.type, PrincipalType::kAssumedRole);
  EXPECT_EQ(explanation.evaluated.principal.arn, kDbAdminSessionArn);
  EXPECT_TRUE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.deciding_policy, "kms");
}

TEST_F(ExplainServiceTest, Explain_FindsAConfiguredIdentityByItsSessionArn) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation,
                           Explain(Request("kms:Decrypt", key->key_id, kDbAdminSessionArn)));
  EXPECT_EQ(explanation.evaluated.principal.arn, kDbAdminSessionArn);
  EXPECT_TRUE(explanation.decision.allowed);
}

TEST_F(ExplainServiceTest, Explain_FindsAServicePrincipalByItsName) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(
      Explanation explanation,
      Explain(Request("kms:Decrypt", key->Arn(), std::string("rds.amazonaws.com"))));
  EXPECT_EQ(explanation.evaluated.principal.type, PrincipalType::kAwsService);
  EXPECT_EQ(explanation.evaluated.principal.arn, "rds.amazonaws.com");
  EXPECT_FALSE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kNoKeyPolicyAllow);
}

TEST_F(ExplainServiceTest, Explain_AllowsAServicePrincipalTheKeyPolicyNames) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(key, Statement("RdsDecrypts", "Allow", R"({"Service":"rds.amazonaws.com"})",
                                      R"("kms:Decrypt")"));
  KMS_ASSERT_OK_AND_ASSIGN(
      Explanation explanation,
      Explain(Request("kms:Decrypt", key->Arn(), std::string("rds.amazonaws.com"))));
  EXPECT_TRUE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kAllowedByKeyPolicy);
  EXPECT_EQ(explanation.decision.deciding_statement, "RdsDecrypts");
}

TEST_F(ExplainServiceTest, Explain_RefusesAnUnknownPrincipal) {
  const Key key = NewKey();
  EXPECT_THAT(
      Explain(Request("kms:Decrypt", key->key_id, "arn:aws:iam::111122223333:user/mallory")),
      StatusIs(Code::kNotFound, "No configured principal arn:aws:iam::111122223333:user/mallory"));
  EXPECT_THAT(Explain(Request("kms:Decrypt", key->key_id, "s3.amazonaws.com")),
              StatusIs(Code::kNotFound, "No configured principal s3.amazonaws.com"));
}

TEST_F(ExplainServiceTest, Explain_ResolvesTheKeyInThePrincipalsAccount) {
  const Key key = NewKey();
  EXPECT_THAT(Explain(Request("kms:Decrypt", key->key_id, kCarolArn)),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kOtherAccount, key->key_id) + "' does not exist"));
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation,
                           Explain(Request("kms:Decrypt", key->Arn(), kCarolArn)));
  EXPECT_FALSE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kNoKeyPolicyAllow);
  EXPECT_EQ(explanation.evaluated.resource, key->Arn());
}

TEST_F(ExplainServiceTest, Explain_ResolvesTheKeyInTheAskingCallersRegion) {
  const Key key = NewKey();
  CallContext call = Context("alice", "eu-west-1");
  EXPECT_THAT(explain().Explain(call, Request("kms:Decrypt", key->key_id)),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn("eu-west-1", kAccount, key->key_id) + "' does not exist"));
}

TEST_F(ExplainServiceTest, Explain_RefusesAnUnknownKey) {
  EXPECT_THAT(Explain(Request("kms:Decrypt", "alias/missing")),
              StatusIs(Code::kNotFound,
                       "Alias arn:aws:kms:us-east-1:111122223333:alias/missing is not found."));
}

TEST_F(ExplainServiceTest, Explain_PassesTheAliasOfTheKeyIdAsRequestAlias) {
  const Key key = NewKey();
  CreateAlias("alias/finance", key);
  SetDefaultPolicyPlus(key, AllowBob("ThroughFinanceAlias", R"("kms:Decrypt")",
                                     R"({"StringEquals":{"kms:RequestAlias":"alias/finance"}})"));
  KMS_ASSERT_OK_AND_ASSIGN(Explanation by_alias,
                           Explain(Request("kms:Decrypt", "alias/finance", kBobArn)));
  EXPECT_TRUE(by_alias.decision.allowed);
  EXPECT_EQ(by_alias.evaluated.resource, key->Arn());
  ASSERT_NE(Condition(by_alias, "kms:RequestAlias"), nullptr);
  EXPECT_THAT(*Condition(by_alias, "kms:RequestAlias"), ElementsAre("alias/finance"));
  KMS_ASSERT_OK_AND_ASSIGN(Explanation by_id,
                           Explain(Request("kms:Decrypt", key->key_id, kBobArn)));
  EXPECT_FALSE(by_id.decision.allowed);
  EXPECT_EQ(Condition(by_id, "kms:RequestAlias"), nullptr);
}

TEST_F(ExplainServiceTest, Explain_WithoutAKeyDecidesByIamPoliciesAlone) {
  KMS_ASSERT_OK_AND_ASSIGN(Explanation bob,
                           Explain(Request("kms:CreateKey", std::nullopt, kBobArn)));
  EXPECT_FALSE(bob.decision.allowed);
  EXPECT_EQ(bob.decision.reason, Reason::kNoIdentityPolicyAllow);
  EXPECT_EQ(bob.evaluated.resource, "*");
  KMS_ASSERT_OK_AND_ASSIGN(Explanation alice, Explain(Request("kms:CreateKey", std::nullopt)));
  EXPECT_TRUE(alice.decision.allowed);
  EXPECT_EQ(alice.decision.reason, Reason::kAllowedByIdentityPolicy);
  KMS_ASSERT_OK_AND_ASSIGN(Explanation root, Explain(Request("kms:CreateKey", std::nullopt,
                                                             "arn:aws:iam::111122223333:root")));
  EXPECT_TRUE(root.decision.allowed);
  EXPECT_EQ(root.decision.reason, Reason::kAllowedAsAccountRoot);
}

TEST_F(ExplainServiceTest, Explain_DoesNotPerformTheRequest) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation,
                           Explain(Request("kms:DisableKey", key->key_id)));
  EXPECT_TRUE(explanation.decision.allowed);
  KMS_ASSERT_OK_AND_ASSIGN(Key stored, store_->GetKey(key->key_id));
  EXPECT_EQ(stored->state, KeyState::kEnabled);
}

// KeyService::Resolve: "No lookup creates state for an account the caller
// does not belong to"; an explanation performs nothing.
TEST_F(ExplainServiceTest, Explain_CreatesNoManagedKeyInThePrincipalsAccount) {
  (void)Explain(Request("kms:Decrypt", "alias/aws/rds", kCarolArn));
  EXPECT_THAT(store_->GetAlias(kOtherAccount, kRegion, "alias/aws/rds"), StatusIs(Code::kNotFound));
}

TEST_F(ExplainServiceTest, Explain_CreatesNoManagedKey) {
  (void)Explain(Request("kms:Decrypt", "alias/aws/rds"));
  EXPECT_THAT(store_->GetAlias(kAccount, kRegion, "alias/aws/rds"), StatusIs(Code::kNotFound));
}

TEST_F(ExplainServiceTest, Explain_PassesTheEncryptionContext) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key, AllowBob("FinanceOnly", R"("kms:Decrypt")",
                    R"({"StringEquals":{"kms:EncryptionContext:Department":"Finance"}})"));
  ExplainRequest request = Request("kms:Decrypt", key->key_id, kBobArn);
  request.encryption_context = EncryptionContext{{"Department", "Finance"}};
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation, Explain(request));
  EXPECT_TRUE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kAllowedByKeyPolicy);
  EXPECT_EQ(explanation.decision.deciding_policy, "key policy");
  EXPECT_EQ(explanation.decision.deciding_statement, "FinanceOnly");
  ASSERT_NE(Condition(explanation, "kms:EncryptionContext:Department"), nullptr);
  EXPECT_THAT(*Condition(explanation, "kms:EncryptionContext:Department"), ElementsAre("Finance"));
  ASSERT_NE(Condition(explanation, "kms:EncryptionContextKeys"), nullptr);
  EXPECT_THAT(*Condition(explanation, "kms:EncryptionContextKeys"), ElementsAre("Department"));
}

TEST_F(ExplainServiceTest, Explain_NamesTheFailedConditionOfTheClosestKeyPolicyStatement) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key, AllowBob("FinanceOnly", R"("kms:Decrypt")",
                    R"({"StringEquals":{"kms:EncryptionContext:Department":"Finance"}})"));
  ExplainRequest request = Request("kms:Decrypt", key->key_id, kBobArn);
  request.encryption_context = EncryptionContext{{"Department", "Sales"}};
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation, Explain(request));
  EXPECT_FALSE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kNoIdentityPolicyAllow);
  EXPECT_EQ(explanation.decision.deciding_policy, "key policy");
  EXPECT_EQ(explanation.decision.deciding_statement, "FinanceOnly");
  EXPECT_EQ(
      explanation.decision.failed_condition,
      "StringEquals kms:EncryptionContext:Department: request has [Sales]; policy wants [Finance]");
}

TEST_F(ExplainServiceTest, Explain_NamesTheMissingViaServiceOfTheRdsManagedKey) {
  const Key rds_key = RdsManagedKey();
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation,
                           Explain(Request("kms:Decrypt", "alias/aws/rds", kBobArn)));
  EXPECT_FALSE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kNoKeyPolicyAllow);
  EXPECT_EQ(explanation.decision.deciding_policy, "key policy");
  EXPECT_EQ(explanation.decision.deciding_statement, kRdsStatement);
  EXPECT_EQ(explanation.decision.failed_condition,
            "StringEquals kms:ViaService: request has no value; policy wants "
            "[rds.us-east-1.amazonaws.com]");
  EXPECT_EQ(explanation.evaluated.resource, rds_key->Arn());
}

TEST_F(ExplainServiceTest, Explain_PassesTheViaService) {
  const Key rds_key = RdsManagedKey();
  ExplainRequest request = Request("kms:Decrypt", "alias/aws/rds", kBobArn);
  request.via_service = kRdsInRegion;
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation, Explain(request));
  EXPECT_TRUE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kAllowedByKeyPolicy);
  EXPECT_EQ(explanation.decision.deciding_statement, kRdsStatement);
  ASSERT_NE(Condition(explanation, "kms:ViaService"), nullptr);
  EXPECT_THAT(*Condition(explanation, "kms:ViaService"), ElementsAre(kRdsInRegion));
  ASSERT_NE(Condition(explanation, "aws:ViaAWSService"), nullptr);
  EXPECT_THAT(*Condition(explanation, "aws:ViaAWSService"), ElementsAre("true"));
  // AWS shows the service's address for calls a service makes: no aws:SourceIp.
  EXPECT_EQ(Condition(explanation, "aws:SourceIp"), nullptr);
}

TEST_F(ExplainServiceTest, Explain_DeniesTheRdsManagedKeyThroughAnotherService) {
  RdsManagedKey();
  ExplainRequest request = Request("kms:Decrypt", "alias/aws/rds", kAliceArn);
  request.via_service = "ebs.us-east-1.amazonaws.com";
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation, Explain(request));
  EXPECT_FALSE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.failed_condition,
            "StringEquals kms:ViaService: request has [ebs.us-east-1.amazonaws.com]; policy wants "
            "[rds.us-east-1.amazonaws.com]");
}

TEST_F(ExplainServiceTest, Explain_PassesTheSourceIp) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(key, AllowBob("FromTheOffice", R"("kms:Decrypt")",
                                     R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})"));
  ExplainRequest request = Request("kms:Decrypt", key->key_id, kBobArn);
  request.source_ip = "203.0.113.7";
  KMS_ASSERT_OK_AND_ASSIGN(Explanation from_office, Explain(request));
  EXPECT_TRUE(from_office.decision.allowed);
  ASSERT_NE(Condition(from_office, "aws:SourceIp"), nullptr);
  EXPECT_THAT(*Condition(from_office, "aws:SourceIp"), ElementsAre("203.0.113.7"));
}

TEST_F(ExplainServiceTest, Explain_UsesTheAskingCallersSourceIpByDefault) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(key, AllowBob("FromTheOffice", R"("kms:Decrypt")",
                                     R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})"));
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation,
                           Explain(Request("kms:Decrypt", key->key_id, kBobArn)));
  EXPECT_FALSE(explanation.decision.allowed);
  ASSERT_NE(Condition(explanation, "aws:SourceIp"), nullptr);
  EXPECT_THAT(*Condition(explanation, "aws:SourceIp"), ElementsAre("192.0.2.1"));
}

TEST_F(ExplainServiceTest, Explain_PassesFurtherConditionValues) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(key, AllowBob("ForAwsResources", R"("kms:CreateGrant")",
                                     R"({"Bool":{"kms:GrantIsForAWSResource":"true"}})"));
  ExplainRequest request = Request("kms:CreateGrant", key->key_id, kBobArn);
  KMS_ASSERT_OK_AND_ASSIGN(Explanation without, Explain(request));
  EXPECT_FALSE(without.decision.allowed);
  request.conditions["kms:GrantIsForAWSResource"] = {"true"};
  KMS_ASSERT_OK_AND_ASSIGN(Explanation with, Explain(request));
  EXPECT_TRUE(with.decision.allowed);
  EXPECT_EQ(with.decision.deciding_statement, "ForAwsResources");
}

TEST_F(ExplainServiceTest, Explain_PassesMultiValuedConditions) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key,
      AllowBob(
          "DecryptGrantsOnly", R"("kms:CreateGrant")",
          R"({"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt","RetireGrant"]}})"));
  ExplainRequest request = Request("kms:CreateGrant", key->key_id, kBobArn);
  request.conditions["kms:GrantOperations"] = {"Decrypt", "RetireGrant"};
  KMS_ASSERT_OK_AND_ASSIGN(Explanation narrow, Explain(request));
  EXPECT_TRUE(narrow.decision.allowed);
  request.conditions["kms:GrantOperations"].push_back("Encrypt");
  KMS_ASSERT_OK_AND_ASSIGN(Explanation wide, Explain(request));
  EXPECT_FALSE(wide.decision.allowed);
}

TEST_F(ExplainServiceTest, Explain_CountsAGrantWhoseConstraintsHold) {
  const Key key = NewKey();
  const std::string grant_id =
      GrantToBob(key, {"Decrypt"}, EncryptionContext{{"Department", "Finance"}});
  ExplainRequest request = Request("kms:Decrypt", key->key_id, kBobArn);
  request.encryption_context = EncryptionContext{{"Department", "Finance"}};
  KMS_ASSERT_OK_AND_ASSIGN(Explanation with_context, Explain(request));
  EXPECT_TRUE(with_context.decision.allowed);
  EXPECT_EQ(with_context.decision.reason, Reason::kAllowedByGrant);
  EXPECT_EQ(with_context.decision.deciding_policy, "grant " + grant_id);
  request.encryption_context.reset();
  KMS_ASSERT_OK_AND_ASSIGN(Explanation without_context, Explain(request));
  EXPECT_FALSE(without_context.decision.allowed);
}

TEST_F(ExplainServiceTest, Explain_CountsAGrantOnlyForItsOperations) {
  const Key key = NewKey();
  GrantToBob(key, {"Decrypt"});
  KMS_ASSERT_OK_AND_ASSIGN(Explanation decrypt,
                           Explain(Request("kms:Decrypt", key->key_id, kBobArn)));
  EXPECT_TRUE(decrypt.decision.allowed);
  KMS_ASSERT_OK_AND_ASSIGN(Explanation encrypt,
                           Explain(Request("kms:Encrypt", key->key_id, kBobArn)));
  EXPECT_FALSE(encrypt.decision.allowed);
}

TEST_F(ExplainServiceTest, Explain_ReportsAnExplicitDenyInTheKeyPolicy) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key, Statement("NoDecryptForAlice", "Deny", std::string(R"({"AWS":")") + kAliceArn + R"("})",
                     R"("kms:Decrypt")"));
  KMS_ASSERT_OK_AND_ASSIGN(Explanation explanation, Explain(Request("kms:Decrypt", key->key_id)));
  EXPECT_FALSE(explanation.decision.allowed);
  EXPECT_EQ(explanation.decision.reason, Reason::kExplicitDenyInKeyPolicy);
  EXPECT_EQ(explanation.decision.deciding_policy, "key policy");
  EXPECT_EQ(explanation.decision.deciding_statement, "NoDecryptForAlice");
  EXPECT_EQ(policy::AccessDeniedMessage(explanation.evaluated, explanation.decision),
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt "
            "on resource: " +
                key->Arn() + " with an explicit deny in a resource-based policy");
}

}  // namespace
}  // namespace kms::keys
