#include "kms/server/crypto/key_material.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kms/bytes.h"
#include "kms/encoding.h"
#include "testing/status_matchers.h"

namespace kms::crypto {
namespace {

const Bytes kMessage = {'h', 'e', 'l', 'l', 'o'};

Bytes ToBytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

// Verify's answer, or a failure of the test when it fails.
bool Verified(const SecretBytes& key, const char* algorithm, const Bytes& message,
              const Bytes& signature) {
  auto valid = Verify(key, algorithm, message, false, signature);
  EXPECT_TRUE(valid.has_value());
  return valid.value_or(false);
}

TEST(KeyMaterialTest, HmacKeysAreAsLongAsTheirSpecSays) {
  for (auto [spec, bytes] :
       {std::pair{"HMAC_224", 28}, {"HMAC_256", 32}, {"HMAC_384", 48}, {"HMAC_512", 64}}) {
    KMS_ASSERT_OK_AND_ASSIGN(SecretBytes key, NewKeyMaterial(spec));
    EXPECT_EQ(key.size(), static_cast<size_t>(bytes)) << spec;
  }
  EXPECT_FALSE(NewKeyMaterial("SYMMETRIC_DEFAULT").has_value());
}

TEST(KeyMaterialTest, MacsAreRfc4231s) {
  // RFC 4231 test case 2: key "Jefe".
  const SecretBytes key(AsBytes("Jefe"));
  const Bytes data = ToBytes("what do ya want for nothing?");
  KMS_ASSERT_OK_AND_ASSIGN(Bytes mac, Mac("HMAC_SHA_256", key, data));
  EXPECT_EQ(HexEncode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  KMS_ASSERT_OK_AND_ASSIGN(mac, Mac("HMAC_SHA_224", key, data));
  EXPECT_EQ(HexEncode(mac), "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44");
}

TEST(KeyMaterialTest, EverySigningAlgorithmSignsAndVerifies) {
  for (auto [spec, algorithm] : {std::pair{"RSA_2048", "RSASSA_PSS_SHA_384"},
                                 {"RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512"},
                                 {"ECC_NIST_P256", "ECDSA_SHA_256"},
                                 {"ECC_NIST_P521", "ECDSA_SHA_512"},
                                 {"ECC_SECG_P256K1", "ECDSA_SHA_256"},
                                 {"ECC_NIST_EDWARDS25519", "ED25519_SHA_512"},
                                 {"ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512"},
                                 {"SM2", "SM2DSA"}}) {
    KMS_ASSERT_OK_AND_ASSIGN(SecretBytes key, NewKeyMaterial(spec));
    KMS_ASSERT_OK_AND_ASSIGN(Bytes signature, Sign(key, algorithm, kMessage, false));
    EXPECT_TRUE(Verified(key, algorithm, kMessage, signature)) << algorithm;
    Bytes other = kMessage;
    other[0] ^= 1;
    EXPECT_FALSE(Verified(key, algorithm, other, signature)) << algorithm;
    EXPECT_FALSE(Verified(key, algorithm, kMessage, Bytes{0x30, 0x00})) << algorithm;
  }
  EXPECT_EQ(DigestLength("ECDSA_SHA_384"), 48u);
  EXPECT_EQ(DigestLength("RSASSA_PSS_SHA_256"), 32u);
  EXPECT_EQ(DigestLength("SM2DSA"), 32u);
}

TEST(KeyMaterialTest, Ed25519phSignsAMessageOrItsSha512DigestAlike) {
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes key, NewKeyMaterial("ECC_NIST_EDWARDS25519"));
  const Bytes message = ToBytes("abc");
  const Bytes digest = HexDecode(
                           "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                           "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
                           .value();  // SHA-512("abc")
  KMS_ASSERT_OK_AND_ASSIGN(Bytes of_message, Sign(key, "ED25519_PH_SHA_512", message, false));
  KMS_ASSERT_OK_AND_ASSIGN(Bytes of_digest, Sign(key, "ED25519_PH_SHA_512", digest, true));
  EXPECT_EQ(of_message, of_digest);  // Ed25519ph is deterministic
  KMS_ASSERT_OK_AND_ASSIGN(bool valid, Verify(key, "ED25519_PH_SHA_512", digest, true, of_message));
  EXPECT_TRUE(valid);
  // Not pure Ed25519's signature of the same message.
  KMS_ASSERT_OK_AND_ASSIGN(Bytes pure, Sign(key, "ED25519_SHA_512", message, false));
  EXPECT_NE(pure, of_message);
  EXPECT_FALSE(Verified(key, "ED25519_PH_SHA_512", message, pure));
  EXPECT_EQ(DigestLength("ED25519_PH_SHA_512"), 64u);
}

TEST(KeyMaterialTest, Sm2KeysDescribeThemselvesAndSignDigestsApart) {
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes key, NewKeyMaterial("SM2"));
  KMS_ASSERT_OK_AND_ASSIGN(PrivateKey described, PrivateKeyFromDer(key));
  EXPECT_EQ(described.key_spec, "SM2");
  // A DIGEST is SM3 over the signer's Z value and the message: a signature of
  // the RAW message is no signature of SM3(message) alone.
  KMS_ASSERT_OK_AND_ASSIGN(Bytes signature, Sign(key, "SM2DSA", kMessage, false));
  const Bytes plain_sm3 =
      HexDecode("becbbfaae6548b8bf0cfcad5a27183cd1be6093b1cceccc303d9c61d0a645268")
          .value_or(Bytes{});
  KMS_ASSERT_OK_AND_ASSIGN(bool as_digest, Verify(key, "SM2DSA", plain_sm3, true, signature));
  EXPECT_FALSE(as_digest);
  const Bytes digest(32, 7);
  KMS_ASSERT_OK_AND_ASSIGN(Bytes digest_signature, Sign(key, "SM2DSA", digest, true));
  KMS_ASSERT_OK_AND_ASSIGN(bool valid, Verify(key, "SM2DSA", digest, true, digest_signature));
  EXPECT_TRUE(valid);
}

TEST(KeyMaterialTest, RsaOaepRoundTripsAndRefusesAnythingElse) {
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes key, NewKeyMaterial("RSA_2048"));
  EXPECT_EQ(MaxPlaintext("RSA_2048", "RSAES_OAEP_SHA_1"), 214u);
  EXPECT_EQ(MaxPlaintext("RSA_4096", "RSAES_OAEP_SHA_256"), 446u);
  KMS_ASSERT_OK_AND_ASSIGN(Bytes ciphertext, PublicKeyEncrypt(key, "RSAES_OAEP_SHA_256", kMessage));
  EXPECT_EQ(ciphertext.size(), 256u);
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes plaintext,
                           PrivateKeyDecrypt(key, "RSAES_OAEP_SHA_256", ciphertext));
  EXPECT_EQ(plaintext, SecretBytes(kMessage));
  EXPECT_THAT(PrivateKeyDecrypt(key, "RSAES_OAEP_SHA_1", ciphertext),
              StatusIs(Code::kInvalidCiphertext));
}

