#include "server/audit/audit_chain.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kms/server/audit/audit_log.h"
#include "server/audit/audit_index.h"
#include "server/audit/audit_record.h"
#include "testing/status_matchers.h"
#include "tests/server/audit/audit_test_util.h"

namespace kms::audit {
namespace {

using testing::AppendAndWait;
using ::testing::HasSubstr;
using testing::kT0;
using testing::MakeEntry;
using testing::TamperWith;
using testing::TempDir;
using testing::TestOptions;
using testing::TestScope;

constexpr EpochMillis kDay = 24 * 60 * 60 * 1000;

class AuditChainTest : public ::testing::Test {
 protected:
  // Appends records 1..n, named Op1..Opn, one second apart, and closes the log.
  void WriteRecords(int n, const AuditOptions& options) {
    KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log, AuditLog::Open(options));
    for (int i = 1; i <= n; ++i) {
      ASSERT_THAT(AppendAndWait(*log, MakeEntry("Op" + std::to_string(i), kT0 + i * 1000)), IsOk());
    }
  }
  void WriteRecords(int n) { WriteRecords(n, TestOptions(dir_.path(), &clock_)); }

  VerifyReport VerifyClosedLog() {
    StatusOr<VerifyReport> report = RunAuditVerify(TestOptions(dir_.path(), &clock_));
    EXPECT_TRUE(report.has_value()) << report.error().ToString();
    return report.value_or(VerifyReport());
  }

  // Replaces `from` by `to` in record `sequence`'s CloudTrail JSON (or its
  // EventName attribute), and stores it re-encoded as it was (same sequence
  // and previous hash), as a forger who knows the format would.
  void ForgeRecord(uint64_t sequence, const std::string& from, const std::string& to,
                   bool attribute = false) {
    TamperWith(dir_.path(), [&](Txn& txn, const AuditStore& store) {
      StatusOr<std::optional<std::string_view>> value =
          txn.Get(store.records(), EncodeUint64(sequence));
      ASSERT_TRUE(value.has_value() && value->has_value());
      KMS_ASSERT_OK_AND_ASSIGN(StoredRecord record, DecodeStoredRecord(**value));
      std::string& text = attribute ? record.entry.event_name : record.entry.record_json;
      const size_t at = text.find(from);
      ASSERT_NE(at, std::string::npos);
      text.replace(at, from.size(), to);
      // Stored as format 2, which holds the JSON itself.
      record.entry.compact_event.clear();
      ASSERT_THAT(txn.Put(store.records(), EncodeUint64(sequence),
                          EncodeStoredRecord(sequence, record.previous_hash, record.entry)),
                  IsOk());
    });
  }

  void DeleteRecord(uint64_t sequence) {
    TamperWith(dir_.path(), [&](Txn& txn, const AuditStore& store) {
      ASSERT_THAT(txn.Delete(store.records(), EncodeUint64(sequence)), IsOk());
    });
  }

  size_t CountEvents() {
    AuditOptions options = TestOptions(dir_.path(), &clock_);
    options.read_only = true;
    StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(options);
    EXPECT_TRUE(log.has_value());
    StatusOr<LookupEventsResult> result =
        (*log)->LookupEvents(TestScope(), LookupEventsQuery(), kT0);
    EXPECT_TRUE(result.has_value());
    return result->events.size();
  }

  TempDir dir_;
  FakeClock clock_{kT0};
};

TEST_F(AuditChainTest, UntouchedLogVerifies) {
  WriteRecords(5);
  const VerifyReport report = VerifyClosedLog();
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.records_checked, 5u);
  EXPECT_EQ(report.first_sequence, 1u);
  EXPECT_EQ(report.last_sequence, 5u);
}

