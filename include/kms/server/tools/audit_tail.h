// `kmsd audit tail`: the audit log's records as they are written, one
// readable line each (time, principal, operation, key, outcome), for watching
// a test run live. See docs/audit-log.md.
#ifndef KMS_SERVER_TOOLS_AUDIT_TAIL_H_
#define KMS_SERVER_TOOLS_AUDIT_TAIL_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "kms/server/audit/audit_log.h"
#include "kms/status.h"

namespace kms::tools {

struct RecordView;

// The --filter NAME=VALUE terms, all of which a record must match: principal,
// operation, key, account, region and source match a substring, in any case;
// outcome is ok, denied or error.
class RecordFilter {
 public:
  // kValidation naming the term that is wrong.
  static StatusOr<RecordFilter> Parse(const std::vector<std::string>& terms);
  bool Matches(const RecordView& view) const;

 private:
  std::vector<std::pair<std::string, std::string>> terms_;  // name, lowercased value
};

struct TailOptions {
  size_t lines = 10;  // the newest records that match, printed first
  bool follow = false;
  RecordFilter filter;
  std::chrono::milliseconds poll_interval{200};
};

// Prints the newest `options.lines` matching records of `log`, oldest first;
// with `follow`, then every new matching record, checking every poll
// interval, until `keep_going` returns false. Each line is flushed as it is
// printed. Errors when the log cannot be read.
Status RunAuditTail(const audit::AuditLog& log, const TailOptions& options, std::ostream& out,
                    const std::function<bool()>& keep_going);

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_AUDIT_TAIL_H_
