#include "kms/server/keys/key_lifecycle_service.h"

#include <set>
#include <string>
#include <vector>

#include "tests/server/keys/service_test_util.h"

namespace kms {
// Readable failure messages (found by argument-dependent lookup).
static void PrintTo(KeyState state, std::ostream* os) { *os << KeyStateName(state); }
static void PrintTo(const Tag& tag, std::ostream* os) { *os << tag.key << "=" << tag.value; }
}  // namespace kms

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
using testing::kOtherAccount;
using testing::kOtherRegion;
using testing::kRegion;
using testing::kUnknownKeyId;
using testing::PolicyWith;
using testing::ServiceTest;

constexpr EpochMillis kDay = 24LL * 3600 * 1000;

class KeyLifecycleServiceTest : public ServiceTest {
 protected:
  KeyLifecycleService& lifecycle() { return services_->lifecycle; }

  // The key as the store holds it now.
  std::shared_ptr<const KeyRecord> Stored(const Key& key) {
    auto stored = store_->GetKey(key->key_id);
    EXPECT_TRUE(stored.has_value()) << stored.error().ToString();
    return stored.value_or(nullptr);
  }

  void EnableRotation(const Key& key, std::optional<int64_t> days = std::nullopt) {
    CallContext call = Context("alice");
    ASSERT_THAT(lifecycle().EnableKeyRotation(call, {key->key_id, days}), IsOk());
  }

  std::vector<std::string> ListedKeyIds(const std::string& who,
                                        const std::string& region = kRegion) {
    CallContext call = Context(who, region);
    StatusOr<ListPage<Key>> page = lifecycle().ListKeys(call, {});
    EXPECT_TRUE(page.has_value()) << page.error().ToString();
    std::vector<std::string> ids;
    if (page) {
      for (const Key& key : page->items) ids.push_back(key->key_id);
    }
    return ids;
  }
};

// Alice's decisions on a default-policy key: her IAM policy allows, the key
// policy delegates to the account.
void ExpectAllowedByAlicesIamPolicy(const CallContext& call) {
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByIdentityPolicy);
  EXPECT_EQ(call.trace.decision->deciding_policy, "admin");
  EXPECT_EQ(call.trace.decision->delegating_statement, "Enable IAM User Permissions");
}

std::string BobDenied(std::string_view action, std::string_view resource) {
  return "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: " +
         std::string(action) + " on resource: " + std::string(resource) +
         " because no identity-based policy allows the " + std::string(action) + " action";
}

std::string AliceDeniedByKeyPolicy(std::string_view action, std::string_view resource) {
  return "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: " +
         std::string(action) + " on resource: " + std::string(resource) +
         " because no resource-based policy allows the " + std::string(action) + " action";
}

// ---------------------------------------------------------------- CreateKey

TEST_F(KeyLifecycleServiceTest, CreateKey_MakesAnEnabledSymmetricKeyInTheCallersScope) {
  const Key key = NewKey("first");
  EXPECT_EQ(key->account, testing::kAccount);
  EXPECT_EQ(key->region, testing::kRegion);
  EXPECT_EQ(key->state, KeyState::kEnabled);
  EXPECT_EQ(key->key_spec, "SYMMETRIC_DEFAULT");
  EXPECT_EQ(key->description, "first");
}

TEST_F(KeyLifecycleServiceTest, CreateKey_StoresACustomerManagedKeyWithOneVersionAndNoRotation) {
  const Key key = NewKey("stored");
  const auto stored = Stored(key);
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(*stored, *key);
  EXPECT_EQ(stored->key_manager, KeyManager::kCustomer);
  EXPECT_EQ(stored->key_usage, "ENCRYPT_DECRYPT");
  EXPECT_EQ(stored->origin, "AWS_KMS");
  EXPECT_EQ(stored->creation_date, clock_.NowMillis());
  EXPECT_EQ(stored->versions.size(), 1u);
  EXPECT_FALSE(stored->rotation_enabled);
  EXPECT_EQ(stored->deletion_date, 0);
}

TEST_F(KeyLifecycleServiceTest, CreateKey_GivesTheDefaultKeyPolicyWhenNoneIsSent) {
  const Key key = NewKey();
  EXPECT_EQ(key->policy, DefaultKeyPolicy(kAccount));
}

TEST_F(KeyLifecycleServiceTest, CreateKey_StoresTheSentPolicyVerbatim) {
  const std::string policy = PolicyWith(kAliceAdmin);
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.policy = policy;
  KMS_ASSERT_OK_AND_ASSIGN(Key key, lifecycle().CreateKey(call, request));
  EXPECT_EQ(Stored(key)->policy, policy);
}

TEST_F(KeyLifecycleServiceTest, CreateKey_StoresTheTagsInOrder) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.tags = {{"Project", "Alpha"}, {"Owner", "alice"}, {"Empty", ""}};
  KMS_ASSERT_OK_AND_ASSIGN(Key key, lifecycle().CreateKey(call, request));
  EXPECT_THAT(Stored(key)->tags,
              ElementsAre(Tag{"Project", "Alpha"}, Tag{"Owner", "alice"}, Tag{"Empty", ""}));
}

TEST_F(KeyLifecycleServiceTest, CreateKey_AcceptsSymmetricDefaultNamedEitherWay) {
  CallContext call = Context("alice");
  CreateKeyRequest by_key_spec;
  by_key_spec.key_spec = "SYMMETRIC_DEFAULT";
  by_key_spec.key_usage = "ENCRYPT_DECRYPT";
  by_key_spec.origin = "AWS_KMS";
  EXPECT_THAT(lifecycle().CreateKey(call, by_key_spec), IsOk());
  CreateKeyRequest by_cmk_spec;
  by_cmk_spec.customer_master_key_spec = "SYMMETRIC_DEFAULT";
  EXPECT_THAT(lifecycle().CreateKey(call, by_cmk_spec), IsOk());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesBothKeySpecAndCustomerMasterKeySpec) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.key_spec = "SYMMETRIC_DEFAULT";
  request.customer_master_key_spec = "SYMMETRIC_DEFAULT";
  EXPECT_THAT(
      lifecycle().CreateKey(call, request),
      StatusIs(Code::kValidation, "You cannot specify both KeySpec and CustomerMasterKeySpec."));
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesAKeyUsageOtherThanEncryptDecrypt) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.key_usage = "SIGN_VERIFY";
  EXPECT_THAT(lifecycle().CreateKey(call, request),
              StatusIs(Code::kValidation,
                       "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT"));
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_AsymmetricAndHmacKeysNeedAFittingKeyUsage) {
  CallContext call = Context("alice");
  CreateKeyRequest rsa;
  rsa.key_spec = "RSA_2048";
  EXPECT_THAT(lifecycle().CreateKey(call, rsa),
              StatusIs(Code::kValidation,
                       "You must specify a KeyUsage value for all KMS keys except for symmetric "
                       "encryption keys."));
  CreateKeyRequest hmac;
  hmac.customer_master_key_spec = "HMAC_256";
  hmac.key_usage = "ENCRYPT_DECRYPT";
  EXPECT_THAT(lifecycle().CreateKey(call, hmac),
              StatusIs(Code::kValidation,
                       "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec HMAC_256"));
  CreateKeyRequest secg;
  secg.key_spec = "ECC_SECG_P256K1";
  secg.key_usage = "KEY_AGREEMENT";
  EXPECT_THAT(lifecycle().CreateKey(call, secg),
              StatusIs(Code::kValidation,
                       "KeyUsage KEY_AGREEMENT is not compatible with KeySpec ECC_SECG_P256K1"));
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
  CreateKeyRequest good;
  good.key_spec = "ECC_NIST_P384";
  good.key_usage = "SIGN_VERIFY";
  KMS_ASSERT_OK_AND_ASSIGN(Key key, lifecycle().CreateKey(call, good));
  EXPECT_EQ(key->key_spec, "ECC_NIST_P384");
  EXPECT_EQ(key->key_usage, "SIGN_VERIFY");
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesOriginsOtherThanAwsKmsAndExternal) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.origin = "AWS_CLOUDHSM";
  EXPECT_THAT(lifecycle().CreateKey(call, request),
              StatusIs(Code::kUnsupportedOperation,
                       "kmsd supports keys with Origin AWS_KMS or EXTERNAL, not AWS_CLOUDHSM."));
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_ExternalStartsPendingImportWithoutMaterial) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.origin = "EXTERNAL";
  KMS_ASSERT_OK_AND_ASSIGN(Key key, lifecycle().CreateKey(call, request));
  EXPECT_EQ(key->state, KeyState::kPendingImport);
  EXPECT_TRUE(key->versions.empty());
  EXPECT_EQ(key->current().version, 0u);
}

