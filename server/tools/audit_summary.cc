#include "audit_summary.h"

#include <algorithm>

namespace kms::tools {
namespace {

constexpr size_t kBucketCount = 60;

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

// The first and last event times of the selected records up to `newest`,
// from a pass over the stored attributes (no JSON is read); nullopt when none
// is selected.
StatusOr<std::optional<std::pair<EpochMillis, EpochMillis>>> TimeRange(const audit::AuditLog& log,
                                                                       const ReportOptions& options,
                                                                       uint64_t newest) {
  std::optional<std::pair<EpochMillis, EpochMillis>> range;
  KMS_RETURN_IF_ERROR(ForEachStored(log, 0, newest, [&](const audit::AuditEntry& entry) {
    if (!Selected(options, entry)) return true;
    if (!range) range.emplace(entry.event_time, entry.event_time);
    range->first = std::min(range->first, entry.event_time);
    range->second = std::max(range->second, entry.event_time);
    return true;
  }));
  return range;
}

void Count(AuditSummary& summary, const RecordView& view, size_t max_rows) {
  const size_t bucket = BucketOf(summary, view.time);
  summary.total.Add(view.outcome);
  summary.principals[view.principal].Add(view.outcome);
  Buckets& operation = summary.operations[view.operation];
  if (operation.empty()) operation.resize(summary.bucket_count);
  ++operation[bucket];
  for (const std::string& key : view.keys) {
    if (key.starts_with("alias/")) continue;
    KeyUse& use = summary.keys[key];
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
  if (!view.alias_name.empty()) {
    if (view.alias_target.empty()) {
      summary.alias_targets.erase(view.alias_name);
    } else {
      summary.alias_targets[view.alias_name] = view.alias_target;
    }
  }
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
  // What was stored when the report began: records the server writes
  // meanwhile are left out, not piled into the last bucket.
  KMS_ASSIGN_OR_RETURN(const uint64_t newest, log.LastSequence());
  KMS_ASSIGN_OR_RETURN(const auto range, TimeRange(log, options, newest));
  KMS_ASSIGN_OR_RETURN(summary.chain, log.Verify());
  if (!range) return summary;
  std::tie(summary.from, summary.to) = *range;
  summary.from -= summary.from % 1000;
  // Up to kBucketCount buckets of whole seconds, covering from..to.
  const EpochMillis seconds = (summary.to - summary.from) / 1000 + 1;
  const auto buckets = static_cast<EpochMillis>(kBucketCount);
  summary.bucket_millis = 1000 * ((seconds + buckets - 1) / buckets);
  summary.bucket_count =
      static_cast<size_t>((summary.to - summary.from) / summary.bucket_millis + 1);

  KMS_RETURN_IF_ERROR(ForEachView(
      log, 0, newest, [&](const RecordView& view) { Count(summary, view, options.max_rows); },
      [&](const audit::AuditEntry& entry) { return Selected(options, entry); }));
  return summary;
}

}  // namespace kms::tools
