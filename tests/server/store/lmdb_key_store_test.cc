#include <sys/stat.h>

#include <thread>

#include <gtest/gtest.h>

#include "kms/server/store/key_store.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms {
namespace {

KeyRecord MakeKey(const std::string& id, const std::string& account = "111122223333",
                  const std::string& region = "us-east-1") {
  KeyRecord key;
  key.key_id = id;
  key.account = account;
  key.region = region;
  key.description = "test key";
  key.policy = R"({"Version":"2012-10-17"})";
  key.creation_date = 1700000000000;
  key.tags = {{"team", "db"}, {"env", ""}};
  key.versions = {KeyVersion{1, std::string(64, 'a'), 1700000000000}};
  return key;
}

class LmdbKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto store = OpenLmdbKeyStore({dir_.path(), uint64_t{64} << 20});
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
  }
  Status PutKey(const KeyRecord& key) {
    return store_->Update([&](KeyStoreTxn& txn) { return txn.PutKey(key); });
  }
  Status PutAlias(const std::string& name, const std::string& key_id) {
    return store_->Update([&](KeyStoreTxn& txn) {
      return txn.PutAlias(AliasRecord{"111122223333", "us-east-1", name, key_id, 1, 1});
    });
  }

  testing::TempDir dir_;
  std::unique_ptr<KeyStore> store_;
};

TEST_F(LmdbKeyStoreTest, KeyRoundTripsAndSurvivesReopen) {
  const KeyRecord key = MakeKey("11111111-1111-4111-8111-111111111111");
  ASSERT_THAT(PutKey(key), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto got, store_->GetKey(key.key_id));
  EXPECT_EQ(*got, key);
  Reopen();
  KMS_ASSERT_OK_AND_ASSIGN(auto again, store_->GetKey(key.key_id));
  EXPECT_EQ(*again, key);
}