TEST_F(KeyLifecycleServiceTest, CreateKey_FindsNoCustomKeyStore) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.custom_key_store_id = "cks-1234567890abcdef0";
  EXPECT_THAT(lifecycle().CreateKey(call, request), StatusIs(Code::kCustomKeyStoreNotFound));
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesReservedAwsTagKeys) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.tags = {{"AWS:Owner", "alice"}};
  EXPECT_THAT(lifecycle().CreateKey(call, request),
              StatusIs(Code::kTag, "Tags beginning with aws: are reserved"));
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesDuplicateTagKeys) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.tags = {{"Project", "Alpha"}, {"Project", "Beta"}};
  EXPECT_THAT(lifecycle().CreateKey(call, request), StatusIs(Code::kTag, "Duplicate tag keys"));
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesMoreThan50Tags) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  for (int i = 0; i < 51; ++i) request.tags.push_back({"tag" + std::to_string(i), "v"});
  EXPECT_THAT(lifecycle().CreateKey(call, request), StatusIs(Code::kTag, "Too many tags"));
  request.tags.pop_back();
  EXPECT_THAT(lifecycle().CreateKey(call, request), IsOk());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_DeniesACallerWithoutAnIamPolicy) {
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().CreateKey(call, {}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:CreateKey", "*")));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_FALSE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kNoIdentityPolicyAllow);
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_LetsTheAccountRootUserCreateWithoutAnIamPolicy) {
  CallContext call = Context("root");
  KMS_ASSERT_OK_AND_ASSIGN(Key key, lifecycle().CreateKey(call, {}));
  EXPECT_EQ(key->account, kAccount);
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedAsAccountRoot);
}

TEST_F(KeyLifecycleServiceTest, CreateKey_CreatesInTheCallersOwnAccountAndRegion) {
  CallContext carol = Context("carol");
  KMS_ASSERT_OK_AND_ASSIGN(Key carols, lifecycle().CreateKey(carol, {}));
  EXPECT_EQ(carols->account, kOtherAccount);
  EXPECT_EQ(carols->policy, DefaultKeyPolicy(kOtherAccount));
  CallContext alice_eu = Context("alice", kOtherRegion);
  KMS_ASSERT_OK_AND_ASSIGN(Key european, lifecycle().CreateKey(alice_eu, {}));
  EXPECT_EQ(european->region, kOtherRegion);
  EXPECT_EQ(european->Arn(), KeyArn(kOtherRegion, kAccount, european->key_id));
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesAMalformedPolicy) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.policy = R"({"Version":"2012-10-17","Statement":[)"
                   R"({"Effect":"Allow","Action":"kms:*","Resource":"*"}]})";
  EXPECT_THAT(
      lifecycle().CreateKey(call, request),
      StatusIs(Code::kMalformedPolicyDocument, "Policy contains a statement with no principal."));
  request.policy = "not json";
  EXPECT_THAT(
      lifecycle().CreateKey(call, request),
      StatusIs(Code::kMalformedPolicyDocument, HasSubstr("Policy document is not valid JSON")));
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesAPolicyNamingAUserThatDoesNotExist) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.policy = PolicyWith(
      std::string(kAliceAdmin) +
      R"(,{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/nobody"},)"
      R"("Action":"kms:Decrypt","Resource":"*"})");
  EXPECT_THAT(lifecycle().CreateKey(call, request),
              StatusIs(Code::kMalformedPolicyDocument,
                       "Policy contains a statement with one or more invalid principals."));
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesAPolicyOver32KilobytesAsLimitExceeded) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  std::string policy = PolicyWith(kAliceAdmin);
  policy.insert(policy.size() - 1, std::string(32769 - policy.size(), ' '));
  ASSERT_EQ(policy.size(), 32769u);
  request.policy = policy;
  EXPECT_THAT(
      lifecycle().CreateKey(call, request),
      StatusIs(Code::kLimitExceeded, "Policy document is 32769 bytes; the limit is 32768 bytes."));
  request.policy = policy.substr(0, policy.size() - 2) + "}";  // 32768 bytes: at the limit
  ASSERT_EQ(request.policy->size(), 32768u);
  EXPECT_THAT(lifecycle().CreateKey(call, request), IsOk());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_RefusesAPolicyThatLocksTheCallerOut) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.policy =
      PolicyWith(R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                 R"("Action":"kms:*","Resource":"*"})");
  EXPECT_THAT(
      lifecycle().CreateKey(call, request),
      StatusIs(Code::kMalformedPolicyDocument,
               "The new key policy will not allow you to update the key policy in the future."));
  EXPECT_THAT(ListedKeyIds("alice"), IsEmpty());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_AcceptsALockoutPolicyWhenTheCheckIsBypassed) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.policy =
      PolicyWith(R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                 R"("Action":"kms:*","Resource":"*"})");
  request.bypass_policy_lockout_safety_check = true;
  KMS_ASSERT_OK_AND_ASSIGN(Key key, lifecycle().CreateKey(call, request));
  CallContext describe = Context("alice");
  EXPECT_THAT(lifecycle().DescribeKey(describe, {key->key_id}), StatusIs(Code::kAccessDenied));
}

TEST_F(KeyLifecycleServiceTest, CreateKey_LockoutCheckSeesTheNewKeysTags) {
  // Alice may manage the key only while it carries Team=Admins.
  const std::string policy = PolicyWith(
      R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
      R"("Action":"kms:*",)"
      R"("Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Team":"Admins"}}})");
  CallContext call = Context("alice");
  CreateKeyRequest untagged;
  untagged.policy = policy;
  EXPECT_THAT(lifecycle().CreateKey(call, untagged), StatusIs(Code::kMalformedPolicyDocument));
  CreateKeyRequest tagged = untagged;
  tagged.tags = {{"Team", "Admins"}};
  EXPECT_THAT(lifecycle().CreateKey(call, tagged), IsOk());
}

TEST_F(KeyLifecycleServiceTest, CreateKey_TraceNamesTheNewKeyAndTheDecision) {
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key key, lifecycle().CreateKey(call, {}));
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByIdentityPolicy);
  EXPECT_EQ(call.trace.decision->deciding_policy, "admin");
}

TEST_F(KeyLifecycleServiceTest, CreateKey_GivesEachKeyANewId) {
  const Key first = NewKey();
  const Key second = NewKey();
  EXPECT_NE(first->key_id, second->key_id);
  EXPECT_EQ(first->Arn(), KeyArn(kRegion, kAccount, first->key_id));
}

