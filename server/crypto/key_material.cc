#include "kms/server/crypto/key_material.h"

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "kms/crypto.h"
#include "kms/server/crypto/ed25519ph.h"

namespace kms::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct Pkcs8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* info) const { PKCS8_PRIV_KEY_INFO_free(info); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// An OpenSSL failure as an internal error; the error queue is emptied so it
// cannot leak into a later, unrelated call on this thread.
std::unexpected<Status> OpenSslError(std::string_view what) {
  ERR_clear_error();
  return Error(Code::kInternal, std::string(what) + " failed");
}

StatusOr<SecretBytes> Pkcs8Of(const EVP_PKEY* key) {
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Free> info(EVP_PKEY2PKCS8(key));
  if (!info) return OpenSslError("PKCS#8 encoding");
  const int size = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
  if (size <= 0) return OpenSslError("PKCS#8 encoding");
  SecretBytes der(static_cast<size_t>(size));
  unsigned char* out = der.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(info.get(), &out) != size) return OpenSslError("PKCS#8 encoding");
  return der;
}

StatusOr<Pkey> ParsePrivateKey(const SecretBytes& der) {
  const unsigned char* in = der.data();
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Free> info(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &in, static_cast<long>(der.size())));
  if (!info) return OpenSslError("reading a private key");
  Pkey key(EVP_PKCS82PKEY(info.get()));
  if (!key) return OpenSslError("reading a private key");
  return key;
}

// Pure Ed25519 (RFC 8032), which hashes the message itself with SHA-512.
constexpr std::string_view kEd25519 = "ED25519_SHA_512";
// Ed25519ph: Ed25519 of the message's SHA-512 digest (ed25519ph.h).
constexpr std::string_view kEd25519ph = "ED25519_PH_SHA_512";
// SM2 signatures with SM3 (GB/T 32918), and SM2 public key encryption.
constexpr std::string_view kSm2Dsa = "SM2DSA";
constexpr std::string_view kSm2Pke = "SM2PKE";
// The distinguishing ID KMS signs with (GM/T 0009's default).
constexpr std::string_view kSm2DefaultId = "1234567812345678";
// The most plaintext SM2PKE takes, as KMS states it.
constexpr size_t kSm2MaxPlaintext = 1024;

// The bits of an RSA_* or HMAC_* spec (RSA_2048: 2048); 0 for another.
size_t SpecBits(std::string_view key_spec) {
  for (auto [suffix, bits] : {std::pair{"_224", 224},
                              {"_256", 256},
                              {"_384", 384},
                              {"_512", 512},
                              {"_2048", 2048},
                              {"_3072", 3072},
                              {"_4096", 4096}}) {
    if ((key_spec.starts_with("RSA_") || key_spec.starts_with("HMAC_")) &&
        key_spec.ends_with(suffix))
      return static_cast<size_t>(bits);
  }
  return 0;
}

// The digest a KMS algorithm name ends with: "..._SHA_256" -> "SHA256".
const char* DigestName(std::string_view algorithm) {
  if (algorithm == kSm2Dsa) return "SM3";
  if (algorithm.ends_with("SHA_224")) return "SHA224";
  if (algorithm.ends_with("SHA_256")) return "SHA256";
  if (algorithm.ends_with("SHA_384")) return "SHA384";
  if (algorithm.ends_with("SHA_512")) return "SHA512";
  return nullptr;
}

// A signing context for `algorithm`, initialized for signing or verifying.
StatusOr<PkeyCtx> SigningContext(EVP_PKEY* key, std::string_view algorithm, bool for_signing) {
  const char* digest_name = DigestName(algorithm);
  if (digest_name == nullptr)
    return Error(Code::kInternal, "unknown signing algorithm " + std::string(algorithm));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) return OpenSslError("a signing context");
  if ((for_signing ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1)
    return OpenSslError("a signing context");
  if (algorithm.starts_with("RSASSA_PSS_")) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1)
      return OpenSslError("RSASSA-PSS parameters");
  } else if (algorithm.starts_with("RSASSA_PKCS1_V1_5_")) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
      return OpenSslError("RSASSA-PKCS1-v1_5 parameters");
  }
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_get_digestbyname(digest_name)) != 1)
    return OpenSslError("the signature's digest");
  return ctx;
}

