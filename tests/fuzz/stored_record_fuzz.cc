// Fuzz target for stored audit records (server/audit/audit_record.h): what
// `kmsd audit verify`, export and LookupEvents decode from the log, including
// the zstd-compressed record JSON of format 2.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/audit/audit_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto record =
      kms::audit::DecodeStoredRecord(std::string_view(reinterpret_cast<const char*>(data), size));
  if (record) {
    // What decodes re-encodes to a record that decodes to the same entry.
    const std::string again =
        kms::audit::EncodeStoredRecord(record->sequence, record->previous_hash, record->entry);
    auto twice = kms::audit::DecodeStoredRecord(again);
    KMS_CHECK(twice && twice->entry == record->entry);
  }
  return 0;
}
