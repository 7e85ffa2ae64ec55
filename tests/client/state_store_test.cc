#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "client/atomic_file.h"
#include "kms/client/rds_state.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::rds {
namespace {

Database SampleDatabase(std::string identifier = "orders") {
  Database d;
  d.kind = ResourceKind::kInstance;
  d.identifier = std::move(identifier);
  d.resource_id = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  d.region = "us-east-1";
  d.status = DbStatus::kInaccessibleEncryptionCredentials;
  d.status_reason = "KMS Decrypt: DisabledException";
  d.storage_encrypted = true;
  d.kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/k";
  d.volume_id = "vol-0123456789abcdef0";
  d.allocated_storage_gib = 20;
  d.grant_id = "g";
  d.grant_token = "t";
  d.replica_source = "src";
  d.replica_source_region = "eu-west-1";
  d.read_replicas = {"r1", "us-west-2/r2"};
  d.create_time = 1700000000123;
  return d;
}

Snapshot SampleSnapshot(std::string identifier = "nightly") {
  Snapshot s;
  s.kind = ResourceKind::kCluster;
  s.identifier = std::move(identifier);
  s.region = "us-east-1";
  s.source_identifier = "orders";
  s.source_resource_id = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  s.encrypted = true;
  s.kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/k";
  s.allocated_storage_gib = 20;
  s.create_time = 1700000000456;
  s.source_snapshot = "other";
  s.source_region = "eu-west-1";
  s.restore_accounts = {"444455556666"};
  return s;
}

class StateStoreTest : public ::testing::Test {
 protected:
  StateStoreTest() : store_(*StateStore::Open(dir_.Sub("state"))) {}
  std::string RecordPath(const Database& d) {
    return store_.root() + "/" + d.region + "/instances/" + d.identifier + ".json";
  }
  testing::TempDir dir_;
  StateStore store_;
};

TEST(RecordCodecTest, DatabaseAndSnapshotRoundTrip) {
  KMS_ASSERT_OK_AND_ASSIGN(Database d, DecodeDatabase(EncodeDatabase(SampleDatabase())));
  EXPECT_EQ(d, SampleDatabase());
  KMS_ASSERT_OK_AND_ASSIGN(Snapshot s, DecodeSnapshot(EncodeSnapshot(SampleSnapshot())));
  EXPECT_EQ(s, SampleSnapshot());
}

TEST(RecordCodecTest, RejectsMalformedRecords) {
  EXPECT_THAT(DecodeDatabase("{"), StatusIs(Code::kValidation));
  EXPECT_THAT(DecodeDatabase("[]"), StatusIs(Code::kValidation));
  Database bad = SampleDatabase("../escape");
  EXPECT_THAT(DecodeDatabase(EncodeDatabase(bad)), StatusIs(Code::kValidation));
  Database bad_volume = SampleDatabase();
  bad_volume.volume_id = "../../etc/passwd";
  EXPECT_THAT(DecodeDatabase(EncodeDatabase(bad_volume)), StatusIs(Code::kValidation));
  std::string text = EncodeDatabase(SampleDatabase());
  text.replace(text.find("inaccessible"), 12, "weird-status");
  EXPECT_THAT(DecodeDatabase(text), StatusIs(Code::kValidation));
}

TEST(RecordCodecTest, StatusNamesAreRdsNames) {
  EXPECT_EQ(DbStatusName(DbStatus::kAvailable), "available");
  EXPECT_EQ(DbStatusName(DbStatus::kStopped), "stopped");
  EXPECT_EQ(DbStatusName(DbStatus::kInaccessibleEncryptionCredentials),
            "inaccessible-encryption-credentials");
}

TEST_F(StateStoreTest, StoresFindsListsAndDeletesDatabases) {
  ASSERT_THAT(store_.PutDatabase(SampleDatabase("b")), IsOk());
  ASSERT_THAT(store_.PutDatabase(SampleDatabase("a")), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(std::optional<Database> found,
                           store_.FindDatabase(ResourceKind::kInstance, "us-east-1", "a"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, SampleDatabase("a"));
  KMS_ASSERT_OK_AND_ASSIGN(auto other_region,
                           store_.FindDatabase(ResourceKind::kInstance, "eu-west-1", "a"));
  EXPECT_FALSE(other_region.has_value());
  KMS_ASSERT_OK_AND_ASSIGN(auto clusters,
                           store_.ListDatabases(ResourceKind::kCluster, "us-east-1"));
  EXPECT_TRUE(clusters.empty());
  KMS_ASSERT_OK_AND_ASSIGN(auto all, store_.ListDatabases(ResourceKind::kInstance, "us-east-1"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].identifier, "a");
  ASSERT_THAT(store_.DeleteDatabase(SampleDatabase("a")), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto gone,
                           store_.FindDatabase(ResourceKind::kInstance, "us-east-1", "a"));
  EXPECT_FALSE(gone.has_value());
}

TEST_F(StateStoreTest, SnapshotsKeepTheirVolumeFileNextToTheRecord) {
  ASSERT_THAT(store_.PutSnapshot(SampleSnapshot()), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(std::string volume, store_.SnapshotVolumePath(ResourceKind::kCluster,
                                                                         "us-east-1", "nightly"));
  EXPECT_EQ(volume, store_.root() + "/us-east-1/cluster-snapshots/nightly.vol");
  ASSERT_THAT(WriteFileAtomically(volume, "volume"), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto found,
                           store_.FindSnapshot(ResourceKind::kCluster, "us-east-1", "nightly"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, SampleSnapshot());
  ASSERT_THAT(store_.DeleteSnapshot(SampleSnapshot()), IsOk());
  EXPECT_FALSE(std::filesystem::exists(volume));
  KMS_ASSERT_OK_AND_ASSIGN(auto listed, store_.ListSnapshots(ResourceKind::kCluster, "us-east-1"));
  EXPECT_TRUE(listed.empty());
}

TEST_F(StateStoreTest, PathsNeverLeaveTheStateDirectory) {
  EXPECT_THAT(store_.VolumePath("us-east-1", "../x"), StatusIs(Code::kValidation));
  EXPECT_THAT(store_.VolumePath("..", "vol-1"), StatusIs(Code::kValidation));
  EXPECT_THAT(store_.FindDatabase(ResourceKind::kInstance, "us-east-1", "a/b"),
              StatusIs(Code::kValidation));
  EXPECT_THAT(store_.PutDatabase(SampleDatabase("..")), StatusIs(Code::kValidation));
}

TEST_F(StateStoreTest, ReplacingARecordIsAtomicAndLeavesNoTemporaryFile) {
  ASSERT_THAT(store_.PutDatabase(SampleDatabase()), IsOk());
  Database changed = SampleDatabase();
  changed.status = DbStatus::kAvailable;
  ASSERT_THAT(store_.PutDatabase(changed), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto found,
                           store_.FindDatabase(ResourceKind::kInstance, "us-east-1", "orders"));
  EXPECT_EQ(found->status, DbStatus::kAvailable);
  for (const auto& entry :
       std::filesystem::directory_iterator(store_.root() + "/us-east-1/instances")) {
    EXPECT_FALSE(IsTemporaryName(entry.path().filename().string())) << entry.path();
  }
}

TEST_F(StateStoreTest, AWriteThatDiesBeforeTheRenameLeavesTheOldRecord) {
  ASSERT_THAT(store_.PutDatabase(SampleDatabase()), IsOk());
  const std::string path = RecordPath(SampleDatabase());
  std::string temp_path;
  {
    // A crash after writing part of the new record, before the rename.
    KMS_ASSERT_OK_AND_ASSIGN(AtomicFile file, AtomicFile::Begin(path));
    ASSERT_THAT(file.Append(AsBytes("{\"Kind\":\"inst")), IsOk());
    temp_path = file.temp_path();
    EXPECT_TRUE(std::filesystem::exists(temp_path));
  }
  EXPECT_FALSE(std::filesystem::exists(temp_path));
  KMS_ASSERT_OK_AND_ASSIGN(auto found,
                           store_.FindDatabase(ResourceKind::kInstance, "us-east-1", "orders"));
  EXPECT_EQ(*found, SampleDatabase());
}

TEST_F(StateStoreTest, LeftoverTemporaryFilesFromACrashAreIgnored) {
  ASSERT_THAT(store_.PutDatabase(SampleDatabase()), IsOk());
  // What a process killed between mkstemp and rename leaves behind.
  ASSERT_THAT(WriteFileAtomically(RecordPath(SampleDatabase()) + ".tmp-Ab12Cd", "{\"torn"), IsOk());
  ASSERT_THAT(WriteFileAtomically(RecordPath(SampleDatabase("other")) + ".tmp-Zz99Yy", "{"),
              IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto all, store_.ListDatabases(ResourceKind::kInstance, "us-east-1"));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], SampleDatabase());
}

TEST_F(StateStoreTest, ACorruptRecordIsReportedNotIgnored) {
  ASSERT_THAT(MakeDirectories(store_.root() + "/us-east-1/instances"), IsOk());
  ASSERT_THAT(WriteFileAtomically(RecordPath(SampleDatabase()), "not json"), IsOk());
  EXPECT_THAT(store_.FindDatabase(ResourceKind::kInstance, "us-east-1", "orders"),
              StatusIs(Code::kValidation, ::testing::HasSubstr("orders.json")));
}

TEST_F(StateStoreTest, LockIsExclusiveUntilReleased) {
  const std::string lock_path = store_.root() + "/.lock";
  auto try_lock = [&] {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0600);
    const bool locked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return locked;
  };
  {
    KMS_ASSERT_OK_AND_ASSIGN(StateLock lock, store_.Lock());
    EXPECT_FALSE(try_lock());
  }
  EXPECT_TRUE(try_lock());
}

TEST(AtomicFileTest, WriteFileAtomicallyReplacesTheWholeFile) {
  testing::TempDir dir;
  const std::string path = dir.Sub("f");
  ASSERT_THAT(WriteFileAtomically(path, "first version, longer"), IsOk());
  ASSERT_THAT(WriteFileAtomically(path, "second"), IsOk());
  EXPECT_EQ(ReadFile(path).value(), "second");
  EXPECT_THAT(ReadFile(dir.Sub("absent")), StatusIs(Code::kNotFound));
  ASSERT_THAT(RemoveFile(path), IsOk());
  ASSERT_THAT(RemoveFile(path), IsOk());  // absent is fine
  EXPECT_TRUE(IsTemporaryName("x.json.tmp-abcdef"));
  EXPECT_FALSE(IsTemporaryName("x.json"));
}

}  // namespace
}  // namespace kms::rds
