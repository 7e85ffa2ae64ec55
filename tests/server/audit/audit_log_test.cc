#include "kms/server/audit/audit_log.h"

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kms/crypto.h"
#include "kms/encoding.h"
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

std::unique_ptr<AuditLog> OpenLog(const AuditOptions& options) {
  StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(options);
  EXPECT_TRUE(log.has_value()) << log.error().ToString();
  return log ? std::move(*log) : nullptr;
}

std::vector<std::string> AllEventIds(const AuditLog& log) {
  std::vector<std::string> ids;
  LookupEventsQuery query;
  do {
    StatusOr<LookupEventsResult> page = log.LookupEvents(TestScope(), query, kT0);
    EXPECT_TRUE(page.has_value());
    if (!page) break;
    for (const LookupEvent& event : page->events) ids.push_back(event.event_id);
    query.next_token = page->next_token;
  } while (!query.next_token.empty());
  return ids;
}

class AuditLogTest : public ::testing::Test {
 protected:
  TempDir dir_;
  FakeClock clock_{kT0};
};

TEST_F(AuditLogTest, AppendedRecordIsDurableThenFound) {
  std::unique_ptr<AuditLog> log = OpenLog(TestOptions(dir_.path(), &clock_));
  const CloudTrailEvent call = testing::MakeEvent("Encrypt", kT0);
  const AuditEntry expected = testing::EntryOf(call);
  EXPECT_THAT(AppendAndWait(*log, expected), IsOk());

  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult result,
                           log->LookupEvents(TestScope(), LookupEventsQuery(), kT0));
  ASSERT_EQ(result.events.size(), 1u);
  const LookupEvent& event = result.events[0];
  EXPECT_EQ(event.event_id, expected.event_id);
  EXPECT_EQ(event.event_name, "Encrypt");
  EXPECT_TRUE(event.read_only);
  EXPECT_EQ(event.access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(event.event_time, kT0);
  EXPECT_EQ(event.event_source, "kms.amazonaws.com");
  EXPECT_EQ(event.username, "alice");
  EXPECT_EQ(event.resources, expected.resources);
  // Stored in its compact form, rendered when read.
  EXPECT_TRUE(expected.record_json.empty());
  EXPECT_EQ(event.cloudtrail_event, BuildCloudTrailRecord(call).value_or(""));
  EXPECT_EQ(result.next_token, "");
}

TEST_F(AuditLogTest, HandleLookupEventsSpeaksJson) {
  std::unique_ptr<AuditLog> log = OpenLog(TestOptions(dir_.path(), &clock_));
  ASSERT_THAT(AppendAndWait(*log, MakeEntry("Encrypt", kT0)), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(
      std::string response,
      log->HandleLookupEvents(
          R"({"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"Encrypt"}]})",
          TestScope(), kT0));
  EXPECT_TRUE(response.starts_with(R"({"Events":[{"EventId":")")) << response;
  EXPECT_NE(response.find(R"("EventName":"Encrypt")"), std::string::npos);
  EXPECT_EQ(response.find("NextToken"), std::string::npos);
  EXPECT_THAT(log->HandleLookupEvents(R"({"MaxResults":99})", TestScope(), kT0),
              StatusIs(Code::kInvalidMaxResults));
}

TEST_F(AuditLogTest, ConcurrentProducersAreGroupCommitted) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.max_batch = 64;
  std::unique_ptr<AuditLog> log = OpenLog(options);
  constexpr int kProducers = 16;
  constexpr int kPerProducer = 50;
  std::vector<std::atomic<int>> calls(kProducers * kPerProducer);
  std::atomic<int> failures{0};
  std::vector<std::string> ids(kProducers * kPerProducer);
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        const int n = p * kPerProducer + i;
        AuditEntry entry = MakeEntry("Encrypt", kT0 + n);
        ids[n] = entry.event_id;
        log->Append(std::move(entry), [&, n](Status status) {
          calls[n].fetch_add(1);
          if (!status.ok()) failures.fetch_add(1);
        });
      }
    });
  }
  for (std::thread& t : producers) t.join();
  ASSERT_THAT(log->Flush(), IsOk());

  for (const std::atomic<int>& count : calls) EXPECT_EQ(count.load(), 1);
  EXPECT_EQ(failures.load(), 0);
  const std::vector<std::string> found = AllEventIds(*log);
  EXPECT_EQ(std::set<std::string>(found.begin(), found.end()),
            std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_EQ(found.size(), ids.size());
  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.records_checked, ids.size());
}