TEST_F(LmdbKeyStoreTest, DirectoryAndFilesAreOwnerOnly) {
  struct stat st;
  ASSERT_EQ(::stat(dir_.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir_.path() + "/data.mdb").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

TEST_F(LmdbKeyStoreTest, UnknownKeyIsNotFound) {
  EXPECT_THAT(store_->GetKey("nope"), StatusIs(Code::kNotFound));
}

TEST_F(LmdbKeyStoreTest, CacheSeesCommittedUpdates) {
  KeyRecord key = MakeKey("11111111-1111-4111-8111-111111111111");
  ASSERT_THAT(PutKey(key), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto before, store_->GetKey(key.key_id));
  key.state = KeyState::kDisabled;
  ASSERT_THAT(PutKey(key), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto after, store_->GetKey(key.key_id));
  EXPECT_EQ(before->state, KeyState::kEnabled);  // snapshots stay immutable
  EXPECT_EQ(after->state, KeyState::kDisabled);
}

TEST_F(LmdbKeyStoreTest, FailedUpdateCommitsNothing) {
  const KeyRecord key = MakeKey("11111111-1111-4111-8111-111111111111");
  Status s = store_->Update([&](KeyStoreTxn& txn) -> Status {
    KMS_RETURN_IF_ERROR(txn.PutKey(key));
    return Error(Code::kValidation, "no");
  });
  EXPECT_THAT(s, StatusIs(Code::kValidation));
  EXPECT_THAT(store_->GetKey(key.key_id), StatusIs(Code::kNotFound));
}

TEST_F(LmdbKeyStoreTest, ListKeysPagesByScopeInIdOrder) {
  for (char c : std::string("35142")) {
    ASSERT_THAT(PutKey(MakeKey(std::string(8, c) + "-1111-4111-8111-111111111111")), IsOk());
  }
  ASSERT_THAT(PutKey(MakeKey("99999999-1111-4111-8111-111111111111", "111122223333", "eu-west-1")),
              IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto page1, store_->ListKeys("111122223333", "us-east-1", "", 2));
  ASSERT_EQ(page1.items.size(), 2u);
  EXPECT_EQ(page1.items[0]->key_id[0], '1');
  EXPECT_EQ(page1.items[1]->key_id[0], '2');
  KMS_ASSERT_OK_AND_ASSIGN(auto page2,
                           store_->ListKeys("111122223333", "us-east-1", page1.next_marker, 2));
  ASSERT_EQ(page2.items.size(), 2u);
  EXPECT_EQ(page2.items[0]->key_id[0], '3');
  KMS_ASSERT_OK_AND_ASSIGN(auto page3,
                           store_->ListKeys("111122223333", "us-east-1", page2.next_marker, 2));
  ASSERT_EQ(page3.items.size(), 1u);
  EXPECT_EQ(page3.items[0]->key_id[0], '5');
  EXPECT_TRUE(page3.next_marker.empty());
}

TEST_F(LmdbKeyStoreTest, AliasesFollowTheirKeyAndPage) {
  const std::string k1 = "11111111-1111-4111-8111-111111111111";
  const std::string k2 = "22222222-1111-4111-8111-111111111111";
  ASSERT_THAT(PutKey(MakeKey(k1)), IsOk());
  ASSERT_THAT(PutKey(MakeKey(k2)), IsOk());
  ASSERT_THAT(PutAlias("alias/a", k1), IsOk());
  ASSERT_THAT(PutAlias("alias/b", k1), IsOk());
  ASSERT_THAT(PutAlias("alias/c", k2), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto for_k1, store_->ListAliasesForKey(k1));
  EXPECT_EQ(for_k1.size(), 2u);
  ASSERT_THAT(PutAlias("alias/b", k2), IsOk());  // re-point
  KMS_ASSERT_OK_AND_ASSIGN(auto for_k1_after, store_->ListAliasesForKey(k1));
  EXPECT_EQ(for_k1_after.size(), 1u);
  KMS_ASSERT_OK_AND_ASSIGN(auto alias_b, store_->GetAlias("111122223333", "us-east-1", "alias/b"));
  EXPECT_EQ(alias_b->target_key_id, k2);
  KMS_ASSERT_OK_AND_ASSIGN(auto page, store_->ListAliases("111122223333", "us-east-1", "", 2));
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.next_marker, "alias/b");
  KMS_ASSERT_OK_AND_ASSIGN(auto rest,
                           store_->ListAliases("111122223333", "us-east-1", page.next_marker, 2));
  ASSERT_EQ(rest.items.size(), 1u);
  EXPECT_EQ(rest.items[0].alias_name, "alias/c");
  EXPECT_TRUE(rest.next_marker.empty());
}

TEST_F(LmdbKeyStoreTest, DeleteKeyRemovesMaterialAliasesAndGrants) {
  const std::string k1 = "11111111-1111-4111-8111-111111111111";
  ASSERT_THAT(PutKey(MakeKey(k1)), IsOk());
  ASSERT_THAT(PutAlias("alias/a", k1), IsOk());
  GrantRecord grant;
  grant.grant_id = std::string(64, 'f');
  grant.key_id = k1;
  grant.grantee_principal = "arn:aws:iam::111122223333:user/bob";
  grant.retiring_principal = "arn:aws:iam::111122223333:user/alice";
  grant.operations = {"Decrypt"};
  grant.encryption_context_subset = EncryptionContext{{"aws:ebs:id", "vol-1"}};
  ASSERT_THAT(store_->Update([&](KeyStoreTxn& txn) -> Status {
    KMS_RETURN_IF_ERROR(txn.PutKeyMaterial(k1, 1, AsBytes("wrapped")));
    return txn.PutGrant(grant);
  }),
              IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto grants, store_->GetGrantsForKey(k1));
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ((*grants)[0], grant);
  KMS_ASSERT_OK_AND_ASSIGN(auto retirable,
                           store_->ListRetirableGrants(grant.retiring_principal, "", 10));
  EXPECT_EQ(retirable.items.size(), 1u);
  KMS_ASSERT_OK_AND_ASSIGN(Bytes material, store_->GetKeyMaterial(k1, 1));
  EXPECT_EQ(AsString(material), "wrapped");

  ASSERT_THAT(store_->Update([&](KeyStoreTxn& txn) { return txn.DeleteKey(k1); }), IsOk());
  EXPECT_THAT(store_->GetKey(k1), StatusIs(Code::kNotFound));
  EXPECT_THAT(store_->GetKeyMaterial(k1, 1), StatusIs(Code::kNotFound));
  EXPECT_THAT(store_->GetAlias("111122223333", "us-east-1", "alias/a"), StatusIs(Code::kNotFound));
  KMS_ASSERT_OK_AND_ASSIGN(auto grants_after, store_->GetGrantsForKey(k1));
  EXPECT_TRUE(grants_after->empty());
  KMS_ASSERT_OK_AND_ASSIGN(auto retirable_after,
                           store_->ListRetirableGrants(grant.retiring_principal, "", 10));
  EXPECT_TRUE(retirable_after.items.empty());
}

TEST_F(LmdbKeyStoreTest, ConcurrentReadersAndWritersStayConsistent) {
  const std::string id = "11111111-1111-4111-8111-111111111111";
  ASSERT_THAT(PutKey(MakeKey(id)), IsOk());
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      auto key = store_->GetKey(id);
      ASSERT_TRUE(key.has_value());
    }
  });
  for (int i = 0; i < 200; ++i) {
    KeyRecord key = MakeKey(id);
    key.description = std::to_string(i);
    key.description.insert(0, 1, 'v');  // not "v" + ...: GCC 12 at -O3 misreads it (-Wrestrict)
    ASSERT_THAT(PutKey(key), IsOk());
  }
  stop = true;
  reader.join();
  KMS_ASSERT_OK_AND_ASSIGN(auto last, store_->GetKey(id));
  EXPECT_EQ(last->description, "v199");
}

}  // namespace
}  // namespace kms

