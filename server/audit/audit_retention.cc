#include "audit_retention.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "audit_chain.h"
#include "audit_index.h"
#include "audit_record.h"

namespace kms::audit {
namespace {

// What is stored, as retention counts it.
struct Usage {
  uint64_t records = 0;
  uint64_t bytes = 0;
};

bool RuledOut(const RetentionPolicy& policy, EpochMillis cutoff, const Usage& usage,
              const AuditEntry& oldest) {
  return (policy.max_age_days > 0 && oldest.event_time < cutoff) ||
         (policy.max_records > 0 && usage.records > policy.max_records) ||
         (policy.max_bytes > 0 && usage.bytes > policy.max_bytes);
}

StatusOr<Usage> ReadUsage(const Txn& txn, const AuditStore& store) {
  MDB_stat stat;
  const int rc = mdb_stat(txn.get(), store.records(), &stat);
  if (rc != 0) return lmdb::ErrorFor(rc, "stat");
  KMS_ASSIGN_OR_RETURN(uint64_t bytes, ReadStoredBytes(txn, store));
  return Usage{stat.ms_entries, bytes};
}

// Deletes from the front of the records database; the checkpoint to write,
// or nullopt when nothing was deleted.
StatusOr<std::optional<ChainLink>> DeleteOldest(Txn& txn, const AuditStore& store,
                                                const RetentionPolicy& policy, EpochMillis now,
                                                size_t limit, Usage& usage) {
  const EpochMillis cutoff = policy.max_age_days > 0 ? now - policy.max_age_days * kMillisPerDay
                                                     : std::numeric_limits<EpochMillis>::min();
  std::optional<ChainLink> checkpoint;
  KMS_ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, store.records()));
  MDB_val k;
  MDB_val v;
  int rc = cursor.Get(&k, &v, MDB_FIRST);
  for (size_t deleted = 0; rc == 0 && deleted < limit; ++deleted) {
    const std::string_view bytes = FromVal(v);
    KMS_ASSIGN_OR_RETURN(StoredRecord record, DecodeStoredRecord(bytes, RecordJson::kNotNeeded));
    if (!RuledOut(policy, cutoff, usage, record.entry)) return checkpoint;
    KMS_RETURN_IF_ERROR(DeleteIndexEntries(txn, store, record.entry, record.sequence));
    checkpoint = ChainLink{record.sequence, RecordHash(bytes)};
    usage.records -= 1;
    usage.bytes -= std::min<uint64_t>(usage.bytes, bytes.size());
    rc = mdb_cursor_del(cursor.get(), 0);
    if (rc != 0) return lmdb::ErrorFor(rc, "delete");
    rc = cursor.Get(&k, &v, MDB_NEXT);
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "record scan");
  return checkpoint;
}

}  // namespace

bool HasRetentionLimit(const RetentionPolicy& policy) {
  return policy.max_age_days > 0 || policy.max_records > 0 || policy.max_bytes > 0;
}

StatusOr<size_t> PruneOldest(const AuditStore& store, const RetentionPolicy& policy,
                             EpochMillis now, size_t limit, ByteView key) {
  if (!HasRetentionLimit(policy) || limit == 0) return size_t{0};
  KMS_ASSIGN_OR_RETURN(Txn txn, store.BeginWrite());
  KMS_ASSIGN_OR_RETURN(Usage usage, ReadUsage(txn, store));
  const uint64_t records_before = usage.records;
  KMS_ASSIGN_OR_RETURN(std::optional<ChainLink> checkpoint,
                       DeleteOldest(txn, store, policy, now, limit, usage));
  if (!checkpoint) return size_t{0};
  KMS_RETURN_IF_ERROR(WriteLink(txn, store, LinkKind::kCheckpoint, *checkpoint, key));
  KMS_RETURN_IF_ERROR(WriteStoredBytes(txn, store, usage.bytes));
  KMS_RETURN_IF_ERROR(txn.Commit());
  return static_cast<size_t>(records_before - usage.records);
}

}  // namespace kms::audit
