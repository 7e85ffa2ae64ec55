#include "kms/server/keys/key_service.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "kms/crypto.h"
#include "server/keys/key_id.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::keys {
namespace {

using ::testing::HasSubstr;

constexpr EpochMillis kDay = 24LL * 3600 * 1000;
const Scope kUsEast{"111122223333", "us-east-1"};
const Scope kEuWest{"111122223333", "eu-west-1"};
const Scope kOtherAccount{"444455556666", "us-east-1"};

TEST(KeyIdTest, ParsesTheFourForms) {
  KMS_ASSERT_OK_AND_ASSIGN(auto id, ParseKeyId("1234abcd-12ab-34cd-56ef-1234567890ab"));
  EXPECT_EQ(id.form, ParsedKeyId::Form::kKeyId);
  KMS_ASSERT_OK_AND_ASSIGN(
      auto arn,
      ParseKeyId("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
  EXPECT_EQ(arn.form, ParsedKeyId::Form::kKeyArn);
  EXPECT_EQ(arn.region, "us-east-1");
  EXPECT_EQ(arn.account, "111122223333");
  KMS_ASSERT_OK_AND_ASSIGN(auto alias, ParseKeyId("alias/my-key"));
  EXPECT_EQ(alias.form, ParsedKeyId::Form::kAliasName);
  KMS_ASSERT_OK_AND_ASSIGN(auto alias_arn,
                           ParseKeyId("arn:aws:kms:us-east-1:111122223333:alias/my-key"));
  EXPECT_EQ(alias_arn.form, ParsedKeyId::Form::kAliasArn);
  EXPECT_EQ(alias_arn.alias_name, "alias/my-key");
}

TEST(KeyIdTest, RejectsMalformedIdsWithKmsText) {
  EXPECT_THAT(ParseKeyId("fake-key-id"), StatusIs(Code::kNotFound, "Invalid keyId 'fake-key-id'"));
  EXPECT_THAT(ParseKeyId("134f2428cec14b25a1ae9048164dba47"), StatusIs(Code::kNotFound));
  EXPECT_THAT(ParseKeyId("arn:aws:kms:us-east-1:111122223333:key/nope"), StatusIs(Code::kNotFound));
  EXPECT_THAT(ParseKeyId("arn:aws:s3:::bucket"), StatusIs(Code::kNotFound));
  EXPECT_TRUE(IsWellFormedKeyId("mrk-1234abcd12ab34cd56ef1234567890ab"));
}

class KeyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    service_.reset();
    store_.reset();
    auto store = OpenLmdbKeyStore({dir_.Sub("keys"), uint64_t{64} << 20});
    ASSERT_TRUE(store.has_value());
    store_ = std::move(*store);
    auto root = RootKey::LoadOrCreate(dir_.Sub("root.key"));
    ASSERT_TRUE(root.has_value()) << root.error().ToString();
    service_ = std::make_unique<KeyService>(
        *store_, std::move(*root), clock_,
        std::vector<ManagedKeyTemplate>{
            {"alias/aws/rds",
             "Default key that protects my RDS database volumes when no other key is defined",
             R"({"Id":"auto-rds-2","account":"${account}","region":"${region}"})"}},
        std::vector<std::string>{kUsEast.account, kOtherAccount.account});
  }

  // Puts the key in PendingDeletion, deleted `in` from now.
  void ScheduleDeletion(const std::string& key_id, EpochMillis in) {
    ASSERT_TRUE(service_
                    ->UpdateKey(key_id,
                                [&](KeyRecord& k) {
                                  k.state = KeyState::kPendingDeletion;
                                  k.deletion_date = clock_.NowMillis() + in;
                                  return OkStatus();
                                })
                    .has_value());
  }
  // Enables rotation every 90 days, the next `in` from now.
  void ScheduleRotation(const std::string& key_id, EpochMillis in) {
    ASSERT_TRUE(service_
                    ->UpdateKey(key_id,
                                [&](KeyRecord& k) {
                                  k.rotation_enabled = true;
                                  k.rotation_period_days = 90;
                                  k.next_rotation_date = clock_.NowMillis() + in;
                                  return OkStatus();
                                })
                    .has_value());
  }

  std::shared_ptr<const KeyRecord> Create(const Scope& scope = kUsEast) {
    auto key = service_->CreateKey(CreateKeyParams{scope, "demo", "{}", {}, KeyManager::kCustomer});
    EXPECT_TRUE(key.has_value());
    return *key;
  }

  testing::TempDir dir_;
  FakeClock clock_{1700000000000};
  std::unique_ptr<KeyStore> store_;
  std::unique_ptr<KeyService> service_;
};

TEST_F(KeyServiceTest, ResolvesEveryFormInItsOwnRegionOnly) {
  auto key = Create();
  ASSERT_THAT(store_->Update([&](KeyStoreTxn& txn) {
    return txn.PutAlias(
        AliasRecord{kUsEast.account, kUsEast.region, "alias/demo", key->key_id, 1, 1});
  }),
              IsOk());
  for (const std::string& form : {key->key_id, key->Arn(), std::string("alias/demo"),
                                  std::string("arn:aws:kms:us-east-1:111122223333:alias/demo")}) {
    KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey resolved,
                             service_->Resolve(kUsEast, form, KeyIdForms::kAny));
    EXPECT_EQ(resolved.key->key_id, key->key_id) << form;
  }
  EXPECT_THAT(service_->Resolve(kEuWest, key->key_id, KeyIdForms::kAny),
              StatusIs(Code::kNotFound, "Key 'arn:aws:kms:eu-west-1:111122223333:key/" +
                                            key->key_id + "' does not exist"));
  EXPECT_THAT(service_->Resolve(kEuWest, key->Arn(), KeyIdForms::kAny),
              StatusIs(Code::kNotFound, "Invalid arn us-east-1"));
  EXPECT_THAT(service_->Resolve(kUsEast, "alias/demo", KeyIdForms::kKeyIdOrArn),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(service_->Resolve(kUsEast, "alias/none", KeyIdForms::kAny),
              StatusIs(Code::kNotFound,
                       "Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found."));
}

TEST_F(KeyServiceTest, OtherAccountsReachAKeyOnlyByArn) {
  auto key = Create();
  EXPECT_THAT(service_->Resolve(kOtherAccount, key->key_id, KeyIdForms::kAny),
              StatusIs(Code::kNotFound));
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey resolved,
                           service_->Resolve(kOtherAccount, key->Arn(), KeyIdForms::kAny));
  EXPECT_EQ(resolved.key->account, "111122223333");
}

