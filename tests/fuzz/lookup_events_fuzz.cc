// Fuzz target for CloudTrail LookupEvents request bodies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kms/server/audit/audit_lookup.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto query = kms::audit::ParseLookupEventsRequest(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (query) KMS_CHECK(kms::audit::ValidateLookupEventsQuery(*query).ok());
  return 0;
}
