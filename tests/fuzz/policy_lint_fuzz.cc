// Fuzz target for `kmsd policy lint` (the policy parser, then yaml-cpp over
// the same text for locations): any input is linted or refused as no key
// policy, never a crash, and every finding says where.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kms/server/tools/policy_lint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto findings = kms::tools::LintKeyPolicy(text, "policy.json", "111122223333");
  if (!findings) {
    KMS_CHECK(findings.error().code() == kms::Code::kValidation);
    return 0;
  }
  for (const kms::tools::LintFinding& finding : *findings)
    KMS_CHECK(finding.location.starts_with("policy.json") && !finding.fix.empty());
  return 0;
}