TEST_F(KeyServiceTest, ManagedKeyIsCreatedOncePerAccountAndRegion) {
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey a,
                           service_->Resolve(kUsEast, "alias/aws/rds", KeyIdForms::kAny));
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey again,
                           service_->Resolve(kUsEast, "alias/aws/rds", KeyIdForms::kAny));
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey eu,
                           service_->Resolve(kEuWest, "alias/aws/rds", KeyIdForms::kAny));
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey other,
                           service_->Resolve(kOtherAccount, "alias/aws/rds", KeyIdForms::kAny));
  EXPECT_EQ(a.key->key_id, again.key->key_id);
  EXPECT_NE(a.key->key_id, eu.key->key_id);
  EXPECT_NE(a.key->key_id, other.key->key_id);
  EXPECT_EQ(a.key->key_manager, KeyManager::kAws);
  EXPECT_EQ(a.alias_name, "alias/aws/rds");
  EXPECT_THAT(a.key->policy, HasSubstr("\"account\":\"111122223333\""));
  EXPECT_THAT(eu.key->policy, HasSubstr("\"region\":\"eu-west-1\""));
  EXPECT_TRUE(a.key->rotation_enabled);
  // Another account's managed key is not reachable by alias ARN.
  EXPECT_THAT(service_->Resolve(kOtherAccount, "arn:aws:kms:us-east-1:111122223333:alias/aws/rds",
                                KeyIdForms::kAny),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(service_->Resolve(kUsEast, "alias/aws/unknownsvc", KeyIdForms::kAny),
              StatusIs(Code::kNotFound));
}

