#include "lmdb_audit_log.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <utility>

#include "audit_chain.h"
#include "audit_export.h"
#include "audit_index.h"
#include "audit_record.h"
#include "audit_retention.h"
#include "audit_verify.h"
#include "kms/server/log/log.h"
#include "lookup_events.h"

namespace kms::audit {
namespace {

// Records deleted per retention transaction, so that one run neither holds
// the writer for long nor overflows an LMDB transaction.
constexpr size_t kPruneBatch = 10000;
// Records deleted per transaction while the store is full: a nearly full
// map fails larger deletions (measured: 500 records at 91 % of 16 MiB).
constexpr size_t kFullPruneBatch = 50;
// The applier gathers journaled records for up to this long (unless someone
// waits for them, or kApplyBatch are queued): fewer, larger LMDB commits.
constexpr std::chrono::milliseconds kApplyDelay{20};
constexpr size_t kApplyBatch = 4096;
// The most record bytes the applier moves in one transaction (at least one
// batch): what a store with little room left can still take.
constexpr size_t kApplyBytes = size_t{1} << 20;
// How long a batch waits for room in the journal, and a lookup for the
// records journaled before it, while the applier cannot move records.
constexpr std::chrono::seconds kJournalRoomWait{10};
constexpr std::chrono::seconds kAppliedWait{5};
// Group commit: while calls come in concurrently (the last batch held more
// than one record), the writer waits up to kGatherWait for as many records as
// the last batch held (at most kGatherTarget) before it journals them. Each
// journal write costs a sync and a wake-up of the writer, so a batch of ~16
// instead of ~5 records saves ~5 us of CPU per call at 64 connections
// (docs/benchmarks.md). A lone caller's batches hold one record: it never
// waits. More than kGatherTarget, and the calls answered by one sync would
// leave the CPUs idle while they wait for the next.
constexpr std::chrono::microseconds kGatherWait{1000};
constexpr size_t kGatherTarget = 32;

Status ValidateOptions(const AuditOptions& options) {
  if (options.hmac_key.empty()) return Error(Code::kValidation, "audit log: hmac_key is required");
  if (options.max_batch == 0 || options.max_queue == 0) {
    return Error(Code::kValidation, "audit log: max_batch and max_queue must be positive");
  }
  return OkStatus();
}

// Where appends continue the chain. The head's signature must verify:
// appending after a forged head would sign the forgery.
StatusOr<ChainLink> ReadAppendPoint(const Txn& txn, const AuditStore& store, ByteView key) {
  StatusOr<ChainLink> end = ReadChainEnd(txn, store, key);
  if (!end) {
    return Error(Code::kInternal,
                 end.error().message() + "; refusing to append (run `kmsd audit verify`)");
  }
  return *end;
}

// Fails at start rather than at every append: the head must verify, and no
// record may be stored beyond it.
Status CheckAppendPoint(const AuditStore& store, ByteView key) {
  KMS_ASSIGN_OR_RETURN(Txn txn, store.BeginRead());
  KMS_ASSIGN_OR_RETURN(ChainLink head, ReadAppendPoint(txn, store, key));
  KMS_ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, store.records()));
  MDB_val k;
  MDB_val v;
  const int rc = cursor.Get(&k, &v, MDB_LAST);
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "record scan");
  if (rc == 0 && DecodeUint64(FromVal(k)).value_or(0) > head.sequence) {
    return Error(Code::kInternal,
                 "audit log: records stored beyond the signed head; refusing to append (run "
                 "`kmsd audit verify`)");
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<AuditLog>> LmdbAuditLog::Open(const AuditOptions& options,
                                                       bool read_only) {
  KMS_RETURN_IF_ERROR(ValidateOptions(options));
  std::unique_ptr<AuditStore> store;
  if (options.env != nullptr && !read_only) {
    KMS_ASSIGN_OR_RETURN(store, AuditStore::Attach(options.env));
  } else {
    KMS_ASSIGN_OR_RETURN(store, AuditStore::Open(options.directory, options.map_size, read_only));
  }
  {
    KMS_ASSIGN_OR_RETURN(Txn txn, read_only ? store->BeginRead() : store->BeginWrite());
    KMS_RETURN_IF_ERROR(CheckLogKey(txn, *store, options.hmac_key.view(), !read_only));
    if (!read_only) KMS_RETURN_IF_ERROR(txn.Commit());
  }
  if (!read_only) KMS_RETURN_IF_ERROR(CheckAppendPoint(*store, options.hmac_key.view()));
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<AuditJournal> journal,
                       AuditJournal::Open(store->directory() + "/audit-journal",
                                          options.hmac_key.view(), read_only));
  std::unique_ptr<LmdbAuditLog> log(
      new LmdbAuditLog(options, read_only, std::move(store), std::move(journal)));
  if (!read_only) {
    KMS_RETURN_IF_ERROR(log->RecoverJournal());
    log->writer_ = std::thread(&LmdbAuditLog::WriterLoop, log.get());
    log->applier_ = std::thread(&LmdbAuditLog::ApplierLoop, log.get());
  }
  return log;
}

