// Fuzz target for what `kmsd audit tail` and `kmsd audit report` read from a
// stored record's CloudTrail JSON (server/tools/record_view.h), and for the
// tail's --filter terms: any record JSON is viewed or refused with
// kInternal, never a crash; the first line of the input is also tried as a
// filter term and as a --since value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kms/server/tools/audit_report.h"
#include "kms/server/tools/audit_tail.h"
#include "server/tools/record_view.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kms::audit::AuditEntry entry;
  entry.record_json = std::string(text);
  entry.event_name = "Decrypt";
  entry.resources.push_back({"AWS::KMS::Key", std::string(text.substr(0, text.find('\n')))});
  auto view = kms::tools::ViewRecord(entry);
  if (!view) {
    KMS_CHECK(view.error().code() == kms::Code::kInternal);
    return 0;
  }
  const std::string line = kms::tools::TailLine(*view);
  KMS_CHECK(line.find(kms::tools::OutcomeName(view->outcome)) != std::string::npos);
  const std::string first_line(text.substr(0, text.find('\n')));
  auto filter = kms::tools::RecordFilter::Parse({first_line});
  if (filter) (void)filter->Matches(*view);
  (void)kms::tools::ParseTimeBound(first_line, "--since", 1'800'000'000'000);
  return 0;
}