TEST_F(KeyServiceTest, ManagedKeysAreNeverCreatedForAnotherOrAnUnknownAccount) {
  // An alias ARN naming another (configured) account creates nothing there.
  EXPECT_THAT(service_->Resolve(kUsEast, "arn:aws:kms:us-east-1:444455556666:alias/aws/rds",
                                KeyIdForms::kAny),
              StatusIs(Code::kNotFound,
                       "Alias arn:aws:kms:us-east-1:444455556666:alias/aws/rds is not found."));
  // Nor one naming an account kmsd does not know, nor a caller of such an account.
  EXPECT_THAT(service_->Resolve(kUsEast, "arn:aws:kms:us-east-1:999999999999:alias/aws/rds",
                                KeyIdForms::kAny),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(
      service_->Resolve(Scope{"999999999999", "us-east-1"}, "alias/aws/rds", KeyIdForms::kAny),
      StatusIs(Code::kNotFound));
  // A service principal calling as itself has no account.
  EXPECT_THAT(service_->Resolve(Scope{"", "us-east-1"}, "alias/aws/rds", KeyIdForms::kAny),
              StatusIs(Code::kNotFound));
  KMS_ASSERT_OK_AND_ASSIGN(auto keys, store_->AllKeys());
  EXPECT_TRUE(keys.empty());
  // The other account's own call still creates its key.
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey own,
                           service_->Resolve(kOtherAccount, "alias/aws/rds", KeyIdForms::kAny));
  EXPECT_EQ(own.key->account, kOtherAccount.account);
}

TEST_F(KeyServiceTest, EncryptDecryptBindsContextAndSurvivesRestart) {
  auto key = Create();
  const EncryptionContext context{{"aws:rds:db-id", "db-ABC"}};
  KMS_ASSERT_OK_AND_ASSIGN(Bytes blob, service_->Encrypt(*key, AsBytes("secret"), context));
  Open();  // restart: material is unwrapped from the store under the same root key
  KMS_ASSERT_OK_AND_ASSIGN(auto blob_key, service_->IdentifyBlob(kUsEast, blob));
  EXPECT_EQ(blob_key.key->key_id, key->key_id);
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes plaintext, service_->Decrypt(blob_key, context));
  EXPECT_EQ(AsString(plaintext.view()), "secret");
  EXPECT_THAT(service_->Decrypt(blob_key, {}), StatusIs(Code::kInvalidCiphertext, ""));
  EXPECT_THAT(service_->IdentifyBlob(kEuWest, blob), StatusIs(Code::kAccessDenied));
  EXPECT_THAT(service_->IdentifyBlob(kUsEast, AsBytes("garbage")),
              StatusIs(Code::kInvalidCiphertext));
}

TEST_F(KeyServiceTest, RotationKeepsOldCiphertextsDecryptable) {
  auto key = Create();
  KMS_ASSERT_OK_AND_ASSIGN(Bytes old_blob, service_->Encrypt(*key, AsBytes("v1"), {}));
  KMS_ASSERT_OK_AND_ASSIGN(auto rotated, service_->RotateKey(key->key_id, "AUTOMATIC"));
  EXPECT_EQ(rotated->versions.size(), 2u);
  KMS_ASSERT_OK_AND_ASSIGN(Bytes new_blob, service_->Encrypt(*rotated, AsBytes("v2"), {}));
  KMS_ASSERT_OK_AND_ASSIGN(auto old_key, service_->IdentifyBlob(kUsEast, old_blob));
  KMS_ASSERT_OK_AND_ASSIGN(auto new_key, service_->IdentifyBlob(kUsEast, new_blob));
  EXPECT_EQ(old_key.blob.key_version, 1u);
  EXPECT_EQ(new_key.blob.key_version, 2u);
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes v1, service_->Decrypt(old_key, {}));
  EXPECT_EQ(AsString(v1.view()), "v1");
}