LmdbAuditLog::LmdbAuditLog(const AuditOptions& options, bool read_only,
                           std::unique_ptr<AuditStore> store, std::unique_ptr<AuditJournal> journal)
    : read_only_(read_only),
      max_batch_(options.max_batch),
      max_queue_(options.max_queue),
      retention_(options.retention),
      prune_every_commits_(std::max<uint64_t>(options.prune_every_commits, 1)),
      lookup_window_days_(options.lookup_window_days),
      clock_(options.clock != nullptr ? *options.clock : SystemClock::Get()),
      key_(options.hmac_key.Clone()),
      store_(std::move(store)),
      journal_(std::move(journal)),
      tokens_(key_) {}

LmdbAuditLog::~LmdbAuditLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(mu_);
    writer_done_ = true;
  }
  apply_cv_.notify_all();
  if (applier_.joinable()) applier_.join();
}

Status LmdbAuditLog::RecoverJournal() {
  uint64_t applied = 0;
  {
    KMS_ASSIGN_OR_RETURN(Txn txn, store_->BeginRead());
    KMS_ASSIGN_OR_RETURN(applied, ReadJournalApplied(txn, *store_));
  }
  {
    std::lock_guard lock(mu_);
    applied_ = applied;
    journal_end_ = applied;
  }
  size_t recovered = 0;
  const auto queue = [&](std::vector<std::string> records, uint64_t end) -> Status {
    auto frame = std::make_shared<Journaled>();
    frame->end = end;
    frame->entries.reserve(records.size());
    for (const std::string& record : records) {
      KMS_ASSIGN_OR_RETURN(StoredRecord stored, DecodeStoredRecord(record, RecordJson::kNotNeeded));
      frame->entries.push_back(std::move(stored.entry));
    }
    frame->records = std::move(records);
    recovered += frame->records.size();
    QueueJournaled(std::move(frame));
    return OkStatus();
  };
  if (auto replayed = journal_->Replay(applied, queue); !replayed)
    return std::unexpected(replayed.error());
  if (recovered == 0) return OkStatus();
  log::Info("the audit journal held " + std::to_string(recovered) +
            " records not yet in the log (kmsd stopped without closing it); moving them in");
  // If that fails now (a full store), the applier keeps trying.
  const Status applied_now = ApplyQueued();
  if (!applied_now.ok()) log::Error("the audit journal's records: " + applied_now.ToString());
  return OkStatus();
}

