#include "kms/server/keys/crypto_service.h"

#include <deque>

#include "kms/server/crypto/ciphertext_blob.h"
#include "tests/server/keys/service_test_util.h"

namespace kms::keys {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kAccount;
using testing::kOtherAccount;
using testing::kRegion;
using testing::kUnknownKeyId;
using testing::ServiceTest;

constexpr char kRdsInRegion[] = "rds.us-east-1.amazonaws.com";
constexpr char kBobArn[] = "arn:aws:iam::111122223333:user/bob";
constexpr char kNoSuchKeyText[] =
    "The ciphertext refers to a customer master key that does not exist, does not exist in this "
    "region, or you are "
    "not allowed to access.";

// Offsets in a v1 ciphertext blob (kms/ciphertext_blob.h).
constexpr size_t kKeyIdOffset = 2;
constexpr size_t kKeyVersionOffset = 18;
constexpr size_t kSaltOffset = 22;

SecretBytes Secret(std::string_view text) { return SecretBytes(AsBytes(text)); }
std::string Text(const SecretBytes& secret) { return std::string(AsString(secret.view())); }

class CryptoServiceTest : public ServiceTest {
 protected:
  CryptoService& crypto() { return services_->crypto; }

  StatusOr<EncryptResult> Encrypt(const std::string& who, const std::string& key_id,
                                  std::string_view plaintext,
                                  const EncryptionContext& context = {}) {
    CallContext call = Context(who);
    return Encrypt(call, key_id, plaintext, context);
  }
  StatusOr<EncryptResult> Encrypt(CallContext& call, const std::string& key_id,
                                  std::string_view plaintext,
                                  const EncryptionContext& context = {}) {
    EncryptRequest request;
    request.key_id = key_id;
    request.plaintext = Secret(plaintext);
    request.encryption_context = context;
    return crypto().Encrypt(call, request);
  }

  StatusOr<DecryptResult> Decrypt(const std::string& who, const Bytes& blob,
                                  const EncryptionContext& context = {},
                                  std::optional<std::string> key_id = std::nullopt) {
    CallContext call = Context(who);
    return Decrypt(call, blob, context, std::move(key_id));
  }
  StatusOr<DecryptResult> Decrypt(CallContext& call, const Bytes& blob,
                                  const EncryptionContext& context = {},
                                  std::optional<std::string> key_id = std::nullopt) {
    DecryptRequest request;
    request.ciphertext_blob = blob;
    request.encryption_context = context;
    request.key_id = std::move(key_id);
    return crypto().Decrypt(call, request);
  }

  StatusOr<ReEncryptResult> ReEncrypt(const std::string& who, const Bytes& blob,
                                      const std::string& destination,
                                      const EncryptionContext& source_context = {},
                                      const EncryptionContext& destination_context = {}) {
    CallContext call = Context(who);
    ReEncryptRequest request;
    request.ciphertext_blob = blob;
    request.source_encryption_context = source_context;
    request.destination_key_id = destination;
    request.destination_encryption_context = destination_context;
    return crypto().ReEncrypt(call, request);
  }

  StatusOr<GenerateDataKeyResult> DataKey(const std::string& who, const std::string& key_id,
                                          bool with_plaintext = true,
                                          const EncryptionContext& context = {}) {
    CallContext call = Context(who);
    GenerateDataKeyRequest request;
    request.key_id = key_id;
    request.key_spec = "AES_256";
    request.encryption_context = context;
    return crypto().GenerateDataKey(call, request, with_plaintext);
  }

  // A ciphertext of `plaintext` under `key`, encrypted by alice.
  Bytes AliceEncrypts(const Key& key, std::string_view plaintext,
                      const EncryptionContext& context = {}) {
    StatusOr<EncryptResult> result = Encrypt("alice", key->key_id, plaintext, context);
    EXPECT_TRUE(result.has_value()) << result.error().ToString();
    return result ? result->ciphertext_blob : Bytes();
  }

  // A key policy statement allowing bob `actions` (a JSON string or list)
  // under `condition` (a JSON object, or empty).
  static std::string AllowBob(const std::string& sid, const std::string& actions,
                              const std::string& condition = "") {
    std::string statement = R"({"Sid":")" + sid + R"(","Effect":"Allow","Principal":{"AWS":")" +
                            kBobArn + R"("},"Action":)" + actions + R"(,"Resource":"*")";
    if (!condition.empty()) statement += R"(,"Condition":)" + condition;
    return statement + "}";
  }

  void CreateAlias(const std::string& alias_name, const Key& key) {
    CallContext call = Context("alice");
    ASSERT_THAT(services_->aliases.CreateAlias(call, AliasRequest{alias_name, key->key_id}),
                IsOk());
  }

  std::string GrantToBob(const Key& key, std::vector<std::string> operations,
                         std::optional<EncryptionContext> subset = std::nullopt,
                         std::optional<EncryptionContext> equals = std::nullopt) {
    CallContext call = Context("alice");
    CreateGrantRequest request;
    request.key_id = key->key_id;
    request.grantee_principal = kBobArn;
    request.operations = std::move(operations);
    request.encryption_context_subset = std::move(subset);
    request.encryption_context_equals = std::move(equals);
    StatusOr<CreateGrantResult> grant = services_->grants.CreateGrant(call, request);
    EXPECT_TRUE(grant.has_value()) << grant.error().ToString();
    return grant ? grant->grant_id : std::string();
  }

  // `who` calling through an AWS service (the via-service countersignature).
  CallContext ViaService(const std::string& who, const std::string& via_service,
                         const std::string& invoked_by = "rds.amazonaws.com") {
    auth::Caller& caller = via_callers_.emplace_back(Caller(who));
    caller.via_service = via_service;
    caller.invoked_by = invoked_by;
    return CallContext{
        caller, Scope{caller.principal.account, caller.region}, clock_.NowMillis(), {}};
  }

  std::deque<auth::Caller> via_callers_;
};

TEST_F(CryptoServiceTest, Encrypt_RoundTripsThroughDecrypt) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(EncryptResult encrypted,
                           Encrypt("alice", key->key_id, "attack at dawn"));
  EXPECT_EQ(encrypted.key->key_id, key->key_id);
  EXPECT_NE(AsString(encrypted.ciphertext_blob), "attack at dawn");
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted, Decrypt("alice", encrypted.ciphertext_blob));
  EXPECT_EQ(Text(decrypted.plaintext), "attack at dawn");
  EXPECT_EQ(decrypted.key->key_id, key->key_id);
}

TEST_F(CryptoServiceTest, Encrypt_MakesADifferentCiphertextEachTime) {
  const Key key = NewKey();
  EXPECT_NE(AliceEncrypts(key, "same"), AliceEncrypts(key, "same"));
}

TEST_F(CryptoServiceTest, Encrypt_AcceptsEveryKeyIdForm) {
  const Key key = NewKey();
  CreateAlias("alias/finance", key);
  for (const std::string& key_id : {key->key_id, key->Arn(), std::string("alias/finance"),
                                    AliasArn(kRegion, kAccount, "alias/finance")}) {
    KMS_ASSERT_OK_AND_ASSIGN(EncryptResult encrypted, Encrypt("alice", key_id, "x"));
    EXPECT_EQ(encrypted.key->key_id, key->key_id) << key_id;
  }
}