// A config in which "tagless" may do everything in KMS except tag.
constexpr char kTaglessConfig[] = R"({
  "accounts": [
    {"id": "111122223333",
     "users": [
       {"name": "alice", "access_key_id": "AKIAALICE", "secret_access_key": "s",
        "policies": {"admin": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}}},
       {"name": "tagless", "access_key_id": "AKIATAGLESS", "secret_access_key": "s",
        "policies": {"kms": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
          {"Sid": "NoTagging", "Effect": "Deny", "Action": "kms:TagResource",
           "Resource": "*"}]}}}]}]
})";

class CreateKeyTaggingPermissionTest : public KeyLifecycleServiceTest {
 protected:
  CreateKeyTaggingPermissionTest() {
    config_ = *config::ParseConfig(kTaglessConfig);
    access_ = std::move(*Access::Create(config_, *store_));
    grant_authority_ = std::make_unique<StoredGrantAuthority>(*store_, *tokens_);
    access_->set_grant_authority(grant_authority_.get());
    services_ =
        std::make_unique<Services>(ServiceDeps{*keys_, *store_, *access_, *tokens_, config_});
  }
};

TEST_F(CreateKeyTaggingPermissionTest, CreateKey_WithTagsAlsoNeedsTagResource) {
  CallContext untagged_call = Context("tagless");
  EXPECT_THAT(lifecycle().CreateKey(untagged_call, {}), IsOk());
  CallContext tagged_call = Context("tagless");
  CreateKeyRequest tagged;
  tagged.tags = {{"Project", "Alpha"}};
  EXPECT_THAT(lifecycle().CreateKey(tagged_call, tagged),
              StatusIs(Code::kAccessDenied,
                       HasSubstr("kms:TagResource on resource: * with an explicit deny")));
  ASSERT_TRUE(tagged_call.trace.decision.has_value());
  EXPECT_EQ(tagged_call.trace.decision->reason,
            policy::Decision::Reason::kExplicitDenyInIdentityPolicy);
  EXPECT_EQ(tagged_call.trace.decision->deciding_statement, "NoTagging");
  EXPECT_EQ(ListedKeyIds("alice").size(), 1u);
}

// ---------------------------------------------------------------- DescribeKey

TEST_F(KeyLifecycleServiceTest, DescribeKey_ReturnsTheKeyByIdAndByArn) {
  const Key key = NewKey("described");
  CallContext by_id = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key found, lifecycle().DescribeKey(by_id, {key->key_id}));
  EXPECT_EQ(*found, *key);
  CallContext by_arn = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key found_by_arn, lifecycle().DescribeKey(by_arn, {key->Arn()}));
  EXPECT_EQ(found_by_arn->key_id, key->key_id);
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_ReturnsTheKeyByAliasNameAndAliasArn) {
  const Key key = NewKey();
  CallContext create = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(create, {"alias/described", key->key_id}), IsOk());
  CallContext by_name = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key found, lifecycle().DescribeKey(by_name, {"alias/described"}));
  EXPECT_EQ(found->key_id, key->key_id);
  CallContext by_arn = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(
      Key found_by_arn,
      lifecycle().DescribeKey(by_arn, {AliasArn(kRegion, kAccount, "alias/described")}));
  EXPECT_EQ(found_by_arn->key_id, key->key_id);
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_PassesTheAliasUsedAsKmsRequestAlias) {
  const Key key = NewKey();
  SetPolicy(
      key,
      PolicyWith(std::string(kAliceAdmin) +
                 R"(,{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},)"
                 R"("Action":"kms:DescribeKey","Resource":"*",)"
                 R"("Condition":{"StringEquals":{"kms:RequestAlias":"alias/bobs"}}})"));
  CallContext create = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(create, {"alias/bobs", key->key_id}), IsOk());
  CallContext via_alias = Context("bob");
  EXPECT_THAT(lifecycle().DescribeKey(via_alias, {"alias/bobs"}), IsOk());
  CallContext via_id = Context("bob");
  EXPECT_THAT(lifecycle().DescribeKey(via_id, {key->key_id}), StatusIs(Code::kAccessDenied));
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_DescribesDisabledAndPendingDeletionKeys) {
  const Key disabled = NewKey();
  Disable(disabled);
  const Key pending = NewKey();
  ScheduleDeletion(pending, 10);
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key found_disabled, lifecycle().DescribeKey(call, {disabled->key_id}));
  EXPECT_EQ(found_disabled->state, KeyState::kDisabled);
  KMS_ASSERT_OK_AND_ASSIGN(Key found_pending, lifecycle().DescribeKey(call, {pending->key_id}));
  EXPECT_EQ(found_pending->state, KeyState::kPendingDeletion);
  EXPECT_EQ(found_pending->pending_window_days, 10);
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_DeniesBob) {
  const Key key = NewKey();
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().DescribeKey(call, {key->key_id}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:DescribeKey", key->Arn())));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_FALSE(call.trace.decision->allowed);
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_RefusesAMalformedKeyId) {
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DescribeKey(call, {"not-a-key"}),
              StatusIs(Code::kNotFound, "Invalid keyId 'not-a-key'"));
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_NamesTheArnOfAnUnknownKey) {
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DescribeKey(call, {kUnknownKeyId}),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kAccount, kUnknownKeyId) + "' does not exist"));
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_RefusesAnUnknownAlias) {
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DescribeKey(call, {"alias/missing"}),
              StatusIs(Code::kNotFound,
                       "Alias arn:aws:kms:us-east-1:111122223333:alias/missing is not found."));
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_RefusesAnArnOfAnotherRegion) {
  const Key key = NewKey();
  CallContext call = Context("alice", kOtherRegion);
  EXPECT_THAT(lifecycle().DescribeKey(call, {key->Arn()}),
              StatusIs(Code::kNotFound, "Invalid arn us-east-1"));
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_DoesNotFindAKeyIdOfAnotherRegion) {
  const Key key = NewKey();
  CallContext call = Context("alice", kOtherRegion);
  EXPECT_THAT(lifecycle().DescribeKey(call, {key->key_id}),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kOtherRegion, kAccount, key->key_id) + "' does not exist"));
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_DoesNotFindAnotherAccountsKeyByBareId) {
  const Key key = NewKey();
  CallContext call = Context("carol");
  EXPECT_THAT(lifecycle().DescribeKey(call, {key->key_id}),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kOtherAccount, key->key_id) + "' does not exist"));
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_DeniesAnotherAccountTheDefaultPolicyDoesNotName) {
  const Key key = NewKey();
  CallContext call = Context("carol");
  EXPECT_THAT(lifecycle().DescribeKey(call, {key->Arn()}),
              StatusIs(Code::kAccessDenied,
                       HasSubstr("because no resource-based policy allows the kms:DescribeKey")));
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_AllowsAnotherAccountByArnWhenTheKeyPolicyNamesIt) {
  const Key key = KeySharedWithCarol();
  CallContext call = Context("carol");
  KMS_ASSERT_OK_AND_ASSIGN(Key found, lifecycle().DescribeKey(call, {key->Arn()}));
  EXPECT_EQ(found->key_id, key->key_id);
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_CreatesTheAwsManagedRdsKeyOnFirstUse) {
  const Key key = RdsManagedKey();
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->key_manager, KeyManager::kAws);
  EXPECT_EQ(key->account, kAccount);
  EXPECT_EQ(key->description,
            "Default key that protects my RDS database volumes when no other key is defined");
  EXPECT_EQ(key->state, KeyState::kEnabled);
  const Key again = RdsManagedKey();
  EXPECT_EQ(again->key_id, key->key_id);
}