void LmdbAuditLog::Append(AuditEntry entry, DurableCallback on_durable) {
  Status refused;
  DurableCallback answer_refusal;
  bool wake_writer = false;
  {
    std::lock_guard lock(mu_);
    if (read_only_) {
      refused = Status(Code::kInternal, "audit log: opened read-only");
    } else if (stopping_) {
      refused = Status(Code::kInternal, "audit log: closed");
    } else if (queue_.size() >= max_queue_) {
      refused = Status(Code::kThrottling, "Rate exceeded");
    }
    if (refused.ok()) {
      queue_.push_back({std::move(entry), std::move(on_durable)});
      ++accepted_;
      // The writer waits for the first record, or for its gathering target.
      wake_writer = queue_.size() == std::max<size_t>(gather_target_, 1);
    } else {
      answer_refusal = std::move(on_durable);
    }
  }
  // A refusal is answered outside the lock: the callback may append again.
  if (answer_refusal) return answer_refusal(std::move(refused));
  if (wake_writer) work_cv_.notify_one();
}

Status LmdbAuditLog::Flush() {
  {
    std::unique_lock lock(mu_);
    const uint64_t target = accepted_;
    done_cv_.wait(lock, [&] { return completed_ >= target; });
  }
  WaitApplied();
  std::lock_guard lock(mu_);
  if (flush_error_.ok() && applied_ < journal_end_) return apply_error_;
  return std::exchange(flush_error_, OkStatus());
}

void LmdbAuditLog::WaitApplied() const {
  std::unique_lock lock(mu_);
  const uint64_t target = journal_end_;
  if (applied_ >= target || read_only_) return;
  ++apply_waiters_;
  apply_cv_.notify_one();
  applied_cv_.wait_for(lock, kAppliedWait, [&] { return applied_ >= target; });
  --apply_waiters_;
}

Status LmdbAuditLog::CheckWritable() const {
  if (!full_.load(std::memory_order_relaxed)) return OkStatus();
  return Error(
      Code::kStoreFull,
      "The audit log is full: kmsd refuses calls until retention frees room (audit.max_age_days, "
      "audit.max_records) or a higher storage.max_map_size_mb is configured; see docs/limits.md");
}

std::optional<AuditLog::Room> LmdbAuditLog::LastRoom() const {
  const uint64_t ceiling = ceiling_bytes_.load(std::memory_order_relaxed);
  if (ceiling == 0) return std::nullopt;
  return Room{used_bytes_.load(std::memory_order_relaxed),
              map_bytes_.load(std::memory_order_relaxed), ceiling};
}

void LmdbAuditLog::AddMetrics(metrics::Registry& registry) const {
  registry.AddValue("kmsd_audit_queue_depth", "Records waiting for the audit log's group commit.",
                    [this] {
                      std::lock_guard lock(mu_);
                      return static_cast<double>(queue_.size());
                    });
  registry.AddHistogram("kmsd_audit_commit_batch_size",
                        "Records per group commit (one journal write and fdatasync).",
                        &batch_sizes_);
  registry.AddHistogram("kmsd_audit_commit_duration_seconds",
                        "Time of one group commit (journal write and fdatasync).",
                        &commit_seconds_);
  registry.AddHistogram("kmsd_audit_apply_batch_size",
                        "Journaled records moved into the log's LMDB store per transaction.",
                        &apply_sizes_);
  registry.AddValue("kmsd_audit_journal_records",
                    "Records durable in the audit journal, not yet moved into the LMDB store.",
                    [this] {
                      std::lock_guard lock(mu_);
                      return static_cast<double>(journaled_records_);
                    });
  registry.AddValue("kmsd_state_store_used_bytes",
                    "Bytes in use in the state store (keys and audit log; LMDB environment "
                    "data/state).",
                    [this] { return static_cast<double>(used_bytes_.load()); });
  registry.AddValue("kmsd_state_store_map_bytes",
                    "The state store's LMDB map size now (it doubles as it fills).",
                    [this] { return static_cast<double>(map_bytes_.load()); });
  registry.AddValue("kmsd_state_store_ceiling_bytes",
                    "What the state store's LMDB map may grow to (storage.max_map_size_mb).",
                    [this] { return static_cast<double>(ceiling_bytes_.load()); });
}

