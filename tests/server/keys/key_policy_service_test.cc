#include "kms/server/keys/key_policy_service.h"

#include <string>
#include <vector>

#include "tests/server/keys/service_test_util.h"

namespace kms::keys {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kAccount;
using testing::kAccountDelegates;
using testing::kAliceAdmin;
using testing::kCarolsAccountMayDoAnything;
using testing::kOtherRegion;
using testing::kRegion;
using testing::kUnknownKeyId;
using testing::PolicyWith;
using testing::ServiceTest;

constexpr char kLockoutMessage[] =
    "The new key policy will not allow you to update the key policy in the future.";

constexpr char kBobAdmin[] = R"({"Sid":"BobAdmin","Effect":"Allow",)"
                             R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                             R"("Action":"kms:*","Resource":"*"})";

std::string BobDenied(std::string_view action, std::string_view resource) {
  return "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: " +
         std::string(action) + " on resource: " + std::string(resource) +
         " because no identity-based policy allows the " + std::string(action) + " action";
}

class KeyPolicyServiceTest : public ServiceTest {
 protected:
  KeyPolicyService& key_policies() { return services_->key_policies; }

  std::string StoredPolicy(const Key& key) {
    auto stored = store_->GetKey(key->key_id);
    EXPECT_TRUE(stored.has_value()) << stored.error().ToString();
    return stored ? (*stored)->policy : std::string();
  }

  Status Put(const std::string& who, const std::string& key_id, const std::string& policy,
             bool bypass = false, std::optional<std::string> name = std::nullopt) {
    CallContext call = Context(who);
    PutKeyPolicyRequest request;
    request.key_id = key_id;
    request.policy_name = std::move(name);
    request.policy = policy;
    request.bypass_policy_lockout_safety_check = bypass;
    return key_policies().PutKeyPolicy(call, request);
  }

  StatusOr<std::string> Get(const std::string& who, const std::string& key_id,
                            std::optional<std::string> name = std::nullopt) {
    CallContext call = Context(who);
    return key_policies().GetKeyPolicy(call, {key_id, std::move(name)});
  }

  Key KeySharedWithCarol() {
    Key key = NewKey();
    EXPECT_THAT(Put("alice", key->key_id,
                    PolicyWith(std::string(kAccountDelegates) + "," + kCarolsAccountMayDoAnything)),
                IsOk());
    return key;
  }