TEST_F(KeyLifecycleServiceTest, DescribeKey_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().DescribeKey(call, {key->key_id}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ExpectAllowedByAlicesIamPolicy(call);
}

// ---------------------------------------------------------------- ListKeys

TEST_F(KeyLifecycleServiceTest, ListKeys_ListsTheKeysOfTheCallersAccountAndRegionByKeyId) {
  std::set<std::string> mine;
  for (int i = 0; i < 3; ++i) mine.insert(NewKey()->key_id);
  CallContext carol = Context("carol");
  ASSERT_THAT(lifecycle().CreateKey(carol, {}), IsOk());
  CallContext alice_eu = Context("alice", kOtherRegion);
  ASSERT_THAT(lifecycle().CreateKey(alice_eu, {}), IsOk());
  const std::vector<std::string> listed = ListedKeyIds("alice");
  EXPECT_EQ(listed, std::vector<std::string>(mine.begin(), mine.end()));
  EXPECT_EQ(ListedKeyIds("carol").size(), 1u);
  EXPECT_EQ(ListedKeyIds("alice", kOtherRegion).size(), 1u);
}

TEST_F(KeyLifecycleServiceTest, ListKeys_ReturnsACompletePageWithoutANextPosition) {
  NewKey();
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Key> page, lifecycle().ListKeys(call, {}));
  EXPECT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.next, "");
}

TEST_F(KeyLifecycleServiceTest, ListKeys_PagesByLimitAndContinuesAfterTheNextPosition) {
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.insert(NewKey()->key_id);
  const std::vector<std::string> sorted(ids.begin(), ids.end());
  std::vector<std::string> seen;
  ListKeysRequest request;
  request.page.limit = 2;
  for (int pages = 0; pages < 3; ++pages) {
    CallContext call = Context("alice");
    KMS_ASSERT_OK_AND_ASSIGN(ListPage<Key> page, lifecycle().ListKeys(call, request));
    EXPECT_LE(page.items.size(), 2u);
    for (const Key& key : page.items) seen.push_back(key->key_id);
    if (pages < 2) {
      ASSERT_EQ(page.next, seen.back());
    } else {
      EXPECT_EQ(page.next, "");
    }
    request.page.marker = "marker-" + page.next;
    request.page.after = page.next;
  }
  EXPECT_EQ(seen, sorted);
}

TEST_F(KeyLifecycleServiceTest, ListKeys_Returns100KeysAPageByDefault) {
  for (int i = 0; i < 101; ++i) NewKey();
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Key> page, lifecycle().ListKeys(call, {}));
  EXPECT_EQ(page.items.size(), 100u);
  ASSERT_NE(page.next, "");
  ListKeysRequest rest;
  rest.page.marker = "m";
  rest.page.after = page.next;
  KMS_ASSERT_OK_AND_ASSIGN(ListPage<Key> last, lifecycle().ListKeys(call, rest));
  EXPECT_EQ(last.items.size(), 1u);
  EXPECT_EQ(last.next, "");
}

TEST_F(KeyLifecycleServiceTest, ListKeys_IncludesDisabledAndPendingDeletionKeys) {
  const Key disabled = NewKey();
  Disable(disabled);
  const Key pending = NewKey();
  ScheduleDeletion(pending);
  EXPECT_EQ(ListedKeyIds("alice").size(), 2u);
}

TEST_F(KeyLifecycleServiceTest, ListKeys_IncludesAwsManagedKeys) {
  const Key managed = RdsManagedKey();
  EXPECT_THAT(ListedKeyIds("alice"), ElementsAre(managed->key_id));
}

TEST_F(KeyLifecycleServiceTest, ListKeys_RefusesAPositionThatIsNoKeyId) {
  // KeyStore::ListKeys leaves marker validation to its caller; AWS answers
  // InvalidMarkerException for a marker it did not issue.
  NewKey();
  CallContext call = Context("alice");
  ListKeysRequest request;
  request.page.marker = "a21zZDpub3QtYS1rZXktaWQ=";
  request.page.after = "not-a-key-id";
  EXPECT_THAT(lifecycle().ListKeys(call, request),
              StatusIs(Code::kInvalidMarker, "Invalid marker: a21zZDpub3QtYS1rZXktaWQ="));
}

TEST_F(KeyLifecycleServiceTest, ListKeys_DeniesACallerWithoutAnIamPolicy) {
  NewKey();
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().ListKeys(call, {}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:ListKeys", "*")));
}

TEST_F(KeyLifecycleServiceTest, ListKeys_LetsTheRootUserList) {
  NewKey();
  EXPECT_EQ(ListedKeyIds("root").size(), 1u);
}

TEST_F(KeyLifecycleServiceTest, ListKeys_TraceRecordsTheDecisionAndNoResource) {
  NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().ListKeys(call, {}), IsOk());
  EXPECT_THAT(call.trace.resources, IsEmpty());
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->deciding_policy, "admin");
}

// ---------------------------------------------------------------- UpdateKeyDescription

TEST_F(KeyLifecycleServiceTest, UpdateKeyDescription_ReplacesTheDescription) {
  const Key key = NewKey("old");
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().UpdateKeyDescription(call, {key->key_id, "new"}), IsOk());
  EXPECT_EQ(Stored(key)->description, "new");
  CallContext clear = Context("alice");
  ASSERT_THAT(lifecycle().UpdateKeyDescription(clear, {key->Arn(), ""}), IsOk());
  EXPECT_EQ(Stored(key)->description, "");
}

TEST_F(KeyLifecycleServiceTest, UpdateKeyDescription_WorksOnADisabledKey) {
  const Key key = NewKey("old");
  Disable(key);
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().UpdateKeyDescription(call, {key->key_id, "new"}), IsOk());
  EXPECT_EQ(Stored(key)->description, "new");
  EXPECT_EQ(Stored(key)->state, KeyState::kDisabled);
}

TEST_F(KeyLifecycleServiceTest, UpdateKeyDescription_RefusesAKeyPendingDeletion) {
  const Key key = NewKey("old");
  ScheduleDeletion(key);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().UpdateKeyDescription(call, {key->key_id, "new"}),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
  EXPECT_EQ(Stored(key)->description, "old");
}

TEST_F(KeyLifecycleServiceTest, UpdateKeyDescription_DeniesBob) {
  const Key key = NewKey("old");
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().UpdateKeyDescription(call, {key->key_id, "new"}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:UpdateKeyDescription", key->Arn())));
  EXPECT_EQ(Stored(key)->description, "old");
}

TEST_F(KeyLifecycleServiceTest, UpdateKeyDescription_RefusesAnAlias) {
  const Key key = NewKey("old");
  CallContext create = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(create, {"alias/updated", key->key_id}), IsOk());
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().UpdateKeyDescription(call, {"alias/updated", "new"}),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/updated'"));
  EXPECT_EQ(Stored(key)->description, "old");
}

TEST_F(KeyLifecycleServiceTest, UpdateKeyDescription_RefusesAnArnOfAnotherRegion) {
  const Key key = NewKey("old");
  CallContext call = Context("alice", kOtherRegion);
  EXPECT_THAT(lifecycle().UpdateKeyDescription(call, {key->Arn(), "new"}),
              StatusIs(Code::kNotFound, "Invalid arn us-east-1"));
  EXPECT_EQ(Stored(key)->description, "old");
}