// The digest to sign: `message` itself when it is one, else its hash.
StatusOr<Bytes> DigestToSign(std::string_view algorithm, ByteView message, bool is_digest) {
  if (is_digest) return Bytes(message.begin(), message.end());
  Bytes digest(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (EVP_Digest(message.data(), message.size(), digest.data(), &size,
                 EVP_get_digestbyname(DigestName(algorithm)), nullptr) != 1)
    return OpenSslError("hashing the message");
  digest.resize(size);
  return digest;
}

// Whether `algorithm` signs the whole message in one call (EVP_DigestSign):
// pure Ed25519, which hashes it itself, and SM2DSA of a RAW message, hashed
// with SM3 over the signer's Z value.
bool SignsWholeMessage(std::string_view algorithm, bool is_digest) {
  return algorithm == kEd25519 || (algorithm == kSm2Dsa && !is_digest);
}

// The context of a whole-message signature; for SM2DSA its signing context
// carries the distinguishing ID.
class MessageSigningCtx {
 public:
  MessageSigningCtx() : md_(EVP_MD_CTX_new()) {}
  ~MessageSigningCtx() {
    EVP_MD_CTX_free(md_);
    EVP_PKEY_CTX_free(pkey_ctx_);
  }
  MessageSigningCtx(const MessageSigningCtx&) = delete;
  MessageSigningCtx& operator=(const MessageSigningCtx&) = delete;

  // Ready to sign (or verify) with `algorithm`.
  bool Init(EVP_PKEY* key, std::string_view algorithm, bool for_signing) {
    if (md_ == nullptr) return false;
    const EVP_MD* digest = nullptr;  // Ed25519 hashes the message itself
    if (algorithm == kSm2Dsa) {
      pkey_ctx_ = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
      if (pkey_ctx_ == nullptr ||
          EVP_PKEY_CTX_set1_id(pkey_ctx_, kSm2DefaultId.data(), kSm2DefaultId.size()) != 1)
        return false;
      EVP_MD_CTX_set_pkey_ctx(md_, pkey_ctx_);  // md_ does not own it
      digest = EVP_get_digestbyname("SM3");
    }
    return for_signing ? EVP_DigestSignInit(md_, nullptr, digest, nullptr, key) == 1
                       : EVP_DigestVerifyInit(md_, nullptr, digest, nullptr, key) == 1;
  }
  EVP_MD_CTX* get() const { return md_; }

 private:
  EVP_MD_CTX* md_;
  EVP_PKEY_CTX* pkey_ctx_ = nullptr;
};

StatusOr<Bytes> SignMessage(EVP_PKEY* key, std::string_view algorithm, ByteView message) {
  MessageSigningCtx ctx;
  size_t size = 0;
  if (!ctx.Init(key, algorithm, true) ||
      EVP_DigestSign(ctx.get(), nullptr, &size, message.data(), message.size()) != 1)
    return OpenSslError(std::string(algorithm) + " signing");
  Bytes signature(size);
  if (EVP_DigestSign(ctx.get(), signature.data(), &size, message.data(), message.size()) != 1)
    return OpenSslError(std::string(algorithm) + " signing");
  signature.resize(size);
  return signature;
}

bool VerifyMessage(EVP_PKEY* key, std::string_view algorithm, ByteView message,
                   ByteView signature) {
  MessageSigningCtx ctx;
  const bool valid = ctx.Init(key, algorithm, false) &&
                     EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                                      message.size()) == 1;
  ERR_clear_error();
  return valid;
}

// An Ed25519 key's raw private (seed) or public key.
StatusOr<SecretBytes> RawEd25519Key(EVP_PKEY* key, bool private_part) {
  SecretBytes raw(private_part ? kEd25519SeedBytes : kEd25519PublicKeyBytes);
  size_t size = raw.size();
  if ((private_part ? EVP_PKEY_get_raw_private_key(key, raw.data(), &size)
                    : EVP_PKEY_get_raw_public_key(key, raw.data(), &size)) != 1 ||
      size != raw.size())
    return OpenSslError("reading an Ed25519 key");
  return raw;
}

}  // namespace