TEST_F(CryptoServiceTest, Encrypt_RefusesAnUnknownKey) {
  EXPECT_THAT(Encrypt("alice", kUnknownKeyId, "x"),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kAccount, kUnknownKeyId) + "' does not exist"));
}

TEST_F(CryptoServiceTest, Encrypt_RefusesAnUnknownAlias) {
  EXPECT_THAT(Encrypt("alice", "alias/missing", "x"),
              StatusIs(Code::kNotFound,
                       "Alias arn:aws:kms:us-east-1:111122223333:alias/missing is not found."));
}

TEST_F(CryptoServiceTest, Encrypt_FindsKeysOnlyInTheCallersRegion) {
  const Key key = NewKey();
  CallContext call = Context("alice", "eu-west-1");
  EXPECT_THAT(Encrypt(call, key->key_id, "x"),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn("eu-west-1", kAccount, key->key_id) + "' does not exist"));
}

TEST_F(CryptoServiceTest, Encrypt_DeniesACallerNoPolicyAllows) {
  const Key key = NewKey();
  EXPECT_THAT(
      Encrypt("bob", key->key_id, "x"),
      StatusIs(Code::kAccessDenied,
               "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
               "kms:Encrypt on resource: " +
                   key->Arn() + " because no identity-based policy allows the kms:Encrypt action"));
}

TEST_F(CryptoServiceTest, Encrypt_AllowsACallerTheKeyPolicyNamesDirectly) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(key, AllowBob("BobEncrypts", R"("kms:Encrypt")"));
  CallContext call = Context("bob");
  EXPECT_THAT(Encrypt(call, key->key_id, "x"), IsOk());
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByKeyPolicy);
  EXPECT_EQ(call.trace.decision->deciding_statement, "BobEncrypts");
}

TEST_F(CryptoServiceTest, Encrypt_PassesTheEncryptionContextToTheKeyPolicy) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key, AllowBob("FinanceOnly", R"("kms:Encrypt")",
                    R"({"StringEquals":{"kms:EncryptionContext:Department":"Finance"}})"));
  EXPECT_THAT(Encrypt("bob", key->key_id, "x", {{"Department", "Finance"}}), IsOk());
  EXPECT_THAT(Encrypt("bob", key->key_id, "x", {{"Department", "Sales"}}),
              StatusIs(Code::kAccessDenied));
  EXPECT_THAT(Encrypt("bob", key->key_id, "x"), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Encrypt_PassesTheRequestAliasToTheKeyPolicy) {
  const Key key = NewKey();
  CreateAlias("alias/finance", key);
  CreateAlias("alias/other", key);
  SetDefaultPolicyPlus(key, AllowBob("ThroughFinanceAlias", R"("kms:Encrypt")",
                                     R"({"StringEquals":{"kms:RequestAlias":"alias/finance"}})"));
  EXPECT_THAT(Encrypt("bob", "alias/finance", "x"), IsOk());
  EXPECT_THAT(Encrypt("bob", "alias/other", "x"), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(Encrypt("bob", key->key_id, "x"), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(Encrypt("bob", key->Arn(), "x"), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Encrypt_PassesTheDefaultAlgorithmToTheKeyPolicy) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key, AllowBob("SymmetricOnly", R"("kms:Encrypt")",
                    R"({"StringEquals":{"kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}})"));
  EXPECT_THAT(Encrypt("bob", key->key_id, "x"), IsOk());
}

TEST_F(CryptoServiceTest, Encrypt_AllowsAGranteeWhoseGrantConstraintsHold) {
  const Key key = NewKey();
  const std::string grant_id =
      GrantToBob(key, {"Encrypt"}, EncryptionContext{{"Department", "Finance"}});
  CallContext call = Context("bob");
  EXPECT_THAT(Encrypt(call, key->key_id, "x", {{"Department", "Finance"}, {"Project", "Alpha"}}),
              IsOk());
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByGrant);
  EXPECT_EQ(call.trace.decision->deciding_policy, "grant " + grant_id);
}

TEST_F(CryptoServiceTest, Encrypt_DeniesAGranteeWhoseGrantConstraintsFail) {
  const Key key = NewKey();
  GrantToBob(key, {"Encrypt"}, EncryptionContext{{"Department", "Finance"}});
  EXPECT_THAT(Encrypt("bob", key->key_id, "x", {{"Department", "Sales"}}),
              StatusIs(Code::kAccessDenied));
  EXPECT_THAT(Encrypt("bob", key->key_id, "x"), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Encrypt_DeniesAGranteeWhoseGrantHasOtherOperations) {
  const Key key = NewKey();
  GrantToBob(key, {"Decrypt"});
  EXPECT_THAT(Encrypt("bob", key->key_id, "x"), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Encrypt_RefusesAGrantTokenThisServerDidNotIssue) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  EncryptRequest request;
  request.key_id = key->key_id;
  request.plaintext = Secret("x");
  request.grant_tokens = {"not-a-grant-token"};
  EXPECT_THAT(crypto().Encrypt(call, request),
              StatusIs(Code::kInvalidGrantToken, "Invalid grant token."));
}

TEST_F(CryptoServiceTest, Encrypt_RefusesADisabledKey) {
  const Key key = NewKey();
  Disable(key);
  EXPECT_THAT(Encrypt("alice", key->key_id, "x"),
              StatusIs(Code::kDisabled, key->Arn() + " is disabled."));
}

TEST_F(CryptoServiceTest, Encrypt_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  EXPECT_THAT(Encrypt("alice", key->key_id, "x"),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
}

TEST_F(CryptoServiceTest, Encrypt_AuthorizesBeforeCheckingTheKeyState) {
  const Key key = NewKey();
  Disable(key);
  EXPECT_THAT(Encrypt("bob", key->key_id, "x"), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Encrypt_RefusesAnAsymmetricAlgorithm) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  EncryptRequest request;
  request.key_id = key->key_id;
  request.plaintext = Secret("x");
  request.encryption_algorithm = "RSAES_OAEP_SHA_256";
  EXPECT_THAT(
      crypto().Encrypt(call, request),
      StatusIs(Code::kInvalidKeyUsage,
               "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT."));
}

TEST_F(CryptoServiceTest, Encrypt_AcceptsSymmetricDefaultNamedExplicitly) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  EncryptRequest request;
  request.key_id = key->key_id;
  request.plaintext = Secret("x");
  request.encryption_algorithm = "SYMMETRIC_DEFAULT";
  EXPECT_THAT(crypto().Encrypt(call, request), IsOk());
}

TEST_F(CryptoServiceTest, Encrypt_DryRunStopsAfterEveryCheckPassed) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  EncryptRequest request;
  request.key_id = key->key_id;
  request.plaintext = Secret("x");
  request.dry_run = true;
  EXPECT_THAT(
      crypto().Encrypt(call, request),
      StatusIs(Code::kDryRun, "The request would have succeeded, but the DryRun option is set."));
  EXPECT_TRUE(call.trace.key_material_id.empty());
}

