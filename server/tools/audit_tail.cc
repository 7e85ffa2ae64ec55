#include "kms/server/tools/audit_tail.h"

#include <algorithm>
#include <deque>
#include <thread>

#include "kms/text.h"
#include "record_view.h"

namespace kms::tools {
namespace {

constexpr std::string_view kFilterNames[] = {"principal", "operation", "key",    "account",
                                             "region",    "source",    "outcome"};

bool ContainsIgnoreCase(std::string_view text, std::string_view lowered_part) {
  return ToLower(text).find(lowered_part) != std::string::npos;
}

// Calls `visit` with the view of each record in (after, through] that
// `filter` matches; returns the last sequence read.
StatusOr<uint64_t> ReadMatching(const audit::AuditLog& log, uint64_t after, uint64_t through,
                                const RecordFilter& filter,
                                const std::function<void(const RecordView&)>& visit) {
  return ForEachView(log, after, through, [&](const RecordView& view) {
    if (filter.Matches(view)) visit(view);
  });
}

}  // namespace

StatusOr<RecordFilter> RecordFilter::Parse(const std::vector<std::string>& terms) {
  RecordFilter filter;
  for (const std::string& term : terms) {
    const size_t equals = term.find('=');
    const std::string name = ToLower(term.substr(0, equals));
    if (equals == std::string::npos || equals + 1 == term.size() ||
        std::ranges::find(kFilterNames, name) == std::end(kFilterNames))
      return Error(Code::kValidation,
                   "--filter '" + term +
                       "' is not NAME=VALUE with NAME one of principal, operation, key, "
                       "account, region, source, outcome");
    std::string value = ToLower(term.substr(equals + 1));
    if (name == "outcome" && value != "ok" && value != "denied" && value != "error")
      return Error(Code::kValidation, "--filter outcome= takes ok, denied or error, not '" +
                                          term.substr(equals + 1) + "'");
    filter.terms_.emplace_back(name, std::move(value));
  }
  return filter;
}

bool RecordFilter::Matches(const RecordView& view) const {
  return std::ranges::all_of(terms_, [&](const auto& term) {
    // Named references: clang 14's lambdas cannot capture structured bindings.
    const std::string& name = term.first;
    const std::string& value = term.second;
    if (name == "outcome") return ToLower(OutcomeName(view.outcome)) == value;
    if (name == "key")
      return ContainsIgnoreCase(view.requested_key, value) ||
             std::ranges::any_of(
                 view.keys, [&](const std::string& key) { return ContainsIgnoreCase(key, value); });
    if (name == "principal")
      return ContainsIgnoreCase(view.principal, value) ||
             ContainsIgnoreCase(view.invoked_by, value);
    const std::string& text = name == "operation" ? view.operation
                              : name == "account" ? view.account
                              : name == "region"  ? view.region
                                                  : view.source;
    return ContainsIgnoreCase(text, value);
  });
}

Status RunAuditTail(const audit::AuditLog& log, const TailOptions& options, std::ostream& out,
                    const std::function<bool()>& keep_going) {
  KMS_ASSIGN_OR_RETURN(const uint64_t newest, log.LastSequence());
  // The newest matching lines: windows of kRecordsPerRead records, walking back.
  std::deque<std::string> lines;
  for (uint64_t end = newest; end > 0 && lines.size() < options.lines;) {
    const uint64_t start = end > kRecordsPerRead ? end - kRecordsPerRead : 0;
    std::vector<std::string> window;
    KMS_RETURN_IF_ERROR(ReadMatching(log, start, end, options.filter, [&](const RecordView& view) {
      window.push_back(TailLine(view));
    }));
    for (auto it = window.rbegin(); it != window.rend() && lines.size() < options.lines; ++it)
      lines.push_front(*it);
    end = start;
  }
  for (const std::string& line : lines) out << line << '\n';
  out.flush();
  uint64_t after = newest;
  while (options.follow && keep_going()) {
    KMS_ASSIGN_OR_RETURN(
        const uint64_t last,
        ReadMatching(log, after, after + kRecordsPerRead, options.filter,
                     [&](const RecordView& view) { out << TailLine(view) << '\n'; }));
    // A reader that went away (with SIGPIPE ignored) ends the tail.
    if (!out.flush()) return Error(Code::kInternal, "audit tail: cannot write its output");
    if (last == after) std::this_thread::sleep_for(options.poll_interval);
    after = last;
  }
  return OkStatus();
}

}  // namespace kms::tools
