#include "audit_summary.h"

#include <algorithm>

namespace kms::tools {
namespace {

constexpr size_t kBucketCount = 60;
constexpr size_t kChunk = 4096;  // records per read transaction

// The changes to keys the report lists, made by callers or by KMS itself.
constexpr std::string_view kKeyChanges[] = {"CreateKey",
                                            "DisableKey",
                                            "EnableKey",
                                            "ScheduleKeyDeletion",
                                            "CancelKeyDeletion",
                                            "DeleteKey",
                                            "RotateKey",
                                            "RotateKeyOnDemand",
                                            "EnableKeyRotation",
                                            "DisableKeyRotation",
                                            "PutKeyPolicy",
                                            "ImportKeyMaterial",
                                            "DeleteImportedKeyMaterial",
                                            "ReplicateKey",
                                            "UpdatePrimaryRegion"};
constexpr std::string_view kGrantChanges[] = {"CreateGrant", "RetireGrant", "RevokeGrant"};

bool Selected(const ReportOptions& options, const audit::AuditEntry& entry) {
  return (!options.since || entry.event_time >= *options.since) &&
         (!options.until || entry.event_time <= *options.until) &&
         (!options.account || entry.account_id == *options.account);
}

// The first and last event times of the selected records, from one read of
// each end of the log (records are in sequence order, which is near enough
// time order for the axis).
StatusOr<std::pair<EpochMillis, EpochMillis>> TimeRange(const audit::AuditLog& log,
                                                        const ReportOptions& options) {
  EpochMillis first = 0;
  EpochMillis last = 0;
  KMS_ASSIGN_OR_RETURN(const uint64_t newest, log.LastSequence());
  auto time_of = [&](uint64_t after, EpochMillis& time) {
    return log.ReadRecords(after, 1, [&](uint64_t, const audit::AuditEntry& entry) {
      time = entry.event_time;
      return false;
    });
  };
  if (newest > 0) {
    KMS_RETURN_IF_ERROR(time_of(0, first));
    KMS_RETURN_IF_ERROR(time_of(newest - 1, last));
  }
  if (options.since) first = std::max(first, *options.since);
  if (options.until && *options.until < last) last = *options.until;
  if (last < first) last = first;
  return std::pair(first, last);
}

void Count(AuditSummary& summary, const RecordView& view, size_t max_rows) {
  const size_t bucket = BucketOf(summary, view.time);
  summary.total.Add(view.outcome);
  summary.principals[view.principal].Add(view.outcome);
  Buckets& operation = summary.operations[view.operation];
  if (operation.empty()) operation.resize(summary.bucket_count);
  ++operation[bucket];
  std::vector<const std::string*> aliases;
  for (const std::string& key : view.keys) {
    if (key.starts_with("alias/")) aliases.push_back(&key);
  }
  for (const std::string& key : view.keys) {
    if (key.starts_with("alias/")) continue;
    KeyUse& use = summary.keys[key];
    if (view.outcome == Outcome::kOk)
      for (const std::string* alias : aliases) use.aliases.insert(*alias);
    if (use.buckets.empty()) use.buckets.resize(summary.bucket_count);
    use.counts.Add(view.outcome);
    ++use.operations[view.operation];
    ++use.principals[view.principal];
    ++use.buckets[bucket];
  }
  if (!view.invoked_by.empty())
    summary.via_services[{view.invoked_by, view.operation}].Add(view.outcome);
  if (view.outcome == Outcome::kDenied) {
    DenialGroup group{view.principal, view.operation, view.keys.empty() ? "-" : view.keys.front(),
                      view.authorization, view.error_message};
    ++summary.denial_groups[std::move(group)];
    summary.denied.Add(view, max_rows);
  }
  if (view.outcome != Outcome::kOk) return;
  if (std::ranges::find(kGrantChanges, view.operation) != std::end(kGrantChanges))
    summary.grant_changes.Add(view, max_rows);
  if (std::ranges::find(kKeyChanges, view.operation) != std::end(kKeyChanges))
    summary.key_changes.Add(view, max_rows);
}

}  // namespace

void CallCounts::Add(Outcome outcome) {
  ++calls;
  if (outcome == Outcome::kDenied) ++denied;
  if (outcome == Outcome::kError) ++errors;
}

size_t BucketOf(const AuditSummary& summary, EpochMillis time) {
  if (time <= summary.from) return 0;
  const auto bucket = static_cast<size_t>((time - summary.from) / summary.bucket_millis);
  return std::min(bucket, summary.bucket_count - 1);
}

StatusOr<AuditSummary> SummarizeAuditLog(const audit::AuditLog& log, const ReportOptions& options) {
  AuditSummary summary;
  KMS_ASSIGN_OR_RETURN(std::tie(summary.from, summary.to), TimeRange(log, options));
  summary.from -= summary.from % 1000;
  // Up to kBucketCount buckets of whole seconds, covering from..to.
  const EpochMillis seconds = (summary.to - summary.from) / 1000 + 1;
  const auto buckets = static_cast<EpochMillis>(kBucketCount);
  summary.bucket_millis = 1000 * ((seconds + buckets - 1) / buckets);
  summary.bucket_count =
      static_cast<size_t>((summary.to - summary.from) / summary.bucket_millis + 1);

  Status failure;
  for (uint64_t after = 0;;) {
    KMS_ASSIGN_OR_RETURN(
        const uint64_t last,
        log.ReadRecords(after, kChunk, [&](uint64_t, const audit::AuditEntry& entry) {
          if (!Selected(options, entry)) return true;
          StatusOr<RecordView> view = ViewRecord(entry);
          if (!view) {
            failure = view.error();
            return false;
          }
          Count(summary, *view, options.max_rows);
          return true;
        }));
    KMS_RETURN_IF_ERROR(failure);
    if (last == after) break;
    after = last;
  }
  KMS_ASSIGN_OR_RETURN(summary.chain, log.Verify());
  return summary;
}

}  // namespace kms::tools