TEST_F(CryptoServiceTest, Encrypt_DryRunStillDeniesACallerNoPolicyAllows) {
  const Key key = NewKey();
  CallContext call = Context("bob");
  EncryptRequest request;
  request.key_id = key->key_id;
  request.plaintext = Secret("x");
  request.dry_run = true;
  EXPECT_THAT(crypto().Encrypt(call, request), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Encrypt_DryRunStillChecksTheKeyState) {
  const Key key = NewKey();
  Disable(key);
  CallContext call = Context("alice");
  EncryptRequest request;
  request.key_id = key->key_id;
  request.plaintext = Secret("x");
  request.dry_run = true;
  EXPECT_THAT(crypto().Encrypt(call, request), StatusIs(Code::kDisabled));
}

TEST_F(CryptoServiceTest, Encrypt_TracesTheKeyTheDecisionAndTheBackingKey) {
  const Key key = NewKey();
  CreateAlias("alias/finance", key);
  CallContext call = Context("alice");
  ASSERT_THAT(Encrypt(call, "alias/finance", "x"), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByIdentityPolicy);
  EXPECT_EQ(call.trace.key_material_id, key->current().material_id);
}

TEST_F(CryptoServiceTest, Encrypt_RecordsADenialInTheTrace) {
  const Key key = NewKey();
  CallContext call = Context("bob");
  ASSERT_THAT(Encrypt(call, key->key_id, "x"), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_FALSE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kNoIdentityPolicyAllow);
  EXPECT_TRUE(call.trace.key_material_id.empty());
}

TEST_F(CryptoServiceTest, Encrypt_UsesAnotherAccountsKeyByArnWhenBothAccountsAllow) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(key,
                       R"({"Sid":"OtherAccount","Effect":"Allow",
          "Principal":{"AWS":"arn:aws:iam::444455556666:root"},
          "Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"})");
  KMS_ASSERT_OK_AND_ASSIGN(EncryptResult encrypted, Encrypt("carol", key->Arn(), "shared"));
  EXPECT_EQ(encrypted.key->key_id, key->key_id);
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted, Decrypt("alice", encrypted.ciphertext_blob));
  EXPECT_EQ(Text(decrypted.plaintext), "shared");
}

TEST_F(CryptoServiceTest, Encrypt_FindsAnotherAccountsKeyOnlyByArn) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(key,
                       R"({"Sid":"OtherAccount","Effect":"Allow",
          "Principal":{"AWS":"arn:aws:iam::444455556666:root"},
          "Action":"kms:Encrypt","Resource":"*"})");
  EXPECT_THAT(Encrypt("carol", key->key_id, "x"),
              StatusIs(Code::kNotFound,
                       "Key '" + KeyArn(kRegion, kOtherAccount, key->key_id) + "' does not exist"));
}

TEST_F(CryptoServiceTest, Encrypt_DeniesAnotherAccountTheKeyPolicyDoesNotName) {
  const Key key = NewKey();
  EXPECT_THAT(
      Encrypt("carol", key->Arn(), "x"),
      StatusIs(Code::kAccessDenied,
               "User: arn:aws:iam::444455556666:user/carol is not authorized to "
               "perform: kms:Encrypt on resource: " +
                   key->Arn() + " because no resource-based policy allows the kms:Encrypt action"));
}

TEST_F(CryptoServiceTest, Encrypt_UsesTheCurrentBackingKeyAfterRotation) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(Key rotated, keys_->RotateKey(key->key_id, "AUTOMATIC"));
  ASSERT_EQ(rotated->versions.size(), 2u);
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(EncryptResult encrypted, Encrypt(call, key->key_id, "new"));
  EXPECT_EQ(call.trace.key_material_id, rotated->current().material_id);
  EXPECT_NE(call.trace.key_material_id, key->current().material_id);
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted, Decrypt("alice", encrypted.ciphertext_blob));
  EXPECT_EQ(decrypted.key_material_id, rotated->current().material_id);
}

TEST_F(CryptoServiceTest, Encrypt_DeniesDirectUseOfTheRdsManagedKey) {
  CallContext call = Context("alice");
  StatusOr<EncryptResult> result = Encrypt(call, "alias/aws/rds", "x");
  ASSERT_FALSE(call.trace.resources.empty());
  const std::string key_arn = call.trace.resources.front();
  EXPECT_THAT(
      result,
      StatusIs(Code::kAccessDenied,
               "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
               "kms:Encrypt on resource: " +
                   key_arn + " because no resource-based policy allows the kms:Encrypt action"));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kNoKeyPolicyAllow);
  EXPECT_THAT(call.trace.decision->failed_condition,
              HasSubstr("kms:ViaService: request has no value"));
}

TEST_F(CryptoServiceTest, Encrypt_AllowsTheRdsManagedKeyThroughRds) {
  CallContext call = ViaService("alice", kRdsInRegion);
  KMS_ASSERT_OK_AND_ASSIGN(EncryptResult encrypted, Encrypt(call, "alias/aws/rds", "volume key"));
  EXPECT_EQ(encrypted.key->key_manager, KeyManager::kAws);
  EXPECT_EQ(encrypted.key->account, kAccount);
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByKeyPolicy);
}

TEST_F(CryptoServiceTest, Encrypt_AllowsTheRdsManagedKeyThroughRdsForAUserWithoutIamPolicy) {
  CallContext call = ViaService("bob", kRdsInRegion);
  EXPECT_THAT(Encrypt(call, "alias/aws/rds", "x"), IsOk());
}

TEST_F(CryptoServiceTest, Encrypt_DeniesTheRdsManagedKeyThroughAnotherService) {
  CallContext call = ViaService("alice", "ebs.us-east-1.amazonaws.com", "ebs.amazonaws.com");
  EXPECT_THAT(Encrypt(call, "alias/aws/rds", "x"), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Encrypt_DeniesTheRdsManagedKeyThroughRdsOfAnotherRegion) {
  CallContext call = ViaService("alice", "rds.eu-west-1.amazonaws.com");
  EXPECT_THAT(Encrypt(call, "alias/aws/rds", "x"), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Encrypt_ThroughRdsUsesTheCallersOwnManagedKey) {
  CallContext alice = ViaService("alice", kRdsInRegion);
  KMS_ASSERT_OK_AND_ASSIGN(EncryptResult alices, Encrypt(alice, "alias/aws/rds", "x"));
  CallContext carol = ViaService("carol", kRdsInRegion);
  KMS_ASSERT_OK_AND_ASSIGN(EncryptResult carols, Encrypt(carol, "alias/aws/rds", "x"));
  EXPECT_EQ(carols.key->account, kOtherAccount);
  EXPECT_NE(carols.key->key_id, alices.key->key_id);
}

TEST_F(CryptoServiceTest, Decrypt_AcceptsTheSameEncryptionContext) {
  const Key key = NewKey();
  const EncryptionContext context = {{"Department", "Finance"}, {"Project", "Alpha"}};
  const Bytes blob = AliceEncrypts(key, "secret", context);
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted, Decrypt("alice", blob, context));
  EXPECT_EQ(Text(decrypted.plaintext), "secret");
}

TEST_F(CryptoServiceTest, Decrypt_RefusesAnotherEncryptionContext) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret", {{"Department", "Finance"}});
  EXPECT_THAT(Decrypt("alice", blob, {{"Department", "Sales"}}),
              StatusIs(Code::kInvalidCiphertext, ""));
  EXPECT_THAT(Decrypt("alice", blob, {{"department", "Finance"}}),
              StatusIs(Code::kInvalidCiphertext, ""));
  EXPECT_THAT(Decrypt("alice", blob, {{"Department", "Finance"}, {"Project", "Alpha"}}),
              StatusIs(Code::kInvalidCiphertext, ""));
  EXPECT_THAT(Decrypt("alice", blob), StatusIs(Code::kInvalidCiphertext, ""));
}

