// Fuzz target for the key store's record decoders (server/store/record_codec.h):
// a key, alias or grant record that decodes encodes back to one that decodes
// to the same record.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/store/record_codec.h"

namespace {

template <class Decode, class Encode>
void RoundTrips(std::string_view text, Decode decode, Encode encode) {
  auto record = decode(text);
  if (!record) return;
  auto again = decode(encode(*record));
  KMS_CHECK(again && *again == *record);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  RoundTrips(text, kms::store::DecodeKey, kms::store::EncodeKey);
  RoundTrips(text, kms::store::DecodeAlias, kms::store::EncodeAlias);
  RoundTrips(text, kms::store::DecodeGrant, kms::store::EncodeGrant);
  return 0;
}
