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

#include "audit_store.h"
#include "kms/server/audit/audit_log.h"
#include "kms/server/metrics/metrics.h"
#include "lookup_token.h"

namespace kms::audit {

// Appends go to a bounded queue; one writer thread takes up to max_batch of
// them at a time, stores them in one LMDB write transaction (extending the
// hash chain from the signed head it reads there, and re-signing the head),
// commits with a full sync, then runs their callbacks. Lookups, Verify and export use read
// transactions and run concurrently with the writer.
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

  LmdbAuditLog(const AuditOptions& options, bool read_only, std::unique_ptr<AuditStore> store);

  void WriterLoop();
  // Waits for appends (for at most a second); takes up to max_batch of them.
  // Empty when stopping with nothing queued, or when the wait ended with
  // nothing queued.
  std::vector<Pending> NextBatch();
  // Commits the batch in one transaction; when that fails, commits its
  // records one by one, so that a record that cannot be stored (or does not
  // fit) fails alone.
  void StoreBatch(std::vector<Pending>& batch);
  Status CommitBatch(std::span<const Pending> batch);
  // Appends `entries` to the chain in `txn` (records, index entries, the
  // re-signed head, the stored-bytes count).
  Status ExtendChain(Txn& txn, std::span<const AuditEntry* const> entries);
  void FinishBatch(std::span<Pending> batch, const Status& status);
  // Sets full_ from the store's usage (or from a commit that found it full).
  void UpdateRoom(const Status& last_commit);
  // Logs, once, that the store is 75 % full: before calls are refused.
  void WarnWhenNearlyFull(const lmdb::Env::Usage& usage);
  // Applies the retention policy when it is due (every prune_every_commits
  // commits, and when `force`).
  void PruneIfDue(bool force);

  const bool read_only_;
  const size_t max_batch_;
  const size_t max_queue_;
  const RetentionPolicy retention_;
  const uint64_t prune_every_commits_;
  const int lookup_window_days_;
  const Clock& clock_;
  const SecretBytes key_;
  const std::unique_ptr<AuditStore> store_;
  const NextTokenCodec tokens_;

  uint64_t commits_since_prune_ = 0;        // touched by the writer thread only
  std::atomic<bool> full_{false};           // written by the writer thread only
  std::atomic<uint64_t> used_bytes_{0};     // written by the writer thread only
  std::atomic<uint64_t> map_bytes_{0};      // written by the writer thread only
  std::atomic<uint64_t> ceiling_bytes_{0};  // written by the writer thread only; 0: not measured
  bool warned_ = false;                     // touched by the writer thread only

  metrics::Histogram batch_sizes_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}};
  metrics::Histogram commit_seconds_{metrics::LatencyBuckets()};

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // the writer waits for appends
  std::condition_variable done_cv_;  // Flush waits for commits
  std::deque<Pending> queue_;        // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  uint64_t accepted_ = 0;            // guarded by mu_: appends queued
  uint64_t completed_ = 0;           // guarded by mu_: callbacks run
  Status flush_error_;               // guarded by mu_
  std::thread writer_;
};

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_LMDB_AUDIT_LOG_H_