TEST(KeyMaterialTest, Sm2PkeRoundTripsAndRefusesAnythingElse) {
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes key, NewKeyMaterial("SM2"));
  EXPECT_EQ(MaxPlaintext("SM2", "SM2PKE"), 1024u);
  EXPECT_EQ(MaxPlaintext("RSA_2048", "SM2PKE"), 0u);
  KMS_ASSERT_OK_AND_ASSIGN(Bytes ciphertext, PublicKeyEncrypt(key, "SM2PKE", kMessage));
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes plaintext, PrivateKeyDecrypt(key, "SM2PKE", ciphertext));
  EXPECT_EQ(plaintext, SecretBytes(kMessage));
  ciphertext.back() ^= 1;
  EXPECT_THAT(PrivateKeyDecrypt(key, "SM2PKE", ciphertext), StatusIs(Code::kInvalidCiphertext));
  EXPECT_THAT(PrivateKeyDecrypt(key, "SM2PKE", Bytes{1, 2, 3}), StatusIs(Code::kInvalidCiphertext));
}

// Two keys of `spec` derive the same secret of `size` bytes from each other's
// public key; a key of another curve, or bytes that are no key, are refused.
void ExpectEcdhAgreesOnlyOnItsCurve(const char* spec, size_t size) {
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes ours, NewKeyMaterial(spec));
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes theirs, NewKeyMaterial(spec));
  KMS_ASSERT_OK_AND_ASSIGN(Bytes our_public, PublicKeyOf(ours));
  KMS_ASSERT_OK_AND_ASSIGN(Bytes their_public, PublicKeyOf(theirs));
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes one, EcdhSharedSecret(ours, their_public));
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes two, EcdhSharedSecret(theirs, our_public));
  EXPECT_EQ(one, two);
  EXPECT_EQ(one.size(), size);
  KMS_ASSERT_OK_AND_ASSIGN(SecretBytes p256, NewKeyMaterial("ECC_NIST_P256"));
  KMS_ASSERT_OK_AND_ASSIGN(Bytes p256_public, PublicKeyOf(p256));
  EXPECT_THAT(EcdhSharedSecret(ours, p256_public), StatusIs(Code::kValidation));
  EXPECT_THAT(EcdhSharedSecret(p256, their_public), StatusIs(Code::kValidation));
  EXPECT_THAT(EcdhSharedSecret(ours, Bytes{1, 2, 3}), StatusIs(Code::kValidation));
}

TEST(KeyMaterialTest, EcdhAgreesFromBothSidesAndOnlyOnItsCurve) {
  ExpectEcdhAgreesOnlyOnItsCurve("ECC_NIST_P384", 48);
  // SM2: computed from the curve arithmetic, not OpenSSL's key exchange.
  ExpectEcdhAgreesOnlyOnItsCurve("SM2", 32);
}

}  // namespace
}  // namespace kms::crypto
