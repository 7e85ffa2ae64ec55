// Fuzz target for the ciphertext blob parser: a blob that parses serializes
// back to the same bytes, and opening it never crashes.
#include <cstddef>
#include <cstdint>

#include "kms/server/crypto/ciphertext_blob.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kms::ByteView input(data, size);
  kms::StatusOr<kms::CiphertextBlob> blob = kms::ParseCiphertextBlob(input);
  if (!blob) return 0;
  const kms::Bytes again = kms::SerializeCiphertextBlob(*blob);
  KMS_CHECK(again == kms::Bytes(input.begin(), input.end()));
  KMS_CHECK(kms::ParseCiphertextBlob(again).value() == *blob);
  // The key id it names packs back into the same bytes.
  kms::KeyIdBytes packed{};
  bool multi_region = false;
  KMS_CHECK(kms::PackKeyId(kms::BlobKeyId(*blob), &packed, &multi_region));
  KMS_CHECK(packed == blob->key_id && multi_region == blob->multi_region_key);
  // No input can be authentic under a key it was not sealed with.
  static const kms::SecretBytes kZeroKey(32);
  KMS_CHECK(!kms::OpenCiphertextBlob(kZeroKey, *blob, {{"k", "v"}}).has_value());
  return 0;
}
