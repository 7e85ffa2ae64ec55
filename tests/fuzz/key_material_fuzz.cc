// Fuzz target for the untrusted bytes kmsd hands OpenSSL (and libsodium, for
// Ed25519ph) with a KMS key: Verify's signature (and an Ed25519ph DIGEST), DeriveSharedSecret's
// peer public key (DER), an RSA or SM2 ciphertext, ImportKeyMaterial's wrapped material and what it
// unwraps to (a PKCS#8 private key), and a seed file's PEM key. None may crash; a forged signature
// or ciphertext never passes.
#include <cstddef>
#include <cstdint>

#include "kms/server/crypto/key_material.h"

namespace {

// The key for an algorithm or spec: ECDSA/ECC, SM2..., else RSA.
const kms::SecretBytes& Key(const char* spec) {
  static const kms::SecretBytes kEcc = kms::crypto::NewKeyMaterial("ECC_NIST_P256").value();
  static const kms::SecretBytes kSm2 = kms::crypto::NewKeyMaterial("SM2").value();
  static const kms::SecretBytes kRsa = kms::crypto::NewKeyMaterial("RSA_2048").value();
  return spec[0] == 'E' ? kEcc : spec[0] == 'S' ? kSm2 : kRsa;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kms::ByteView input(data, size);
  static const kms::Bytes kMessage = {'m', 's', 'g'};
  for (const char* algorithm :
       {"ECDSA_SHA_256", "RSASSA_PSS_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256", "SM2DSA"}) {
    auto valid = kms::crypto::Verify(Key(algorithm), algorithm, kMessage, false, input);
    KMS_CHECK(valid.has_value() && !*valid);
  }
  static const kms::SecretBytes kEd25519 =
      kms::crypto::NewKeyMaterial("ECC_NIST_EDWARDS25519").value();
  for (const char* algorithm : {"ED25519_SHA_512", "ED25519_PH_SHA_512"}) {
    auto valid = kms::crypto::Verify(kEd25519, algorithm, kMessage, false, input);
    KMS_CHECK(valid.has_value() && !*valid);
  }
  if (size >= 128) {  // a 64-byte digest, then a signature of it
    auto valid = kms::crypto::Verify(kEd25519, "ED25519_PH_SHA_512", input.first(64), true,
                                     input.subspan(64));
    KMS_CHECK(valid.has_value() && !*valid);
  }
  for (const char* spec : {"ECC", "SM2"}) {
    auto secret = kms::crypto::EcdhSharedSecret(Key(spec), input);
    KMS_CHECK(secret.has_value() || secret.error().code() == kms::Code::kValidation);
  }
  for (const char* algorithm : {"RSAES_OAEP_SHA_256", "SM2PKE"}) {
    auto plaintext = kms::crypto::PrivateKeyDecrypt(Key(algorithm), algorithm, input);
    KMS_CHECK(!plaintext.has_value() && plaintext.error().code() == kms::Code::kInvalidCiphertext);
  }
  for (const char* wrapping : {"RSAES_OAEP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"}) {
    auto unwrapped = kms::crypto::UnwrapImportedMaterial(Key("RSA"), wrapping, input);
    KMS_CHECK(!unwrapped.has_value() && unwrapped.error().code() == kms::Code::kInvalidCiphertext);
  }
  auto der = kms::crypto::PrivateKeyFromDer(kms::SecretBytes(input));
  KMS_CHECK(der.has_value() || der.error().code() == kms::Code::kValidation);
  auto pem =
      kms::crypto::PrivateKeyFromPem(std::string_view(reinterpret_cast<const char*>(data), size));
  KMS_CHECK(pem.has_value() || pem.error().code() == kms::Code::kValidation);
  return 0;
}