void LmdbAuditLog::WriterLoop() {
  pthread_setname_np(pthread_self(), "kmsd-audit");
  for (;;) {
    std::vector<Pending> batch = NextBatch();
    if (!batch.empty()) {
      StoreBatch(batch);
      continue;
    }
    std::lock_guard lock(mu_);
    if (stopping_ && queue_.empty()) return;
  }
}

void LmdbAuditLog::StoreBatch(std::vector<Pending>& batch) {
  const auto start = std::chrono::steady_clock::now();
  const Status status = JournalBatch(batch);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  batch_sizes_.Observe(static_cast<double>(batch.size()));
  commit_seconds_.Observe(took.count());
  if (!status.ok()) {
    log::Error("the audit log could not store " + std::to_string(batch.size()) +
               " records (their calls fail): " + status.ToString());
  }
  if (status.ok() || batch.size() == 1) return FinishBatch(batch, status);
  for (Pending& pending : batch) {
    std::span<Pending> one(&pending, 1);
    FinishBatch(one, JournalBatch(one));
  }
}

Status LmdbAuditLog::JournalBatch(std::span<Pending> batch) {
  auto frame = std::make_shared<Journaled>();
  frame->records.reserve(batch.size());
  for (const Pending& pending : batch)
    frame->records.push_back(EncodeStoredRecord(0, crypto::Sha256Digest{}, pending.entry));
  uint64_t position = 0;
  {
    std::lock_guard lock(mu_);
    position = journal_end_;  // only this thread moves it
  }
  KMS_RETURN_IF_ERROR(WaitForJournalRoom(journal_->EndOf(position, frame->records)));
  KMS_ASSIGN_OR_RETURN(frame->end, journal_->Write(position, frame->records));
  frame->entries.reserve(batch.size());
  for (Pending& pending : batch) frame->entries.push_back(std::move(pending.entry));
  if (QueueJournaled(std::move(frame))) apply_cv_.notify_one();
  return OkStatus();
}

bool LmdbAuditLog::QueueJournaled(std::shared_ptr<const Journaled> frame) {
  std::lock_guard lock(mu_);
  const size_t before = journaled_records_;
  journal_end_ = frame->end;
  journaled_records_ += frame->records.size();
  journaled_.push_back(std::move(frame));
  // The applier waits for a first frame, then for kApplyBatch records (or
  // for kApplyDelay): waking it for every frame would only put it back to
  // sleep.
  return journaled_.size() == 1 || (before < kApplyBatch && journaled_records_ >= kApplyBatch);
}

Status LmdbAuditLog::WaitForJournalRoom(uint64_t end) {
  std::unique_lock lock(mu_);
  const auto has_room = [&] { return end - applied_ <= journal_->size(); };
  if (has_room()) return OkStatus();
  ++apply_waiters_;
  apply_cv_.notify_one();
  const bool room = applied_cv_.wait_for(lock, kJournalRoomWait, has_room);
  --apply_waiters_;
  if (room) return OkStatus();
  return Error(Code::kStoreFull,
               "the audit journal is full: its records cannot be moved into the log (" +
                   apply_error_.ToString() + ")");
}

