// The ciphertext blob returned by Encrypt / GenerateDataKey* and taken by
// Decrypt / ReEncrypt. Versioned; the layout (all integers big-endian) is:
//
//   magic 'k' (1) | format (1) | key id (16) | key version (4)
//   | salt (16) | nonce (12) | ciphertext (n) | GCM tag (16)
//
// Format 0x01: the key id is a UUID's 16 bytes; 0x02: the 32 hex digits of a
// multi-Region key's "mrk-" id (which names the key in every Region of its set,
// so the blob decrypts under any of them).
//
// The per-message key is HKDF-SHA256(backing key, salt, "kmsd blob v1"), so no
// nonce-reuse bound applies per KMS key. The associated data is the header
// (everything before the ciphertext) followed by the canonical encryption
// context, so any change to the header or the context fails authentication.
#ifndef KMS_SERVER_CRYPTO_CIPHERTEXT_BLOB_H_
#define KMS_SERVER_CRYPTO_CIPHERTEXT_BLOB_H_

#include <array>
#include <cstdint>
#include <string>

#include "kms/bytes.h"
#include "kms/clock.h"
#include "kms/encryption_context.h"
#include "kms/status.h"

namespace kms {

using KeyIdBytes = std::array<uint8_t, 16>;

struct CiphertextBlob {
  static constexpr uint8_t kMagic = 'k';
  static constexpr uint8_t kFormatV1 = 0x01;
  static constexpr uint8_t kFormatV1MultiRegion = 0x02;
  static constexpr size_t kHeaderSize = 1 + 1 + 16 + 4 + 16 + 12;
  static constexpr size_t kTagSize = 16;

  KeyIdBytes key_id{};
  bool multi_region_key = false;  // format 0x02
  uint32_t key_version = 0;
  std::array<uint8_t, 16> salt{};
  std::array<uint8_t, 12> nonce{};
  Bytes ciphertext;
  std::array<uint8_t, 16> tag{};

  friend bool operator==(const CiphertextBlob&, const CiphertextBlob&) = default;
};

// kInvalidCiphertext (with no message, as KMS) for anything that is not a
// well-formed v1 blob.
StatusOr<CiphertextBlob> ParseCiphertextBlob(ByteView bytes);
Bytes SerializeCiphertextBlob(const CiphertextBlob& blob);
// The header bytes, the first part of the blob's associated data.
Bytes CiphertextBlobHeader(const CiphertextBlob& blob);

// "1234abcd-12ab-34cd-56ef-1234567890ab" <-> 16 bytes. Parse returns false for
// anything but the canonical lowercase (or uppercase) 8-4-4-4-12 form.
bool ParseUuid(std::string_view text, KeyIdBytes* out);
std::string FormatUuid(const KeyIdBytes& id);
// A key id in 16 bytes: a UUID's, or the 32 hex digits of an "mrk-" id
// (`multi_region` true). Pack returns false for anything else.
bool PackKeyId(std::string_view key_id, KeyIdBytes* out, bool* multi_region);
std::string UnpackKeyId(const KeyIdBytes& bytes, bool multi_region);
// The blob's key id, as text.
inline std::string BlobKeyId(const CiphertextBlob& blob) {
  return UnpackKeyId(blob.key_id, blob.multi_region_key);
}
// A new multi-Region key id: "mrk-" and 32 random hex digits.
std::string NewMultiRegionKeyId();
// A random (version 4) UUID.
std::string NewUuid();
// A time-ordered (version 7) UUID: 48 bits of milliseconds since the epoch,
// then random bits. Ids made later sort later, so indexes keyed by them grow
// at one end instead of touching a random page per insert.
std::string NewTimeOrderedUuid(EpochMillis now);

// Seals `plaintext` under `backing_key` (32 bytes) for the key `key_id` (a
// UUID or an "mrk-" id; kInternal for anything else) at `key_version`;
// returns the serialized blob.
StatusOr<Bytes> SealCiphertextBlob(const SecretBytes& backing_key, std::string_view key_id,
                                   uint32_t key_version, ByteView plaintext,
                                   const EncryptionContext& context);
// Opens a parsed blob; kInvalidCiphertext (no message) on any mismatch.
StatusOr<SecretBytes> OpenCiphertextBlob(const SecretBytes& backing_key, const CiphertextBlob& blob,
                                         const EncryptionContext& context);

}  // namespace kms

#endif  // KMS_SERVER_CRYPTO_CIPHERTEXT_BLOB_H_