StatusOr<SecretBytes> NewKeyMaterial(std::string_view key_spec) {
  if (key_spec.starts_with("HMAC_")) {
    // HMAC_224 has 224 bits of key material, and so on.
    const size_t bits = SpecBits(key_spec);
    if (bits == 0) return Error(Code::kInternal, "no key material for " + std::string(key_spec));
    return RandomSecret(bits / 8);
  }
  Pkey key;
  if (key_spec == "ECC_NIST_EDWARDS25519") {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  } else if (key_spec == "SM2") {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
  } else if (key_spec.starts_with("RSA_")) {
    const size_t bits = SpecBits(key_spec);
    if (bits == 0) return Error(Code::kInternal, "no key material for " + std::string(key_spec));
    key.reset(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  } else {
    const char* curve = key_spec == "ECC_NIST_P256"     ? "P-256"
                        : key_spec == "ECC_NIST_P384"   ? "P-384"
                        : key_spec == "ECC_NIST_P521"   ? "P-521"
                        : key_spec == "ECC_SECG_P256K1" ? "secp256k1"
                                                        : nullptr;
    if (curve == nullptr)
      return Error(Code::kInternal, "no key material for key spec " + std::string(key_spec));
    key.reset(EVP_EC_gen(curve));
  }
  if (!key) return OpenSslError("generating a key pair");
  return Pkcs8Of(key.get());
}

size_t HmacKeyLength(std::string_view key_spec) {
  return key_spec.starts_with("HMAC_") ? SpecBits(key_spec) / 8 : 0;
}

namespace {

// The KeySpec and PKCS#8 of a parsed private key; kValidation for a kind or
// size KMS has no KeySpec for.
StatusOr<PrivateKey> DescribePrivateKey(const EVP_PKEY* key) {
  std::string spec;
  if (EVP_PKEY_is_a(key, "RSA")) {
    const int bits = EVP_PKEY_get_bits(key);
    if (bits == 2048 || bits == 3072 || bits == 4096) spec = "RSA_" + std::to_string(bits);
    if (spec.empty())
      return Error(Code::kValidation, "an RSA key of " + std::to_string(bits) +
                                          " bits; KMS has RSA_2048, RSA_3072 and RSA_4096");
  } else if (EVP_PKEY_is_a(key, "ED25519")) {
    spec = "ECC_NIST_EDWARDS25519";
  } else if (EVP_PKEY_is_a(key, "SM2")) {
    spec = "SM2";
  } else if (EVP_PKEY_is_a(key, "EC")) {
    char curve[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve,
                                       &length) != 1)
      return Error(Code::kValidation, "an EC key without a named curve");
    const std::string_view name(curve, length);
    spec = name == "prime256v1"  ? "ECC_NIST_P256"
           : name == "secp384r1" ? "ECC_NIST_P384"
           : name == "secp521r1" ? "ECC_NIST_P521"
           : name == "secp256k1" ? "ECC_SECG_P256K1"
                                 : "";
    if (spec.empty())
      return Error(Code::kValidation, "an EC key on curve " + std::string(name) +
                                          "; KMS has P-256, P-384, P-521 and secp256k1");
  } else {
    return Error(Code::kValidation, "a private key of a kind KMS has no key spec for");
  }
  KMS_ASSIGN_OR_RETURN(SecretBytes pkcs8, Pkcs8Of(key));
  return PrivateKey{std::move(spec), std::move(pkcs8)};
}

// AES-256 key unwrap with padding (RFC 5649): OpenSSL's id-aes256-wrap-pad.
StatusOr<SecretBytes> AesKeyUnwrapPad(const SecretBytes& kek, ByteView wrapped) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  if (!ctx || kek.size() != 32 || wrapped.size() < 16 || wrapped.size() % 8 != 0 ||
      wrapped.size() > (1u << 20))
    return Error(Code::kInvalidCiphertext);
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  SecretBytes out(wrapped.size() + 16);
  int length = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_wrap_pad(), nullptr, kek.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &length, wrapped.data(),
                        static_cast<int>(wrapped.size())) != 1 ||
      length <= 0) {
    ERR_clear_error();
    return Error(Code::kInvalidCiphertext);
  }
  return SecretBytes(ByteView(out.data(), static_cast<size_t>(length)));
}

}  // namespace