// A log written before compact records holds format 2; kmsd goes on after
// it with format 3. Both kinds verify, and read back with their JSON.
TEST_F(AuditChainTest, ALogOfBothRecordFormatsVerifiesAndReadsBack) {
  std::vector<std::string> expected_json;
  {
    KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log,
                             AuditLog::Open(TestOptions(dir_.path(), &clock_)));
    for (int i = 1; i <= 4; ++i) {
      const CloudTrailEvent call = testing::MakeEvent("Op" + std::to_string(i), kT0 + i * 1000);
      const bool compact = i > 2;
      ASSERT_THAT(
          AppendAndWait(*log, compact ? testing::EntryOf(call) : testing::JsonEntryOf(call)),
          IsOk());
      expected_json.push_back(BuildCloudTrailRecord(call).value_or(""));
    }
  }
  const VerifyReport report = VerifyClosedLog();
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.records_checked, 4u);
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log,
                           AuditLog::Open(TestOptions(dir_.path(), &clock_)));
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult page,
                           log->LookupEvents(TestScope(), LookupEventsQuery(), kT0 + 5000));
  ASSERT_EQ(page.events.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {  // newest first
    EXPECT_EQ(page.events[i].cloudtrail_event, expected_json[3 - i]) << i;
  }
}

TEST_F(AuditChainTest, EmptyLogVerifies) {
  WriteRecords(0);
  const VerifyReport report = VerifyClosedLog();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records_checked, 0u);
}

TEST_F(AuditChainTest, DetectsModifiedMiddleRecord) {
  WriteRecords(5);
  ForgeRecord(3, "\"eventName\":\"Op3\"", "\"eventName\":\"Op9\"");
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.break_sequence, 4u);
  EXPECT_THAT(report.problem, HasSubstr("record 4 does not carry the hash of record 3"));
}

TEST_F(AuditChainTest, DetectsModifiedLookupAttribute) {
  WriteRecords(5);
  ForgeRecord(2, "Op2", "Op7", /*attribute=*/true);  // the stored EventName attribute
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.break_sequence, 2u);  // its index entries no longer match
}

TEST_F(AuditChainTest, DetectsDeletedMiddleRecord) {
  WriteRecords(5);
  DeleteRecord(3);
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.break_sequence, 3u);
  EXPECT_EQ(report.problem, "record 3 is missing");
}

TEST_F(AuditChainTest, DetectsModifiedLastRecord) {
  WriteRecords(5);
  ForgeRecord(5, "\"eventName\":\"Op5\"", "\"eventName\":\"Op0\"");
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.break_sequence, 5u);
  EXPECT_THAT(report.problem, HasSubstr("signed head"));
}

TEST_F(AuditChainTest, DetectsDeletedLastRecord) {
  WriteRecords(5);
  DeleteRecord(5);
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.break_sequence, 5u);
  EXPECT_THAT(report.problem, HasSubstr("the newest"));
}

// Re-linking every later record does not help without the head key.
TEST_F(AuditChainTest, DetectsRewrittenChainTail) {
  WriteRecords(4);
  TamperWith(dir_.path(), [&](Txn& txn, const AuditStore& store) {
    crypto::Sha256Digest previous{};
    for (uint64_t sequence = 1; sequence <= 4; ++sequence) {
      StatusOr<std::optional<std::string_view>> value =
          txn.Get(store.records(), EncodeUint64(sequence));
      ASSERT_TRUE(value.has_value() && value->has_value());
      KMS_ASSERT_OK_AND_ASSIGN(StoredRecord record, DecodeStoredRecord(**value));
      if (sequence == 2) {
        record.entry.record_json = R"({"forged":true})";
        record.entry.compact_event.clear();
      }
      const std::string bytes = EncodeStoredRecord(sequence, previous, record.entry);
      ASSERT_THAT(txn.Put(store.records(), EncodeUint64(sequence), bytes), IsOk());
      previous = RecordHash(bytes);
    }
  });
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.break_sequence, 4u);
  EXPECT_THAT(report.problem, HasSubstr("signed head"));
}

