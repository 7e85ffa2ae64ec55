// The LMDB-backed AuditLog. Internal to server/audit; callers use
// AuditLog::Open.
#ifndef KMS_SERVER_AUDIT_LMDB_AUDIT_LOG_H_
#define KMS_SERVER_AUDIT_LMDB_AUDIT_LOG_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "audit_journal.h"
#include "audit_record.h"
#include "audit_store.h"
#include "kms/server/audit/audit_log.h"
#include "kms/server/metrics/metrics.h"
#include "lookup_token.h"

namespace kms::audit {

// Appends go to a bounded queue. The writer thread takes up to max_batch of
// them at a time, writes them to the journal with one fdatasync (durable),
// then runs their callbacks. The applier thread moves journaled records into
// LMDB in larger transactions: the hash chain (extended from the signed head
// it reads there, which it re-signs), the lookup indexes and the journal
// position they reach, committed together. A change's own records
// (AppendInTransaction) first take the journaled records not yet moved, so
// sequence order is journal order. Lookups, Verify and export wait until
// what was journaled before them is moved, then use read transactions
// concurrently with both threads. At start, the journal's frames past the
// stored position are moved in (what a crash left there).
class LmdbAuditLog final : public AuditLog {
 public:
  // As AuditLog::Open, but `read_only` overrides options.read_only.
  static StatusOr<std::unique_ptr<AuditLog>> Open(const AuditOptions& options, bool read_only);
  ~LmdbAuditLog() override;

  void Append(AuditEntry entry, DurableCallback on_durable) override;
  Status AppendInTransaction(lmdb::Txn& txn, std::span<const AuditEntry> entries) override;
  Status CheckWritable() const override;
  std::optional<Room> LastRoom() const override;
  void AddMetrics(metrics::Registry& registry) const override;
  Status Flush() override;
  StatusOr<LookupEventsResult> LookupEvents(const LookupScope& scope,
                                            const LookupEventsQuery& query,
                                            EpochMillis now) const override;
  StatusOr<VerifyReport> Verify() const override;
  Status Prune(EpochMillis now) override;
  StatusOr<uint64_t> ReadRecords(uint64_t after, size_t max,
                                 const RecordVisitor& visit) const override;
  StatusOr<uint64_t> LastSequence() const override;
  StatusOr<ExportReport> ExportCloudTrailFiles(const ExportOptions& options) const override;

 private:
  struct Pending {
    AuditEntry entry;
    DurableCallback on_durable;
  };
  // Journaled records, waiting to be moved into LMDB.
  struct Journaled {
    uint64_t end = 0;  // the journal position after them
    std::vector<AuditEntry> entries;
    std::vector<std::string> records;  // their stored bytes, chain fields not yet set
  };
  // A record as ExtendChain takes it.
  struct Unplaced {
    const AuditEntry* entry = nullptr;
    std::string_view record;  // EncodeStoredRecord bytes without its place in the chain
  };

  LmdbAuditLog(const AuditOptions& options, bool read_only, std::unique_ptr<AuditStore> store,
               std::unique_ptr<AuditJournal> journal);

  // Queues the journal's frames past the stored position, then moves them in.
  Status RecoverJournal();

  void WriterLoop();
  // Waits for appends (for at most a second); takes up to max_batch of them.
  // Empty when stopping with nothing queued, or when the wait ended with
  // nothing queued.
  std::vector<Pending> NextBatch();
  // Journals the batch; when that fails, each record alone, so that a record
  // that cannot be written fails alone.
  void StoreBatch(std::vector<Pending>& batch);
  Status JournalBatch(std::span<Pending> batch);
  // Until the journal has room up to `end`; kStoreFull when it does not get it.
  Status WaitForJournalRoom(uint64_t end);
  // Queues a written frame for the applier; the journal continues after it.
  // True when the applier waits for it.
  bool QueueJournaled(std::shared_ptr<const Journaled> frame);
  void FinishBatch(std::span<Pending> batch, const Status& status);

