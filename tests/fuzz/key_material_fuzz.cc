// Fuzz target for the untrusted bytes kmsd hands OpenSSL with a KMS key:
// Verify's signature, DeriveSharedSecret's peer public key (DER) and an RSA
// ciphertext. None may crash; a forged signature or ciphertext never passes.
#include <cstddef>
#include <cstdint>

#include "kms/server/crypto/key_material.h"

namespace {

const kms::SecretBytes& Key(const char* spec) {
  static const kms::SecretBytes kEcc = kms::crypto::NewKeyMaterial("ECC_NIST_P256").value();
  static const kms::SecretBytes kRsa = kms::crypto::NewKeyMaterial("RSA_2048").value();
  return spec[0] == 'E' ? kEcc : kRsa;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kms::ByteView input(data, size);
  static const kms::Bytes kMessage = {'m', 's', 'g'};
  for (const char* algorithm :
       {"ECDSA_SHA_256", "RSASSA_PSS_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256"}) {
    auto valid = kms::crypto::Verify(Key(algorithm), algorithm, kMessage, false, input);
    KMS_CHECK(valid.has_value() && !*valid);
  }
  auto secret = kms::crypto::EcdhSharedSecret(Key("ECC"), input);
  KMS_CHECK(secret.has_value() || secret.error().code() == kms::Code::kValidation);
  auto plaintext = kms::crypto::RsaOaepDecrypt(Key("RSA"), "RSAES_OAEP_SHA_256", input);
  KMS_CHECK(!plaintext.has_value() && plaintext.error().code() == kms::Code::kInvalidCiphertext);
  return 0;
}