TEST_F(AuditChainTest, ForgedHeadFailsVerifyAndOpen) {
  WriteRecords(3);
  TamperWith(dir_.path(), [&](Txn& txn, const AuditStore& store) {
    const SecretBytes other_key = testing::TestKey(9);
    ASSERT_THAT(WriteLink(txn, store, LinkKind::kHead, ChainLink{2, {}}, other_key.view()), IsOk());
  });
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.problem, HasSubstr("head signature does not verify"));
  EXPECT_THAT(AuditLog::Open(TestOptions(dir_.path(), &clock_)),
              StatusIs(Code::kInternal, HasSubstr("kmsd audit verify")));
}

TEST_F(AuditChainTest, RemovedHeadFailsVerifyAndOpen) {
  WriteRecords(3);
  TamperWith(dir_.path(), [&](Txn& txn, const AuditStore& store) {
    ASSERT_THAT(txn.Delete(store.meta(), "head"), IsOk());
  });
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.problem, "the log has records but no signed head");
  EXPECT_THAT(AuditLog::Open(TestOptions(dir_.path(), &clock_)),
              StatusIs(Code::kInternal, HasSubstr("beyond the signed head")));
}

TEST_F(AuditChainTest, DetectsRemovedIndexEntry) {
  WriteRecords(3);
  TamperWith(dir_.path(), [&](Txn& txn, const AuditStore& store) {
    KMS_ASSERT_OK_AND_ASSIGN(StoredRecord record,
                             DecodeStoredRecord(**txn.Get(store.records(), EncodeUint64(2))));
    const std::string key =
        IndexKey(TestScope(), LookupAttributeKey::kEventName, "Op2", store.max_key_size());
    ASSERT_THAT(
        txn.Delete(store.index(), key, EncodePosition({IndexTime(record.entry.event_time), 2})),
        IsOk());
  });
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.problem, "record 2 is missing from the index list EventName=Op2");
}

TEST_F(AuditChainTest, PruneByCountKeepsNewestAndVerifies) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.retention.max_records = 3;
  options.prune_every_commits = 1000000;  // only the explicit Prune below
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log, AuditLog::Open(options));
  std::vector<std::string> ids;
  for (int i = 1; i <= 5; ++i) {
    AuditEntry entry = MakeEntry("Op" + std::to_string(i), kT0 + i * 1000);
    ids.push_back(entry.event_id);
    ASSERT_THAT(AppendAndWait(*log, std::move(entry)), IsOk());
  }
  ASSERT_THAT(log->Prune(kT0), IsOk());

  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult all,
                           log->LookupEvents(TestScope(), LookupEventsQuery(), kT0));
  ASSERT_EQ(all.events.size(), 3u);
  EXPECT_EQ(all.events.back().event_name, "Op3");
  LookupEventsQuery by_id;
  by_id.attribute = LookupAttribute{LookupAttributeKey::kEventId, ids[0]};
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult pruned, log->LookupEvents(TestScope(), by_id, kT0));
  EXPECT_TRUE(pruned.events.empty());

  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.checkpoint_sequence, 2u);
  EXPECT_EQ(report.first_sequence, 3u);
  EXPECT_EQ(report.records_checked, 3u);

  ASSERT_THAT(AppendAndWait(*log, MakeEntry("Op6", kT0 + 6000)), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
}

TEST_F(AuditChainTest, PruneByAgeUsesEventTime) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.retention.max_age_days = 30;
  options.prune_every_commits = 1000000;
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log, AuditLog::Open(options));
  ASSERT_THAT(AppendAndWait(*log, MakeEntry("Old1", kT0 - 40 * kDay)), IsOk());
  ASSERT_THAT(AppendAndWait(*log, MakeEntry("Old2", kT0 - 31 * kDay)), IsOk());
  ASSERT_THAT(AppendAndWait(*log, MakeEntry("New", kT0 - 29 * kDay)), IsOk());
  ASSERT_THAT(log->Prune(kT0), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult all,
                           log->LookupEvents(TestScope(), LookupEventsQuery(), kT0));
  ASSERT_EQ(all.events.size(), 1u);
  EXPECT_EQ(all.events[0].event_name, "New");
  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
}