void LmdbAuditLog::ApplierLoop() {
  pthread_setname_np(pthread_self(), "kmsd-audit-lmdb");
  PruneIfDue(/*force=*/true);
  UpdateRoom(OkStatus());
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      apply_cv_.wait_for(lock, std::chrono::seconds(1),
                         [this] { return !journaled_.empty() || writer_done_; });
      stopping = writer_done_;
      if (journaled_.empty() && stopping) return;
      if (!journaled_.empty() && !stopping) {
        // Gather more, unless someone waits for them.
        apply_cv_.wait_for(lock, kApplyDelay, [this] {
          return apply_waiters_ > 0 || writer_done_ || journaled_records_ >= kApplyBatch;
        });
      }
    }
    const bool idle = [&] {
      std::lock_guard lock(mu_);
      return journaled_.empty();
    }();
    if (idle) {
      // A second without appends. The store may still be filling, with the
      // changes recorded in their own transactions: look at the room left,
      // and while full, try to free some.
      if (full_.load(std::memory_order_relaxed)) FreeRoom();
      UpdateRoom(OkStatus());
      continue;
    }
    // Past 90 %, room for pruning first: a full LMDB map cannot even delete.
    if (full_.load(std::memory_order_relaxed)) FreeRoom();
    const Status applied = ApplyQueued();
    UpdateRoom(applied);
    if (applied.ok()) {
      PruneIfDue(/*force=*/false);
      continue;
    }
    // Left in the journal, durable; the next start moves them in.
    if (stopping) return;
    // Retention may free the room they need.
    if (applied.code() == Code::kStoreFull) FreeRoom();
    std::unique_lock lock(mu_);
    apply_cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return writer_done_; });
  }
}

Status LmdbAuditLog::ApplyQueued() {
  Status status = [&]() -> Status {
    KMS_ASSIGN_OR_RETURN(Txn txn, store_->BeginWrite());
    // Small steps in a small store: each stays well within the 10 % kept free.
    const uint64_t map_bytes = map_bytes_.load(std::memory_order_relaxed);
    const size_t max_bytes =
        map_bytes == 0 ? kApplyBytes
                       : std::clamp<size_t>(map_bytes / 64, size_t{16} << 10, kApplyBytes);
    KMS_ASSIGN_OR_RETURN(const uint64_t applied, ApplyJournaled(txn, max_bytes));
    // Nothing to write when a change's transaction moved them in (LMDB then
    // commits without I/O).
    KMS_RETURN_IF_ERROR(txn.Commit());
    size_t moved = 0;
    {
      std::lock_guard lock(mu_);
      applied_ = std::max(applied_, applied);
      while (!journaled_.empty() && journaled_.front()->end <= applied_) {
        moved += journaled_.front()->records.size();
        journaled_records_ -= journaled_.front()->records.size();
        journaled_.pop_front();
      }
    }
    apply_sizes_.Observe(static_cast<double>(moved));
    applied_cv_.notify_all();
    return OkStatus();
  }();
  bool was_failing = false;
  {
    std::lock_guard lock(mu_);
    was_failing = !apply_error_.ok();
    apply_error_ = status;
  }
  if (status.ok() && was_failing) {
    log::Info("the audit journal's records are moved into the log again");
  } else if (!status.ok() && !was_failing) {
    log::Error(
        "the audit log cannot move journaled records into its store (they stay durable in "
        "the journal; calls fail once it is full): " +
        status.ToString());
  }
  return status;
}

StatusOr<uint64_t> LmdbAuditLog::ApplyJournaled(Txn& txn, size_t max_bytes) {
  KMS_ASSIGN_OR_RETURN(const uint64_t stored, ReadJournalApplied(txn, *store_));
  std::vector<std::shared_ptr<const Journaled>> frames;
  {
    std::lock_guard lock(mu_);
    size_t bytes = 0;
    for (const auto& frame : journaled_) {
      if (frame->end <= stored) continue;
      if (!frames.empty() && bytes >= max_bytes) break;
      frames.push_back(frame);
      for (const std::string& record : frame->records) bytes += record.size();
    }
  }
  if (frames.empty()) return stored;
  std::vector<Unplaced> records;
  for (const auto& frame : frames) {
    for (size_t i = 0; i < frame->records.size(); ++i)
      records.push_back({&frame->entries[i], frame->records[i]});
  }
  KMS_RETURN_IF_ERROR(ExtendChain(txn, records));
  KMS_RETURN_IF_ERROR(WriteJournalApplied(txn, *store_, frames.back()->end));
  return frames.back()->end;
}

