#include "audit_verify.h"

#include <optional>
#include <sstream>
#include <string>

#include "audit_chain.h"
#include "audit_index.h"
#include "audit_record.h"

namespace kms::audit {
namespace {

// The walk's state: what the next record must look like.
struct Walk {
  uint64_t expected_sequence = 1;
  crypto::Sha256Digest expected_hash{};
};

// Where the chain breaks and why.
struct Break {
  uint64_t sequence = 0;
  std::string problem;
};

VerifyReport Broken(VerifyReport report, Break at) {
  report.ok = false;
  report.break_sequence = at.sequence;
  report.problem = std::move(at.problem);
  return report;
}

std::string Seq(uint64_t sequence) { return "record " + std::to_string(sequence); }

// Checks one stored record against the walk.
StatusOr<std::optional<Break>> CheckRecord(const Txn& txn, const AuditStore& store,
                                           uint64_t sequence, std::string_view bytes,
                                           const Walk& walk) {
  using Result = std::optional<Break>;
  const uint64_t expected = walk.expected_sequence;
  if (sequence < expected) return Result({sequence, Seq(sequence) + " is out of order"});
  if (sequence == expected + 1) return Result({expected, Seq(expected) + " is missing"});
  if (sequence > expected) {
    return Result({expected, "records " + std::to_string(expected) + " to " +
                                 std::to_string(sequence - 1) + " are missing"});
  }
  StatusOr<StoredRecord> record = DecodeStoredRecord(bytes, RecordJson::kNotNeeded);
  if (!record) return Result({sequence, Seq(sequence) + " is malformed"});
  if (record->sequence != sequence) {
    return Result({sequence, Seq(sequence) + " claims to be " + Seq(record->sequence)});
  }
  if (record->previous_hash != walk.expected_hash) {
    const std::string previous =
        expected == 1 ? std::string("the start of the log") : Seq(expected - 1);
    return Result({sequence, Seq(sequence) + " does not carry the hash of " + previous +
                                 " (one of the two was modified)"});
  }
  KMS_ASSIGN_OR_RETURN(std::optional<std::string> missing,
                       FindMissingIndexEntry(txn, store, record->entry, sequence));
  if (missing) {
    return Result({sequence, Seq(sequence) + " is missing from the index list " + *missing});
  }
  return Result();
}

// The walk's end must be the signed head.
std::optional<Break> CheckHead(const std::optional<ChainLink>& head, const Walk& walk) {
  const uint64_t last = walk.expected_sequence - 1;
  if (!head) {
    if (last == 0) return std::nullopt;
    return Break{last, "the log has records but no signed head"};
  }
  if (head->sequence > last) {
    return Break{last + 1, "records " + std::to_string(last + 1) + " to " +
                               std::to_string(head->sequence) + " (the newest) are missing"};
  }
  if (head->sequence < last) {
    return Break{head->sequence + 1, "records after the signed head " + Seq(head->sequence)};
  }
  if (head->hash != walk.expected_hash) {
    return Break{last, Seq(last) + " does not match the hash in the signed head (it was modified)"};
  }
  return std::nullopt;
}

}  // namespace

StatusOr<VerifyReport> VerifyChain(const AuditStore& store, ByteView key) {
  VerifyReport report;
  KMS_ASSIGN_OR_RETURN(Txn txn, store.BeginRead());
  StatusOr<std::optional<ChainLink>> checkpoint = ReadLink(txn, store, LinkKind::kCheckpoint, key);
  if (!checkpoint) return Broken(report, {0, checkpoint.error().message()});
  StatusOr<std::optional<ChainLink>> head = ReadLink(txn, store, LinkKind::kHead, key);
  if (!head) return Broken(report, {0, head.error().message()});

  Walk walk;
  if (*checkpoint) {
    report.checkpoint_sequence = (*checkpoint)->sequence;
    walk = {(*checkpoint)->sequence + 1, (*checkpoint)->hash};
  }
  KMS_ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, store.records()));
  MDB_val k;
  MDB_val v;
  int rc = cursor.Get(&k, &v, MDB_FIRST);
  for (; rc == 0; rc = cursor.Get(&k, &v, MDB_NEXT)) {
    const std::optional<uint64_t> sequence = DecodeUint64(FromVal(k));
    if (!sequence) return Broken(report, {0, "a record is stored under a malformed key"});
    if (report.first_sequence == 0) report.first_sequence = *sequence;
    KMS_ASSIGN_OR_RETURN(std::optional<Break> at,
                         CheckRecord(txn, store, *sequence, FromVal(v), walk));
    if (at) return Broken(report, std::move(*at));
    walk = {*sequence + 1, RecordHash(FromVal(v))};
    report.last_sequence = *sequence;
    ++report.records_checked;
  }
  if (rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "record scan");
  if (std::optional<Break> at = CheckHead(*head, walk)) return Broken(report, std::move(*at));
  return report;
}

std::string VerifyReport::ToString() const {
  std::ostringstream out;
  out << "audit chain: " << (ok ? "OK" : "BROKEN") << "\n";
  out << "records checked: " << records_checked << "\n";
  if (records_checked > 0) out << "sequence: " << first_sequence << " to " << last_sequence << "\n";
  if (checkpoint_sequence > 0) out << "pruned through: " << checkpoint_sequence << "\n";
  if (!ok) out << "first break at record " << break_sequence << ": " << problem << "\n";
  if (journal_records > 0) {
    out << "journaled, not yet in the chain: " << journal_records
        << " records (kmsd moves them in when it runs)\n";
  }
  return out.str();
}

}  // namespace kms::audit