TEST_F(AuditChainTest, PruneByBytes) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.prune_every_commits = 1000000;
  options.retention.max_bytes = 1;  // less than one record: keep nothing
  KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log, AuditLog::Open(options));
  for (int i = 0; i < 4; ++i) {
    ASSERT_THAT(AppendAndWait(*log, MakeEntry("Op", kT0 + i)), IsOk());
  }
  ASSERT_THAT(log->Prune(kT0), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsResult all,
                           log->LookupEvents(TestScope(), LookupEventsQuery(), kT0));
  EXPECT_TRUE(all.events.empty());
  // Everything pruned: the checkpoint is the head, and the chain continues.
  KMS_ASSERT_OK_AND_ASSIGN(VerifyReport report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.checkpoint_sequence, 4u);
  ASSERT_THAT(AppendAndWait(*log, MakeEntry("After", kT0 + 10)), IsOk());
  KMS_ASSERT_OK_AND_ASSIGN(report, log->Verify());
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.first_sequence, 5u);
}

TEST_F(AuditChainTest, WriterAppliesRetentionPeriodically) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.retention.max_records = 2;
  options.prune_every_commits = 1;
  WriteRecords(5, options);  // closing joins the writer, after its last prune
  EXPECT_EQ(CountEvents(), 2u);
  const VerifyReport report = VerifyClosedLog();
  EXPECT_TRUE(report.ok) << report.ToString();
  EXPECT_EQ(report.checkpoint_sequence, 3u);
}

TEST_F(AuditChainTest, WriterAppliesRetentionAtStart) {
  WriteRecords(4);
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.retention.max_age_days = 1;
  clock_.Set(kT0 + 2 * kDay);
  { KMS_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log, AuditLog::Open(options)); }
  EXPECT_EQ(CountEvents(), 0u);
  EXPECT_TRUE(VerifyClosedLog().ok);
}

TEST_F(AuditChainTest, DetectsRemovedCheckpoint) {
  AuditOptions options = TestOptions(dir_.path(), &clock_);
  options.retention.max_records = 2;
  options.prune_every_commits = 1;
  WriteRecords(4, options);
  TamperWith(dir_.path(), [&](Txn& txn, const AuditStore& store) {
    ASSERT_THAT(txn.Delete(store.meta(), "checkpoint"), IsOk());
  });
  const VerifyReport report = VerifyClosedLog();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.break_sequence, 1u);
  EXPECT_EQ(report.problem, "records 1 to 2 are missing");
}

TEST(IndexKeyTest, NeverExceedsTheKeySizeWhateverTheScopeOrValue) {
  constexpr size_t kMax = 511;
  const LookupScope scope = TestScope();
  EXPECT_EQ(IndexKey(scope, LookupAttributeKey::kEventName, "Encrypt", kMax).size(),
            scope.account_id.size() + scope.region.size() + 4 + 7);
  const std::string long_value(5000, 'v');
  EXPECT_LE(IndexKey(scope, LookupAttributeKey::kUsername, long_value, kMax).size(), kMax);
  EXPECT_NE(IndexKey(scope, LookupAttributeKey::kUsername, long_value, kMax),
            IndexKey(scope, LookupAttributeKey::kUsername, long_value + "w", kMax));
  const LookupScope long_scope{scope.account_id, std::string(600, 'r')};
  const std::string key = IndexKey(long_scope, LookupAttributeKey::kUsername, "alice", kMax);
  EXPECT_LE(key.size(), kMax);
  EXPECT_EQ(key, IndexKey(long_scope, LookupAttributeKey::kUsername, "alice", kMax));
  EXPECT_NE(key, IndexKey(long_scope, LookupAttributeKey::kUsername, "bob", kMax));
}

}  // namespace
}  // namespace kms::audit