TEST_F(CryptoServiceTest, Decrypt_RefusesAContextWhereTheCiphertextHadNone) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  EXPECT_THAT(Decrypt("alice", blob, {{"Department", "Finance"}}),
              StatusIs(Code::kInvalidCiphertext, ""));
}

TEST_F(CryptoServiceTest, Decrypt_RefusesATamperedCiphertext) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  for (size_t offset : {kSaltOffset, CiphertextBlob::kHeaderSize, blob.size() - 1}) {
    Bytes tampered = blob;
    tampered[offset] ^= 0x01;
    EXPECT_THAT(Decrypt("alice", tampered), StatusIs(Code::kInvalidCiphertext, ""))
        << "offset " << offset;
  }
}

TEST_F(CryptoServiceTest, Decrypt_RefusesATruncatedCiphertext) {
  const Key key = NewKey();
  Bytes blob = AliceEncrypts(key, "secret");
  blob.resize(blob.size() - 1);
  EXPECT_THAT(Decrypt("alice", blob), StatusIs(Code::kInvalidCiphertext, ""));
  EXPECT_THAT(Decrypt("alice", ToBytes("not a ciphertext blob at all")),
              StatusIs(Code::kInvalidCiphertext, ""));
}

TEST_F(CryptoServiceTest, Decrypt_RefusesAKeyVersionTheKeyDoesNotHave) {
  const Key key = NewKey();
  Bytes blob = AliceEncrypts(key, "secret");
  ASSERT_EQ(blob[kKeyVersionOffset + 3], 1);
  blob[kKeyVersionOffset + 3] = 2;
  EXPECT_THAT(Decrypt("alice", blob), StatusIs(Code::kInvalidCiphertext, ""));
}

TEST_F(CryptoServiceTest, Decrypt_RefusesACiphertextMovedToAnotherKeyVersion) {
  const Key key = NewKey();
  Bytes blob = AliceEncrypts(key, "secret");
  ASSERT_THAT(keys_->RotateKey(key->key_id, "AUTOMATIC"), IsOk());
  blob[kKeyVersionOffset + 3] = 2;  // a version that exists now, but not the one that sealed it
  EXPECT_THAT(Decrypt("alice", blob), StatusIs(Code::kInvalidCiphertext, ""));
}

TEST_F(CryptoServiceTest, Decrypt_RefusesACiphertextFromAnotherRegion) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  CallContext call = Context("alice", "eu-west-1");
  EXPECT_THAT(Decrypt(call, blob), StatusIs(Code::kAccessDenied, kNoSuchKeyText));
  EXPECT_TRUE(call.trace.resources.empty());
}

TEST_F(CryptoServiceTest, Decrypt_RefusesACiphertextOfAnUnknownKey) {
  const Key key = NewKey();
  Bytes blob = AliceEncrypts(key, "secret");
  KeyIdBytes unknown{};
  ASSERT_TRUE(ParseUuid(kUnknownKeyId, &unknown));
  std::copy(unknown.begin(), unknown.end(), blob.begin() + kKeyIdOffset);
  EXPECT_THAT(Decrypt("alice", blob), StatusIs(Code::kAccessDenied, kNoSuchKeyText));
}

TEST_F(CryptoServiceTest, Decrypt_RefusesACiphertextOfADeletedKey) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  ScheduleDeletion(key, 7);
  clock_.Advance(8LL * 24 * 3600 * 1000);
  ASSERT_THAT(keys_->RunMaintenance(), IsOk());
  EXPECT_THAT(Decrypt("alice", blob), StatusIs(Code::kAccessDenied, kNoSuchKeyText));
}

TEST_F(CryptoServiceTest, Decrypt_AcceptsAKeyIdNamingTheCiphertextsKey) {
  const Key key = NewKey();
  CreateAlias("alias/finance", key);
  const Bytes blob = AliceEncrypts(key, "secret");
  for (const std::string& key_id : {key->key_id, key->Arn(), std::string("alias/finance"),
                                    AliasArn(kRegion, kAccount, "alias/finance")}) {
    KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted, Decrypt("alice", blob, {}, key_id));
    EXPECT_EQ(Text(decrypted.plaintext), "secret") << key_id;
  }
}

TEST_F(CryptoServiceTest, Decrypt_RefusesAKeyIdNamingAnotherKey) {
  const Key key = NewKey();
  const Key other = NewKey("other");
  CreateAlias("alias/other", other);
  const Bytes blob = AliceEncrypts(key, "secret");
  for (const std::string& key_id : {other->key_id, std::string("alias/other")}) {
    EXPECT_THAT(
        Decrypt("alice", blob, {}, key_id),
        StatusIs(
            Code::kIncorrectKey,
            "The key ID in the request does not identify a CMK that can perform this operation."))
        << key_id;
  }
}

TEST_F(CryptoServiceTest, Decrypt_PassesTheRequestAliasOfTheKeyIdToTheKeyPolicy) {
  const Key key = NewKey();
  CreateAlias("alias/finance", key);
  SetDefaultPolicyPlus(key, AllowBob("ThroughFinanceAlias", R"("kms:Decrypt")",
                                     R"({"StringEquals":{"kms:RequestAlias":"alias/finance"}})"));
  const Bytes blob = AliceEncrypts(key, "secret");
  EXPECT_THAT(Decrypt("bob", blob, {}, "alias/finance"), IsOk());
  EXPECT_THAT(Decrypt("bob", blob), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(Decrypt("bob", blob, {}, key->key_id), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Decrypt_PassesTheEncryptionContextToTheKeyPolicy) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key, AllowBob("FinanceOnly", R"("kms:Decrypt")",
                    R"({"StringEquals":{"kms:EncryptionContext:Department":"Finance"}})"));
  const Bytes finance = AliceEncrypts(key, "secret", {{"Department", "Finance"}});
  const Bytes sales = AliceEncrypts(key, "secret", {{"Department", "Sales"}});
  EXPECT_THAT(Decrypt("bob", finance, {{"Department", "Finance"}}), IsOk());
  EXPECT_THAT(Decrypt("bob", sales, {{"Department", "Sales"}}), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Decrypt_DeniesACallerNoPolicyAllows) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  EXPECT_THAT(
      Decrypt("bob", blob),
      StatusIs(Code::kAccessDenied,
               "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
               "kms:Decrypt on resource: " +
                   key->Arn() + " because no identity-based policy allows the kms:Decrypt action"));
}

TEST_F(CryptoServiceTest, Decrypt_DeniesAnotherAccountTheKeyPolicyDoesNotName) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  EXPECT_THAT(
      Decrypt("carol", blob),
      StatusIs(Code::kAccessDenied,
               "User: arn:aws:iam::444455556666:user/carol is not authorized to "
               "perform: kms:Decrypt on resource: " +
                   key->Arn() + " because no resource-based policy allows the kms:Decrypt action"));
}

TEST_F(CryptoServiceTest, Decrypt_PassesTheDefaultAlgorithmToTheKeyPolicy) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key, AllowBob("SymmetricOnly", R"("kms:Decrypt")",
                    R"({"StringEquals":{"kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}})"));
  EXPECT_THAT(Decrypt("bob", AliceEncrypts(key, "secret")), IsOk());
}