void LmdbAuditLog::UpdateRoom(const Status& last_commit) {
  // A commit that found the map full while it could still grow is not full:
  // the next write transaction grows it.
  StatusOr<lmdb::Env::Usage> usage = store_->CurrentUsage();
  if (!usage && last_commit.code() != Code::kStoreFull) return;
  bool full = last_commit.code() == Code::kStoreFull &&
              (!usage || usage->map_bytes >= usage->ceiling_bytes);
  if (usage) {
    used_bytes_.store(usage->used_bytes, std::memory_order_relaxed);
    map_bytes_.store(usage->map_bytes, std::memory_order_relaxed);
    ceiling_bytes_.store(usage->ceiling_bytes, std::memory_order_relaxed);
    // Refuse new calls from 90 % of the ceiling on, so that calls under way
    // still have room for their records; serve again below 85 %.
    const bool was_full = full_.load(std::memory_order_relaxed);
    const uint64_t threshold = usage->ceiling_bytes / 100 * (was_full ? 85 : 90);
    full = full || usage->used_bytes >= threshold;
    WarnWhenNearlyFull(*usage);
  }
  if (full_.exchange(full) != full) {
    if (full) {
      log::Error("the audit log is full; refusing calls until retention frees room");
    } else {
      log::Info("the audit log has room again; serving calls");
    }
  }
}

void LmdbAuditLog::WarnWhenNearlyFull(const lmdb::Env::Usage& usage) {
  // Said once on the way up (from 75 %), again after falling below 70 %.
  const bool nearly = usage.used_bytes >= usage.ceiling_bytes / 100 * (warned_ ? 70 : 75);
  if (nearly && !warned_) {
    log::Warn("the state store is " + std::to_string(usage.used_bytes * 100 / usage.ceiling_bytes) +
              " % full (" + std::to_string(usage.used_bytes >> 20) + " of " +
              std::to_string(usage.ceiling_bytes >> 20) +
              " MiB); at 90 % kmsd refuses calls: configure retention (audit.max_age_days, "
              "audit.max_records) or a higher ceiling (storage.max_map_size_mb)");
  }
  warned_ = nearly;
}

std::vector<LmdbAuditLog::Pending> LmdbAuditLog::NextBatch() {
  std::unique_lock lock(mu_);
  work_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || !queue_.empty(); });
  const size_t target = std::min({last_batch_size_, kGatherTarget, max_batch_});
  // Nothing to gather for after a second without appends.
  if (target > 1 && !queue_.empty() && queue_.size() < target) {
    gather_target_ = target;
    work_cv_.wait_for(lock, kGatherWait,
                      [this, target] { return stopping_ || queue_.size() >= target; });
    gather_target_ = 0;
  }
  const auto end =
      queue_.begin() + static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_batch_));
  std::vector<Pending> batch(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
  queue_.erase(queue_.begin(), end);
  last_batch_size_ = batch.size();
  return batch;
}

Status LmdbAuditLog::AppendInTransaction(lmdb::Txn& txn, std::span<const AuditEntry> entries) {
  if (read_only_) return Error(Code::kInternal, "audit log: opened read-only");
  if (!store_->Holds(txn))
    return Error(Code::kInternal, "audit log: the transaction is not the log's environment");
  // The records journaled before these come first.
  KMS_RETURN_IF_ERROR(ApplyJournaled(txn, SIZE_MAX));
  std::vector<std::string> bytes;
  bytes.reserve(entries.size());
  std::vector<Unplaced> records;
  records.reserve(entries.size());
  for (const AuditEntry& entry : entries) {
    bytes.push_back(EncodeStoredRecord(0, crypto::Sha256Digest{}, entry));
    records.push_back({&entry, bytes.back()});
  }
  return ExtendChain(txn, records);
}

