// Fuzz target for kmsd's command line (kms/server/config/command_line.h): the
// input, split at NUL bytes, is the arguments, except the first part, which
// is the value of every KMSD_* variable. Any input parses or is refused with
// a message; a port that parses came from digits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kms/server/config/command_line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  for (size_t end; (end = input.find('\0')) != std::string_view::npos;) {
    parts.push_back(input.substr(0, end));
    input.remove_prefix(end + 1);
  }
  parts.push_back(input);
  const std::string environment(parts.front());
  const std::vector<std::string_view> args(parts.begin() + 1, parts.end());
  auto line = kms::config::ParseCommandLine(
      args, [&](const char*) -> std::optional<std::string> { return environment; });
  if (!line) {
    KMS_CHECK(!line.error().message().empty());
    return 0;
  }
  if (line->command == kms::config::Command::kHelp)
    KMS_CHECK(!kms::config::HelpText(line->help_topic).empty());
  if (line->command == kms::config::Command::kAuditExport ||
      line->command == kms::config::Command::kAuditReport)
    KMS_CHECK(line->out_dir.has_value());
  if (line->command == kms::config::Command::kPolicyDiff)
    KMS_CHECK(!line->policy_file.empty() && !line->new_policy_file.empty());
  return 0;
}
