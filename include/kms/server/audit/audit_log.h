// The audit log: one CloudTrail record per KMS call, durable before the caller
// answers, hash-chained for tamper evidence, queryable with LookupEvents and
// exportable as CloudTrail log files. See docs/audit-log.md.
#ifndef KMS_SERVER_AUDIT_AUDIT_LOG_H_
#define KMS_SERVER_AUDIT_AUDIT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kms/bytes.h"
#include "kms/clock.h"
#include "kms/server/audit/audit_event.h"
#include "kms/server/audit/audit_lookup.h"
#include "kms/status.h"

namespace kms::lmdb {
class Env;
class Txn;
}  // namespace kms::lmdb

namespace kms::metrics {
class Registry;
}  // namespace kms::metrics

namespace kms::audit {

// How long records are kept. Each limit is off when 0. The oldest records go
// first; Verify still succeeds afterwards, from a signed checkpoint.
struct RetentionPolicy {
  int max_age_days = 0;  // by event time
  uint64_t max_records = 0;
  uint64_t max_bytes = 0;  // stored record bytes (not the file size)
};

struct AuditOptions {
  // When false nothing is stored: Append reports durable at once, lookups
  // return no events. For measuring what the log costs.
  bool enabled = true;
  // The log's LMDB environment; created (mode 0700) if missing.
  std::string directory = "data/state";
  // An environment already open (the one the key store uses, so that a
  // change and its record commit in one transaction: AppendInTransaction);
  // when set, directory and map_size are not used.
  std::shared_ptr<lmdb::Env> env;
  // LMDB map size: the most the log can hold. Sparse, so a large value costs
  // nothing until used.
  size_t map_size = size_t{8} << 30;
  // For `kmsd audit verify|export`: no writer; Append and Prune fail.
  bool read_only = false;
  // Signs the chain head, the checkpoint and LookupEvents NextTokens. The
  // server derives it from its root key; required (non-empty) when enabled.
  SecretBytes hmac_key;
  // Group commit: the most records in one LMDB transaction (one fsync).
  size_t max_batch = 1024;
  // Appends beyond this many queued records are refused with kThrottling.
  size_t max_queue = 65536;
  RetentionPolicy retention;
  // The writer applies the retention policy every this many commits (and at
  // start), at most 10000 records at a time.
  uint64_t prune_every_commits = 1024;
  // LookupEvents shows the events of the last this many days (CloudTrail's
  // event history keeps 90); 0 shows everything stored.
  int lookup_window_days = 90;
  // Time for retention; nullptr means the system clock.
  const Clock* clock = nullptr;
};

// The outcome of walking the hash chain. A chain that does not verify is a
// report with ok == false, not an error.
struct VerifyReport {
  bool ok = true;
  uint64_t records_checked = 0;
  // The first and last sequence numbers stored (0 when none), and the
  // sequence of the last pruned record (0 when nothing was pruned).
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  uint64_t checkpoint_sequence = 0;
  // Records durable in the journal that kmsd has not moved into the chain
  // yet (it stopped without closing the log, or is running): read-only only.
  uint64_t journal_records = 0;
  // When !ok: the sequence number where the chain first breaks, and what
  // did not match there.
  uint64_t break_sequence = 0;
  std::string problem;

  // Printable, one line per fact; for `kmsd audit verify`.
  std::string ToString() const;
};

struct ExportOptions {
  std::string out_dir;
  // Inclusive bounds on event time; unset means unbounded.
  std::optional<EpochMillis> start_time;
  std::optional<EpochMillis> end_time;
  // One file per account, region and time window, as CloudTrail delivers
  // them, with at most this many records.
  EpochMillis window = EpochMillis{5} * 60 * 1000;
  size_t max_records_per_file = 1000;
};

struct ExportReport {
  uint64_t records = 0;
  std::vector<std::string> files;  // paths relative to out_dir, in write order

  std::string ToString() const;
};

// The audit log. Thread-safe: Append, Flush, LookupEvents, Verify, Prune and
// ExportCloudTrailFiles may be called from any thread at any time.
class AuditLog {
 public:
  // Called once per Append with OK when the record is durable (committed and
  // fsynced), or the error. Runs on the log's writer thread (or on the
  // appending thread when the append is refused), so it must be cheap (post
  // work to an executor) and must not throw or call back into the log.
  using DurableCallback = std::function<void(Status)>;

  // Opens (creating if needed) the log in options.directory. kValidation for
  // an empty hmac_key or a zero batch or queue size; kNotFound when a
  // read-only log does not exist; kInternal when LMDB fails, or when the signed
  // chain head does not verify under hmac_key or records lie beyond it (a
  // tampered log or another key: run `kmsd audit verify`; appending would
  // otherwise hide the tampering).
  static StatusOr<std::unique_ptr<AuditLog>> Open(const AuditOptions& options);