  std::shared_ptr<const policy::Policy> Parse(const std::string& document) {
    auto parsed = access_->ParseKeyPolicy(document);
    EXPECT_TRUE(parsed.has_value()) << parsed.error().ToString();
    return parsed.value_or(nullptr);
  }
};

// ---------------------------------------------------------------- CheckPolicyLockout

TEST_F(KeyPolicyServiceTest,
       CheckPolicyLockout_AcceptsAPolicyUnderWhichTheCallerMayStillPutKeyPolicy) {
  const Key key = NewKey();
  CallContext alice = Context("alice");
  EXPECT_THAT(CheckPolicyLockout(*access_, alice, *key, Parse(DefaultKeyPolicy(kAccount))), IsOk());
  EXPECT_THAT(CheckPolicyLockout(*access_, alice, *key, Parse(PolicyWith(kAliceAdmin))), IsOk());
}

TEST_F(KeyPolicyServiceTest, CheckPolicyLockout_RefusesAPolicyThatLocksTheCallerOut) {
  const Key key = NewKey();
  CallContext alice = Context("alice");
  EXPECT_THAT(CheckPolicyLockout(*access_, alice, *key, Parse(PolicyWith(kBobAdmin))),
              StatusIs(Code::kMalformedPolicyDocument, kLockoutMessage));
}

TEST_F(KeyPolicyServiceTest, CheckPolicyLockout_JudgesTheCallerNotTheAccount) {
  // The default policy leaves bob (no IAM policy) unable to put a policy.
  const Key key = NewKey();
  CallContext bob = Context("bob");
  EXPECT_THAT(CheckPolicyLockout(*access_, bob, *key, Parse(DefaultKeyPolicy(kAccount))),
              StatusIs(Code::kMalformedPolicyDocument, kLockoutMessage));
  EXPECT_THAT(CheckPolicyLockout(*access_, bob, *key, Parse(PolicyWith(kBobAdmin))), IsOk());
}

TEST_F(KeyPolicyServiceTest, CheckPolicyLockout_RefusesAPolicyWhoseOnlyAllowOmitsPutKeyPolicy) {
  const Key key = NewKey();
  CallContext alice = Context("alice");
  const std::string no_put = PolicyWith(
      R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
      R"("Action":["kms:Describe*","kms:Get*","kms:Encrypt","kms:Decrypt"],"Resource":"*"})");
  EXPECT_THAT(CheckPolicyLockout(*access_, alice, *key, Parse(no_put)),
              StatusIs(Code::kMalformedPolicyDocument, kLockoutMessage));
}

TEST_F(KeyPolicyServiceTest, CheckPolicyLockout_RefusesAPolicyThatDeniesPutKeyPolicy) {
  const Key key = NewKey();
  CallContext alice = Context("alice");
  const std::string deny =
      PolicyWith(std::string(kAliceAdmin) +
                 R"(,{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"kms:PutKeyPolicy",)"
                 R"("Resource":"*"})");
  EXPECT_THAT(CheckPolicyLockout(*access_, alice, *key, Parse(deny)),
              StatusIs(Code::kMalformedPolicyDocument, kLockoutMessage));
}

TEST_F(KeyPolicyServiceTest, CheckPolicyLockout_HasNoSideEffectOnTheTrace) {
  const Key key = NewKey();
  CallContext alice = Context("alice");
  ASSERT_THAT(CheckPolicyLockout(*access_, alice, *key, Parse(PolicyWith(kBobAdmin))),
              StatusIs(Code::kMalformedPolicyDocument));
  EXPECT_FALSE(alice.trace.decision.has_value());
  EXPECT_THAT(alice.trace.resources, IsEmpty());
}

// ---------------------------------------------------------------- GetKeyPolicy

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_ReturnsTheDefaultPolicyOfANewKey) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(std::string policy, Get("alice", key->key_id));
  EXPECT_EQ(policy, DefaultKeyPolicy(kAccount));
  EXPECT_THAT(policy, HasSubstr(R"("AWS" : "arn:aws:iam::111122223333:root")"));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_AcceptsTheNameDefaultAndTheKeyArn) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(std::string policy, Get("alice", key->Arn(), "default"));
  EXPECT_EQ(policy, DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_RefusesAPolicyNameOtherThanDefault) {
  const Key key = NewKey();
  EXPECT_THAT(Get("alice", key->key_id, "custom"),
              StatusIs(Code::kNotFound, "No such policy exists"));
  EXPECT_THAT(Get("alice", key->key_id, "Default"),
              StatusIs(Code::kNotFound, "No such policy exists"));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_AuthorizesBeforeCheckingThePolicyName) {
  const Key key = NewKey();
  EXPECT_THAT(Get("bob", key->key_id, "custom"), StatusIs(Code::kAccessDenied));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_DeniesBob) {
  const Key key = NewKey();
  EXPECT_THAT(Get("bob", key->key_id),
              StatusIs(Code::kAccessDenied, BobDenied("kms:GetKeyPolicy", key->Arn())));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_ReadsDisabledAndPendingDeletionKeys) {
  const Key disabled = NewKey();
  Disable(disabled);
  const Key pending = NewKey();
  ScheduleDeletion(pending);
  EXPECT_THAT(Get("alice", disabled->key_id), IsOk());
  EXPECT_THAT(Get("alice", pending->key_id), IsOk());
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_ReturnsTheAwsManagedKeysPolicyForItsAccount) {
  const Key key = RdsManagedKey();
  KMS_ASSERT_OK_AND_ASSIGN(std::string policy, Get("alice", key->key_id));
  EXPECT_THAT(policy, HasSubstr(R"("Id" : "auto-rds-2")"));
  EXPECT_THAT(policy, HasSubstr(R"("kms:CallerAccount" : "111122223333")"));
  EXPECT_THAT(policy, HasSubstr(R"("kms:ViaService" : "rds.us-east-1.amazonaws.com")"));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_RefusesAnAlias) {
  EXPECT_THAT(Get("alice", "alias/aws/rds"),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/aws/rds'"));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_RefusesAnUnknownKey) {
  EXPECT_THAT(Get("alice", kUnknownKeyId),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kAccount, kUnknownKeyId) + "' does not exist"));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_RefusesAnArnOfAnotherRegion) {
  const Key key = NewKey();
  CallContext call = Context("alice", kOtherRegion);
  EXPECT_THAT(key_policies().GetKeyPolicy(call, {key->Arn(), std::nullopt}),
              StatusIs(Code::kNotFound, "Invalid arn us-east-1"));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  EXPECT_THAT(Get("carol", key->Arn()),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
}

TEST_F(KeyPolicyServiceTest, GetKeyPolicy_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(key_policies().GetKeyPolicy(call, {key->key_id, std::nullopt}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByIdentityPolicy);
  EXPECT_EQ(call.trace.decision->delegating_statement, "Enable IAM User Permissions");
}

// ---------------------------------------------------------------- PutKeyPolicy

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_ReplacesThePolicyVerbatim) {
  const Key key = NewKey();
  const std::string policy =
      "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [" + std::string(kAliceAdmin) + "]\n}";
  ASSERT_THAT(Put("alice", key->key_id, policy), IsOk());
  EXPECT_EQ(StoredPolicy(key), policy);
  KMS_ASSERT_OK_AND_ASSIGN(std::string read_back, Get("alice", key->key_id));
  EXPECT_EQ(read_back, policy);
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_AcceptsTheNameDefaultAndTheKeyArn) {
  const Key key = NewKey();
  ASSERT_THAT(Put("alice", key->Arn(), PolicyWith(kAliceAdmin), false, "default"), IsOk());
  EXPECT_EQ(StoredPolicy(key), PolicyWith(kAliceAdmin));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_RefusesAPolicyNameOtherThanDefault) {
  const Key key = NewKey();
  EXPECT_THAT(Put("alice", key->key_id, PolicyWith(kAliceAdmin), false, "custom"),
              StatusIs(Code::kNotFound, "No such policy exists"));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_RefusesAPolicyThatIsNotJson) {
  const Key key = NewKey();
  EXPECT_THAT(
      Put("alice", key->key_id, "{\"Version\": "),
      StatusIs(Code::kMalformedPolicyDocument, HasSubstr("Policy document is not valid JSON")));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_RefusesAStatementWithoutAPrincipal) {
  const Key key = NewKey();
  EXPECT_THAT(
      Put("alice", key->key_id,
          PolicyWith(R"({"Effect":"Allow","Action":"kms:*","Resource":"*"})")),
      StatusIs(Code::kMalformedPolicyDocument, "Policy contains a statement with no principal."));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_RefusesAPrincipalThatDoesNotExistInAConfiguredAccount) {
  const Key key = NewKey();
  const std::string policy =
      PolicyWith(std::string(kAliceAdmin) +
                 R"(,{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/ghost"},)"
                 R"("Action":"kms:Decrypt","Resource":"*"})");
  EXPECT_THAT(Put("alice", key->key_id, policy),
              StatusIs(Code::kMalformedPolicyDocument,
                       "Policy contains a statement with one or more invalid principals."));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest,
       PutKeyPolicy_RefusesAMalformedPolicyEvenWhenTheLockoutCheckIsBypassed) {
  const Key key = NewKey();
  EXPECT_THAT(Put("alice", key->key_id, "[]", true), StatusIs(Code::kMalformedPolicyDocument));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_RefusesAPolicyOver32KilobytesAsLimitExceeded) {
  const Key key = NewKey();
  std::string policy = PolicyWith(kAliceAdmin);
  policy.insert(policy.size() - 1, std::string(32769 - policy.size(), ' '));
  ASSERT_EQ(policy.size(), 32769u);
  EXPECT_THAT(
      Put("alice", key->key_id, policy),
      StatusIs(Code::kLimitExceeded, "Policy document is 32769 bytes; the limit is 32768 bytes."));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_AcceptsAPolicyOfExactly32Kilobytes) {
  const Key key = NewKey();
  std::string policy = PolicyWith(kAliceAdmin);
  policy.insert(policy.size() - 1, std::string(32768 - policy.size(), ' '));
  ASSERT_EQ(policy.size(), 32768u);
  ASSERT_THAT(Put("alice", key->key_id, policy), IsOk());
  EXPECT_EQ(StoredPolicy(key), policy);
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_RefusesAPolicyThatLocksTheCallerOut) {
  const Key key = NewKey();
  EXPECT_THAT(Put("alice", key->key_id, PolicyWith(kBobAdmin)),
              StatusIs(Code::kMalformedPolicyDocument, kLockoutMessage));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_AcceptsALockoutPolicyWhenTheCheckIsBypassed) {
  const Key key = NewKey();
  ASSERT_THAT(Put("alice", key->key_id, PolicyWith(kBobAdmin), true), IsOk());
  EXPECT_EQ(StoredPolicy(key), PolicyWith(kBobAdmin));
  EXPECT_THAT(Get("alice", key->key_id), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(Put("alice", key->key_id, DefaultKeyPolicy(kAccount), true),
              StatusIs(Code::kAccessDenied));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_NewPolicyTakesEffectAtOnce) {
  const Key key = NewKey();
  CallContext before = Context("bob");
  ASSERT_THAT(services_->lifecycle.DescribeKey(before, {key->key_id}),
              StatusIs(Code::kAccessDenied));
  ASSERT_THAT(
      Put("alice", key->key_id, PolicyWith(std::string(kAccountDelegates) + "," + kBobAdmin)),
      IsOk());
  CallContext after = Context("bob");
  EXPECT_THAT(services_->lifecycle.DescribeKey(after, {key->key_id}), IsOk());
  ASSERT_TRUE(after.trace.decision.has_value());
  EXPECT_EQ(after.trace.decision->reason, policy::Decision::Reason::kAllowedByKeyPolicy);
  EXPECT_EQ(after.trace.decision->deciding_statement, "BobAdmin");
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_NewDenyTakesEffectAtOnce) {
  const Key key = NewKey();
  CallContext first = Context("alice");
  ASSERT_THAT(services_->lifecycle.DescribeKey(first, {key->key_id}),
              IsOk());  // caches the old policy
  ASSERT_THAT(Put("alice", key->key_id,
                  PolicyWith(std::string(kAccountDelegates) +
                             R"(,{"Sid":"NoDescribe","Effect":"Deny","Principal":{"AWS":"*"},)"
                             R"("Action":"kms:DescribeKey","Resource":"*"})")),
              IsOk());
  CallContext second = Context("alice");
  EXPECT_THAT(
      services_->lifecycle.DescribeKey(second, {key->key_id}),
      StatusIs(Code::kAccessDenied, HasSubstr("with an explicit deny in a resource-based policy")));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_PassesTheBypassFlagAsACondition) {
  const Key key = NewKey();
  ASSERT_THAT(
      Put("alice", key->key_id,
          PolicyWith(std::string(kAccountDelegates) +
                     R"(,{"Sid":"NeverBypass","Effect":"Deny","Principal":{"AWS":"*"},)"
                     R"("Action":"kms:PutKeyPolicy",)"
                     R"("Resource":"*",)"
                     R"("Condition":{"Bool":{"kms:BypassPolicyLockoutSafetyCheck":"true"}}})")),
      IsOk());
  const std::string current = StoredPolicy(key);
  EXPECT_THAT(
      Put("alice", key->key_id, current, true),
      StatusIs(Code::kAccessDenied, HasSubstr("with an explicit deny in a resource-based policy")));
  EXPECT_THAT(Put("alice", key->key_id, current, false), IsOk());
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_DeniesBob) {
  const Key key = NewKey();
  EXPECT_THAT(Put("bob", key->key_id, PolicyWith(kBobAdmin), true),
              StatusIs(Code::kAccessDenied, BobDenied("kms:PutKeyPolicy", key->Arn())));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_AuthorizesBeforeParsingThePolicy) {
  const Key key = NewKey();
  EXPECT_THAT(Put("bob", key->key_id, "not json"), StatusIs(Code::kAccessDenied));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_ChangesThePolicyOfDisabledAndPendingDeletionKeys) {
  const Key disabled = NewKey();
  Disable(disabled);
  const Key pending = NewKey();
  ScheduleDeletion(pending);
  ASSERT_THAT(Put("alice", disabled->key_id, PolicyWith(kAliceAdmin)), IsOk());
  ASSERT_THAT(Put("alice", pending->key_id, PolicyWith(kAliceAdmin)), IsOk());
  EXPECT_EQ(StoredPolicy(disabled), PolicyWith(kAliceAdmin));
  EXPECT_EQ(StoredPolicy(pending), PolicyWith(kAliceAdmin));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_RefusesTheAwsManagedKey) {
  const Key key = RdsManagedKey();
  const std::string before = StoredPolicy(key);
  EXPECT_THAT(Put("alice", key->key_id, DefaultKeyPolicy(kAccount), true),
              StatusIs(Code::kAccessDenied,
                       "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
                       "kms:PutKeyPolicy on "
                       "resource: " +
                           key->Arn() +
                           " because no resource-based policy allows the kms:PutKeyPolicy action"));
  EXPECT_THAT(Put("root", key->key_id, DefaultKeyPolicy(kAccount), true),
              StatusIs(Code::kAccessDenied));
  EXPECT_EQ(StoredPolicy(key), before);
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_RefusesAnAlias) {
  const Key key = NewKey();
  CallContext create = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(create, {"alias/policy", key->key_id}), IsOk());
  EXPECT_THAT(Put("alice", "alias/policy", PolicyWith(kAliceAdmin)),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/policy'"));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_RefusesAnArnOfAnotherRegion) {
  const Key key = NewKey();
  CallContext call = Context("alice", kOtherRegion);
  PutKeyPolicyRequest request;
  request.key_id = key->Arn();
  request.policy = PolicyWith(kAliceAdmin);
  EXPECT_THAT(key_policies().PutKeyPolicy(call, request),
              StatusIs(Code::kNotFound, "Invalid arn us-east-1"));
  EXPECT_EQ(StoredPolicy(key), DefaultKeyPolicy(kAccount));
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  const std::string before = StoredPolicy(key);
  const std::string carols = PolicyWith(kCarolsAccountMayDoAnything);
  EXPECT_THAT(Put("carol", key->Arn(), carols, true),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_EQ(StoredPolicy(key), before);
}

TEST_F(KeyPolicyServiceTest, PutKeyPolicy_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  PutKeyPolicyRequest request;
  request.key_id = key->key_id;
  request.policy = PolicyWith(kAliceAdmin);
  ASSERT_THAT(key_policies().PutKeyPolicy(call, request), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  // The decision under the old policy (the lockout check does not record).
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByIdentityPolicy);
  EXPECT_EQ(call.trace.decision->deciding_policy, "admin");
}

// ---------------------------------------------------------------- ListKeyPolicies

TEST_F(KeyPolicyServiceTest, ListKeyPolicies_ListsOnlyDefault) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                           key_policies().ListKeyPolicies(call, {key->key_id, {}}));
  EXPECT_THAT(names, ElementsAre("default"));
}