Status LmdbAuditLog::ExtendChain(Txn& txn, std::span<const Unplaced> records) {
  KMS_ASSIGN_OR_RETURN(ChainLink head, ReadAppendPoint(txn, *store_, key_.view()));
  KMS_ASSIGN_OR_RETURN(uint64_t stored_bytes, ReadStoredBytes(txn, *store_));
  std::string bytes;
  for (const Unplaced& record : records) {
    const uint64_t sequence = head.sequence + 1;
    bytes.assign(record.record);
    SetChainFields(bytes, sequence, head.hash);
    // MDB_APPEND: sequences only grow; a stored sequence above the head fails
    // the commit rather than being overwritten.
    KMS_RETURN_IF_ERROR(txn.Put(store_->records(), EncodeUint64(sequence), bytes, MDB_APPEND));
    KMS_RETURN_IF_ERROR(PutIndexEntries(txn, *store_, *record.entry, sequence));
    head = ChainLink{sequence, RecordHash(bytes)};
    stored_bytes += bytes.size();
  }
  KMS_RETURN_IF_ERROR(WriteLink(txn, *store_, LinkKind::kHead, head, key_.view()));
  return WriteStoredBytes(txn, *store_, stored_bytes);
}

void LmdbAuditLog::FinishBatch(std::span<Pending> batch, const Status& status) {
  for (Pending& pending : batch) {
    // A callback must not throw; if one does, the others still run.
    try {
      pending.on_durable(status);
    } catch (const std::exception& e) {
      log::Error(std::string("audit log: a durability callback threw: ") + e.what());
    }
  }
  {
    std::lock_guard lock(mu_);
    completed_ += batch.size();
    if (!status.ok() && flush_error_.ok()) flush_error_ = status;
  }
  done_cv_.notify_all();
}

void LmdbAuditLog::PruneIfDue(bool force) {
  if (!HasRetentionLimit(retention_)) return;
  if (!force && ++commits_since_prune_ < prune_every_commits_) return;
  commits_since_prune_ = 0;
  // A failed run changes nothing and is retried at the next interval; appends
  // do not depend on it.
  static_cast<void>(PruneOldest(*store_, retention_, clock_.NowMillis(), kPruneBatch, key_.view()));
}

void LmdbAuditLog::FreeRoom() {
  if (!HasRetentionLimit(retention_)) return;
  // In small steps (a nearly full map has no room for the pages a large
  // deletion touches), until the store is no longer full.
  for (;;) {
    const StatusOr<size_t> deleted =
        PruneOldest(*store_, retention_, clock_.NowMillis(), kFullPruneBatch, key_.view());
    if (!deleted || *deleted == 0 || !ReleaseFreedPages().ok()) return;
    UpdateRoom(OkStatus());
    if (!full_.load(std::memory_order_relaxed)) return;
  }
}

Status LmdbAuditLog::ReleaseFreedPages() {
  KMS_ASSIGN_OR_RETURN(Txn txn, store_->BeginWrite());
  KMS_ASSIGN_OR_RETURN(const uint64_t bytes, ReadStoredBytes(txn, *store_));
  KMS_RETURN_IF_ERROR(WriteStoredBytes(txn, *store_, bytes));
  return txn.Commit();
}

StatusOr<LookupEventsResult> LmdbAuditLog::LookupEvents(const LookupScope& scope,
                                                        const LookupEventsQuery& query,
                                                        EpochMillis now) const {
  WaitApplied();
  return RunLookupEvents(*store_, tokens_, scope, query, now, lookup_window_days_);
}

StatusOr<VerifyReport> LmdbAuditLog::Verify() const {
  WaitApplied();
  KMS_ASSIGN_OR_RETURN(VerifyReport report, VerifyChain(*store_, key_.view()));
  if (read_only_) {
    KMS_ASSIGN_OR_RETURN(Txn txn, store_->BeginRead());
    KMS_ASSIGN_OR_RETURN(std::vector<StoredRecord> unapplied, ReadUnapplied(txn));
    report.journal_records = unapplied.size();
  }
  return report;
}

