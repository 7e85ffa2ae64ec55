// Cryptographic primitives. The implementation (server/crypto/) is the only
// code that includes OpenSSL; callers never see EVP_*, nonces or key lengths
// beyond what these contracts state. All functions are thread-safe.
#ifndef KMS_CRYPTO_H_
#define KMS_CRYPTO_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "kms/bytes.h"
#include "kms/status.h"

namespace kms::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

// Fills `out` from the OS-seeded CSPRNG. KMS_CHECKs on RNG failure: there is
// no safe way to continue without randomness.
void RandomBytes(std::span<uint8_t> out);
Bytes RandomBytes(size_t size);
// Secret random bytes (keys), from OpenSSL's private DRBG.
SecretBytes RandomSecret(size_t size);
// The same, for bytes that are not secret once used (identifiers, salts,
// nonces), from the public DRBG.
// Both are served from a per-thread buffer refilled 4 KiB at a time and wiped
// as it is used, so that a request does not pay the CSPRNG's per-call cost
// for each value.
void RandomPublicBytes(std::span<uint8_t> out);

Sha256Digest Sha256(ByteView data);
Sha256Digest HmacSha256(ByteView key, ByteView data);

// HKDF-SHA256 (RFC 5869). kValidation if length > 255*32.
StatusOr<SecretBytes> HkdfSha256(ByteView key, ByteView salt, ByteView info, size_t length);

// AES-256-GCM with a random 96-bit nonce. Output: nonce || ciphertext || tag.
// Every authentication failure is the same kInvalidCiphertext.
class Aead {
 public:
  virtual ~Aead() = default;
  virtual StatusOr<Bytes> Encrypt(ByteView plaintext, ByteView associated_data) const = 0;
  virtual StatusOr<SecretBytes> Decrypt(ByteView ciphertext, ByteView associated_data) const = 0;
};
// kValidation unless key is exactly 32 bytes.
StatusOr<std::unique_ptr<Aead>> NewAes256Gcm(const SecretBytes& key);

// AES-256-GCM with a caller-supplied 12-byte nonce and separate 16-byte tag,
// for formats that lay the fields out themselves (the ciphertext blob). The
// caller guarantees the nonce is never reused under a key (the blob derives a
// fresh key per message).
Status Aes256GcmSeal(const SecretBytes& key, ByteView nonce, ByteView plaintext,
                     ByteView associated_data, std::span<uint8_t> ciphertext_out,
                     std::span<uint8_t> tag_out);
StatusOr<SecretBytes> Aes256GcmOpen(const SecretBytes& key, ByteView nonce, ByteView ciphertext,
                                    ByteView associated_data, ByteView tag);

// XTS-AES-256 over one data unit (a disk sector): key is 64 bytes (two AES-256
// keys, which must differ), tweak is the 16-byte little-endian sector number,
// in and out have the same length, at least 16 bytes.
Status XtsAes256(bool encrypt, const SecretBytes& key, uint64_t sector, ByteView in,
                 std::span<uint8_t> out);

}  // namespace kms::crypto

#endif  // KMS_CRYPTO_H_