// After concurrent calls the writer gathers records for the next batch; a
// call that then comes alone is still stored (the gathering gives up), and
// so are calls in bursts of every size around its target.
TEST_F(AuditLogTest, GatheringForAGroupCommitNeverHoldsACallForGood) {
  std::unique_ptr<AuditLog> log = OpenLog(TestOptions(dir_.path(), &clock_));
  int sequence = 0;
  for (int burst : {200, 1, 2, 31, 32, 33, 1, 64, 1}) {
    std::vector<std::future<Status>> done;
    for (int i = 0; i < burst; ++i) {
      auto promise = std::make_shared<std::promise<Status>>();
      done.push_back(promise->get_future());
      log->Append(MakeEntry("Encrypt", kT0 + sequence++),
                  [promise](Status status) { promise->set_value(std::move(status)); });
    }
    for (std::future<Status>& one : done) {
      ASSERT_EQ(one.wait_for(std::chrono::seconds(30)), std::future_status::ready)
          << "a burst of " << burst;
      EXPECT_THAT(one.get(), IsOk());
    }
  }
  EXPECT_EQ(AllEventIds(*log).size(), static_cast<size_t>(sequence));
}

TEST_F(AuditLogTest, ReopenKeepsRecordsAndContinuesTheChain) {
  std::vector<std::string> ids;
  {
    std::unique_ptr<AuditLog> log = OpenLog(TestOptions(dir_.path(), &clock_));
    for (int i = 0; i < 3; ++i) {
      AuditEntry entry = MakeEntry("Encrypt", kT0 + i * 1000);
      ids.push_back(entry.event_id);
      log->Append(std::move(entry), [](Status) {});
    }
  }  // the destructor commits what is queued
  std::unique_ptr<AuditLog> log = OpenLog(TestOptions(dir_.path(), &clock_));
  AuditEntry entry = MakeEntry("Decrypt", kT0 + 5000);
  ids.push_back(entry.event_id);
  ASSERT_THAT(AppendAndWait(*log, std::move(entry)), IsOk());

  const std::vector<std::string> found = AllEventIds(*log);
  EXPECT_EQ(found, std::vector<std::string>(ids.rbegin(), ids.rend()));  // newest first
  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.first_sequence, 1u);
  EXPECT_EQ(report.last_sequence, 4u);
}

TEST_F(AuditLogTest, OpenRefusesAnotherKey) {
  {
    std::unique_ptr<AuditLog> log = OpenLog(TestOptions(dir_.path(), &clock_));
    ASSERT_THAT(AppendAndWait(*log, MakeEntry("Encrypt", kT0)), IsOk());
  }
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.hmac_key = testing::TestKey(9);
  EXPECT_THAT(AuditLog::Open(options), StatusIs(Code::kInternal));
}

TEST_F(AuditLogTest, OpenValidatesOptions) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.hmac_key = SecretBytes();
  EXPECT_THAT(AuditLog::Open(options), StatusIs(Code::kValidation));
  options = TestOptions(dir_.path(), &clock_);
  options.max_batch = 0;
  EXPECT_THAT(AuditLog::Open(options), StatusIs(Code::kValidation));
  options = TestOptions(dir_.Sub("missing"), &clock_);
  options.read_only = true;
  EXPECT_THAT(AuditLog::Open(options), StatusIs(Code::kNotFound));
}

// The writer runs callbacks one at a time, so a callback that waits holds the
// writer, and the queue fills deterministically.
TEST_F(AuditLogTest, FullQueueRefusesAppendsAtOnce) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.max_queue = 2;
  std::unique_ptr<AuditLog> log = OpenLog(options);
  std::promise<void> writer_busy;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  log->Append(MakeEntry("Encrypt", kT0), [&](Status) {
    writer_busy.set_value();
    released.wait();
  });
  writer_busy.get_future().wait();
  std::atomic<int> ok_calls{0};
  for (int i = 0; i < 2; ++i) {
    log->Append(MakeEntry("Encrypt", kT0), [&](Status s) { ok_calls += s.ok() ? 1 : 0; });
  }
  Status refused;
  bool called = false;
  log->Append(MakeEntry("Encrypt", kT0), [&](Status s) {
    refused = std::move(s);
    called = true;
  });
  EXPECT_TRUE(called);  // on the appending thread, before Append returned
  EXPECT_THAT(refused, StatusIs(Code::kThrottling));
  release.set_value();
  ASSERT_THAT(log->Flush(), IsOk());
  EXPECT_EQ(ok_calls.load(), 2);
  EXPECT_EQ(AllEventIds(*log).size(), 3u);
}

// An entry with a large record, to fill a small map quickly.
AuditEntry LargeEntry(EpochMillis time) {
  return testing::PaddedEntry("UpdateKeyDescription", time, 30000);
}