TEST_F(CryptoServiceTest, Decrypt_AllowsAGranteeWhoseGrantContextMatchesExactly) {
  const Key key = NewKey();
  GrantToBob(key, {"Decrypt"}, std::nullopt, EncryptionContext{{"Department", "Finance"}});
  const Bytes exact = AliceEncrypts(key, "secret", {{"Department", "Finance"}});
  const Bytes wider =
      AliceEncrypts(key, "secret", {{"Department", "Finance"}, {"Project", "Alpha"}});
  EXPECT_THAT(Decrypt("bob", exact, {{"Department", "Finance"}}), IsOk());
  EXPECT_THAT(Decrypt("bob", wider, {{"Department", "Finance"}, {"Project", "Alpha"}}),
              StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, Decrypt_RefusesADisabledKey) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  Disable(key);
  EXPECT_THAT(Decrypt("alice", blob), StatusIs(Code::kDisabled, key->Arn() + " is disabled."));
}

TEST_F(CryptoServiceTest, Decrypt_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  ScheduleDeletion(key);
  EXPECT_THAT(Decrypt("alice", blob),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
}

TEST_F(CryptoServiceTest, Decrypt_RefusesAnAsymmetricAlgorithm) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  DecryptRequest request;
  request.ciphertext_blob = AliceEncrypts(key, "secret");
  request.encryption_algorithm = "RSAES_OAEP_SHA_1";
  EXPECT_THAT(
      crypto().Decrypt(call, request),
      StatusIs(Code::kInvalidKeyUsage,
               "Algorithm RSAES_OAEP_SHA_1 is incompatible with key spec SYMMETRIC_DEFAULT."));
}

TEST_F(CryptoServiceTest, Decrypt_DryRunStopsAfterEveryCheckPassed) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  DecryptRequest request;
  request.ciphertext_blob = AliceEncrypts(key, "secret");
  request.dry_run = true;
  EXPECT_THAT(
      crypto().Decrypt(call, request),
      StatusIs(Code::kDryRun, "The request would have succeeded, but the DryRun option is set."));
  EXPECT_TRUE(call.trace.key_material_id.empty());
}

TEST_F(CryptoServiceTest, Decrypt_NamesTheCiphertextsKeyInTheTraceWhenDenied) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  CallContext call = Context("bob");
  ASSERT_THAT(Decrypt(call, blob), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_FALSE(call.trace.decision->allowed);
  EXPECT_TRUE(call.trace.key_material_id.empty());
}

TEST_F(CryptoServiceTest, Decrypt_NamesTheCiphertextsKeyFirstInTheTrace) {
  const Key key = NewKey();
  const Key other = NewKey("other");
  const Bytes blob = AliceEncrypts(key, "secret");
  CallContext call = Context("alice");
  ASSERT_THAT(Decrypt(call, blob, {}, other->key_id), StatusIs(Code::kIncorrectKey));
  ASSERT_FALSE(call.trace.resources.empty());
  EXPECT_EQ(call.trace.resources.front(), key->Arn());
}

TEST_F(CryptoServiceTest, Decrypt_NotesTheBackingKeyItUsed) {
  const Key key = NewKey();
  const Bytes blob = AliceEncrypts(key, "secret");
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted, Decrypt(call, blob));
  EXPECT_EQ(decrypted.key_material_id, key->current().material_id);
  EXPECT_EQ(call.trace.key_material_id, key->current().material_id);
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
}

TEST_F(CryptoServiceTest, Decrypt_StillDecryptsCiphertextsFromBeforeARotation) {
  const Key key = NewKey();
  const Bytes old_blob = AliceEncrypts(key, "before rotation");
  KMS_ASSERT_OK_AND_ASSIGN(Key rotated, keys_->RotateKey(key->key_id, "AUTOMATIC"));
  ASSERT_NE(rotated->current().material_id, key->current().material_id);
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted, Decrypt(call, old_blob));
  EXPECT_EQ(Text(decrypted.plaintext), "before rotation");
  EXPECT_EQ(decrypted.key_material_id, key->current().material_id);
  EXPECT_EQ(call.trace.key_material_id, key->current().material_id);
}

TEST_F(CryptoServiceTest, Decrypt_AllowsTheRdsManagedKeyOnlyThroughRds) {
  CallContext via_rds = ViaService("alice", kRdsInRegion);
  KMS_ASSERT_OK_AND_ASSIGN(EncryptResult encrypted,
                           Encrypt(via_rds, "alias/aws/rds", "volume key"));
  EXPECT_THAT(Decrypt("alice", encrypted.ciphertext_blob), StatusIs(Code::kAccessDenied));
  CallContext again_via_rds = ViaService("alice", kRdsInRegion);
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted,
                           Decrypt(again_via_rds, encrypted.ciphertext_blob));
  EXPECT_EQ(Text(decrypted.plaintext), "volume key");
}

TEST_F(CryptoServiceTest, ReEncrypt_MovesACiphertextToAnotherKeyAndContext) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  const Bytes blob = AliceEncrypts(source, "secret", {{"Stage", "old"}});
  KMS_ASSERT_OK_AND_ASSIGN(
      ReEncryptResult moved,
      ReEncrypt("alice", blob, destination->key_id, {{"Stage", "old"}}, {{"Stage", "new"}}));
  EXPECT_EQ(moved.source_key->key_id, source->key_id);
  EXPECT_EQ(moved.destination_key->key_id, destination->key_id);
  EXPECT_EQ(moved.source_key_material_id, source->current().material_id);
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted,
                           Decrypt("alice", moved.ciphertext_blob, {{"Stage", "new"}}));
  EXPECT_EQ(Text(decrypted.plaintext), "secret");
  EXPECT_EQ(decrypted.key->key_id, destination->key_id);
  EXPECT_THAT(Decrypt("alice", moved.ciphertext_blob, {{"Stage", "old"}}),
              StatusIs(Code::kInvalidCiphertext));
}

TEST_F(CryptoServiceTest, ReEncrypt_RefusesAnotherSourceEncryptionContext) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  const Bytes blob = AliceEncrypts(source, "secret", {{"Stage", "old"}});
  EXPECT_THAT(ReEncrypt("alice", blob, destination->key_id, {{"Stage", "other"}}),
              StatusIs(Code::kInvalidCiphertext, ""));
}

TEST_F(CryptoServiceTest, ReEncrypt_RefusesASourceKeyIdNamingAnotherKey) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  CallContext call = Context("alice");
  ReEncryptRequest request;
  request.ciphertext_blob = AliceEncrypts(source, "secret");
  request.source_key_id = destination->key_id;
  request.destination_key_id = destination->key_id;
  EXPECT_THAT(
      crypto().ReEncrypt(call, request),
      StatusIs(
          Code::kIncorrectKey,
          "The key ID in the request does not identify a CMK that can perform this operation."));
}

TEST_F(CryptoServiceTest, ReEncrypt_RefusesACiphertextFromAnotherRegion) {
  const Key source = NewKey("source");
  const Bytes blob = AliceEncrypts(source, "secret");
  CallContext call = Context("alice", "eu-west-1");
  ReEncryptRequest request;
  request.ciphertext_blob = blob;
  request.destination_key_id = source->Arn();
  EXPECT_THAT(crypto().ReEncrypt(call, request), StatusIs(Code::kAccessDenied, kNoSuchKeyText));
}

TEST_F(CryptoServiceTest, ReEncrypt_AllowsReEncryptFromOnTheSourceAndReEncryptToOnTheDestination) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  SetDefaultPolicyPlus(source, AllowBob("FromHere", R"("kms:ReEncryptFrom")"));
  SetDefaultPolicyPlus(destination, AllowBob("ToHere", R"("kms:ReEncryptTo")"));
  const Bytes blob = AliceEncrypts(source, "secret");
  EXPECT_THAT(ReEncrypt("bob", blob, destination->key_id), IsOk());
}

