#include "kms/server/store/state_environment.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "kms/server/store/key_store.h"
#include "kms/server/store/lmdb.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::store {
namespace {

namespace fs = std::filesystem;

KeyRecord SomeKey() {
  KeyRecord key;
  key.key_id = "11111111-1111-4111-8111-111111111111";
  key.account = "111122223333";
  key.region = "us-east-1";
  key.policy = "{}";
  key.creation_date = 1700000000000;
  key.versions = {KeyVersion{1, std::string(64, 'a'), 1700000000000}};
  return key;
}

TEST(StateEnvironmentTest, ANewDataDirectoryGetsOneEnvironment) {
  testing::TempDir dir;
  KMS_ASSERT_OK_AND_ASSIGN(auto env, OpenStateEnvironment(dir.path(), size_t{64} << 20));
  EXPECT_TRUE(fs::exists(dir.path() + "/state/data.mdb"));
  EXPECT_FALSE(fs::exists(dir.path() + "/keys"));
}

// A data directory from before the state environment: the key store in
// data/keys (and an audit log in data/audit) is copied in at the first start.
TEST(StateEnvironmentTest, SeparateEnvironmentsAreCopiedInOnceAndRenamed) {
  testing::TempDir dir;
  const KeyRecord key = SomeKey();
  {
    KMS_ASSERT_OK_AND_ASSIGN(auto old, OpenLmdbKeyStore({dir.path() + "/keys", 16 << 20}));
    ASSERT_THAT(old->Update([&](KeyStoreTxn& txn) -> Status {
      KMS_RETURN_IF_ERROR(txn.PutKey(key));
      KMS_RETURN_IF_ERROR(
          txn.PutAlias(AliasRecord{key.account, key.region, "alias/kept", key.key_id, 1, 1}));
      return txn.PutKeyMaterial(key.key_id, 1, ToBytes("wrapped"));
    }),
                IsOk());
    KMS_ASSERT_OK_AND_ASSIGN(auto audit, lmdb::Env::Open({dir.path() + "/audit", 16 << 20, 4}));
    KMS_ASSERT_OK_AND_ASSIGN(MDB_dbi meta, audit->OpenDb("meta", 0));
    KMS_ASSERT_OK_AND_ASSIGN(lmdb::Txn txn, audit->BeginWrite());
    ASSERT_THAT(txn.Put(meta, "format", "kmsd-audit-1"), IsOk());
    ASSERT_THAT(txn.Commit(), IsOk());
  }
  KMS_ASSERT_OK_AND_ASSIGN(auto env, OpenStateEnvironment(dir.path(), size_t{64} << 20));
  EXPECT_FALSE(fs::exists(dir.path() + "/keys"));
  EXPECT_TRUE(fs::exists(dir.path() + "/keys.migrated/data.mdb"));
  EXPECT_TRUE(fs::exists(dir.path() + "/audit.migrated/data.mdb"));
  KMS_ASSERT_OK_AND_ASSIGN(auto store, OpenLmdbKeyStore({.env = env}));
  KMS_ASSERT_OK_AND_ASSIGN(auto got, store->GetKey(key.key_id));
  EXPECT_EQ(*got, key);
  KMS_ASSERT_OK_AND_ASSIGN(auto aliases, store->ListAliasesForKey(key.key_id));
  ASSERT_EQ(aliases.size(), 1u);  // the dupsort index came across too
  KMS_ASSERT_OK_AND_ASSIGN(Bytes material, store->GetKeyMaterial(key.key_id, 1));
  EXPECT_EQ(AsString(material), "wrapped");
  KMS_ASSERT_OK_AND_ASSIGN(MDB_dbi meta, env->OpenDb("meta", 0));
  KMS_ASSERT_OK_AND_ASSIGN(lmdb::Txn read, env->BeginRead());
  KMS_ASSERT_OK_AND_ASSIGN(auto format, read.Get(meta, "format"));
  EXPECT_EQ(format.value_or(""), "kmsd-audit-1");
}

}  // namespace
}  // namespace kms::store