TEST_F(KeyServiceTest, MaintenanceDeletesAfterTheWindowAndRotatesWhenDue) {
  auto doomed = Create();
  auto rotating = Create();
  ScheduleDeletion(doomed->key_id, 7 * kDay);
  ScheduleRotation(rotating->key_id, 90 * kDay);
  KMS_ASSERT_OK_AND_ASSIGN(int none, service_->RunMaintenance());
  EXPECT_EQ(none, 0);
  clock_.Advance(7 * kDay);
  KMS_ASSERT_OK_AND_ASSIGN(int deleted, service_->RunMaintenance());
  EXPECT_EQ(deleted, 1);
  EXPECT_THAT(service_->Resolve(kUsEast, doomed->key_id, KeyIdForms::kAny),
              StatusIs(Code::kNotFound));
  clock_.Advance(83 * kDay);
  KMS_ASSERT_OK_AND_ASSIGN(int rotated, service_->RunMaintenance());
  EXPECT_EQ(rotated, 1);
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey after,
                           service_->Resolve(kUsEast, rotating->key_id, KeyIdForms::kAny));
  EXPECT_EQ(after.key->versions.size(), 2u);
  EXPECT_EQ(after.key->next_rotation_date, clock_.NowMillis() + 90 * kDay);
}

// No effect without its record: each change of the sweep commits only with
// the record its recorder stores in the change's transaction.
TEST_F(KeyServiceTest, MaintenanceChangesCommitOnlyWithTheirRecords) {
  auto doomed = Create();
  auto rotating = Create();
  ScheduleDeletion(doomed->key_id, kDay);
  ScheduleRotation(rotating->key_id, kDay);
  clock_.Advance(kDay);
  // A recorder that cannot store the record: nothing changes.
  const auto refuse = [](const KeyService::MaintenanceChange&, CallChanges& changes) -> Status {
    EXPECT_NE(changes.txn(), nullptr);  // the change is there, uncommitted
    return Status(Code::kStoreFull, "no room");
  };
  EXPECT_THAT(service_->RunMaintenance(refuse), StatusIs(Code::kStoreFull));
  Open();  // what is durable
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey kept,
                           service_->Resolve(kUsEast, doomed->key_id, KeyIdForms::kAny));
  EXPECT_EQ(kept.key->state, KeyState::kPendingDeletion);
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey unrotated,
                           service_->Resolve(kUsEast, rotating->key_id, KeyIdForms::kAny));
  EXPECT_EQ(unrotated.key->versions.size(), 1u);
  // A recorder that stores it: both changes, each recorded once.
  std::vector<std::pair<KeyService::MaintenanceChange::Kind, std::string>> recorded;
  const auto record = [&](const KeyService::MaintenanceChange& change,
                          CallChanges& changes) -> Status {
    EXPECT_NE(changes.txn(), nullptr);
    recorded.emplace_back(change.kind, change.key->key_id);
    if (change.kind == KeyService::MaintenanceChange::Kind::kRotated) {
      EXPECT_EQ(change.key_material_id.size(), 64u);
    }
    return OkStatus();
  };
  KMS_ASSERT_OK_AND_ASSIGN(int changed, service_->RunMaintenance(record));
  EXPECT_EQ(changed, 2);
  EXPECT_THAT(recorded,
              ::testing::UnorderedElementsAre(
                  std::pair(KeyService::MaintenanceChange::Kind::kDeleted, doomed->key_id),
                  std::pair(KeyService::MaintenanceChange::Kind::kRotated, rotating->key_id)));
  Open();
  EXPECT_THAT(service_->Resolve(kUsEast, doomed->key_id, KeyIdForms::kAny),
              StatusIs(Code::kNotFound));
  KMS_ASSERT_OK_AND_ASSIGN(ResolvedKey rotated,
                           service_->Resolve(kUsEast, rotating->key_id, KeyIdForms::kAny));
  EXPECT_EQ(rotated.key->versions.size(), 2u);
}