StatusOr<std::vector<StoredRecord>> LmdbAuditLog::ReadUnapplied(const Txn& txn) const {
  std::vector<StoredRecord> records;
  if (!read_only_) return records;
  KMS_ASSIGN_OR_RETURN(const uint64_t applied, ReadJournalApplied(txn, *store_));
  // Numbered on from a head that does not verify, they would not be what
  // kmsd stores: `kmsd audit verify` reports the head.
  const StatusOr<ChainLink> head = ReadChainEnd(txn, *store_, key_.view());
  if (!head) return records;
  const auto number = [&](const std::vector<std::string>& frame, uint64_t) -> Status {
    for (const std::string& bytes : frame) {
      KMS_ASSIGN_OR_RETURN(StoredRecord record, DecodeStoredRecord(bytes));
      record.sequence = head->sequence + records.size() + 1;
      records.push_back(std::move(record));
    }
    return OkStatus();
  };
  if (auto replayed = journal_->Replay(applied, number); !replayed)
    return std::unexpected(replayed.error());
  return records;
}

Status LmdbAuditLog::Prune(EpochMillis now) {
  if (read_only_) return Error(Code::kInternal, "audit log: opened read-only");
  WaitApplied();
  for (;;) {
    KMS_ASSIGN_OR_RETURN(size_t deleted,
                         PruneOldest(*store_, retention_, now, kPruneBatch, key_.view()));
    if (deleted < kPruneBatch) return OkStatus();
  }
}

StatusOr<uint64_t> LmdbAuditLog::ReadRecords(uint64_t after, size_t max,
                                             const RecordVisitor& visit) const {
  WaitApplied();
  KMS_ASSIGN_OR_RETURN(Txn txn, store_->BeginRead());
  KMS_ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, store_->records()));
  const std::string start = EncodeUint64(after + 1);
  MDB_val k = ToVal(start);
  MDB_val v;
  uint64_t last = after;
  int rc = cursor.Get(&k, &v, MDB_SET_RANGE);
  size_t read = 0;
  for (; rc == 0 && read < max; rc = cursor.Get(&k, &v, MDB_NEXT), ++read) {
    KMS_ASSIGN_OR_RETURN(StoredRecord record, DecodeStoredRecord(FromVal(v)));
    last = record.sequence;
    if (!visit(record.sequence, record.entry)) return last;
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "record scan");
  if (rc == 0) return last;
  // Past the stored records: those a running (or stopped) kmsd journaled.
  KMS_ASSIGN_OR_RETURN(std::vector<StoredRecord> unapplied, ReadUnapplied(txn));
  for (const StoredRecord& record : unapplied) {
    if (read == max) break;
    if (record.sequence <= after) continue;
    last = record.sequence;
    ++read;
    if (!visit(record.sequence, record.entry)) break;
  }
  return last;
}

StatusOr<uint64_t> LmdbAuditLog::LastSequence() const {
  WaitApplied();
  KMS_ASSIGN_OR_RETURN(Txn txn, store_->BeginRead());
  KMS_ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, store_->records()));
  MDB_val k;
  MDB_val v;
  const int rc = cursor.Get(&k, &v, MDB_LAST);
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "record scan");
  KMS_ASSIGN_OR_RETURN(std::vector<StoredRecord> unapplied, ReadUnapplied(txn));
  if (!unapplied.empty()) return unapplied.back().sequence;
  return rc == MDB_NOTFOUND ? uint64_t{0} : ReadBigEndian(FromVal(k));
}

StatusOr<ExportReport> LmdbAuditLog::ExportCloudTrailFiles(const ExportOptions& options) const {
  WaitApplied();
  KMS_ASSIGN_OR_RETURN(Txn txn, store_->BeginRead());
  KMS_ASSIGN_OR_RETURN(std::vector<StoredRecord> journaled, ReadUnapplied(txn));
  return ExportRecords(*store_, txn, options, journaled);
}

}  // namespace kms::audit
