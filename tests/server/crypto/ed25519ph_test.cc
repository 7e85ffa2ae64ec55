#include "kms/server/crypto/ed25519ph.h"

#include <sodium.h>

#include <gtest/gtest.h>

#include "kms/bytes.h"
#include "kms/encoding.h"
#include "testing/status_matchers.h"

namespace kms::crypto {
namespace {

Bytes Hex(std::string_view hex) { return HexDecode(hex).value(); }

Bytes Sha512(ByteView message) {
  Bytes digest(crypto_hash_sha512_BYTES);
  crypto_hash_sha512(digest.data(), message.data(), message.size());
  return digest;
}

// RFC 8032, section 7.3: Ed25519ph of "abc".
const SecretBytes& RfcSeed() {
  static const SecretBytes kSeed(
      Hex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42"));
  return kSeed;
}
const Bytes kRfcPublicKey = Hex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf");
const Bytes kRfcSignature =
    Hex("98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
        "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406");
const Bytes kAbcPrehash = Sha512(AsBytes("abc"));

TEST(Ed25519phTest, SignsAndVerifiesRfc8032sTestVector) {
  KMS_ASSERT_OK_AND_ASSIGN(Bytes signature, Ed25519phSign(RfcSeed(), kAbcPrehash));
  EXPECT_EQ(HexEncode(signature), HexEncode(kRfcSignature));
  EXPECT_TRUE(Ed25519phVerify(kRfcPublicKey, kAbcPrehash, kRfcSignature));
}

TEST(Ed25519phTest, AnyChangedBitFailsVerification) {
  for (size_t bit = 0; bit < 8 * 64; bit += 37) {
    Bytes signature = kRfcSignature, prehash = kAbcPrehash;
    signature[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    prehash[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    EXPECT_FALSE(Ed25519phVerify(kRfcPublicKey, kAbcPrehash, signature)) << bit;
    EXPECT_FALSE(Ed25519phVerify(kRfcPublicKey, prehash, kRfcSignature)) << bit;
  }
  Bytes public_key = kRfcPublicKey;
  public_key[3] ^= 0x10;
  EXPECT_FALSE(Ed25519phVerify(public_key, kAbcPrehash, kRfcSignature));
}

TEST(Ed25519phTest, RefusesMalleatedAndDegenerateSignatures) {
  // S + L is the same scalar but not canonical: refused, as libsodium does.
  const Bytes group_order = Hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  Bytes malleated = kRfcSignature;
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    carry += malleated[32 + i] + group_order[i];
    malleated[32 + i] = static_cast<uint8_t>(carry);
    carry >>= 8;
  }
  ASSERT_EQ(carry, 0u);
  EXPECT_FALSE(Ed25519phVerify(kRfcPublicKey, kAbcPrehash, malleated));
  // The identity as R, as the public key, and a zero S.
  Bytes identity(32, 0);
  identity[0] = 1;
  Bytes small_order_r = kRfcSignature;
  std::copy(identity.begin(), identity.end(), small_order_r.begin());
  EXPECT_FALSE(Ed25519phVerify(kRfcPublicKey, kAbcPrehash, small_order_r));
  EXPECT_FALSE(Ed25519phVerify(identity, kAbcPrehash, kRfcSignature));
  Bytes zero_s = kRfcSignature;
  std::fill(zero_s.begin() + 32, zero_s.end(), 0);
  EXPECT_FALSE(Ed25519phVerify(kRfcPublicKey, kAbcPrehash, zero_s));
}

TEST(Ed25519phTest, RefusesWrongSizes) {
  EXPECT_FALSE(Ed25519phVerify(kRfcPublicKey, kAbcPrehash, Bytes(63)));
  EXPECT_FALSE(Ed25519phVerify(kRfcPublicKey, Bytes(32), kRfcSignature));
  EXPECT_FALSE(Ed25519phVerify(Bytes(31), kAbcPrehash, kRfcSignature));
  EXPECT_FALSE(Ed25519phSign(RfcSeed(), Bytes(32)).has_value());
  EXPECT_FALSE(Ed25519phSign(SecretBytes(16), kAbcPrehash).has_value());
}

// Against libsodium's own Ed25519ph (its multi-part API hashes the message
// itself): what one signs, the other verifies.
TEST(Ed25519phTest, AgreesWithLibsodiumsMultiPartSigning) {
  ASSERT_GE(sodium_init(), 0);
  for (size_t length : {0, 1, 111, 1000}) {
    Bytes message(length);
    randombytes_buf(message.data(), message.size());
    SecretBytes seed(kEd25519SeedBytes);
    randombytes_buf(seed.data(), seed.size());
    uint8_t public_key[crypto_sign_PUBLICKEYBYTES], secret_key[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(public_key, secret_key, seed.data());

    KMS_ASSERT_OK_AND_ASSIGN(Bytes ours, Ed25519phSign(seed, Sha512(message)));
    crypto_sign_state state;
    crypto_sign_init(&state);
    crypto_sign_update(&state, message.data(), message.size());
    EXPECT_EQ(crypto_sign_final_verify(&state, ours.data(), public_key), 0) << length;

    Bytes theirs(crypto_sign_BYTES);
    crypto_sign_init(&state);
    crypto_sign_update(&state, message.data(), message.size());
    crypto_sign_final_create(&state, theirs.data(), nullptr, secret_key);
    sodium_memzero(secret_key, sizeof secret_key);
    EXPECT_EQ(HexEncode(theirs), HexEncode(ours)) << length;  // deterministic
    EXPECT_TRUE(Ed25519phVerify(ByteView(public_key, sizeof public_key), Sha512(message), theirs));
  }
}

}  // namespace
}  // namespace kms::crypto