TEST_F(KeyLifecycleServiceTest, UpdateKeyDescription_RefusesTheAwsManagedKey) {
  const Key key = RdsManagedKey();
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().UpdateKeyDescription(call, {key->key_id, "mine now"}),
              StatusIs(Code::kAccessDenied,
                       AliceDeniedByKeyPolicy("kms:UpdateKeyDescription", key->Arn())));
  EXPECT_EQ(Stored(key)->description, key->description);
}

TEST_F(KeyLifecycleServiceTest, UpdateKeyDescription_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  CallContext call = Context("carol");
  EXPECT_THAT(lifecycle().UpdateKeyDescription(call, {key->Arn(), "carol was here"}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_EQ(Stored(key)->description, "test key");
}

TEST_F(KeyLifecycleServiceTest, UpdateKeyDescription_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().UpdateKeyDescription(call, {key->key_id, "new"}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ExpectAllowedByAlicesIamPolicy(call);
}

// ---------------------------------------------------------------- EnableKey / DisableKey

TEST_F(KeyLifecycleServiceTest, DisableKey_DisablesTheKey) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().DisableKey(call, {key->key_id}), IsOk());
  EXPECT_EQ(Stored(key)->state, KeyState::kDisabled);
  CallContext describe = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key described, lifecycle().DescribeKey(describe, {key->key_id}));
  EXPECT_EQ(described->state, KeyState::kDisabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKey_EnablesADisabledKey) {
  const Key key = NewKey();
  Disable(key);
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().EnableKey(call, {key->Arn()}), IsOk());
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKey_IsIdempotent) {
  const Key key = NewKey();
  Disable(key);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DisableKey(call, {key->key_id}), IsOk());
  EXPECT_EQ(Stored(key)->state, KeyState::kDisabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKey_IsIdempotent) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().EnableKey(call, {key->key_id}), IsOk());
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKey_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().EnableKey(call, {key->key_id}),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
  EXPECT_EQ(Stored(key)->state, KeyState::kPendingDeletion);
}

TEST_F(KeyLifecycleServiceTest, DisableKey_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DisableKey(call, {key->key_id}),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
  EXPECT_EQ(Stored(key)->state, KeyState::kPendingDeletion);
}

TEST_F(KeyLifecycleServiceTest, DisableKey_DeniesBob) {
  const Key key = NewKey();
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().DisableKey(call, {key->key_id}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:DisableKey", key->Arn())));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_FALSE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kNoIdentityPolicyAllow);
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
}

TEST_F(KeyLifecycleServiceTest, EnableKey_DeniesBob) {
  const Key key = NewKey();
  Disable(key);
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().EnableKey(call, {key->key_id}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:EnableKey", key->Arn())));
  EXPECT_EQ(Stored(key)->state, KeyState::kDisabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKey_RefusesAnAlias) {
  const Key key = NewKey();
  CallContext create = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(create, {"alias/disabled", key->key_id}), IsOk());
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DisableKey(call, {"alias/disabled"}),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/disabled'"));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKey_RefusesAnUnknownKey) {
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DisableKey(call, {kUnknownKeyId}),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kAccount, kUnknownKeyId) + "' does not exist"));
}

TEST_F(KeyLifecycleServiceTest, DisableKey_RefusesAnArnOfAnotherRegion) {
  const Key key = NewKey();
  CallContext call = Context("alice", kOtherRegion);
  EXPECT_THAT(lifecycle().DisableKey(call, {key->Arn()}),
              StatusIs(Code::kNotFound, "Invalid arn us-east-1"));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKey_RefusesTheAwsManagedKey) {
  const Key key = RdsManagedKey();
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DisableKey(call, {key->key_id}),
              StatusIs(Code::kAccessDenied, AliceDeniedByKeyPolicy("kms:DisableKey", key->Arn())));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKey_RefusesTheAwsManagedKey) {
  const Key key = RdsManagedKey();
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().EnableKey(call, {key->key_id}),
              StatusIs(Code::kAccessDenied, AliceDeniedByKeyPolicy("kms:EnableKey", key->Arn())));
}

