// The cryptography of KMS keys other than SYMMETRIC_DEFAULT: HMAC keys and
// RSA, elliptic-curve and SM2 key pairs. Private keys travel as PKCS#8 DER in
// SecretBytes (what the key store wraps); public keys as DER
// SubjectPublicKeyInfo (what GetPublicKey returns). Names are KMS's
// (KeySpec, SigningAlgorithm, MacAlgorithm). Thread-safe.
#ifndef KMS_SERVER_CRYPTO_KEY_MATERIAL_H_
#define KMS_SERVER_CRYPTO_KEY_MATERIAL_H_

#include <string>
#include <string_view>

#include "kms/bytes.h"
#include "kms/status.h"

namespace kms::crypto {

// New key material for `key_spec`: random bytes of the HMAC_* spec's size, or
// a new RSA_* / ECC_* / SM2 private key (ECC_NIST_EDWARDS25519: Ed25519) as PKCS#8 DER. kInternal
// for another spec (SYMMETRIC_DEFAULT material is the key service's own 32 bytes).
StatusOr<SecretBytes> NewKeyMaterial(std::string_view key_spec);

// The bytes of key material an HMAC_* spec has (HMAC_224: 28); 0 for another.
size_t HmacKeyLength(std::string_view key_spec);

// A private key as kmsd keeps it: its KeySpec, found from the key itself, and
// its PKCS#8 DER.
struct PrivateKey {
  std::string key_spec;  // RSA_2048/3072/4096, ECC_NIST_P256/384/521, ECC_SECG_P256K1, ...
  SecretBytes pkcs8;
};
// Reads an unencrypted PEM private key: PKCS#8 ("PRIVATE KEY"), PKCS#1
// ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"). kValidation with a plain
// reason (never the key) when it does not parse, is encrypted, or is of a
// kind or size KMS has no KeySpec for.
StatusOr<PrivateKey> PrivateKeyFromPem(std::string_view pem);
// The same for a PKCS#8 DER private key (imported key material).
StatusOr<PrivateKey> PrivateKeyFromDer(const SecretBytes& pkcs8);

// Key material wrapped for import (GetParametersForImport/ImportKeyMaterial)
// with the RSA public key of `wrapping_private_key` (PKCS#8):
// RSAES_OAEP_SHA_1/_256 encrypt the material itself; RSA_AES_KEY_WRAP_SHA_1/
// _256 encrypt a 256-bit AES key with RSAES-OAEP, followed by the material
// wrapped under it with AES key wrap with padding (RFC 5649), as the AWS
// guide's openssl commands make it. kInvalidCiphertext (no message) for
// anything that does not unwrap.
StatusOr<SecretBytes> UnwrapImportedMaterial(const SecretBytes& wrapping_private_key,
                                             std::string_view wrapping_algorithm,
                                             ByteView encrypted);

// The DER SubjectPublicKeyInfo of a PKCS#8 private key.
StatusOr<Bytes> PublicKeyOf(const SecretBytes& private_key);

// The digest length `signing_algorithm` expects of a DIGEST message (32 for
// *_SHA_256 and SM2DSA, 48 for *_SHA_384, 64 for *_SHA_512).
size_t DigestLength(std::string_view signing_algorithm);

// Signs `message` (a RAW message, hashed here, or its digest when
// `is_digest`) with RSASSA-PSS (salt as long as the digest, MGF1 with the
// same hash), RSASSA-PKCS1-v1_5, ECDSA (a DER ECDSA-Sig-Value), SM2DSA (a DER
// signature with SM3; a RAW message is hashed with the signer's Z value for
// the default distinguishing ID 1234567812345678, a DIGEST is that hash) or,
// for ED25519_SHA_512, pure Ed25519 of a RAW message (64 bytes), as KMS does.
StatusOr<Bytes> Sign(const SecretBytes& private_key, std::string_view signing_algorithm,
                     ByteView message, bool is_digest);
// Whether `signature` is a valid signature of `message` by the key.
StatusOr<bool> Verify(const SecretBytes& private_key, std::string_view signing_algorithm,
                      ByteView message, bool is_digest, ByteView signature);

// The most plaintext `encryption_algorithm` encrypts under a key of
// `key_spec`: for RSAES_OAEP_SHA_1 / _256 the modulus' bytes less twice the
// digest and 2 (RSA_2048 with SHA-1: 214); for SM2PKE 1024, as KMS states it.
size_t MaxPlaintext(std::string_view key_spec, std::string_view encryption_algorithm);
// RSAES-OAEP with MGF1 over the same hash and no label (the ciphertext is the
// raw RSA output), or SM2PKE (SM2 public key encryption with SM3, the DER
// C1C3C2 ciphertext of GM/T 0009), as KMS does.
StatusOr<Bytes> PublicKeyEncrypt(const SecretBytes& private_key,
                                 std::string_view encryption_algorithm, ByteView plaintext);
// kInvalidCiphertext (no message) when the ciphertext does not decrypt.
StatusOr<SecretBytes> PrivateKeyDecrypt(const SecretBytes& private_key,
                                        std::string_view encryption_algorithm, ByteView ciphertext);

// The ECDH shared secret of an EC or SM2 private key and a peer's public key
// (DER SubjectPublicKeyInfo): the x coordinate of the shared point, as KMS's
// DeriveSharedSecret returns it. kValidation (no message) when the peer's key
// does not parse or is not on the private key's curve.
StatusOr<SecretBytes> EcdhSharedSecret(const SecretBytes& private_key, ByteView peer_public_key);

// HMAC of `message` with `key` for HMAC_SHA_224/256/384/512.
StatusOr<Bytes> Mac(std::string_view mac_algorithm, const SecretBytes& key, ByteView message);

}  // namespace kms::crypto

#endif  // KMS_SERVER_CRYPTO_KEY_MATERIAL_H_
