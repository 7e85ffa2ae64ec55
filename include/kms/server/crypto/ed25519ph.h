// Ed25519ph: RFC 8032's HashEdDSA over edwards25519 with SHA-512 as the
// prehash and an empty context (section 5.1), which KMS calls
// ED25519_PH_SHA_512. OpenSSL 3.0 has only pure Ed25519, so this is built on
// libsodium's edwards25519 group and scalar operations. Thread-safe.
#ifndef KMS_SERVER_CRYPTO_ED25519PH_H_
#define KMS_SERVER_CRYPTO_ED25519PH_H_

#include <cstddef>

#include "kms/bytes.h"
#include "kms/status.h"

namespace kms::crypto {

// The sizes of an Ed25519 private key's seed, a public key, a prehash (a
// SHA-512 digest) and a signature (R || S).
inline constexpr size_t kEd25519SeedBytes = 32;
inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519phPrehashBytes = 64;
inline constexpr size_t kEd25519SignatureBytes = 64;

// The Ed25519ph signature of `prehash` (the message's SHA-512 digest) by the
// private key whose RFC 8032 seed is `seed`. The public key is derived from
// the seed, never taken from outside. kInternal when a size is wrong.
StatusOr<Bytes> Ed25519phSign(const SecretBytes& seed, ByteView prehash);

// Whether `signature` is a valid Ed25519ph signature of `prehash` by
// `public_key`. Refuses what libsodium's own verification refuses: a
// non-canonical S, and an R or public key that is not a canonical point of
// the prime-order subgroup.
bool Ed25519phVerify(ByteView public_key, ByteView prehash, ByteView signature);

}  // namespace kms::crypto

#endif  // KMS_SERVER_CRYPTO_ED25519PH_H_