  void ApplierLoop();
  // Moves the queued journal records into LMDB in one transaction.
  Status ApplyQueued();
  // Appends the queued journal records past the position stored in `txn` to
  // the chain there, whole batches up to about `max_bytes`; returns the
  // position they reach.
  StatusOr<uint64_t> ApplyJournaled(Txn& txn, size_t max_bytes);
  // Appends `records` to the chain in `txn` (records, index entries, the
  // re-signed head, the stored-bytes count).
  Status ExtendChain(Txn& txn, std::span<const Unplaced> records);
  // Until what was journaled before the call is in LMDB (or 5 s passed).
  void WaitApplied() const;
  // Read-only: the records in the journal past the position stored in
  // `txn`, numbered on from its head, as kmsd will store them.
  StatusOr<std::vector<StoredRecord>> ReadUnapplied(const Txn& txn) const;
  // Sets full_ from the store's usage (or from a commit that found it full).
  void UpdateRoom(const Status& last_commit);
  // Logs, once, that the store is 75 % full: before calls are refused.
  void WarnWhenNearlyFull(const lmdb::Env::Usage& usage);
  // Applies the retention policy when it is due (every prune_every_commits
  // commits, and when `force`).
  void PruneIfDue(bool force);
  // While the store is full: prunes now, in small steps, and makes the room
  // each frees usable.
  void FreeRoom();
  // LMDB reuses the pages a transaction frees from the second transaction
  // after it on: one more (changing nothing) makes the room pruning freed
  // usable by the next.
  Status ReleaseFreedPages();

  const bool read_only_;
  const size_t max_batch_;
  const size_t max_queue_;
  const RetentionPolicy retention_;
  const uint64_t prune_every_commits_;
  const int lookup_window_days_;
  const Clock& clock_;
  const SecretBytes key_;
  const std::unique_ptr<AuditStore> store_;
  const std::unique_ptr<AuditJournal> journal_;
  const NextTokenCodec tokens_;

  uint64_t commits_since_prune_ = 0;        // touched by the applier thread only
  std::atomic<bool> full_{false};           // written by the applier thread only
  std::atomic<uint64_t> used_bytes_{0};     // written by the applier thread only
  std::atomic<uint64_t> map_bytes_{0};      // written by the applier thread only
  std::atomic<uint64_t> ceiling_bytes_{0};  // written by the applier thread only; 0: not measured
  bool warned_ = false;                     // touched by the applier thread only

  metrics::Histogram batch_sizes_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}};
  metrics::Histogram commit_seconds_{metrics::LatencyBuckets()};
  metrics::Histogram apply_sizes_{{16, 64, 256, 1024, 4096, 16384, 65536}};

  mutable std::mutex mu_;
  std::condition_variable work_cv_;             // the writer waits for appends
  std::condition_variable done_cv_;             // Flush waits for callbacks
  mutable std::condition_variable apply_cv_;    // the applier waits for journaled records
  mutable std::condition_variable applied_cv_;  // waits for records moved into LMDB
  std::deque<Pending> queue_;                   // guarded by mu_
  bool stopping_ = false;                       // guarded by mu_
  bool writer_done_ = false;                    // guarded by mu_
  uint64_t accepted_ = 0;                       // guarded by mu_: appends queued
  uint64_t completed_ = 0;                      // guarded by mu_: callbacks run
  size_t last_batch_size_ = 0;                  // guarded by mu_
  size_t gather_target_ = 0;                    // guarded by mu_: 0 unless the writer gathers
  Status flush_error_;                          // guarded by mu_
  std::deque<std::shared_ptr<const Journaled>> journaled_;  // guarded by mu_
  size_t journaled_records_ = 0;                            // guarded by mu_
  uint64_t journal_end_ = 0;       // guarded by mu_: where the next batch goes
  uint64_t applied_ = 0;           // guarded by mu_: journal position in LMDB
  Status apply_error_;             // guarded by mu_: the last move's outcome
  mutable int apply_waiters_ = 0;  // guarded by mu_
  std::thread writer_;
  std::thread applier_;
};

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_LMDB_AUDIT_LOG_H_