StatusOr<PrivateKey> PrivateKeyFromPem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return OpenSslError("reading a PEM key");
  // No passphrase: an encrypted key fails instead of prompting on the terminal.
  auto no_passphrase = [](char*, int, int, void*) { return -1; };
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();
  if (!key)
    return Error(Code::kValidation, "not an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1)");
  return DescribePrivateKey(key.get());
}

StatusOr<PrivateKey> PrivateKeyFromDer(const SecretBytes& pkcs8) {
  auto key = ParsePrivateKey(pkcs8);
  if (!key) return Error(Code::kValidation, "not a PKCS#8 DER private key");
  return DescribePrivateKey(key->get());
}

StatusOr<SecretBytes> UnwrapImportedMaterial(const SecretBytes& wrapping_private_key,
                                             std::string_view wrapping_algorithm,
                                             ByteView encrypted) {
  const bool sha256 = wrapping_algorithm.ends_with("SHA_256");
  const std::string_view oaep = sha256 ? "RSAES_OAEP_SHA_256" : "RSAES_OAEP_SHA_1";
  if (wrapping_algorithm.starts_with("RSAES_OAEP_"))
    return PrivateKeyDecrypt(wrapping_private_key, oaep, encrypted);
  if (!wrapping_algorithm.starts_with("RSA_AES_KEY_WRAP_"))
    return Error(Code::kInternal, "unknown wrapping algorithm " + std::string(wrapping_algorithm));
  KMS_ASSIGN_OR_RETURN(Pkey key, ParsePrivateKey(wrapping_private_key));
  const size_t modulus = static_cast<size_t>(EVP_PKEY_get_size(key.get()));
  if (encrypted.size() <= modulus) return Error(Code::kInvalidCiphertext);
  KMS_ASSIGN_OR_RETURN(SecretBytes aes_key, PrivateKeyDecrypt(wrapping_private_key, oaep,
                                                              encrypted.subspan(0, modulus)));
  return AesKeyUnwrapPad(aes_key, encrypted.subspan(modulus));
}

StatusOr<Bytes> PublicKeyOf(const SecretBytes& private_key) {
  KMS_ASSIGN_OR_RETURN(Pkey key, ParsePrivateKey(private_key));
  const int size = i2d_PUBKEY(key.get(), nullptr);
  if (size <= 0) return OpenSslError("encoding a public key");
  Bytes der(static_cast<size_t>(size));
  unsigned char* out = der.data();
  if (i2d_PUBKEY(key.get(), &out) != size) return OpenSslError("encoding a public key");
  return der;
}

size_t DigestLength(std::string_view signing_algorithm) {
  const char* name = DigestName(signing_algorithm);
  return name == nullptr ? 0 : static_cast<size_t>(EVP_MD_get_size(EVP_get_digestbyname(name)));
}

StatusOr<Bytes> Sign(const SecretBytes& private_key, std::string_view signing_algorithm,
                     ByteView message, bool is_digest) {
  KMS_ASSIGN_OR_RETURN(Pkey key, ParsePrivateKey(private_key));
  if (SignsWholeMessage(signing_algorithm, is_digest))
    return SignMessage(key.get(), signing_algorithm, message);
  KMS_ASSIGN_OR_RETURN(Bytes digest, DigestToSign(signing_algorithm, message, is_digest));
  if (signing_algorithm == kEd25519ph) {
    KMS_ASSIGN_OR_RETURN(SecretBytes seed, RawEd25519Key(key.get(), /*private_part=*/true));
    return Ed25519phSign(seed, digest);
  }
  KMS_ASSIGN_OR_RETURN(PkeyCtx ctx, SigningContext(key.get(), signing_algorithm, true));
  size_t size = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &size, digest.data(), digest.size()) != 1)
    return OpenSslError("signing");
  Bytes signature(size);
  if (EVP_PKEY_sign(ctx.get(), signature.data(), &size, digest.data(), digest.size()) != 1)
    return OpenSslError("signing");
  signature.resize(size);
  return signature;
}

