#include "kms/server/crypto/ed25519ph.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

namespace kms::crypto {
namespace {

// dom2(1, ""), RFC 8032's prefix for Ed25519ph: a fixed string, the prehash
// flag 1, then the length (0) of an empty context.
constexpr std::string_view kDom2("SigEd25519 no Ed25519 collisions\x01\x00", 34);

using Scalar = std::array<uint8_t, crypto_core_ed25519_SCALARBYTES>;
using Point = std::array<uint8_t, crypto_core_ed25519_BYTES>;

// Scalars and hashes of secrets, wiped when they go.
template <size_t N>
struct Wiped : std::array<uint8_t, N> {
  ~Wiped() { sodium_memzero(this->data(), N); }
};

void InitSodium() {
  // Thread-safe and idempotent; picks the CPU's implementations.
  [[maybe_unused]] static const int kInitialized = sodium_init();
}

// SHA-512(dom2 || first || second || prehash) reduced modulo the group order.
void HashToScalar(ByteView first, ByteView second, ByteView prehash, uint8_t* scalar_out) {
  crypto_hash_sha512_state state;
  Wiped<crypto_hash_sha512_BYTES> digest;
  crypto_hash_sha512_init(&state);
  crypto_hash_sha512_update(&state, AsBytes(kDom2).data(), kDom2.size());
  for (ByteView part : {first, second, prehash}) {
    if (!part.empty()) crypto_hash_sha512_update(&state, part.data(), part.size());
  }
  crypto_hash_sha512_final(&state, digest.data());
  sodium_memzero(&state, sizeof state);
  crypto_core_ed25519_scalar_reduce(scalar_out, digest.data());
}

// Whether a (public) 32-byte scalar is below the group order: canonical.
bool IsCanonicalScalar(ByteView scalar) {
  std::array<uint8_t, crypto_core_ed25519_NONREDUCEDSCALARBYTES> wide{};
  std::copy(scalar.begin(), scalar.end(), wide.begin());
  Scalar reduced;
  crypto_core_ed25519_scalar_reduce(reduced.data(), wide.data());
  return sodium_memcmp(reduced.data(), scalar.data(), reduced.size()) == 0;
}

}  // namespace

StatusOr<Bytes> Ed25519phSign(const SecretBytes& seed, ByteView prehash) {
  if (seed.size() != kEd25519SeedBytes || prehash.size() != kEd25519phPrehashBytes)
    return Error(Code::kInternal, "Ed25519ph signing: a seed or prehash of the wrong size");
  InitSodium();
  // h = SHA-512(seed): the secret scalar s (clamped) and the nonce prefix.
  Wiped<crypto_hash_sha512_BYTES> h;
  crypto_hash_sha512(h.data(), seed.data(), seed.size());
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  const ByteView secret_scalar(h.data(), 32), nonce_prefix(h.data() + 32, 32);
  Point public_key;
  if (crypto_scalarmult_ed25519_base_noclamp(public_key.data(), secret_scalar.data()) != 0)
    return Error(Code::kInternal, "Ed25519ph signing: no public key");
  // r = SHA-512(dom2 || prefix || PH(M)) mod L, R = [r]B.
  Wiped<crypto_core_ed25519_SCALARBYTES> r;
  HashToScalar({}, nonce_prefix, prehash, r.data());
  Bytes signature(kEd25519SignatureBytes);
  if (crypto_scalarmult_ed25519_base_noclamp(signature.data(), r.data()) != 0)
    return Error(Code::kInternal, "Ed25519ph signing: a zero nonce");
  // k = SHA-512(dom2 || R || A || PH(M)) mod L, S = (r + k * s) mod L.
  Scalar k;
  HashToScalar(ByteView(signature.data(), 32), public_key, prehash, k.data());
  Wiped<crypto_core_ed25519_NONREDUCEDSCALARBYTES> wide_s{};
  std::copy(secret_scalar.begin(), secret_scalar.end(), wide_s.begin());
  Wiped<crypto_core_ed25519_SCALARBYTES> s, ks;
  crypto_core_ed25519_scalar_reduce(s.data(), wide_s.data());
  crypto_core_ed25519_scalar_mul(ks.data(), k.data(), s.data());
  crypto_core_ed25519_scalar_add(signature.data() + 32, r.data(), ks.data());
  return signature;
}

bool Ed25519phVerify(ByteView public_key, ByteView prehash, ByteView signature) {
  if (public_key.size() != kEd25519PublicKeyBytes || prehash.size() != kEd25519phPrehashBytes ||
      signature.size() != kEd25519SignatureBytes)
    return false;
  InitSodium();
  const ByteView r_point = signature.first(32), s = signature.subspan(32);
  if (crypto_core_ed25519_is_valid_point(public_key.data()) != 1 ||
      crypto_core_ed25519_is_valid_point(r_point.data()) != 1 || !IsCanonicalScalar(s))
    return false;
  // [S]B == R + [k]A, k = SHA-512(dom2 || R || A || PH(M)) mod L.
  Scalar k;
  HashToScalar(r_point, public_key, prehash, k.data());
  Point s_b, k_a, sum;
  return crypto_scalarmult_ed25519_base_noclamp(s_b.data(), s.data()) == 0 &&
         crypto_scalarmult_ed25519_noclamp(k_a.data(), k.data(), public_key.data()) == 0 &&
         crypto_core_ed25519_add(sum.data(), r_point.data(), k_a.data()) == 0 &&
         sodium_memcmp(sum.data(), s_b.data(), sum.size()) == 0;
}

}  // namespace kms::crypto
