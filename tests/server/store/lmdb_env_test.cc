// The LMDB layer's map growth: a map that doubles up to its ceiling while
// transactions run on other threads.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "kms/server/store/lmdb.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::lmdb {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

struct Grown {
  size_t from;
  size_t to;
  bool operator==(const Grown&) const = default;
};

class LmdbEnvTest : public ::testing::Test {
 protected:
  std::unique_ptr<Env> OpenGrowing(size_t map_size, size_t max_map_size) {
    EnvOptions options{dir_.path(), map_size, 2};
    options.max_map_size = max_map_size;
    options.on_grown = [this](size_t from, size_t to) { grown_.push_back({from, to}); };
    auto env = Env::Open(options);
    EXPECT_TRUE(env.has_value());
    return env ? std::move(*env) : nullptr;
  }

  // Writes `count` values of 64 KiB, one transaction each; the status of the
  // first failure.
  static Status Fill(const Env& env, MDB_dbi dbi, int first, int count) {
    const std::string value(64 << 10, 'v');
    for (int i = first; i < first + count; ++i) {
      KMS_ASSIGN_OR_RETURN(Txn txn, env.BeginWrite());
      KMS_RETURN_IF_ERROR(txn.Put(dbi, "k" + std::to_string(i), value));
      KMS_RETURN_IF_ERROR(txn.Commit());
    }
    return OkStatus();
  }

  testing::TempDir dir_;
  std::vector<Grown> grown_;
};

TEST_F(LmdbEnvTest, TheMapDoublesUpToItsCeilingAndThenIsFull) {
  std::unique_ptr<Env> env = OpenGrowing(1 * kMiB, 8 * kMiB);
  ASSERT_NE(env, nullptr);
  KMS_ASSERT_OK_AND_ASSIGN(MDB_dbi dbi, env->OpenDb("data", 0));
  ASSERT_THAT(Fill(*env, dbi, 0, 64), IsOk());  // 4 MiB
  KMS_ASSERT_OK_AND_ASSIGN(Env::Usage usage, env->CurrentUsage());
  EXPECT_EQ(usage.ceiling_bytes, 8 * kMiB);
  EXPECT_GE(usage.map_bytes, 4 * kMiB);
  ASSERT_GE(grown_.size(), 2u);
  EXPECT_EQ(grown_[0], (Grown{1 * kMiB, 2 * kMiB}));
  EXPECT_EQ(grown_[1], (Grown{2 * kMiB, 4 * kMiB}));

  // Past the ceiling a write fails as full, and what was written is there.
  const Status full = Fill(*env, dbi, 64, 200);
  EXPECT_EQ(full.code(), Code::kStoreFull) << full.ToString();
  EXPECT_EQ(grown_.back(), (Grown{4 * kMiB, 8 * kMiB}));
  KMS_ASSERT_OK_AND_ASSIGN(usage, env->CurrentUsage());
  EXPECT_EQ(usage.map_bytes, 8 * kMiB);
  KMS_ASSERT_OK_AND_ASSIGN(Txn txn, env->BeginRead());
  KMS_ASSERT_OK_AND_ASSIGN(auto value, txn.Get(dbi, "k63"));
  EXPECT_TRUE(value.has_value());
}

TEST_F(LmdbEnvTest, WithoutACeilingTheMapStaysAsItIs) {
  std::unique_ptr<Env> env = OpenGrowing(1 * kMiB, 0);
  ASSERT_NE(env, nullptr);
  KMS_ASSERT_OK_AND_ASSIGN(MDB_dbi dbi, env->OpenDb("data", 0));
  EXPECT_EQ(Fill(*env, dbi, 0, 64).code(), Code::kStoreFull);
  EXPECT_TRUE(grown_.empty());
}

TEST_F(LmdbEnvTest, GrowsWhileOtherThreadsRead) {
  std::unique_ptr<Env> env = OpenGrowing(1 * kMiB, 64 * kMiB);
  ASSERT_NE(env, nullptr);
  KMS_ASSERT_OK_AND_ASSIGN(MDB_dbi dbi, env->OpenDb("data", 0));
  ASSERT_THAT(Fill(*env, dbi, 0, 1), IsOk());
  std::atomic<bool> stop = false;
  std::atomic<int> failures = 0;
  std::atomic<long> reads = 0;
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        StatusOr<Txn> txn = env->BeginRead();
        StatusOr<std::optional<std::string_view>> value =
            txn ? txn->Get(dbi, "k0") : StatusOr<std::optional<std::string_view>>();
        // The value is read through the map, which must not move under it.
        if (!txn || !value || !*value || (*value)->size() != 64 << 10 || (*value)->back() != 'v')
          ++failures;
        ++reads;
      }
    });
  }
  const Status filled = Fill(*env, dbi, 1, 512);  // 32 MiB
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_THAT(filled, IsOk());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_GE(grown_.size(), 5u);  // 1 -> 2 -> 4 -> 8 -> 16 -> 32 (or more) MiB
}

TEST_F(LmdbEnvTest, AThreadHoldingATransactionWritesWithoutWaitingForTheGrowth) {
  std::unique_ptr<Env> env = OpenGrowing(1 * kMiB, 8 * kMiB);
  ASSERT_NE(env, nullptr);
  KMS_ASSERT_OK_AND_ASSIGN(MDB_dbi dbi, env->OpenDb("data", 0));
  // Written until the growth is due at the next write transaction.
  int written = 0;
  for (;;) {
    KMS_ASSERT_OK_AND_ASSIGN(Env::Usage usage, env->CurrentUsage());
    if (usage.high_water_bytes >= usage.map_bytes / 5 * 4) break;
    ASSERT_THAT(Fill(*env, dbi, written++, 1), IsOk());
  }
  grown_.clear();
  {
    // The growth would wait for this read transaction to end: it is put off.
    KMS_ASSERT_OK_AND_ASSIGN(Txn read, env->BeginRead());
    KMS_ASSERT_OK_AND_ASSIGN(Txn write, env->BeginWrite());
    EXPECT_THAT(write.Put(dbi, "small", "x"), IsOk());
    EXPECT_THAT(write.Commit(), IsOk());
    EXPECT_TRUE(grown_.empty());
  }
  ASSERT_THAT(Fill(*env, dbi, written, 1), IsOk());
  EXPECT_FALSE(grown_.empty());
}

}  // namespace
}  // namespace kms::lmdb
