#include "server/audit/audit_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "kms/server/audit/audit_log.h"
#include "server/audit/audit_record.h"
#include "testing/status_matchers.h"
#include "tests/server/audit/audit_test_util.h"

namespace kms::audit {
namespace {

using testing::kT0;
using testing::MakeEntry;
using testing::TempDir;
using testing::TestKey;
using testing::TestOptions;

constexpr uint64_t kSmall = uint64_t{1} << 20;

struct Replayed {
  std::vector<std::string> records;
  std::vector<uint64_t> ends;
  uint64_t end = 0;
};

Replayed ReplayFrom(const AuditJournal& journal, uint64_t position) {
  Replayed out;
  StatusOr<uint64_t> end =
      journal.Replay(position, [&](std::vector<std::string> records, uint64_t frame_end) {
        for (std::string& record : records) out.records.push_back(std::move(record));
        out.ends.push_back(frame_end);
        return OkStatus();
      });
  EXPECT_TRUE(end.has_value()) << end.error().ToString();
  out.end = end.value_or(0);
  return out;
}

std::unique_ptr<AuditJournal> OpenJournal(const std::string& path, uint8_t key_fill = 7,
                                          uint64_t size = kSmall) {
  StatusOr<std::unique_ptr<AuditJournal>> journal =
      AuditJournal::Open(path, TestKey(key_fill).view(), /*read_only=*/false, size);
  EXPECT_TRUE(journal.has_value()) << journal.error().ToString();
  return journal ? std::move(*journal) : nullptr;
}

StatusOr<uint64_t> WriteRecords(AuditJournal& journal, uint64_t position,
                                std::vector<std::string> records) {
  return journal.Write(position, records);
}

std::vector<std::string> Records(size_t count, size_t size, char fill) {
  return std::vector<std::string>(count, std::string(size, fill));
}

class AuditJournalTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.path() + "/audit-journal"; }
  TempDir dir_;
};