namespace kms::audit {
namespace {

// Every kind of call, as the API layer describes it: a user's, an assumed
// role's through a service, a failed one with a long User-Agent and text
// that is not UTF-8, one over TLS, a service event, one naming two keys.
std::vector<CloudTrailEvent> EveryKindOfEvent() {
  std::vector<CloudTrailEvent> events;
  events.push_back(testing::SampleEvent());
  CloudTrailEvent role = testing::SampleEvent();
  role.principal = testing::TestRole();
  role.session_creation_time = testing::kT0 - 60000;
  role.invoked_by = "rds.amazonaws.com";
  events.push_back(role);
  CloudTrailEvent failed = testing::SampleEvent();
  failed.read_only = false;
  failed.user_agent = std::string(kMaxRecordedText - 1, 'a') + "\xC3\xA9tail";
  failed.error_code = "AccessDeniedException";
  failed.error_message = "caf\xC3\xA9 \xFF " + std::string(3000, 'm');
  failed.response_elements = R"({"a":[1,2.5,true,null]})";
  failed.additional_event_data = R"({"keyMaterialId":"x"})";
  failed.resource_arns.clear();
  events.push_back(failed);
  CloudTrailEvent tls = testing::SampleEvent();
  tls.principal = testing::TestRoot();
  tls.tls_details = TlsDetails{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "kms.us-east-1.amazonaws.com"};
  events.push_back(tls);
  CloudTrailEvent sweep;
  sweep.service_event = true;
  sweep.event_name = "DeleteKey";
  sweep.region = testing::kRegion;
  sweep.event_time = testing::kT0;
  sweep.event_id = NewUuid();
  sweep.recipient_account_id = testing::kAccount;
  sweep.resource_arns = {testing::KeyArn("k1")};
  events.push_back(sweep);
  CloudTrailEvent two_keys = testing::SampleEvent();
  two_keys.principal = testing::TestService();
  two_keys.resource_arns.push_back(testing::KeyArn("k2"));
  events.push_back(two_keys);
  return events;
}

// kmsd stores a call's event in its compact form (format 3), compressed
// with the fixed dictionary, and renders the CloudTrail JSON when the record
// is read: the same JSON, and the same lookup attributes, as rendering it
// when the call was made.
TEST(StoredRecordTest, CompactRecordsRenderTheJsonOfTheCall) {
  for (const CloudTrailEvent& event : EveryKindOfEvent()) {
    SCOPED_TRACE(event.event_name + " " + event.user_agent.substr(0, 20));
    KMS_ASSERT_OK_AND_ASSIGN(const AuditEntry entry, MakeAuditEntry(event));
    crypto::Sha256Digest previous{};
    previous[0] = 7;
    const std::string bytes = EncodeStoredRecord(42, previous, entry);
    EXPECT_EQ(bytes[0], 3);
    KMS_ASSERT_OK_AND_ASSIGN(StoredRecord decoded, DecodeStoredRecord(bytes));
    EXPECT_EQ(decoded.sequence, 42u);
    EXPECT_EQ(decoded.previous_hash, previous);
    const AuditEntry expected = testing::JsonEntryOf(event);
    EXPECT_EQ(decoded.entry.record_json, expected.record_json);
    decoded.entry.record_json.clear();
    decoded.entry.compact_event.clear();
    EXPECT_EQ(decoded.entry, LookupAttributesOf(event));
    // Readers that need only the attributes get no JSON.
    KMS_ASSERT_OK_AND_ASSIGN(StoredRecord attributes,
                             DecodeStoredRecord(bytes, RecordJson::kNotNeeded));
    EXPECT_EQ(attributes.entry, entry);
  }
}

// What a GenerateDataKey record costs on disk before its index entries.
TEST(StoredRecordTest, ACompactRecordIsSmallerThanItsJsonCompressed) {
  const CloudTrailEvent event = testing::SampleEvent();
  KMS_ASSERT_OK_AND_ASSIGN(const AuditEntry entry, MakeAuditEntry(event));
  const std::string compact = EncodeStoredRecord(1, {}, entry);
  const std::string json = EncodeStoredRecord(1, {}, testing::JsonEntryOf(event));
  EXPECT_EQ(json[0], 2);
  EXPECT_LT(compact.size(), json.size());
}

// Records of format 2 hold the CloudTrail JSON compressed with the same
// dictionary; those of format 1 hold it plain. Both are still read.
TEST(StoredRecordTest, RecordsOfFormatTwoAreStillRead) {
  const AuditEntry entry =
      testing::JsonEntryOf(testing::MakeEvent("GenerateDataKey", testing::kT0));
  crypto::Sha256Digest previous{};
  previous[0] = 7;
  const std::string bytes = EncodeStoredRecord(42, previous, entry);
  EXPECT_EQ(bytes[0], 2);
  EXPECT_LT(bytes.size(), entry.record_json.size());  // header and all
  KMS_ASSERT_OK_AND_ASSIGN(StoredRecord decoded, DecodeStoredRecord(bytes));
  EXPECT_EQ(decoded.sequence, 42u);
  EXPECT_EQ(decoded.previous_hash, previous);
  EXPECT_EQ(decoded.entry, entry);
}

TEST(StoredRecordTest, PlainRecordsOfFormatOneAreStillRead) {
  const AuditEntry entry = testing::JsonEntryOf(testing::MakeEvent("Decrypt", testing::kT0));
  const std::string compressed = EncodeStoredRecord(1, {}, entry);
  // Format 1: the same fixed fields, then the body as it is.
  std::string plain = "\1" + compressed.substr(1, 49);
  const auto append_string = [&plain](std::string_view value) {
    const auto size = static_cast<uint32_t>(value.size());
    for (int shift = 24; shift >= 0; shift -= 8) plain.push_back(static_cast<char>(size >> shift));
    plain.append(value);
  };
  for (const std::string* s :
       {&entry.event_id, &entry.event_name, &entry.event_source, &entry.username,
        &entry.access_key_id, &entry.account_id, &entry.region}) {
    append_string(*s);
  }
  plain.append(std::string(3, '\0')).push_back(static_cast<char>(entry.resources.size()));
  for (const AuditResource& r : entry.resources) {
    append_string(r.type);
    append_string(r.name);
  }
  append_string(entry.record_json);
  KMS_ASSERT_OK_AND_ASSIGN(StoredRecord decoded, DecodeStoredRecord(plain));
  EXPECT_EQ(decoded.entry, entry);
  EXPECT_EQ(decoded.sequence, 1u);
}

TEST(StoredRecordTest, CorruptCompressedRecordsAreMalformed) {
  const CloudTrailEvent event = testing::MakeEvent("Encrypt", testing::kT0);
  for (const AuditEntry& entry : {testing::EntryOf(event), testing::JsonEntryOf(event)}) {
    std::string bytes = EncodeStoredRecord(1, {}, entry);
    bytes[bytes.size() - 3] ^= 0x55;
    EXPECT_THAT(DecodeStoredRecord(bytes),
                StatusIs(Code::kInternal, "audit log: malformed record"));
  }
}

// A compact event that does not read back whole, or whose JSON fragments do
// not render, is a malformed record; so is an unknown principal type.
TEST(StoredRecordTest, CompactEventsThatDoNotReadBackAreMalformed) {
  const AuditEntry entry = testing::MakeEntry("Encrypt", testing::kT0);
  const auto stored_with = [&](std::string compact) {
    AuditEntry changed = entry;
    changed.compact_event = std::move(compact);
    return EncodeStoredRecord(1, {}, changed);
  };
  std::string bad_fragment = entry.compact_event;
  const size_t at = bad_fragment.find(R"("keyId")");
  ASSERT_NE(at, std::string::npos);
  bad_fragment[at] = '[';
  std::string bad_type = entry.compact_event;
  bad_type[1] = 9;
  for (const std::string& compact :
       {entry.compact_event + "x", entry.compact_event.substr(0, entry.compact_event.size() - 1),
        bad_fragment, bad_type}) {
    EXPECT_THAT(DecodeStoredRecord(stored_with(compact)),
                StatusIs(Code::kInternal, "audit log: malformed record"));
  }
  // Only its JSON fails to render: the attributes still read.
  EXPECT_TRUE(DecodeStoredRecord(stored_with(bad_fragment), RecordJson::kNotNeeded).has_value());
}

}  // namespace
}  // namespace kms::audit
