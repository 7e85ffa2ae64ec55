// Fuzz target for the seed file parser (YAML through yaml-cpp, PEM keys
// through OpenSSL, policies through the policy parser).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kms/server/seed/seed_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kms::seed::SeedDefaults defaults{"111122223333", "us-east-1"};
  auto seed = kms::seed::ParseSeed(std::string_view(reinterpret_cast<const char*>(data), size),
                                   "seed.yaml", defaults);
  if (seed) {
    for (const kms::seed::SeedKey& key : seed->keys)
      KMS_CHECK(!key.materials.empty() || key.record.state == kms::KeyState::kPendingImport);
  } else {
    KMS_CHECK(seed.error().code() == kms::Code::kValidation);
  }
  return 0;
}
