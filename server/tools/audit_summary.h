// What `kmsd audit report` shows, gathered in one pass over the log.
// Internal to server/tools.
#ifndef KMS_SERVER_TOOLS_AUDIT_SUMMARY_H_
#define KMS_SERVER_TOOLS_AUDIT_SUMMARY_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kms/server/audit/audit_log.h"
#include "kms/server/tools/audit_report.h"
#include "kms/status.h"
#include "record_view.h"

namespace kms::tools {

struct CallCounts {
  uint64_t calls = 0;
  uint64_t denied = 0;
  uint64_t errors = 0;

  void Add(Outcome outcome);
};

// Calls per time bucket.
using Buckets = std::vector<uint64_t>;

struct KeyUse {
  CallCounts counts;
  std::map<std::string, uint64_t> operations;
  std::map<std::string, uint64_t> principals;
  Buckets buckets;
};

// The newest `limit` items, and how many there were in all.
template <typename T>
struct NewestRows {
  std::deque<T> rows;
  uint64_t total = 0;

  void Add(T item, size_t limit) {
    ++total;
    rows.push_back(std::move(item));
    if (rows.size() > limit) rows.pop_front();
  }
};

// Denied calls that share principal, operation, key and explanation.
struct DenialGroup {
  std::string principal;
  std::string operation;
  std::string key;
  std::string authorization;  // kmsd's explanation (RecordView::authorization)
  std::string message;        // the AccessDeniedException's message

  auto operator<=>(const DenialGroup&) const = default;
};

struct AuditSummary {
  // The time axis: bucket i covers [from + i * bucket_millis, + bucket_millis).
  EpochMillis from = 0;
  EpochMillis to = 0;
  EpochMillis bucket_millis = 1000;
  size_t bucket_count = 1;

  CallCounts total;
  std::map<std::string, KeyUse> keys;  // by key id
  // Each alias and the key it names after the last CreateAlias, UpdateAlias
  // or DeleteAlias read.
  std::map<std::string, std::string> alias_targets;
  std::map<std::string, Buckets> operations;  // calls per bucket
  std::map<std::string, CallCounts> principals;
  // (invokedBy, operation) -> calls
  std::map<std::pair<std::string, std::string>, CallCounts> via_services;
  std::map<DenialGroup, uint64_t> denial_groups;
  NewestRows<RecordView> denied;
  NewestRows<RecordView> grant_changes;  // CreateGrant, RetireGrant, RevokeGrant that succeeded
  NewestRows<RecordView> key_changes;    // disabled, scheduled for deletion, rotated, ...
  audit::VerifyReport chain;
};

// Reads every record `options` selects. Errors as BuildAuditReport.
StatusOr<AuditSummary> SummarizeAuditLog(const audit::AuditLog& log, const ReportOptions& options);

// The bucket of `time`: clamped into [0, bucket_count).
size_t BucketOf(const AuditSummary& summary, EpochMillis time);

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_AUDIT_SUMMARY_H_