TEST_F(KeyLifecycleServiceTest, DisableKey_RefusesTheAwsManagedKeyEvenToTheRootUser) {
  const Key key = RdsManagedKey();
  CallContext call = Context("root");
  EXPECT_THAT(lifecycle().DisableKey(call, {key->key_id}), StatusIs(Code::kAccessDenied));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKey_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  CallContext call = Context("carol");
  EXPECT_THAT(lifecycle().DisableKey(call, {key->Arn()}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKey_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  Disable(key);
  CallContext call = Context("carol");
  EXPECT_THAT(lifecycle().EnableKey(call, {key->Arn()}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_EQ(Stored(key)->state, KeyState::kDisabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKey_FollowsAnExplicitDenyInTheKeyPolicy) {
  const Key key = NewKey();
  SetPolicy(key, PolicyWith(std::string(kAliceAdmin) +
                            R"(,{"Sid":"NeverDisable","Effect":"Deny","Principal":{"AWS":"*"},)"
                            R"("Action":"kms:DisableKey","Resource":"*"})"));
  CallContext call = Context("alice");
  EXPECT_THAT(
      lifecycle().DisableKey(call, {key->key_id}),
      StatusIs(Code::kAccessDenied, HasSubstr("with an explicit deny in a resource-based policy")));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kExplicitDenyInKeyPolicy);
  EXPECT_EQ(call.trace.decision->deciding_statement, "NeverDisable");
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKey_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().DisableKey(call, {key->key_id}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ExpectAllowedByAlicesIamPolicy(call);
}

TEST_F(KeyLifecycleServiceTest, EnableKey_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  Disable(key);
  CallContext call = Context("dbadmin");
  ASSERT_THAT(lifecycle().EnableKey(call, {key->key_id}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByIdentityPolicy);
  EXPECT_EQ(call.trace.decision->deciding_policy, "kms");
}

// ---------------------------------------------------------------- ScheduleKeyDeletion

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_Waits30DaysByDefault) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key scheduled,
                           lifecycle().ScheduleKeyDeletion(call, {key->key_id, std::nullopt}));
  EXPECT_EQ(scheduled->state, KeyState::kPendingDeletion);
  EXPECT_EQ(scheduled->pending_window_days, 30);
  EXPECT_EQ(scheduled->deletion_date, clock_.NowMillis() + 30 * kDay);
  EXPECT_EQ(*Stored(key), *scheduled);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_UsesTheRequestedWindow) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key scheduled, lifecycle().ScheduleKeyDeletion(call, {key->Arn(), 7}));
  EXPECT_EQ(scheduled->pending_window_days, 7);
  EXPECT_EQ(scheduled->deletion_date, call.now + 7 * kDay);
  EXPECT_EQ(Stored(key)->deletion_date, call.now + 7 * kDay);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_AcceptsTheWindowBounds7And30) {
  for (int64_t days : {7, 30}) {
    const Key key = NewKey();
    CallContext call = Context("alice");
    KMS_ASSERT_OK_AND_ASSIGN(Key scheduled,
                             lifecycle().ScheduleKeyDeletion(call, {key->key_id, days}));
    EXPECT_EQ(scheduled->pending_window_days, days);
  }
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_RefusesAWindowOutside7To30Days) {
  const Key key = NewKey();
  for (int64_t days :
       {int64_t{-7}, int64_t{0}, int64_t{1}, int64_t{6}, int64_t{31}, int64_t{365}}) {
    CallContext call = Context("alice");
    EXPECT_THAT(lifecycle().ScheduleKeyDeletion(call, {key->key_id, days}),
                StatusIs(Code::kValidation, "PendingWindowInDays must be between 7 and 30"))
        << days;
  }
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_RefusesAWindowThatOnlyLooksValidWhenTruncated) {
  // 2^32 + 7 days is far outside 7..30, even if its low 32 bits read 7.
  const Key key = NewKey();
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().ScheduleKeyDeletion(call, {key->key_id, (int64_t{1} << 32) + 7}),
              StatusIs(Code::kValidation, "PendingWindowInDays must be between 7 and 30"));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_ChecksTheWindowBeforeAnythingElse) {
  CallContext bob = Context("bob");
  EXPECT_THAT(lifecycle().ScheduleKeyDeletion(bob, {"not-a-key", 6}),
              StatusIs(Code::kValidation, "PendingWindowInDays must be between 7 and 30"));
  EXPECT_THAT(bob.trace.resources, IsEmpty());
  EXPECT_FALSE(bob.trace.decision.has_value());
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_SchedulesADisabledKey) {
  const Key key = NewKey();
  Disable(key);
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key scheduled, lifecycle().ScheduleKeyDeletion(call, {key->key_id, 7}));
  EXPECT_EQ(scheduled->state, KeyState::kPendingDeletion);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_RefusesAKeyAlreadyPendingDeletion) {
  const Key key = NewKey();
  ScheduleDeletion(key, 7);
  const EpochMillis first_date = Stored(key)->deletion_date;
  clock_.Advance(kDay);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().ScheduleKeyDeletion(call, {key->key_id, 30}),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
  EXPECT_EQ(Stored(key)->deletion_date, first_date);
  EXPECT_EQ(Stored(key)->pending_window_days, 7);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_DeniesBob) {
  const Key key = NewKey();
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().ScheduleKeyDeletion(call, {key->key_id, 7}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:ScheduleKeyDeletion", key->Arn())));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_RefusesTheAwsManagedKey) {
  const Key key = RdsManagedKey();
  CallContext call = Context("alice");
  EXPECT_THAT(
      lifecycle().ScheduleKeyDeletion(call, {key->key_id, 7}),
      StatusIs(Code::kAccessDenied, AliceDeniedByKeyPolicy("kms:ScheduleKeyDeletion", key->Arn())));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  CallContext call = Context("carol");
  EXPECT_THAT(lifecycle().ScheduleKeyDeletion(call, {key->Arn(), 7}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_RefusesAnAlias) {
  const Key key = NewKey();
  CallContext create = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(create, {"alias/doomed", key->key_id}), IsOk());
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().ScheduleKeyDeletion(call, {"alias/doomed", 7}),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/doomed'"));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_PassesTheWindowAsACondition) {
  // Deletions must wait at least 14 days.
  const std::string policy = PolicyWith(
      std::string(kAliceAdmin) +
      R"(,{"Sid":"AtLeast14Days","Effect":"Deny","Principal":{"AWS":"*"},)"
      R"("Action":"kms:ScheduleKeyDeletion",)"
      R"("Resource":"*",)"
      R"("Condition":{"NumericLessThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":"14"}}})");
  const Key short_window = NewKey();
  SetPolicy(short_window, policy);
  CallContext denied = Context("alice");
  EXPECT_THAT(lifecycle().ScheduleKeyDeletion(denied, {short_window->key_id, 7}),
              StatusIs(Code::kAccessDenied));
  EXPECT_EQ(Stored(short_window)->state, KeyState::kEnabled);
  CallContext allowed = Context("alice");
  EXPECT_THAT(lifecycle().ScheduleKeyDeletion(allowed, {short_window->key_id, 14}), IsOk());
  EXPECT_EQ(Stored(short_window)->state, KeyState::kPendingDeletion);
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_KeyIsDeletedOnlyOnceTheWindowHasPassed) {
  const Key key = NewKey();
  ScheduleDeletion(key, 7);
  clock_.Advance(7 * kDay - 1);
  ASSERT_THAT(keys_->RunMaintenance(), IsOk());
  EXPECT_TRUE(store_->GetKey(key->key_id).has_value());
  clock_.Advance(1);
  ASSERT_THAT(keys_->RunMaintenance(), IsOk());
  EXPECT_THAT(store_->GetKey(key->key_id), StatusIs(Code::kNotFound));
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DescribeKey(call, {key->key_id}), StatusIs(Code::kNotFound));
}

TEST_F(KeyLifecycleServiceTest, ScheduleKeyDeletion_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().ScheduleKeyDeletion(call, {key->key_id, 7}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ExpectAllowedByAlicesIamPolicy(call);
}

// ---------------------------------------------------------------- CancelKeyDeletion

TEST_F(KeyLifecycleServiceTest, CancelKeyDeletion_LeavesTheKeyDisabledAndUnscheduled) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key cancelled, lifecycle().CancelKeyDeletion(call, {key->key_id}));
  EXPECT_EQ(cancelled->state, KeyState::kDisabled);
  EXPECT_EQ(cancelled->deletion_date, 0);
  EXPECT_EQ(cancelled->pending_window_days, 0);
  EXPECT_EQ(*Stored(key), *cancelled);
}

TEST_F(KeyLifecycleServiceTest, CancelKeyDeletion_KeyIsNoLongerDeletedWhenTheWindowEnds) {
  const Key key = NewKey();
  ScheduleDeletion(key, 7);
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().CancelKeyDeletion(call, {key->key_id}), IsOk());
  clock_.Advance(8 * kDay);
  ASSERT_THAT(keys_->RunMaintenance(), IsOk());
  EXPECT_EQ(Stored(key)->state, KeyState::kDisabled);
}

TEST_F(KeyLifecycleServiceTest, CancelKeyDeletion_RefusesAnEnabledKey) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().CancelKeyDeletion(call, {key->key_id}),
              StatusIs(Code::kInvalidState, key->Arn() + " is not pending deletion."));
  EXPECT_EQ(Stored(key)->state, KeyState::kEnabled);
}

TEST_F(KeyLifecycleServiceTest, CancelKeyDeletion_RefusesADisabledKey) {
  const Key key = NewKey();
  Disable(key);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().CancelKeyDeletion(call, {key->key_id}),
              StatusIs(Code::kInvalidState, key->Arn() + " is not pending deletion."));
  EXPECT_EQ(Stored(key)->state, KeyState::kDisabled);
}

TEST_F(KeyLifecycleServiceTest, CancelKeyDeletion_DeniesBob) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().CancelKeyDeletion(call, {key->key_id}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:CancelKeyDeletion", key->Arn())));
  EXPECT_EQ(Stored(key)->state, KeyState::kPendingDeletion);
}

TEST_F(KeyLifecycleServiceTest, CancelKeyDeletion_RefusesAnUnknownKey) {
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().CancelKeyDeletion(call, {kUnknownKeyId}),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kAccount, kUnknownKeyId) + "' does not exist"));
}

