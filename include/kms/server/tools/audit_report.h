// `kmsd audit report`: one self-contained HTML page of the audit log (no
// network, no scripts or fonts from elsewhere; charts are inline SVG): calls
// over time per key and per operation, the top principals of each key, the
// denied calls and why, calls made via services, grants created, retired and
// revoked, key changes, and the hash chain's verification. A summary comes
// first; long lists are folded (<details>) and hold the newest rows.
#ifndef KMS_SERVER_TOOLS_AUDIT_REPORT_H_
#define KMS_SERVER_TOOLS_AUDIT_REPORT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "kms/clock.h"
#include "kms/server/audit/audit_log.h"
#include "kms/status.h"

namespace kms::tools {

struct ReportOptions {
  // Inclusive bounds on event time; unset means unbounded.
  std::optional<EpochMillis> since;
  std::optional<EpochMillis> until;
  std::optional<std::string> account;  // only this account's records
  // The most rows of each list (the newest); its total is always shown.
  size_t max_rows = 1000;
  // The most keys, principals and services in the tables (the busiest).
  size_t max_table_rows = 200;
};

// A --since/--until value: an ISO 8601 time ("2026-12-07T10:00:00Z",
// "2026-12-07") or an age before `now` ("45s", "90m", "12h", "7d").
// kValidation naming `option` otherwise.
StatusOr<EpochMillis> ParseTimeBound(std::string_view text, std::string_view option,
                                     EpochMillis now);

// The page, built from every record of `log` that `options` selects, in
// sequence order, reading a few thousand at a time (the server may be
// writing). Errors when the log cannot be read or a record is not CloudTrail
// JSON.
StatusOr<std::string> BuildAuditReport(const audit::AuditLog& log, const ReportOptions& options,
                                       EpochMillis now);

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_AUDIT_REPORT_H_