TEST_F(CryptoServiceTest, ReEncrypt_NeedsReEncryptFromOnTheSourceKey) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  SetDefaultPolicyPlus(source, AllowBob("ToHere", R"("kms:ReEncryptTo")"));
  SetDefaultPolicyPlus(destination, AllowBob("ToHere", R"("kms:ReEncryptTo")"));
  const Bytes blob = AliceEncrypts(source, "secret");
  EXPECT_THAT(
      ReEncrypt("bob", blob, destination->key_id),
      StatusIs(Code::kAccessDenied,
               "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
               "kms:ReEncryptFrom on "
               "resource: " +
                   source->Arn() +
                   " because no identity-based policy allows the kms:ReEncryptFrom action"));
}

TEST_F(CryptoServiceTest, ReEncrypt_NeedsReEncryptToOnTheDestinationKey) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  SetDefaultPolicyPlus(source, AllowBob("FromHere", R"("kms:ReEncryptFrom")"));
  SetDefaultPolicyPlus(destination, AllowBob("FromHere", R"("kms:ReEncryptFrom")"));
  const Bytes blob = AliceEncrypts(source, "secret");
  EXPECT_THAT(ReEncrypt("bob", blob, destination->key_id),
              StatusIs(Code::kAccessDenied,
                       "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
                       "kms:ReEncryptTo on "
                       "resource: " +
                           destination->Arn() +
                           " because no identity-based policy allows the kms:ReEncryptTo action"));
}

TEST_F(CryptoServiceTest, ReEncrypt_PassesReEncryptOnSameKeyToTheKeyPolicy) {
  const Key key = NewKey("one");
  const Key other = NewKey("two");
  const std::string same_key_only = AllowBob("SameKeyOnly", R"("kms:ReEncrypt*")",
                                             R"({"Bool":{"kms:ReEncryptOnSameKey":"true"}})");
  SetDefaultPolicyPlus(key, same_key_only);
  SetDefaultPolicyPlus(other, same_key_only);
  const Bytes blob = AliceEncrypts(key, "secret");
  EXPECT_THAT(ReEncrypt("bob", blob, key->key_id), IsOk());
  EXPECT_THAT(ReEncrypt("bob", blob, other->key_id), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, ReEncrypt_PassesEachSidesEncryptionContextToItsKeyPolicy) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  SetDefaultPolicyPlus(source,
                       AllowBob("FromOld", R"("kms:ReEncryptFrom")",
                                R"({"StringEquals":{"kms:EncryptionContext:Stage":"old"}})"));
  SetDefaultPolicyPlus(destination,
                       AllowBob("ToNew", R"("kms:ReEncryptTo")",
                                R"({"StringEquals":{"kms:EncryptionContext:Stage":"new"}})"));
  const Bytes blob = AliceEncrypts(source, "secret", {{"Stage", "old"}});
  EXPECT_THAT(ReEncrypt("bob", blob, destination->key_id, {{"Stage", "old"}}, {{"Stage", "new"}}),
              IsOk());
  EXPECT_THAT(ReEncrypt("bob", blob, destination->key_id, {{"Stage", "old"}}, {{"Stage", "old"}}),
              StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, ReEncrypt_AllowsAGranteeOfReEncryptFromAndReEncryptTo) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  GrantToBob(source, {"ReEncryptFrom"}, EncryptionContext{{"Stage", "old"}});
  GrantToBob(destination, {"ReEncryptTo"}, EncryptionContext{{"Stage", "new"}});
  const Bytes blob = AliceEncrypts(source, "secret", {{"Stage", "old"}});
  EXPECT_THAT(ReEncrypt("bob", blob, destination->key_id, {{"Stage", "old"}}, {{"Stage", "new"}}),
              IsOk());
  EXPECT_THAT(ReEncrypt("bob", blob, destination->key_id, {{"Stage", "old"}}, {{"Stage", "other"}}),
              StatusIs(Code::kAccessDenied));
  EXPECT_THAT(ReEncrypt("bob", blob, source->key_id, {{"Stage", "old"}}, {{"Stage", "new"}}),
              StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, ReEncrypt_RefusesADisabledSourceKey) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  const Bytes blob = AliceEncrypts(source, "secret");
  Disable(source);
  EXPECT_THAT(ReEncrypt("alice", blob, destination->key_id),
              StatusIs(Code::kDisabled, source->Arn() + " is disabled."));
}

TEST_F(CryptoServiceTest, ReEncrypt_RefusesADisabledDestinationKey) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  const Bytes blob = AliceEncrypts(source, "secret");
  Disable(destination);
  EXPECT_THAT(ReEncrypt("alice", blob, destination->key_id),
              StatusIs(Code::kDisabled, destination->Arn() + " is disabled."));
}

TEST_F(CryptoServiceTest, ReEncrypt_RefusesADestinationKeyPendingDeletion) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  const Bytes blob = AliceEncrypts(source, "secret");
  ScheduleDeletion(destination);
  EXPECT_THAT(ReEncrypt("alice", blob, destination->key_id),
              StatusIs(Code::kInvalidState, destination->Arn() + " is pending deletion."));
}

TEST_F(CryptoServiceTest, ReEncrypt_RefusesAnAsymmetricDestinationAlgorithm) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  CallContext call = Context("alice");
  ReEncryptRequest request;
  request.ciphertext_blob = AliceEncrypts(source, "secret");
  request.destination_key_id = destination->key_id;
  request.destination_encryption_algorithm = "RSAES_OAEP_SHA_256";
  EXPECT_THAT(
      crypto().ReEncrypt(call, request),
      StatusIs(Code::kInvalidKeyUsage,
               "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT."));
}

TEST_F(CryptoServiceTest, ReEncrypt_RefusesAnAsymmetricSourceAlgorithm) {
  const Key source = NewKey("source");
  CallContext call = Context("alice");
  ReEncryptRequest request;
  request.ciphertext_blob = AliceEncrypts(source, "secret");
  request.destination_key_id = source->key_id;
  request.source_encryption_algorithm = "RSAES_OAEP_SHA_1";
  EXPECT_THAT(
      crypto().ReEncrypt(call, request),
      StatusIs(Code::kInvalidKeyUsage,
               "Algorithm RSAES_OAEP_SHA_1 is incompatible with key spec SYMMETRIC_DEFAULT."));
}

TEST_F(CryptoServiceTest, ReEncrypt_DryRunStopsAfterEveryCheckPassed) {
  const Key source = NewKey("source");
  CallContext call = Context("alice");
  ReEncryptRequest request;
  request.ciphertext_blob = AliceEncrypts(source, "secret");
  request.destination_key_id = source->key_id;
  request.dry_run = true;
  EXPECT_THAT(
      crypto().ReEncrypt(call, request),
      StatusIs(Code::kDryRun, "The request would have succeeded, but the DryRun option is set."));
}

