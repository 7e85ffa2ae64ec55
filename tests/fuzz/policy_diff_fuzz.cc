// Fuzz target for `kmsd policy diff`: the input is two key policies split at
// the first NUL byte (OLD, then NEW). Either both are decided for every
// principal, action and condition case, or one is refused as no key policy,
// never a crash; every change flips a decision between allow and a denial.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kms/server/config/config.h"
#include "kms/server/tools/policy_diff.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Time grows with principals x actions x condition values: keep runs short.
  if (size > 4096) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  if (split == std::string_view::npos) return 0;
  static const kms::config::ServerConfig* config = [] {
    auto* c = new kms::config::ServerConfig();
    c->accounts = {"111122223333"};
    return c;
  }();
  auto diff = kms::tools::DiffKeyPolicies(input.substr(0, split), input.substr(split + 1),
                                          "111122223333", *config);
  if (!diff) {
    KMS_CHECK(diff.error().code() == kms::Code::kValidation);
    return 0;
  }
  for (const auto& change : diff->gains)
    KMS_CHECK(change.after == "allow" && change.before != "allow");
  for (const auto& change : diff->losses)
    KMS_CHECK(change.before == "allow" && change.after != "allow");
  (void)kms::tools::FormatPolicyDiff(*diff);
  return 0;
}
