// AuditLog::AppendInTransaction: a change and its record in one transaction
// of one environment commit together or not at all (DESIGN.md §6).
#include <gtest/gtest.h>

#include "kms/server/audit/audit_log.h"
#include "kms/server/store/lmdb.h"
#include "testing/status_matchers.h"
#include "tests/server/audit/audit_test_util.h"

namespace kms::audit {
namespace {

using testing::AppendAndWait;
using testing::kT0;
using testing::MakeEntry;
using testing::TempDir;
using testing::TestOptions;
using testing::TestScope;

class AuditInTransactionTest : public ::testing::Test {
 protected:
  void Open(size_t map_size = size_t{64} << 20) {
    log_.reset();
    env_.reset();
    KMS_ASSERT_OK_AND_ASSIGN(env_, lmdb::Env::Open({dir_.path(), map_size, 16}));
    KMS_ASSERT_OK_AND_ASSIGN(changes_db_, env_->OpenDb("changes", 0));
    AuditOptions options = TestOptions(dir_.path(), &clock_);
    options.env = env_;
    KMS_ASSERT_OK_AND_ASSIGN(log_, AuditLog::Open(options));
  }
  // Whether the change named `name` is stored.
  bool HasChange(const std::string& name) {
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.has_value());
    auto value = txn->Get(changes_db_, name);
    return value.has_value() && value->has_value();
  }
  size_t EventCount() {
    auto page = log_->LookupEvents(TestScope(), LookupEventsQuery(), kT0);
    EXPECT_TRUE(page.has_value());
    return page ? page->events.size() : 0;
  }
  void ExpectChainVerifies() {
    KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, log_->Verify());
    EXPECT_TRUE(report.ok) << report.ToString();
  }

  TempDir dir_;
  FakeClock clock_{kT0};
  std::shared_ptr<lmdb::Env> env_;
  MDB_dbi changes_db_ = 0;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditInTransactionTest, TheChangeAndItsRecordCommitTogether) {
  Open();
  ASSERT_THAT(AppendAndWait(*log_, MakeEntry("Encrypt", kT0)), IsOk());
  {
    KMS_ASSERT_OK_AND_ASSIGN(lmdb::Txn txn, env_->BeginWrite());
    ASSERT_THAT(txn.Put(changes_db_, "created", "key"), IsOk());
    const AuditEntry record = MakeEntry("CreateKey", kT0);
    ASSERT_THAT(log_->AppendInTransaction(txn, std::span(&record, 1)), IsOk());
    ASSERT_THAT(txn.Commit(), IsOk());
  }
  EXPECT_TRUE(HasChange("created"));
  EXPECT_EQ(EventCount(), 2u);
  // The group-commit writer continues the chain after it.
  ASSERT_THAT(AppendAndWait(*log_, MakeEntry("Decrypt", kT0)), IsOk());
  EXPECT_EQ(EventCount(), 3u);
  ExpectChainVerifies();
  Open();  // and it all survives a restart
  EXPECT_TRUE(HasChange("created"));
  EXPECT_EQ(EventCount(), 3u);
  ExpectChainVerifies();
}

TEST_F(AuditInTransactionTest, AnAbortedChangeLeavesNoRecord) {
  Open();
  {
    KMS_ASSERT_OK_AND_ASSIGN(lmdb::Txn txn, env_->BeginWrite());
    ASSERT_THAT(txn.Put(changes_db_, "abandoned", "key"), IsOk());
    const AuditEntry record = MakeEntry("CreateKey", kT0);
    ASSERT_THAT(log_->AppendInTransaction(txn, std::span(&record, 1)), IsOk());
  }  // aborted
  EXPECT_FALSE(HasChange("abandoned"));
  EXPECT_EQ(EventCount(), 0u);
  ASSERT_THAT(AppendAndWait(*log_, MakeEntry("Decrypt", kT0)), IsOk());
  EXPECT_EQ(EventCount(), 1u);
  ExpectChainVerifies();
}

// A full map: the record does not fit, the caller aborts, nothing changed.
TEST_F(AuditInTransactionTest, ARecordThatDoesNotFitLeavesNoChange) {
  Open(size_t{1} << 20);
  Status stored;
  int committed = 0;
  for (int i = 0; i < 10000 && stored.ok(); ++i) {
    KMS_ASSERT_OK_AND_ASSIGN(lmdb::Txn txn, env_->BeginWrite());
    const std::string name = "change-" + std::to_string(i);
    stored = txn.Put(changes_db_, name, std::string(2000, 'x'));
    std::vector<AuditEntry> records(4, MakeEntry("CreateKey", kT0));
    if (stored.ok()) stored = log_->AppendInTransaction(txn, records);
    if (stored.ok()) stored = txn.Commit();
    if (stored.ok()) ++committed;
  }
  ASSERT_THAT(stored, StatusIs(Code::kStoreFull));
  EXPECT_FALSE(HasChange("change-" + std::to_string(committed)));
  EXPECT_TRUE(HasChange("change-" + std::to_string(committed - 1)));
  EXPECT_EQ(EventCount(), std::min<size_t>(50, size_t(committed) * 4));
  ExpectChainVerifies();
}

TEST_F(AuditInTransactionTest, ATransactionOfAnotherEnvironmentIsRefused) {
  Open();
  TempDir other_dir;
  KMS_ASSERT_OK_AND_ASSIGN(auto other, lmdb::Env::Open({other_dir.path(), size_t{1} << 20, 4}));
  KMS_ASSERT_OK_AND_ASSIGN(lmdb::Txn txn, other->BeginWrite());
  const AuditEntry record = MakeEntry("CreateKey", kT0);
  EXPECT_THAT(log_->AppendInTransaction(txn, std::span(&record, 1)), StatusIs(Code::kInternal));
}

}  // namespace
}  // namespace kms::audit