TEST_F(AuditLogTest, AFullLogRefusesNewCallsAndRecoversWhenRetentionFreesRoom) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.map_size = size_t{4} << 20;
  std::unique_ptr<AuditLog> log = OpenLog(options);
  EXPECT_THAT(log->CheckWritable(), IsOk());
  Status last;
  int appended = 0;
  while (log->CheckWritable().ok() && appended < 1000) {
    last = AppendAndWait(*log, LargeEntry(kT0 + appended));
    ASSERT_THAT(last, IsOk()) << "the log filled up before it said so";
    ++appended;
  }
  ASSERT_LT(appended, 1000);
  EXPECT_THAT(log->CheckWritable(),
              StatusIs(Code::kStoreFull, ::testing::HasSubstr("The audit log is full")));
  // Calls already under way still have room for their records.
  EXPECT_THAT(AppendAndWait(*log, MakeEntry("Decrypt", kT0 + appended)), IsOk());
  log.reset();

  // Retention that keeps a few records frees the room: serving resumes.
  options.retention.max_records = 5;
  log = OpenLog(options);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!log->CheckWritable().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(log->CheckWritable(), IsOk());
  EXPECT_THAT(AppendAndWait(*log, MakeEntry("Encrypt", kT0 + appended + 1)), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
}

// Records already durable in the journal when the store fills wait there
// until retention makes room for them, while the log runs.
TEST_F(AuditLogTest, JournaledRecordsThatDoNotFitWaitForRetentionToMakeRoom) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.map_size = size_t{16} << 20;
  options.retention.max_records = 50;
  options.prune_every_commits = 1000000;  // only when the store is full
  options.max_batch = 256;                // journal batches of a few % of the store
  std::unique_ptr<AuditLog> log = OpenLog(options);
  // ~25 MB all-in (records, indexes, pages) into a 16 MiB store, appended
  // faster than they are moved in; each small enough to need no run of free
  // pages of its own.
  constexpr int kRecords = 10000;
  std::atomic<int> failed{0};
  for (int i = 0; i < kRecords; ++i) {
    AuditEntry entry = testing::PaddedEntry("Encrypt", kT0 + i, 500);
    log->Append(std::move(entry), [&](Status status) { failed += status.ok() ? 0 : 1; });
  }
  ASSERT_THAT(log->Flush(), IsOk());
  EXPECT_EQ(failed.load(), 0);
  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.last_sequence, static_cast<uint64_t>(kRecords));
  EXPECT_LT(report.records_checked, static_cast<uint64_t>(kRecords));
}

TEST_F(AuditLogTest, OneRecordThatCannotBeStoredFailsAlone) {
  std::unique_ptr<AuditLog> log = OpenLog(TestOptions(dir_.path(), &clock_));
  // A record larger than the map stands for any record the store refuses.
  CloudTrailEvent huge_call = testing::MakeEvent("Encrypt", kT0);
  huge_call.request_parameters = '"' + std::string(size_t{80} << 20, 'x') + '"';
  const AuditEntry huge = testing::EntryOf(huge_call);
  std::vector<std::promise<Status>> done(9);
  std::vector<std::future<Status>> results;
  for (auto& promise : done) results.push_back(promise.get_future());
  for (size_t i = 0; i < done.size(); ++i) {
    AuditEntry entry = i == 4 ? huge : MakeEntry("Encrypt", kT0 + static_cast<EpochMillis>(i));
    log->Append(std::move(entry),
                [&done, i](Status status) { done[i].set_value(std::move(status)); });
  }
  for (size_t i = 0; i < results.size(); ++i) {
    const Status status = results[i].get();
    if (i == 4) {
      EXPECT_FALSE(status.ok());
    } else {
      EXPECT_THAT(status, IsOk()) << i;
    }
  }
  EXPECT_EQ(AllEventIds(*log).size(), 8u);
}

TEST_F(AuditLogTest, ReadOnlyLogRefusesAppends) {
  { OpenLog(TestOptions(dir_.path(), &clock_)); }
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.read_only = true;
  std::unique_ptr<AuditLog> log = OpenLog(options);
  EXPECT_THAT(AppendAndWait(*log, MakeEntry("Encrypt", kT0)), StatusIs(Code::kInternal));
  EXPECT_THAT(log->Prune(kT0), StatusIs(Code::kInternal));
  EXPECT_THAT(log->Flush(), IsOk());
}

TEST_F(AuditLogTest, DisabledLogAnswersAtOnceAndStoresNothing) {
  AuditOptions options = TestOptions(dir_.Sub("never"), &clock_);
  options.enabled = false;
  std::unique_ptr<AuditLog> log = OpenLog(options);
  bool called = false;
  log->Append(MakeEntry("Encrypt", kT0), [&](Status s) {
    EXPECT_THAT(s, IsOk());
    called = true;
  });
  EXPECT_TRUE(called);
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult result,
                           log->LookupEvents(TestScope(), LookupEventsQuery(), kT0));
  EXPECT_TRUE(result.events.empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("never")));
}

TEST_F(AuditLogTest, RunAuditVerifyReportsOnAClosedLog) {
  {
    std::unique_ptr<AuditLog> log = OpenLog(TestOptions(dir_.path(), &clock_));
    ASSERT_THAT(AppendAndWait(*log, MakeEntry("Encrypt", kT0)), IsOk());
  }
  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, RunAuditVerify(TestOptions(dir_.path(), &clock_)));
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.ToString(), "audit chain: OK\nrecords checked: 1\nsequence: 1 to 1\n");
}

}  // namespace
}  // namespace kms::audit