TEST_F(KeyServiceTest, KeyStateRulesFollowTheKmsTable) {
  KeyRecord key = *Create();
  key.state = KeyState::kDisabled;
  EXPECT_THAT(CheckKeyState(key, KeyUse::kCryptographic),
              StatusIs(Code::kDisabled, key.Arn() + " is disabled."));
  EXPECT_THAT(CheckKeyState(key, KeyUse::kEnableDisable), IsOk());
  EXPECT_THAT(CheckKeyState(key, KeyUse::kCancelDeletion),
              StatusIs(Code::kInvalidState, key.Arn() + " is not pending deletion."));
  key.state = KeyState::kPendingDeletion;
  EXPECT_THAT(CheckKeyState(key, KeyUse::kCryptographic),
              StatusIs(Code::kInvalidState, key.Arn() + " is pending deletion."));
  EXPECT_THAT(CheckKeyState(key, KeyUse::kRead), IsOk());
  EXPECT_THAT(CheckKeyState(key, KeyUse::kCancelDeletion), IsOk());
}

TEST(RootKeyTest, FileIsCreatedWithMode0600AndReused) {
  testing::TempDir dir;
  const std::string path = dir.Sub("root.key");
  KMS_ASSERT_OK_AND_ASSIGN(auto first, RootKey::LoadOrCreate(path));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  KMS_ASSERT_OK_AND_ASSIGN(auto second, RootKey::LoadOrCreate(path));
  SecretBytes material = crypto::RandomSecret(32);
  KMS_ASSERT_OK_AND_ASSIGN(Bytes wrapped, first->Wrap(material, "arn:k", 1));
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes unwrapped, second->Unwrap(wrapped, "arn:k", 1));
  EXPECT_TRUE(unwrapped == material);
  EXPECT_THAT(second->Unwrap(wrapped, "arn:k", 2), StatusIs(Code::kInternal));
  EXPECT_THAT(second->Unwrap(wrapped, "arn:other", 1), StatusIs(Code::kInternal));
}

TEST(RootKeyTest, LoadReadsButNeverCreates) {
  testing::TempDir dir;
  const std::string path = dir.Sub("root.key");
  EXPECT_THAT(RootKey::Load(path), StatusIs(Code::kNotFound));
  struct stat st;
  EXPECT_NE(::stat(path.c_str(), &st), 0);  // no file was made
  KMS_ASSERT_OK_AND_ASSIGN(auto created, RootKey::LoadOrCreate(path));
  KMS_ASSERT_OK_AND_ASSIGN(auto loaded, RootKey::Load(path));
  SecretBytes material = crypto::RandomSecret(32);
  KMS_ASSERT_OK_AND_ASSIGN(Bytes wrapped, created->Wrap(material, "arn:k", 1));
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes unwrapped, loaded->Unwrap(wrapped, "arn:k", 1));
  EXPECT_TRUE(unwrapped == material);
}

TEST(RootKeyTest, TheEnvironmentKeyIsWipedAndRemoved) {
  testing::TempDir dir;
  ASSERT_EQ(::setenv("KMSD_ROOT_KEY", std::string(64, 'a').c_str(), 1), 0);
  KMS_ASSERT_OK_AND_ASSIGN(auto from_env, RootKey::LoadOrCreate(dir.Sub("unused.key")));
  EXPECT_EQ(std::getenv("KMSD_ROOT_KEY"), nullptr);
  struct stat st;
  EXPECT_NE(::stat(dir.Sub("unused.key").c_str(), &st), 0);  // no file was made
  // A malformed value is refused, and removed all the same.
  ASSERT_EQ(::setenv("KMSD_ROOT_KEY", "not hex", 1), 0);
  EXPECT_THAT(RootKey::LoadOrCreate(dir.Sub("unused.key")), StatusIs(Code::kInternal));
  EXPECT_EQ(std::getenv("KMSD_ROOT_KEY"), nullptr);
}

}  // namespace
}  // namespace kms::keys