  // Commits everything queued, then stops the writer.
  virtual ~AuditLog() = default;

  // Queues `entry`; `on_durable` is called once it is committed. Never blocks
  // on I/O: when max_queue records are already waiting, `on_durable` gets
  // kThrottling at once, and the caller must fail the request.
  virtual void Append(AuditEntry entry, DurableCallback on_durable) = 0;

  // Stores `entries` in `txn`, a write transaction of the log's environment
  // that also holds the changes they record: they are durable, in the chain,
  // when the caller commits it, and gone with it when it aborts. The caller
  // runs nothing else in the transaction afterwards but the commit. kStoreFull
  // when they do not fit; kInternal when the log is read-only or was opened on
  // another environment. A disabled log stores nothing and returns OK.
  virtual Status AppendInTransaction(lmdb::Txn& txn, std::span<const AuditEntry> entries) = 0;

  // False for a disabled log (AuditOptions::enabled): callers need not
  // build records it would not keep.
  virtual bool Stores() const { return true; }

  // kStoreFull while the log is full, or so nearly full (90 % of its map)
  // that only calls already under way may still append: callers refuse new
  // calls before they have any effect. OK again once retention pruning frees
  // room (the writer retries it every second while full).
  virtual Status CheckWritable() const { return OkStatus(); }

  // How full the store holding the log is, as last measured (after each
  // commit, and every idle second); nullopt when not measured.
  struct Room {
    uint64_t used_bytes = 0;
    uint64_t map_bytes = 0;      // the map's size now
    uint64_t ceiling_bytes = 0;  // what the map may grow to
  };
  virtual std::optional<Room> LastRoom() const { return std::nullopt; }

  // Adds the log's own metrics (queue depth, group commit batch sizes and
  // commit times) to `registry`, which must not outlive the log.
  virtual void AddMetrics(metrics::Registry& /*registry*/) const {}

  // Waits until everything appended before the call is committed and its
  // callback has run. Returns the first commit error since the previous Flush.
  virtual Status Flush() = 0;

  // The events of `scope` matching `query`, newest first, at most
  // query.max_results of them. Errors as ValidateLookupEventsQuery, and
  // kInvalidNextToken when the token does not decode or was issued for another
  // scope, attribute, time range or category.
  virtual StatusOr<LookupEventsResult> LookupEvents(const LookupScope& scope,
                                                    const LookupEventsQuery& query,
                                                    EpochMillis now) const = 0;

  // A LookupEvents request body in, a response body out; errors as
  // ParseLookupEventsRequest and LookupEvents.
  StatusOr<std::string> HandleLookupEvents(std::string_view request_json, const LookupScope& scope,
                                           EpochMillis now) const;

  // Walks the chain from the checkpoint (or the first record) to the signed
  // head. Errors only when the log cannot be read.
  virtual StatusOr<VerifyReport> Verify() const = 0;

  // Applies the retention policy as of `now`: deletes the oldest records that
  // it rules out, with their index entries, and moves the signed checkpoint to
  // the last one deleted.
  virtual Status Prune(EpochMillis now) = 0;

  // Calls `visit` with each stored record whose sequence number is above
  // `after`, in sequence order, at most `max` of them, in one read
  // transaction; stops early when `visit` returns false. Returns the last
  // sequence number visited (`after` when none). For `kmsd audit tail` and
  // `kmsd audit report`, which read a log the server may be writing.
  using RecordVisitor = std::function<bool(uint64_t sequence, const AuditEntry& entry)>;
  virtual StatusOr<uint64_t> ReadRecords(uint64_t after, size_t max,
                                         const RecordVisitor& visit) const = 0;
  // The sequence number of the newest stored record; 0 when there is none.
  virtual StatusOr<uint64_t> LastSequence() const = 0;

  // Writes the stored records (read-only, then those a stopped kmsd left in
  // its journal) as CloudTrail log files:
  // <out_dir>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
  //   <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 hex>.json.gz
  // each a gzipped {"Records":[...]}. kValidation for an empty out_dir, a
  // window <= 0 or 0 records per file; kInternal on an I/O failure.
  virtual StatusOr<ExportReport> ExportCloudTrailFiles(const ExportOptions& options) const = 0;
};

// `kmsd audit verify`: opens the log read-only (the server may be running)
// and returns the printable report. Fails only when the log cannot be opened
// or read; a broken chain is in the report (VerifyReport::ok).
StatusOr<VerifyReport> RunAuditVerify(const AuditOptions& options);

// `kmsd audit export`: opens the log read-only and exports it.
StatusOr<ExportReport> RunAuditExport(const AuditOptions& options,
                                      const ExportOptions& export_options);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_LOG_H_