namespace kms {
namespace {

// A call's changes: held in one transaction, seen only by the call, durable
// only with Commit, gone when dropped.
TEST_F(LmdbKeyStoreTest, CallChangesAreSeenOnlyByTheCallUntilCommitted) {
  const KeyRecord first = MakeKey("11111111-1111-4111-8111-111111111111");
  const KeyRecord second = MakeKey("22222222-2222-4222-8222-222222222222");
  auto changes = store_->CollectChanges();
  EXPECT_EQ(changes->txn(), nullptr);  // nothing changed yet
  ASSERT_THAT(PutKey(first), IsOk());
  ASSERT_THAT(PutAlias("alias/first", first.key_id), IsOk());
  ASSERT_NE(changes->txn(), nullptr);
  // The call reads its own changes...
  KMS_ASSERT_OK_AND_ASSIGN(auto mine, store_->GetKey(first.key_id));
  EXPECT_EQ(*mine, first);
  KMS_ASSERT_OK_AND_ASSIGN(auto page, store_->ListKeys("111122223333", "us-east-1", "", 10));
  EXPECT_EQ(page.items.size(), 1u);
  // ...another thread does not (and does not wait for them).
  std::thread other([&] {
    EXPECT_THAT(store_->GetKey(first.key_id), StatusIs(Code::kNotFound));
    EXPECT_THAT(store_->GetAlias("111122223333", "us-east-1", "alias/first"),
                StatusIs(Code::kNotFound));
  });
  other.join();
  // A failed Update leaves no trace, and the others stand.
  EXPECT_THAT(store_->Update([&](KeyStoreTxn& txn) -> Status {
    KMS_RETURN_IF_ERROR(txn.PutKey(second));
    return Status(Code::kValidation, "refused");
  }),
              StatusIs(Code::kValidation));
  EXPECT_THAT(store_->GetKey(second.key_id), StatusIs(Code::kNotFound));
  ASSERT_THAT(changes->Commit(), IsOk());
  changes.reset();
  KMS_ASSERT_OK_AND_ASSIGN(auto committed, store_->GetKey(first.key_id));
  EXPECT_EQ(*committed, first);
  EXPECT_THAT(store_->GetKey(second.key_id), StatusIs(Code::kNotFound));
  Reopen();
  EXPECT_THAT(store_->GetKey(first.key_id), IsOk());
}

TEST_F(LmdbKeyStoreTest, DroppedCallChangesLeaveNothingAndUpdatesCommitAloneAgain) {
  const KeyRecord key = MakeKey("11111111-1111-4111-8111-111111111111");
  ASSERT_THAT(PutKey(key), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto cached, store_->GetKey(key.key_id));  // now cached
  {
    auto changes = store_->CollectChanges();
    ASSERT_THAT(store_->Update([&](KeyStoreTxn& txn) { return txn.DeleteKey(key.key_id); }),
                IsOk());
    EXPECT_THAT(store_->GetKey(key.key_id), StatusIs(Code::kNotFound));
  }
  // Dropped: the key is still there, for everyone, and after a restart.
  KMS_ASSERT_OK_AND_ASSIGN(auto still, store_->GetKey(key.key_id));
  EXPECT_EQ(*still, key);
  Reopen();
  EXPECT_THAT(store_->GetKey(key.key_id), IsOk());
  // Without a collector, an Update commits by itself.
  ASSERT_THAT(store_->Update([&](KeyStoreTxn& txn) { return txn.DeleteKey(key.key_id); }), IsOk());
  Reopen();
  EXPECT_THAT(store_->GetKey(key.key_id), StatusIs(Code::kNotFound));
}

TEST_F(LmdbKeyStoreTest, CommittedCallChangesReplaceCachedRecords) {
  KeyRecord key = MakeKey("11111111-1111-4111-8111-111111111111");
  ASSERT_THAT(PutKey(key), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto before, store_->GetKey(key.key_id));  // cached
  key.description = "changed";
  auto changes = store_->CollectChanges();
  ASSERT_THAT(PutKey(key), IsOk());
  ASSERT_THAT(changes->Commit(), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(auto after, store_->GetKey(key.key_id));
  EXPECT_EQ(after->description, "changed");
}

}  // namespace
}  // namespace kms