TEST_F(AuditJournalTest, WrittenBatchesReplayInOrder) {
  std::unique_ptr<AuditJournal> journal = OpenJournal(Path());
  KMS_ASSERT_OK_AND_ASSIGN(uint64_t first, WriteRecords(*journal, 0, {"a", "bb"}));
  KMS_ASSERT_OK_AND_ASSIGN(uint64_t second, WriteRecords(*journal, first, {"ccc"}));
  EXPECT_EQ(journal->EndOf(0, std::vector<std::string>{"a", "bb"}), first);

  const Replayed all = ReplayFrom(*OpenJournal(Path()), 0);
  EXPECT_EQ(all.records, (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(all.ends, (std::vector<uint64_t>{first, second}));
  EXPECT_EQ(all.end, second);
  // From a frame's end on: the frames after it.
  EXPECT_EQ(ReplayFrom(*journal, first).records, std::vector<std::string>{"ccc"});
  EXPECT_TRUE(ReplayFrom(*journal, second).records.empty());
  EXPECT_EQ(ReplayFrom(*journal, second).end, second);
}

TEST_F(AuditJournalTest, FramesGoRoundTheRingAndOlderLapsAreNotReplayed) {
  std::unique_ptr<AuditJournal> journal = OpenJournal(Path());
  uint64_t position = 0;
  uint64_t before_last = 0;
  // Three laps of batches whose frames do not divide the ring evenly.
  for (int i = 0; position < 3 * kSmall; ++i) {
    before_last = position;
    KMS_ASSERT_OK_AND_ASSIGN(
        position, journal->Write(position, Records(3, 30000, static_cast<char>('a' + i % 26))));
  }
  const Replayed last = ReplayFrom(*journal, before_last);
  EXPECT_EQ(last.records.size(), 3u);
  EXPECT_EQ(last.end, position);
  // Where the journal ends, the older laps' frames stay behind.
  EXPECT_TRUE(ReplayFrom(*journal, position).records.empty());
  // A batch larger than a frame takes several.
  const std::vector<std::string> big = Records(20, 30000, 'z');
  KMS_ASSERT_OK_AND_ASSIGN(uint64_t end, journal->Write(position, big));
  EXPECT_EQ(end, journal->EndOf(position, big));
  const Replayed replayed = ReplayFrom(*journal, position);
  EXPECT_EQ(replayed.records, big);
  EXPECT_GT(replayed.ends.size(), 1u);
}

// Four frames that end `gap` bytes before the ring's end, then one that
// does not fit there: it starts the next lap.
void FillALapThenGoRound(AuditJournal& journal, uint64_t gap) {
  const std::string filler((kSmall - gap) / 4 - 60, 'f');  // a frame of (kSmall - gap) / 4
  uint64_t position = 0;
  for (int i = 0; i < 4; ++i) {
    KMS_ASSERT_OK_AND_ASSIGN(position, WriteRecords(journal, position, {filler}));
  }
  ASSERT_EQ(position, kSmall - gap);
  const uint64_t start = position;
  const std::string next_lap(200, 'n');
  KMS_ASSERT_OK_AND_ASSIGN(position, WriteRecords(journal, position, {next_lap}));
  KMS_ASSERT_OK_AND_ASSIGN(position, WriteRecords(journal, position, {"after it"}));
  EXPECT_GT(position, kSmall);
  const Replayed replayed = ReplayFrom(journal, start);
  EXPECT_EQ(replayed.records, (std::vector<std::string>{next_lap, "after it"}));
  EXPECT_EQ(replayed.end, position);
  EXPECT_EQ(ReplayFrom(journal, 0).records.size(), 0u);  // the lap's start is overwritten
}

TEST_F(AuditJournalTest, AFrameThatDoesNotFitBeforeTheEndStartsTheNextLap) {
  FillALapThenGoRound(*OpenJournal(Path()), 160);  // room for a lap marker
}

TEST_F(AuditJournalTest, APositionTooNearTheEndForAHeaderGoesToTheNextLap) {
  FillALapThenGoRound(*OpenJournal(Path()), 20);  // no room for a lap marker
}

TEST_F(AuditJournalTest, AChangedByteEndsTheJournalThere) {
  std::unique_ptr<AuditJournal> journal = OpenJournal(Path());
  KMS_ASSERT_OK_AND_ASSIGN(uint64_t first, WriteRecords(*journal, 0, {"kept"}));
  KMS_ASSERT_OK_AND_ASSIGN(uint64_t second, WriteRecords(*journal, first, {"edited"}));
  ASSERT_THAT(WriteRecords(*journal, second, {"after"}), IsOk());
  const int fd = ::open(Path().c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "E", 1, static_cast<off_t>(second - 6)), 1);
  ::close(fd);
  const Replayed replayed = ReplayFrom(*journal, 0);
  EXPECT_EQ(replayed.records, std::vector<std::string>{"kept"});
  EXPECT_EQ(replayed.end, first);
}

TEST_F(AuditJournalTest, AnotherKeyReadsNothing) {
  ASSERT_THAT(WriteRecords(*OpenJournal(Path()), 0, {"secret"}), IsOk());
  EXPECT_TRUE(ReplayFrom(*OpenJournal(Path(), /*key_fill=*/8), 0).records.empty());
}

TEST_F(AuditJournalTest, ARecordLargerThanAFrameIsRefused) {
  std::unique_ptr<AuditJournal> journal = OpenJournal(Path());
  EXPECT_THAT(WriteRecords(*journal, 0, {std::string(kSmall / 4, 'x')}),
              StatusIs(Code::kInternal, ::testing::HasSubstr("does not fit")));
  EXPECT_TRUE(ReplayFrom(*journal, 0).records.empty());
}

TEST_F(AuditJournalTest, AJournalKeepsItsSizeAndAStrangeFileIsRefused) {
  OpenJournal(Path(), 7, 2 * kSmall);
  EXPECT_EQ(OpenJournal(Path(), 7, kSmall)->size(), 2 * kSmall);
  struct stat st;
  ASSERT_EQ(::stat(Path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::string other = dir_.path() + "/small";
  const int fd = ::open(other.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "x", 1), 1);
  ::close(fd);
  EXPECT_THAT(AuditJournal::Open(other, TestKey().view(), false),
              StatusIs(Code::kInternal, ::testing::HasSubstr("not a journal")));
  // Read-only, a journal that is not there is empty.
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditJournal> missing,
                           AuditJournal::Open(dir_.path() + "/none", TestKey().view(), true));
  EXPECT_TRUE(ReplayFrom(*missing, 0).records.empty());
}

// What a crash leaves: records durable in the journal, not yet in LMDB.
TEST_F(AuditJournalTest, TheLogMovesInWhatTheJournalHeldWhenItOpens) {
  FakeClock clock(kT0);
  const AuditOptions options = TestOptions(dir_.path(), &clock);
  {
    StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(options);
    ASSERT_TRUE(log.has_value()) << log.error().ToString();
    ASSERT_THAT(testing::AppendAndWait(**log, MakeEntry("Encrypt", kT0)), IsOk());
  }
  std::unique_ptr<AuditJournal> journal = OpenJournal(Path(), 7, AuditJournal::kDefaultSize);
  const uint64_t end = ReplayFrom(*journal, 0).end;
  std::vector<AuditEntry> entries = {MakeEntry("Decrypt", kT0 + 1), MakeEntry("Sign", kT0 + 2)};
  std::vector<std::string> records;
  for (const AuditEntry& entry : entries)
    records.push_back(EncodeStoredRecord(0, crypto::Sha256Digest{}, entry));
  ASSERT_THAT(journal->Write(end, records), IsOk());

  {  // What the read-only tools see meanwhile: the journaled records after the stored one.
    AuditOptions read_only = TestOptions(dir_.path(), &clock);
    read_only.read_only = true;
    StatusOr<std::unique_ptr<AuditLog>> reader = AuditLog::Open(read_only);
    ASSERT_TRUE(reader.has_value()) << reader.error().ToString();
    KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, (*reader)->Verify());
    EXPECT_TRUE(report.ok);
    EXPECT_EQ(report.records_checked, 1u);
    EXPECT_EQ(report.journal_records, 2u);
    EXPECT_THAT(report.ToString(), ::testing::HasSubstr("not yet in the chain: 2 records"));
    std::vector<std::pair<uint64_t, std::string>> seen;
    KMS_ASSERT_OK_AND_ASSIGN(
        uint64_t last, (*reader)->ReadRecords(0, 10, [&](uint64_t sequence, const AuditEntry& e) {
          seen.emplace_back(sequence, e.event_name);
          return true;
        }));
    EXPECT_EQ(last, 3u);
    EXPECT_EQ(seen, (std::vector<std::pair<uint64_t, std::string>>{
                        {1, "Encrypt"}, {2, "Decrypt"}, {3, "Sign"}}));
    KMS_ASSERT_OK_AND_ASSIGN(
        last, (*reader)->ReadRecords(2, 10, [](uint64_t, const AuditEntry&) { return true; }));
    EXPECT_EQ(last, 3u);
    EXPECT_THAT((*reader)->LastSequence(), ::testing::Optional(3u));
    ExportOptions exported;
    exported.out_dir = dir_.path() + "/export";
    KMS_ASSERT_OK_AND_ASSIGN(ExportReport files, (*reader)->ExportCloudTrailFiles(exported));
    EXPECT_EQ(files.records, 3u);
  }

  StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(options);
  ASSERT_TRUE(log.has_value()) << log.error().ToString();
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult found,
                           (*log)->LookupEvents(testing::TestScope(), LookupEventsQuery(), kT0));
  ASSERT_EQ(found.events.size(), 3u);
  EXPECT_EQ(found.events[0].event_id, entries[1].event_id);
  EXPECT_EQ(found.events[1].event_id, entries[0].event_id);
  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, (*log)->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.records_checked, 3u);
  // Moved once: opening again finds nothing more to move.
  log->reset();
  log = AuditLog::Open(options);
  ASSERT_TRUE(log.has_value());
  KMS_ASSERT_OK_AND_ASSIGN(report, (*log)->Verify());
  EXPECT_EQ(report.records_checked, 3u);
}

}  // namespace
}  // namespace kms::audit
