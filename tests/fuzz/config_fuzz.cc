// Fuzz target for the server config parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kms/server/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config =
      kms::config::ParseConfig(std::string_view(reinterpret_cast<const char*>(data), size));
  if (config) KMS_CHECK(config->port <= 65535);
  return 0;
}