StatusOr<bool> Verify(const SecretBytes& private_key, std::string_view signing_algorithm,
                      ByteView message, bool is_digest, ByteView signature) {
  KMS_ASSIGN_OR_RETURN(Pkey key, ParsePrivateKey(private_key));
  if (SignsWholeMessage(signing_algorithm, is_digest))
    return VerifyMessage(key.get(), signing_algorithm, message, signature);
  KMS_ASSIGN_OR_RETURN(Bytes digest, DigestToSign(signing_algorithm, message, is_digest));
  if (signing_algorithm == kEd25519ph) {
    KMS_ASSIGN_OR_RETURN(SecretBytes public_key, RawEd25519Key(key.get(), /*private_part=*/false));
    return Ed25519phVerify(public_key.view(), digest, signature);
  }
  KMS_ASSIGN_OR_RETURN(PkeyCtx ctx, SigningContext(key.get(), signing_algorithm, false));
  // 1: valid; 0 or a negative value: not a valid signature (a malformed one
  // included), which is the caller's answer, not a failure.
  const int valid =
      EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(), digest.size());
  ERR_clear_error();
  return valid == 1;
}

namespace {

// A context for `algorithm` (RSAES-OAEP with its hash, or SM2PKE with SM3),
// for encryption or decryption.
StatusOr<PkeyCtx> EncryptionContext(EVP_PKEY* key, std::string_view algorithm, bool encrypt) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) return OpenSslError("an encryption context");
  if ((encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get())) != 1)
    return OpenSslError("an encryption context");
  if (algorithm == kSm2Pke) return ctx;  // SM3 is SM2PKE's default digest
  const EVP_MD* md = EVP_get_digestbyname(algorithm.ends_with("SHA_1") ? "SHA1" : "SHA256");
  if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1)
    return OpenSslError("RSAES-OAEP parameters");
  return ctx;
}

}  // namespace

size_t MaxPlaintext(std::string_view key_spec, std::string_view encryption_algorithm) {
  if (encryption_algorithm == kSm2Pke) return key_spec == "SM2" ? kSm2MaxPlaintext : 0;
  const size_t modulus_bytes = key_spec.starts_with("RSA_") ? SpecBits(key_spec) / 8 : 0;
  const size_t digest_bytes = encryption_algorithm.ends_with("SHA_1") ? 20 : 32;
  return modulus_bytes > 2 * digest_bytes + 2 ? modulus_bytes - 2 * digest_bytes - 2 : 0;
}

StatusOr<Bytes> PublicKeyEncrypt(const SecretBytes& private_key,
                                 std::string_view encryption_algorithm, ByteView plaintext) {
  KMS_ASSIGN_OR_RETURN(Pkey key, ParsePrivateKey(private_key));
  KMS_ASSIGN_OR_RETURN(PkeyCtx ctx, EncryptionContext(key.get(), encryption_algorithm, true));
  size_t size = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &size, plaintext.data(), plaintext.size()) != 1)
    return OpenSslError("public key encryption");
  Bytes ciphertext(size);
  if (EVP_PKEY_encrypt(ctx.get(), ciphertext.data(), &size, plaintext.data(), plaintext.size()) !=
      1)
    return OpenSslError("public key encryption");
  ciphertext.resize(size);
  return ciphertext;
}

StatusOr<SecretBytes> PrivateKeyDecrypt(const SecretBytes& private_key,
                                        std::string_view encryption_algorithm,
                                        ByteView ciphertext) {
  KMS_ASSIGN_OR_RETURN(Pkey key, ParsePrivateKey(private_key));
  KMS_ASSIGN_OR_RETURN(PkeyCtx ctx, EncryptionContext(key.get(), encryption_algorithm, false));
  size_t size = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &size, ciphertext.data(), ciphertext.size()) != 1) {
    ERR_clear_error();
    return Error(Code::kInvalidCiphertext);
  }
  SecretBytes plaintext(size);
  if (EVP_PKEY_decrypt(ctx.get(), plaintext.data(), &size, ciphertext.data(), ciphertext.size()) !=
      1) {
    ERR_clear_error();
    return Error(Code::kInvalidCiphertext);
  }
  plaintext.Resize(size);
  return plaintext;
}

