#include "kms/server/keys/multi_region_service.h"

#include "tests/server/keys/service_test_util.h"

namespace kms::keys {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kOtherRegion;
using testing::kRegion;
using testing::ServiceTest;

constexpr char kWest[] = "us-west-2";
constexpr EpochMillis kDay = 24LL * 3600 * 1000;

class MultiRegionServiceTest : public ServiceTest {
 protected:
  MultiRegionService& multi_region() { return services_->multi_region; }

  Key NewPrimary() {
    CallContext call = Context("alice");
    CreateKeyRequest request;
    request.multi_region = true;
    StatusOr<Key> key = services_->lifecycle.CreateKey(call, request);
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    return *key;
  }

  StatusOr<Key> Replicate(const Key& primary, const std::string& region) {
    CallContext call = Context("alice");
    ReplicateKeyRequest request;
    request.key_id = primary->key_id;
    request.replica_region = region;
    return multi_region().ReplicateKey(call, request);
  }

  // The key of the set in `region`, as stored now.
  std::shared_ptr<const KeyRecord> In(const Key& key, const std::string& region) {
    auto stored = store_->GetKey(KeyStoreId(key->key_id, region));
    EXPECT_TRUE(stored.has_value()) << stored.error().ToString();
    return stored.value_or(nullptr);
  }
};

TEST_F(MultiRegionServiceTest, TheSetSharesIdAndMaterialUnderOneStoreIdPerRegion) {
  const Key primary = NewPrimary();
  EXPECT_TRUE(primary->key_id.starts_with("mrk-"));
  EXPECT_EQ(primary->store_id(), primary->key_id + "/" + kRegion);
  KMS_ASSERT_OK_AND_ASSIGN(Key replica, Replicate(primary, kWest));
  EXPECT_EQ(replica->key_id, primary->key_id);
  EXPECT_TRUE(replica->is_replica());
  EXPECT_EQ(replica->versions, primary->versions);
  EXPECT_THAT(In(primary, kRegion)->multi_region->replica_regions, ElementsAre(kWest));
  // Each region opens the other's ciphertexts.
  KMS_ASSERT_OK_AND_ASSIGN(Bytes blob, keys_->Encrypt(*primary, AsBytes("pt"), {}));
  KMS_ASSERT_OK_AND_ASSIGN(auto found, keys_->IdentifyBlob(Scope{primary->account, kWest}, blob));
  EXPECT_EQ(found.key->region, kWest);
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes plaintext, keys_->Decrypt(found, {}));
  EXPECT_EQ(AsString(plaintext.view()), "pt");
  EXPECT_THAT(keys_->IdentifyBlob(Scope{primary->account, kOtherRegion}, blob),
              StatusIs(Code::kAccessDenied));
}

TEST_F(MultiRegionServiceTest, ReplicateKey_RefusesReplicasSingleRegionKeysAndTakenRegions) {
  const Key primary = NewPrimary();
  KMS_ASSERT_OK_AND_ASSIGN(Key replica, Replicate(primary, kWest));
  CallContext west = Context("alice", kWest);
  EXPECT_THAT(multi_region().ReplicateKey(west, {primary->key_id, kOtherRegion}),
              StatusIs(Code::kUnsupportedOperation,
                       replica->Arn() + " is not a multi-region primary key."));
  EXPECT_THAT(Replicate(NewKey(), kWest), StatusIs(Code::kUnsupportedOperation));
  EXPECT_THAT(Replicate(primary, kWest), StatusIs(Code::kAlreadyExists, HasSubstr(kWest)));
  EXPECT_THAT(Replicate(primary, kRegion), StatusIs(Code::kAlreadyExists, HasSubstr(kRegion)));
}

TEST_F(MultiRegionServiceTest, ReplicasRotateWithTheirPrimary) {
  const Key primary = NewPrimary();
  ASSERT_THAT(Replicate(primary, kWest), IsOk());
  CallContext call = Context("alice");
  ASSERT_THAT(services_->lifecycle.EnableKeyRotation(call, {primary->key_id, 90}), IsOk());
  EXPECT_TRUE(In(primary, kWest)->rotation_enabled);
  CallContext west = Context("alice", kWest);
  EXPECT_THAT(services_->lifecycle.RotateKeyOnDemand(west, {primary->key_id}),
              StatusIs(Code::kUnsupportedOperation));
  clock_.Advance(91 * kDay);
  KMS_ASSERT_OK_AND_ASSIGN(int changed, keys_->RunMaintenance());
  EXPECT_EQ(changed, 1);  // the primary; its replica with it
  EXPECT_EQ(In(primary, kWest)->versions, In(primary, kRegion)->versions);
  EXPECT_EQ(In(primary, kWest)->versions.size(), 2u);
}

TEST_F(MultiRegionServiceTest, APrimaryWaitsForItsReplicasDeletion) {
  const Key primary = NewPrimary();
  ASSERT_THAT(Replicate(primary, kWest), IsOk());
  CallContext east = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key waiting,
                           services_->lifecycle.ScheduleKeyDeletion(east, {primary->key_id, 7}));
  EXPECT_EQ(waiting->state, KeyState::kPendingReplicaDeletion);
  EXPECT_EQ(waiting->deletion_date, 0);
  CallContext west = Context("alice", kWest);
  ASSERT_THAT(services_->lifecycle.ScheduleKeyDeletion(west, {primary->key_id, 7}), IsOk());
  clock_.Advance(8 * kDay);
  ASSERT_THAT(keys_->RunMaintenance(), IsOk());
  EXPECT_THAT(store_->GetKey(KeyStoreId(primary->key_id, kWest)), StatusIs(Code::kNotFound));
  const auto now_waiting = In(primary, kRegion);
  EXPECT_EQ(now_waiting->state, KeyState::kPendingDeletion);
  EXPECT_EQ(now_waiting->deletion_date, clock_.NowMillis() + 7 * kDay);
  EXPECT_TRUE(now_waiting->multi_region->replica_regions.empty());
}

TEST_F(MultiRegionServiceTest, UpdatePrimaryRegion_SwapsTheRolesInEveryMember) {
  const Key primary = NewPrimary();
  ASSERT_THAT(Replicate(primary, kWest), IsOk());
  ASSERT_THAT(Replicate(primary, kOtherRegion), IsOk());
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(Key promoted,
                           multi_region().UpdatePrimaryRegion(call, {primary->key_id, kWest}));
  EXPECT_EQ(promoted->region, kWest);
  for (const char* region : {kRegion, kWest, kOtherRegion}) {
    const auto member = In(primary, region);
    EXPECT_EQ(member->multi_region->primary_region, kWest) << region;
    EXPECT_THAT(member->multi_region->replica_regions, ElementsAre(kRegion, kOtherRegion));
  }
  EXPECT_THAT(multi_region().UpdatePrimaryRegion(call, {primary->key_id, kOtherRegion}),
              StatusIs(Code::kUnsupportedOperation));
}

}  // namespace
}  // namespace kms::keys