TEST_F(CryptoServiceTest, ReEncrypt_NamesTheSourceThenTheDestinationKeyInTheTrace) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  SetDefaultPolicyPlus(source, AllowBob("FromHere", R"("kms:ReEncryptFrom")"));
  SetDefaultPolicyPlus(destination, AllowBob("ToHere", R"("kms:ReEncryptTo")"));
  const Bytes blob = AliceEncrypts(source, "secret");
  CallContext call = Context("bob");
  ReEncryptRequest request;
  request.ciphertext_blob = blob;
  request.destination_key_id = destination->key_id;
  ASSERT_THAT(crypto().ReEncrypt(call, request), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(source->Arn(), destination->Arn()));
  // The last authorization (ReEncryptTo on the destination) decides.
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->deciding_statement, "ToHere");
}

TEST_F(CryptoServiceTest, ReEncrypt_NotesABackingKeyInTheTrace) {
  const Key source = NewKey("source");
  const Key destination = NewKey("destination");
  CallContext call = Context("alice");
  ReEncryptRequest request;
  request.ciphertext_blob = AliceEncrypts(source, "secret");
  request.destination_key_id = destination->key_id;
  KMS_ASSERT_OK_AND_ASSIGN(ReEncryptResult moved, crypto().ReEncrypt(call, request));
  // Each successful call notes the backing key it used (crypto_service.h);
  // ReEncrypt uses the source's and the destination's.
  EXPECT_THAT(call.trace.key_material_id,
              ::testing::AnyOf(moved.source_key_material_id, destination->current().material_id));
  EXPECT_FALSE(call.trace.key_material_id.empty());
}

TEST_F(CryptoServiceTest, GenerateDataKey_RefusesBothNumberOfBytesAndKeySpec) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  GenerateDataKeyRequest request;
  request.key_id = key->key_id;
  request.number_of_bytes = 32;
  request.key_spec = "AES_256";
  EXPECT_THAT(crypto().GenerateDataKey(call, request, true),
              StatusIs(Code::kValidation, "Please specify either number of bytes or key spec."));
}

TEST_F(CryptoServiceTest, GenerateDataKey_RefusesNeitherNumberOfBytesNorKeySpec) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  GenerateDataKeyRequest request;
  request.key_id = key->key_id;
  EXPECT_THAT(crypto().GenerateDataKey(call, request, true),
              StatusIs(Code::kValidation, "Please specify either number of bytes or key spec."));
  EXPECT_THAT(crypto().GenerateDataKey(call, request, false),
              StatusIs(Code::kValidation, "Please specify either number of bytes or key spec."));
}

TEST_F(CryptoServiceTest, GenerateDataKey_ValidatesTheSizeBeforeResolvingTheKey) {
  CallContext call = Context("alice");
  GenerateDataKeyRequest request;
  request.key_id = kUnknownKeyId;
  EXPECT_THAT(crypto().GenerateDataKey(call, request, true), StatusIs(Code::kValidation));
}

TEST_F(CryptoServiceTest, GenerateDataKey_MakesA16ByteKeyForAes128) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  GenerateDataKeyRequest request;
  request.key_id = key->key_id;
  request.key_spec = "AES_128";
  KMS_ASSERT_OK_AND_ASSIGN(GenerateDataKeyResult data_key,
                           crypto().GenerateDataKey(call, request, true));
  EXPECT_EQ(data_key.plaintext.size(), 16u);
}

TEST_F(CryptoServiceTest, GenerateDataKey_MakesA32ByteKeyForAes256) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  GenerateDataKeyRequest request;
  request.key_id = key->key_id;
  request.key_spec = "AES_256";
  KMS_ASSERT_OK_AND_ASSIGN(GenerateDataKeyResult data_key,
                           crypto().GenerateDataKey(call, request, true));
  EXPECT_EQ(data_key.plaintext.size(), 32u);
}

TEST_F(CryptoServiceTest, GenerateDataKey_MakesNumberOfBytes) {
  const Key key = NewKey();
  for (int64_t n : {1, 7, 64, 1024}) {
    CallContext call = Context("alice");
    GenerateDataKeyRequest request;
    request.key_id = key->key_id;
    request.number_of_bytes = n;
    KMS_ASSERT_OK_AND_ASSIGN(GenerateDataKeyResult data_key,
                             crypto().GenerateDataKey(call, request, true));
    EXPECT_EQ(data_key.plaintext.size(), static_cast<size_t>(n));
    KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted, Decrypt("alice", data_key.ciphertext_blob));
    EXPECT_EQ(decrypted.plaintext.size(), static_cast<size_t>(n));
  }
}

TEST_F(CryptoServiceTest, GenerateDataKey_ReturnsTheKeyEncryptedUnderTheKeyAndContext) {
  const Key key = NewKey();
  const EncryptionContext context = {{"Department", "Finance"}};
  KMS_ASSERT_OK_AND_ASSIGN(GenerateDataKeyResult data_key,
                           DataKey("alice", key->key_id, true, context));
  EXPECT_EQ(data_key.key->key_id, key->key_id);
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted,
                           Decrypt("alice", data_key.ciphertext_blob, context));
  EXPECT_TRUE(decrypted.plaintext == data_key.plaintext);
  EXPECT_THAT(Decrypt("alice", data_key.ciphertext_blob), StatusIs(Code::kInvalidCiphertext));
}

TEST_F(CryptoServiceTest, GenerateDataKey_MakesADifferentKeyEachTime) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(GenerateDataKeyResult first, DataKey("alice", key->key_id));
  KMS_ASSERT_OK_AND_ASSIGN(GenerateDataKeyResult second, DataKey("alice", key->key_id));
  EXPECT_FALSE(first.plaintext == second.plaintext);
}

TEST_F(CryptoServiceTest, GenerateDataKeyWithoutPlaintext_ReturnsNoPlaintext) {
  const Key key = NewKey();
  KMS_ASSERT_OK_AND_ASSIGN(GenerateDataKeyResult data_key, DataKey("alice", key->key_id, false));
  EXPECT_TRUE(data_key.plaintext.empty());
  KMS_ASSERT_OK_AND_ASSIGN(DecryptResult decrypted, Decrypt("alice", data_key.ciphertext_blob));
  EXPECT_EQ(decrypted.plaintext.size(), 32u);
}

TEST_F(CryptoServiceTest, GenerateDataKeyWithoutPlaintext_IsItsOwnAction) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(key, AllowBob("WithPlaintextOnly", R"("kms:GenerateDataKey")"));
  EXPECT_THAT(DataKey("bob", key->key_id, true), IsOk());
  EXPECT_THAT(DataKey("bob", key->key_id, false),
              StatusIs(Code::kAccessDenied,
                       "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
                       "kms:GenerateDataKeyWithoutPlaintext on resource: " +
                           key->Arn() +
                           " because no identity-based policy allows the "
                           "kms:GenerateDataKeyWithoutPlaintext action"));
}

TEST_F(CryptoServiceTest, GenerateDataKey_IsAllowedByTheGenerateDataKeyWildcard) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(key, AllowBob("AnyDataKey", R"("kms:GenerateDataKey*")"));
  EXPECT_THAT(DataKey("bob", key->key_id, true), IsOk());
  EXPECT_THAT(DataKey("bob", key->key_id, false), IsOk());
}

TEST_F(CryptoServiceTest, GenerateDataKeyWithoutPlaintext_NeedsItsOwnGrantOperation) {
  const Key key = NewKey();
  GrantToBob(key, {"GenerateDataKey"});
  EXPECT_THAT(DataKey("bob", key->key_id, true), IsOk());
  EXPECT_THAT(DataKey("bob", key->key_id, false), StatusIs(Code::kAccessDenied));
}