TEST_F(KeyPolicyServiceTest, ListKeyPolicies_ListsNothingOnALaterPage) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  PageRequest page;
  page.marker = "bWFya2Vy";
  page.after = "default";
  KMS_ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                           key_policies().ListKeyPolicies(call, {key->key_id, page}));
  EXPECT_THAT(names, IsEmpty());
}

TEST_F(KeyPolicyServiceTest, ListKeyPolicies_ListsForDisabledAndPendingDeletionKeys) {
  const Key disabled = NewKey();
  Disable(disabled);
  const Key pending = NewKey();
  ScheduleDeletion(pending);
  CallContext call = Context("alice");
  EXPECT_THAT(key_policies().ListKeyPolicies(call, {disabled->key_id, {}}), IsOk());
  EXPECT_THAT(key_policies().ListKeyPolicies(call, {pending->key_id, {}}), IsOk());
}

TEST_F(KeyPolicyServiceTest, ListKeyPolicies_DeniesBob) {
  const Key key = NewKey();
  CallContext call = Context("bob");
  EXPECT_THAT(key_policies().ListKeyPolicies(call, {key->key_id, {}}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:ListKeyPolicies", key->Arn())));
}

TEST_F(KeyPolicyServiceTest, ListKeyPolicies_RefusesAnAlias) {
  CallContext call = Context("alice");
  EXPECT_THAT(key_policies().ListKeyPolicies(call, {"alias/aws/rds", {}}),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/aws/rds'"));
}

TEST_F(KeyPolicyServiceTest, ListKeyPolicies_RefusesAnUnknownKey) {
  CallContext call = Context("alice");
  EXPECT_THAT(key_policies().ListKeyPolicies(call, {kUnknownKeyId, {}}),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kAccount, kUnknownKeyId) + "' does not exist"));
}

TEST_F(KeyPolicyServiceTest, ListKeyPolicies_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  CallContext call = Context("carol");
  EXPECT_THAT(key_policies().ListKeyPolicies(call, {key->Arn(), {}}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
}

TEST_F(KeyPolicyServiceTest, ListKeyPolicies_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(key_policies().ListKeyPolicies(call, {key->key_id, {}}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->deciding_policy, "admin");
}

}  // namespace
}  // namespace kms::keys