TEST_F(KeyLifecycleServiceTest, CancelKeyDeletion_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  ScheduleDeletion(key);
  CallContext call = Context("carol");
  EXPECT_THAT(lifecycle().CancelKeyDeletion(call, {key->Arn()}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_EQ(Stored(key)->state, KeyState::kPendingDeletion);
}

TEST_F(KeyLifecycleServiceTest, CancelKeyDeletion_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().CancelKeyDeletion(call, {key->Arn()}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ExpectAllowedByAlicesIamPolicy(call);
}

// ---------------------------------------------------------------- EnableKeyRotation

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_RotatesEvery365DaysByDefault) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().EnableKeyRotation(call, {key->key_id, std::nullopt}), IsOk());
  const auto stored = Stored(key);
  EXPECT_TRUE(stored->rotation_enabled);
  EXPECT_EQ(stored->rotation_period_days, 365);
  EXPECT_EQ(stored->next_rotation_date, call.now + 365 * kDay);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_UsesTheRequestedPeriod) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().EnableKeyRotation(call, {key->key_id, 180}), IsOk());
  const auto stored = Stored(key);
  EXPECT_TRUE(stored->rotation_enabled);
  EXPECT_EQ(stored->rotation_period_days, 180);
  EXPECT_EQ(stored->next_rotation_date, call.now + 180 * kDay);
}