namespace {

struct BnFree {
  void operator()(BIGNUM* n) const { BN_clear_free(n); }
};
struct EcGroupFree {
  void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
};
struct EcPointFree {
  void operator()(EC_POINT* p) const { EC_POINT_clear_free(p); }
};

// ECDH on the SM2 curve, which OpenSSL 3.0's key exchange does not offer for
// SM2 keys: the x coordinate of d * Q, from the curve arithmetic OpenSSL
// exports. kValidation (no message) when the peer's key is not an SM2 point.
StatusOr<SecretBytes> Sm2Ecdh(EVP_PKEY* key, EVP_PKEY* peer) {
  unsigned char point[133];
  size_t point_size = 0;
  BIGNUM* scalar = nullptr;
  const bool read = EVP_PKEY_is_a(peer, "SM2") &&
                    EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY, point,
                                                    sizeof point, &point_size) == 1 &&
                    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &scalar) == 1;
  const std::unique_ptr<BIGNUM, BnFree> d(scalar);
  const std::unique_ptr<EC_GROUP, EcGroupFree> group(EC_GROUP_new_by_curve_name(NID_sm2));
  const std::unique_ptr<EC_POINT, EcPointFree> q(group ? EC_POINT_new(group.get()) : nullptr);
  const std::unique_ptr<EC_POINT, EcPointFree> shared(group ? EC_POINT_new(group.get()) : nullptr);
  const std::unique_ptr<BIGNUM, BnFree> x(BN_new());
  // oct2point refuses a point that is not on the curve.
  if (!read || !q || !shared || !x ||
      EC_POINT_oct2point(group.get(), q.get(), point, point_size, nullptr) != 1 ||
      EC_POINT_is_at_infinity(group.get(), q.get()) == 1) {
    ERR_clear_error();
    return Error(Code::kValidation);
  }
  if (EC_POINT_mul(group.get(), shared.get(), nullptr, q.get(), d.get(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(group.get(), shared.get()) == 1 ||
      EC_POINT_get_affine_coordinates(group.get(), shared.get(), x.get(), nullptr, nullptr) != 1)
    return OpenSslError("SM2 ECDH");
  SecretBytes secret(32);
  if (BN_bn2binpad(x.get(), secret.data(), static_cast<int>(secret.size())) != 32)
    return OpenSslError("SM2 ECDH");
  return secret;
}

}  // namespace

StatusOr<SecretBytes> EcdhSharedSecret(const SecretBytes& private_key, ByteView peer_public_key) {
  KMS_ASSIGN_OR_RETURN(Pkey key, ParsePrivateKey(private_key));
  const unsigned char* in = peer_public_key.data();
  Pkey peer(d2i_PUBKEY(nullptr, &in, static_cast<long>(peer_public_key.size())));
  if (EVP_PKEY_is_a(key.get(), "SM2")) {
    if (!peer || in != peer_public_key.data() + peer_public_key.size()) {
      ERR_clear_error();
      return Error(Code::kValidation);
    }
    return Sm2Ecdh(key.get(), peer.get());
  }
  // Only an EC key on the same named curve, before any check that costs
  // (set_peer validates the peer's key, which for a large RSA or DH key is
  // expensive); explicit curve parameters have no name and are refused.
  char our_curve[64] = {};
  char their_curve[64] = {};
  size_t name_size = 0;
  const bool same_curve =
      peer && EVP_PKEY_is_a(peer.get(), "EC") &&
      EVP_PKEY_get_group_name(key.get(), our_curve, sizeof(our_curve), &name_size) == 1 &&
      EVP_PKEY_get_group_name(peer.get(), their_curve, sizeof(their_curve), &name_size) == 1 &&
      std::string_view(our_curve) == std::string_view(their_curve);
  PkeyCtx ctx(same_curve ? EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr) : nullptr);
  size_t size = 0;
  if (!ctx || in != peer_public_key.data() + peer_public_key.size() ||
      EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &size) != 1) {
    ERR_clear_error();
    return Error(Code::kValidation);
  }
  SecretBytes secret(size);
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &size) != 1) return OpenSslError("ECDH");
  secret.Resize(size);
  return secret;
}

StatusOr<Bytes> Mac(std::string_view mac_algorithm, const SecretBytes& key, ByteView message) {
  const char* digest_name = DigestName(mac_algorithm);
  if (digest_name == nullptr)
    return Error(Code::kInternal, "unknown MAC algorithm " + std::string(mac_algorithm));
  Bytes mac(EVP_MAX_MD_SIZE);
  size_t size = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name, nullptr, key.data(), key.size(),
                message.data(), message.size(), mac.data(), mac.size(), &size) == nullptr)
    return OpenSslError("HMAC");
  mac.resize(size);
  return mac;
}

}  // namespace kms::crypto