TEST_F(CryptoServiceTest, GenerateDataKey_DeniesACallerNoPolicyAllows) {
  const Key key = NewKey();
  EXPECT_THAT(
      DataKey("bob", key->key_id),
      StatusIs(Code::kAccessDenied,
               "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
               "kms:GenerateDataKey "
               "on resource: " +
                   key->Arn() +
                   " because no identity-based policy allows the kms:GenerateDataKey action"));
}

TEST_F(CryptoServiceTest, GenerateDataKey_PassesTheEncryptionContextToTheKeyPolicy) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key, AllowBob("FinanceOnly", R"("kms:GenerateDataKey")",
                    R"({"StringEquals":{"kms:EncryptionContext:Department":"Finance"}})"));
  EXPECT_THAT(DataKey("bob", key->key_id, true, {{"Department", "Finance"}}), IsOk());
  EXPECT_THAT(DataKey("bob", key->key_id, true, {{"Department", "Sales"}}),
              StatusIs(Code::kAccessDenied));
}

// The KMS Developer Guide: kms:EncryptionAlgorithm applies to the operations
// that generate data keys, with the algorithm that encrypts the data key.
TEST_F(CryptoServiceTest, GenerateDataKey_PassesTheDefaultAlgorithmToTheKeyPolicy) {
  const Key key = NewKey();
  SetDefaultPolicyPlus(
      key, AllowBob("SymmetricOnly", R"("kms:GenerateDataKey*")",
                    R"({"StringEquals":{"kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}})"));
  EXPECT_THAT(DataKey("bob", key->key_id, true), IsOk());
  EXPECT_THAT(DataKey("bob", key->key_id, false), IsOk());
}

TEST_F(CryptoServiceTest, GenerateDataKey_RefusesADisabledKey) {
  const Key key = NewKey();
  Disable(key);
  EXPECT_THAT(DataKey("alice", key->key_id),
              StatusIs(Code::kDisabled, key->Arn() + " is disabled."));
  EXPECT_THAT(DataKey("alice", key->key_id, false),
              StatusIs(Code::kDisabled, key->Arn() + " is disabled."));
}

TEST_F(CryptoServiceTest, GenerateDataKey_RefusesAKeyPendingDeletion) {
  const Key key = NewKey();
  ScheduleDeletion(key);
  EXPECT_THAT(DataKey("alice", key->key_id),
              StatusIs(Code::kInvalidState, key->Arn() + " is pending deletion."));
}

TEST_F(CryptoServiceTest, GenerateDataKey_DryRunStopsAfterEveryCheckPassed) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  GenerateDataKeyRequest request;
  request.key_id = key->key_id;
  request.key_spec = "AES_256";
  request.dry_run = true;
  EXPECT_THAT(
      crypto().GenerateDataKey(call, request, true),
      StatusIs(Code::kDryRun, "The request would have succeeded, but the DryRun option is set."));
  EXPECT_THAT(crypto().GenerateDataKey(call, request, false), StatusIs(Code::kDryRun));
  EXPECT_TRUE(call.trace.key_material_id.empty());
}

TEST_F(CryptoServiceTest, GenerateDataKey_TracesTheKeyTheDecisionAndTheBackingKey) {
  const Key key = NewKey();
  CallContext call = Context("alice");
  GenerateDataKeyRequest request;
  request.key_id = key->Arn();
  request.number_of_bytes = 16;
  ASSERT_THAT(crypto().GenerateDataKey(call, request, false), IsOk());
  EXPECT_THAT(call.trace.resources, ElementsAre(key->Arn()));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_TRUE(call.trace.decision->allowed);
  EXPECT_EQ(call.trace.key_material_id, key->current().material_id);
}

TEST_F(CryptoServiceTest, GenerateDataKey_AllowsTheRdsManagedKeyOnlyThroughRds) {
  EXPECT_THAT(DataKey("alice", "alias/aws/rds"), StatusIs(Code::kAccessDenied));
  CallContext call = ViaService("alice", kRdsInRegion);
  GenerateDataKeyRequest request;
  request.key_id = "alias/aws/rds";
  request.key_spec = "AES_256";
  KMS_ASSERT_OK_AND_ASSIGN(GenerateDataKeyResult data_key,
                           crypto().GenerateDataKey(call, request, false));
  EXPECT_EQ(data_key.key->key_manager, KeyManager::kAws);
}

TEST_F(CryptoServiceTest, GenerateRandom_RequiresNumberOfBytes) {
  CallContext call = Context("alice");
  EXPECT_THAT(crypto().GenerateRandom(call, GenerateRandomRequest{}),
              StatusIs(Code::kValidation, "NumberOfBytes is required."));
}

TEST_F(CryptoServiceTest, GenerateRandom_FindsNoCustomKeyStore) {
  CallContext call = Context("alice");
  GenerateRandomRequest request;
  request.number_of_bytes = 16;
  request.custom_key_store_id = "cks-1234567890abcdef0";
  EXPECT_THAT(crypto().GenerateRandom(call, request),
              StatusIs(Code::kCustomKeyStoreNotFound,
                       "Custom key store cks-1234567890abcdef0 does not exist."));
}

TEST_F(CryptoServiceTest, GenerateRandom_ReturnsNumberOfBytes) {
  for (int64_t n : {1, 32, 1024}) {
    CallContext call = Context("alice");
    GenerateRandomRequest request;
    request.number_of_bytes = n;
    KMS_ASSERT_OK_AND_ASSIGN(SecretBytes random, crypto().GenerateRandom(call, request));
    EXPECT_EQ(random.size(), static_cast<size_t>(n));
  }
}

TEST_F(CryptoServiceTest, GenerateRandom_ReturnsDifferentBytesEachTime) {
  CallContext call = Context("alice");
  GenerateRandomRequest request;
  request.number_of_bytes = 32;
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes first, crypto().GenerateRandom(call, request));
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes second, crypto().GenerateRandom(call, request));
  EXPECT_FALSE(first == second);
}

TEST_F(CryptoServiceTest, GenerateRandom_DeniesACallerWithoutAnIamPolicy) {
  CallContext call = Context("bob");
  GenerateRandomRequest request;
  request.number_of_bytes = 16;
  EXPECT_THAT(crypto().GenerateRandom(call, request),
              StatusIs(Code::kAccessDenied,
                       "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: "
                       "kms:GenerateRandom on resource: * because no identity-based policy "
                       "allows the kms:GenerateRandom action"));
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_FALSE(call.trace.decision->allowed);
  EXPECT_TRUE(call.trace.resources.empty());
}

TEST_F(CryptoServiceTest, GenerateRandom_AllowsACallerWhoseIamPolicyAllows) {
  CallContext call = Context("dbadmin");
  GenerateRandomRequest request;
  request.number_of_bytes = 16;
  EXPECT_THAT(crypto().GenerateRandom(call, request), IsOk());
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedByIdentityPolicy);
}

TEST_F(CryptoServiceTest, GenerateRandom_AllowsTheAccountRoot) {
  CallContext call = Context("root");
  GenerateRandomRequest request;
  request.number_of_bytes = 16;
  EXPECT_THAT(crypto().GenerateRandom(call, request), IsOk());
  ASSERT_TRUE(call.trace.decision.has_value());
  EXPECT_EQ(call.trace.decision->reason, policy::Decision::Reason::kAllowedAsAccountRoot);
}

}  // namespace
}  // namespace kms::keys