TEST_F(KeyLifecycleServiceTest,
       EnableKeyRotation_KeepsThePeriodAndNextRotationWhenNoPeriodIsGiven) {
  const Key key = NewKey();
  EnableRotation(key, 180);
  const EpochMillis next = Stored(key)->next_rotation_date;
  clock_.Advance(10 * kDay);
  EnableRotation(key, std::nullopt);
  EXPECT_EQ(Stored(key)->rotation_period_days, 180);
  EXPECT_EQ(Stored(key)->next_rotation_date, next);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_KeepsTheNextRotationWhenThePeriodIsUnchanged) {
  const Key key = NewKey();
  EnableRotation(key, 180);
  const EpochMillis next = Stored(key)->next_rotation_date;
  clock_.Advance(10 * kDay);
  EnableRotation(key, 180);
  EXPECT_EQ(Stored(key)->next_rotation_date, next);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_MovesTheNextRotationWhenThePeriodChanges) {
  const Key key = NewKey();
  EnableRotation(key, 180);
  clock_.Advance(10 * kDay);
  EnableRotation(key, 90);
  EXPECT_EQ(Stored(key)->rotation_period_days, 90);
  EXPECT_EQ(Stored(key)->next_rotation_date, clock_.NowMillis() + 90 * kDay);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_AfterDisablingDefaultsTo365DaysFromNow) {
  const Key key = NewKey();
  EnableRotation(key, 180);
  CallContext disable = Context("alice");
  ASSERT_THAT(lifecycle().DisableKeyRotation(disable, {key->key_id}), IsOk());
  clock_.Advance(3 * kDay);
  EnableRotation(key, std::nullopt);
  EXPECT_TRUE(Stored(key)->rotation_enabled);
  EXPECT_EQ(Stored(key)->rotation_period_days, 365);
  EXPECT_EQ(Stored(key)->next_rotation_date, clock_.NowMillis() + 365 * kDay);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_RefusesADisabledKey) {
  const Key key = NewKey();
  Disable(key);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().EnableKeyRotation(call, {key->key_id, std::nullopt}),
              StatusIs(Code::kDisabled, key->Arn() + " is disabled."));
  EXPECT_FALSE(Stored(key)->rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().EnableKeyRotation(call, {key->key_id, std::nullopt}),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
  EXPECT_FALSE(Stored(key)->rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_DeniesBob) {
  const Key key = NewKey();
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().EnableKeyRotation(call, {key->key_id, std::nullopt}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:EnableKeyRotation", key->Arn())));
  EXPECT_FALSE(Stored(key)->rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_RefusesTheAwsManagedKey) {
  const Key key = RdsManagedKey();
  CallContext call = Context("alice");
  EXPECT_THAT(
      lifecycle().EnableKeyRotation(call, {key->key_id, 90}),
      StatusIs(Code::kAccessDenied, AliceDeniedByKeyPolicy("kms:EnableKeyRotation", key->Arn())));
  EXPECT_EQ(Stored(key)->rotation_period_days, 365);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  CallContext call = Context("carol");
  EXPECT_THAT(lifecycle().EnableKeyRotation(call, {key->Arn(), std::nullopt}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_FALSE(Stored(key)->rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_PassesThePeriodAsACondition) {
  const Key key = NewKey();
  SetPolicy(
      key,
      PolicyWith(
          std::string(kAliceAdmin) +
          R"(,{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"kms:EnableKeyRotation",)"
          R"("Resource":"*","Condition":{"NumericLessThan":{"kms:RotationPeriodInDays":"180"}}})"));
  CallContext denied = Context("alice");
  EXPECT_THAT(lifecycle().EnableKeyRotation(denied, {key->key_id, 90}),
              StatusIs(Code::kAccessDenied));
  EXPECT_FALSE(Stored(key)->rotation_enabled);
  CallContext allowed = Context("alice");
  EXPECT_THAT(lifecycle().EnableKeyRotation(allowed, {key->key_id, 180}), IsOk());
  EXPECT_TRUE(Stored(key)->rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, EnableKeyRotation_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().EnableKeyRotation(call, {key->key_id, std::nullopt}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ExpectAllowedByAlicesIamPolicy(call);
}

// ---------------------------------------------------------------- DisableKeyRotation

TEST_F(KeyLifecycleServiceTest, DisableKeyRotation_StopsRotation) {
  const Key key = NewKey();
  EnableRotation(key);
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().DisableKeyRotation(call, {key->key_id}), IsOk());
  EXPECT_FALSE(Stored(key)->rotation_enabled);
  EXPECT_EQ(Stored(key)->next_rotation_date, 0);
  clock_.Advance(400 * kDay);
  ASSERT_THAT(keys_->RunMaintenance(), IsOk());
  EXPECT_EQ(Stored(key)->versions.size(), 1u);
}

TEST_F(KeyLifecycleServiceTest, DisableKeyRotation_RefusesADisabledKey) {
  const Key key = NewKey();
  EnableRotation(key);
  Disable(key);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DisableKeyRotation(call, {key->key_id}),
              StatusIs(Code::kDisabled, key->Arn() + " is disabled."));
  EXPECT_TRUE(Stored(key)->rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKeyRotation_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  EnableRotation(key);
  ScheduleDeletion(key);
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DisableKeyRotation(call, {key->key_id}),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
}

TEST_F(KeyLifecycleServiceTest, DisableKeyRotation_DeniesBob) {
  const Key key = NewKey();
  EnableRotation(key);
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().DisableKeyRotation(call, {key->key_id}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:DisableKeyRotation", key->Arn())));
  EXPECT_TRUE(Stored(key)->rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKeyRotation_RefusesTheAwsManagedKey) {
  const Key key = RdsManagedKey();
  CallContext call = Context("alice");
  EXPECT_THAT(
      lifecycle().DisableKeyRotation(call, {key->key_id}),
      StatusIs(Code::kAccessDenied, AliceDeniedByKeyPolicy("kms:DisableKeyRotation", key->Arn())));
  EXPECT_TRUE(Stored(key)->rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKeyRotation_IsNotACrossAccountOperation) {
  const Key key = KeySharedWithCarol();
  EnableRotation(key);
  CallContext call = Context("carol");
  EXPECT_THAT(lifecycle().DisableKeyRotation(call, {key->Arn()}),
              AnyOf(StatusIs(Code::kNotFound), StatusIs(Code::kAccessDenied)));
  EXPECT_TRUE(Stored(key)->rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, DisableKeyRotation_RefusesAnAlias) {
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().DisableKeyRotation(call, {"alias/aws/rds"}),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/aws/rds'"));
}

TEST_F(KeyLifecycleServiceTest, DisableKeyRotation_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  EnableRotation(key);
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().DisableKeyRotation(call, {key->key_id}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ExpectAllowedByAlicesIamPolicy(call);
}

// ---------------------------------------------------------------- GetKeyRotationStatus

TEST_F(KeyLifecycleServiceTest, GetKeyRotationStatus_ReportsANewKeyAsNotRotating) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(KeyRotationStatus status,
                           lifecycle().GetKeyRotationStatus(call, {key->key_id}));
  EXPECT_FALSE(status.rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, GetKeyRotationStatus_ReportsThePeriodAndNextRotation) {
  const Key key = NewKey();
  EnableRotation(key, 120);
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(KeyRotationStatus status,
                           lifecycle().GetKeyRotationStatus(call, {key->Arn()}));
  EXPECT_TRUE(status.rotation_enabled);
  EXPECT_EQ(status.key->rotation_period_days, 120);
  EXPECT_EQ(status.key->next_rotation_date, clock_.NowMillis() + 120 * kDay);
}

TEST_F(KeyLifecycleServiceTest, GetKeyRotationStatus_ADisabledKeyKeepsItsRotationStatus) {
  const Key key = NewKey();
  EnableRotation(key);
  Disable(key);
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(KeyRotationStatus status,
                           lifecycle().GetKeyRotationStatus(call, {key->key_id}));
  EXPECT_TRUE(status.rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest,
       GetKeyRotationStatus_IsFalseWhilePendingDeletionAndRestoredOnCancel) {
  // "While a KMS key is pending deletion, its key rotation status is false
  // [...]. If you cancel the deletion, the original key rotation status is
  // restored." (KMS API Reference, GetKeyRotationStatus)
  const Key key = NewKey();
  EnableRotation(key);
  ScheduleDeletion(key);
  CallContext pending = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(KeyRotationStatus while_pending,
                           lifecycle().GetKeyRotationStatus(pending, {key->key_id}));
  EXPECT_FALSE(while_pending.rotation_enabled);
  CallContext cancel = Context("alice");
  ASSERT_THAT(lifecycle().CancelKeyDeletion(cancel, {key->key_id}), IsOk());
  CallContext after = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(KeyRotationStatus restored,
                           lifecycle().GetKeyRotationStatus(after, {key->key_id}));
  EXPECT_TRUE(restored.rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, GetKeyRotationStatus_ReportsTheAwsManagedKeyAsRotatingYearly) {
  const Key key = RdsManagedKey();
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(KeyRotationStatus status,
                           lifecycle().GetKeyRotationStatus(call, {key->key_id}));
  EXPECT_TRUE(status.rotation_enabled);
  EXPECT_EQ(status.key->rotation_period_days, 365);
}

TEST_F(KeyLifecycleServiceTest, GetKeyRotationStatus_DeniesBob) {
  const Key key = NewKey();
  CallContext call = Context("bob");
  EXPECT_THAT(lifecycle().GetKeyRotationStatus(call, {key->key_id}),
              StatusIs(Code::kAccessDenied, BobDenied("kms:GetKeyRotationStatus", key->Arn())));
}

TEST_F(KeyLifecycleServiceTest, GetKeyRotationStatus_RefusesAnAlias) {
  const Key key = NewKey();
  CallContext create = Context("alice");
  ASSERT_THAT(services_->aliases.CreateAlias(create, {"alias/rotating", key->key_id}), IsOk());
  CallContext call = Context("alice");
  EXPECT_THAT(lifecycle().GetKeyRotationStatus(call, {"alias/rotating"}),
              StatusIs(Code::kNotFound, "Invalid keyId 'alias/rotating'"));
}

TEST_F(KeyLifecycleServiceTest,
       GetKeyRotationStatus_AllowsAnotherAccountByArnWhenTheKeyPolicyNamesIt) {
  const Key key = KeySharedWithCarol();
  EnableRotation(key);
  CallContext call = Context("carol");
  KMS_ASSERT_OK_AND_ASSIGN(KeyRotationStatus status,
                           lifecycle().GetKeyRotationStatus(call, {key->Arn()}));
  EXPECT_TRUE(status.rotation_enabled);
}

TEST_F(KeyLifecycleServiceTest, GetKeyRotationStatus_TraceNamesTheKeyAndTheDecision) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  ASSERT_THAT(lifecycle().GetKeyRotationStatus(call, {key->key_id}), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ExpectAllowedByAlicesIamPolicy(call);
}

// ------------------------------------------- RotateKeyOnDemand, ListKeyRotations

TEST_F(KeyLifecycleServiceTest, RotateKeyOnDemand_AddsMaterialAndKeepsTheSchedule) {
  const Key key = NewKey();
  EnableRotation(key, 180);
  const EpochMillis next = Stored(key)->next_rotation_date;
  clock_.Advance(kDay);
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key rotated, lifecycle().RotateKeyOnDemand(call, {key->key_id}));
  ASSERT_EQ(rotated->versions.size(), 2u);
  EXPECT_EQ(rotated->current().rotation_type, "ON_DEMAND");
  EXPECT_EQ(rotated->current().created, call.now);
  EXPECT_EQ(rotated->next_rotation_date, next);
  EXPECT_EQ(call.trace.key_material_id, rotated->current().material_id);
}

TEST_F(KeyLifecycleServiceTest, RotateKeyOnDemand_StopsAtTheLimit) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  for (int i = 0; i < kMaxOnDemandRotations; ++i)
    ASSERT_THAT(lifecycle().RotateKeyOnDemand(call, {key->key_id}), IsOk());
  EXPECT_THAT(lifecycle().RotateKeyOnDemand(call, {key->key_id}),
              StatusIs(Code::kLimitExceeded, HasSubstr("No more on-demand rotations can be "
                                                       "performed for this key: " +
                                                       key->Arn())));
}

TEST_F(KeyLifecycleServiceTest, RotateKeyOnDemand_RefusesAnAsymmetricKeyWithNoMessage) {
  CallContext call = Context("alice");
  CreateKeyRequest request;
  request.key_spec = "ECC_NIST_P256";
  request.key_usage = "SIGN_VERIFY";
  KMS_ASSERT_OK_AND_ASSIGN(Key key, lifecycle().CreateKey(call, request));
  EXPECT_THAT(lifecycle().RotateKeyOnDemand(call, {key->key_id}),
              StatusIs(Code::kUnsupportedOperation, ""));
}

TEST_F(KeyLifecycleServiceTest, ListKeyRotations_PagesOldestFirstAndCanIncludeTheFirstMaterial) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  for (int i = 0; i < 3; ++i)
    ASSERT_THAT(lifecycle().RotateKeyOnDemand(call, {key->key_id}), IsOk());
  ListKeyRotationsRequest request{key->key_id, false, {}};
  request.page.limit = 2;
  KMS_ASSERT_OK_AND_ASSIGN(auto first, lifecycle().ListKeyRotations(call, request));
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].version.version, 2u);
  EXPECT_EQ(first.next, "3");
  request.page.marker = "m";
  request.page.after = first.next;
  KMS_ASSERT_OK_AND_ASSIGN(auto rest, lifecycle().ListKeyRotations(call, request));
  ASSERT_EQ(rest.items.size(), 1u);
  EXPECT_TRUE(rest.items[0].current);
  EXPECT_TRUE(rest.next.empty());
  KMS_ASSERT_OK_AND_ASSIGN(auto all, lifecycle().ListKeyRotations(call, {key->key_id, true, {}}));
  EXPECT_EQ(all.items.size(), 4u);
  request.page.after = "99";
  EXPECT_THAT(lifecycle().ListKeyRotations(call, request), StatusIs(Code::kInvalidMarker));
}

}  // namespace
}  // namespace kms::keys
