// Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext
// and GenerateRandom. Plaintexts stay in SecretBytes. Thread-safe.
#ifndef KMS_SERVER_KEYS_CRYPTO_SERVICE_H_
#define KMS_SERVER_KEYS_CRYPTO_SERVICE_H_

#include <optional>
#include <string>
#include <vector>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

struct EncryptRequest {
  std::string key_id;
  SecretBytes plaintext;
  EncryptionContext encryption_context;
  std::vector<std::string> grant_tokens;
  std::optional<std::string> encryption_algorithm;
  bool dry_run = false;
};

struct EncryptResult {
  Bytes ciphertext_blob;  // raw RSA output for an RSA key
  Key key;
  std::string encryption_algorithm;
};

struct DecryptRequest {
  Bytes ciphertext_blob;
  EncryptionContext encryption_context;
  std::vector<std::string> grant_tokens;
  std::optional<std::string> key_id;  // must name the ciphertext's key when given
  std::optional<std::string> encryption_algorithm;
  bool dry_run = false;
};

struct DecryptResult {
  SecretBytes plaintext;
  Key key;
  std::string key_material_id;
  std::string encryption_algorithm;
};

struct ReEncryptRequest {
  Bytes ciphertext_blob;
  EncryptionContext source_encryption_context;
  std::optional<std::string> source_key_id;
  std::string destination_key_id;
  EncryptionContext destination_encryption_context;
  std::optional<std::string> source_encryption_algorithm;
  std::optional<std::string> destination_encryption_algorithm;
  std::vector<std::string> grant_tokens;
  bool dry_run = false;
};

struct ReEncryptResult {
  Bytes ciphertext_blob;
  Key source_key;
  Key destination_key;
  std::string source_key_material_id;
  std::string source_encryption_algorithm;
  std::string destination_encryption_algorithm;
};

struct GenerateDataKeyRequest {
  std::string key_id;
  EncryptionContext encryption_context;
  std::vector<std::string> grant_tokens;
  // Exactly one of the two.
  std::optional<int64_t> number_of_bytes;
  std::optional<std::string> key_spec;  // AES_256 or AES_128
  bool dry_run = false;
};

struct GenerateDataKeyResult {
  Bytes ciphertext_blob;
  SecretBytes plaintext;  // empty for GenerateDataKeyWithoutPlaintext
  Key key;
};

struct GenerateDataKeyPairRequest {
  std::string key_id;
  std::string key_pair_spec;  // RSA_* or ECC_* (the model's DataKeyPairSpec)
  EncryptionContext encryption_context;
  std::vector<std::string> grant_tokens;
  bool dry_run = false;
};

struct GenerateDataKeyPairResult {
  Bytes private_key_ciphertext_blob;  // the PKCS#8 private key, encrypted under the key
  SecretBytes private_key_plaintext;  // PKCS#8 DER; empty WithoutPlaintext
  Bytes public_key;                   // DER SubjectPublicKeyInfo
  Key key;
};

struct GenerateRandomRequest {
  std::optional<int64_t> number_of_bytes;
  std::optional<std::string> custom_key_store_id;
};

// RSA ENCRYPT_DECRYPT keys encrypt with RSAES_OAEP_SHA_1 or _256 (the
// ciphertext is the raw RSA output, which names no key: Decrypt and ReEncrypt
// need the KeyId / SourceKeyId and the algorithm for it), take no encryption
// context (ValidationException) and at most RsaOaepMaxPlaintext bytes
// (ValidationException "Algorithm RSAES_OAEP_SHA_1 and key spec RSA_2048
// cannot encrypt data larger than 214 bytes.").
//
// The ciphertext's key is named in the trace first, before authorization, so
// a refused Decrypt is recorded against the key it tried. Each successful
// call notes the backing key it used (CallTrace::key_material_id; ReEncrypt
// also the destination's). Policies see kms:EncryptionAlgorithm on every
// operation but GenerateRandom (SYMMETRIC_DEFAULT for data keys).
class CryptoService {
 public:
  explicit CryptoService(const ServiceDeps& deps) : deps_(deps) {}

  // Errors: the key's resolution (any KeyId form); AccessDenied (key
  // policy, IAM, or a grant for Encrypt whose constraints hold); the key
  // state's; InvalidKeyUsage for an algorithm the key cannot use; DryRun.
  StatusOr<EncryptResult> Encrypt(CallContext& call, const EncryptRequest& request);
  // AccessDenied "The ciphertext refers to a customer master key that does
  // not exist, ..." for a blob of an unknown key or another region;
  // IncorrectKeyException when KeyId names another key; InvalidCiphertext
  // for a malformed or tampered blob or another context.
  StatusOr<DecryptResult> Decrypt(CallContext& call, const DecryptRequest& request);
  // Authorized as ReEncryptFrom on the source key and ReEncryptTo on the
  // destination key (kms:ReEncryptOnSameKey on both).
  StatusOr<ReEncryptResult> ReEncrypt(CallContext& call, const ReEncryptRequest& request);
  // ValidationException "Please specify either number of bytes or key spec."
  // unless exactly one is given. `with_plaintext` false is
  // GenerateDataKeyWithoutPlaintext (its own action and grant operation).
  StatusOr<GenerateDataKeyResult> GenerateDataKey(CallContext& call,
                                                  const GenerateDataKeyRequest& request,
                                                  bool with_plaintext);
  // A new key pair, its private key encrypted under a symmetric key with the
  // encryption context, as GenerateDataKey does (policies see
  // kms:DataKeyPairSpec). UnsupportedOperationException for SM2.
  StatusOr<GenerateDataKeyPairResult> GenerateDataKeyPair(CallContext& call,
                                                          const GenerateDataKeyPairRequest& request,
                                                          bool with_plaintext);
  // ValidationException without NumberOfBytes; UnsupportedOperation for a
  // custom key store; AccessDenied unless an IAM policy allows it.
  StatusOr<SecretBytes> GenerateRandom(CallContext& call, const GenerateRandomRequest& request);

 private:
  // Where a ciphertext to decrypt comes from: a symmetric key's blob, or an
  // RSA key named by the request.
  struct Source {
    ResolvedKey key;
    std::optional<KeyService::BlobKey> blob_key;  // symmetric ciphertexts only
    // The backing key the ciphertext was made with.
    const std::string& MaterialId() const;
  };
  StatusOr<Source> IdentifySource(CallContext& call, ByteView ciphertext,
                                  const std::optional<std::string>& key_id,
                                  const std::string& algorithm);
  StatusOr<SecretBytes> DecryptSource(const Source& source, const std::string& algorithm,
                                      ByteView ciphertext, const EncryptionContext& context);
  StatusOr<SecretBytes> DecryptWithKeyPair(const KeyRecord& key, const std::string& algorithm,
                                           ByteView ciphertext);
  // Under a symmetric key (a blob bound to `context`) or an RSA key (OAEP).
  StatusOr<Bytes> EncryptUnder(const KeyRecord& key, const std::string& algorithm,
                               ByteView plaintext, const EncryptionContext& context);
  // For an RSA key: no encryption context, and a plaintext it can encrypt.
  static Status CheckFits(const KeyRecord& key, const std::string& algorithm, size_t plaintext_size,
                          const EncryptionContext& context);
  // The key a ciphertext names, noted in the trace.
  StatusOr<KeyService::BlobKey> IdentifyCiphertext(CallContext& call, ByteView ciphertext);
  // The blob's key, or IncorrectKeyException when `key_id` names another.
  StatusOr<ResolvedKey> CheckNamedKey(CallContext& call, const std::optional<std::string>& key_id,
                                      const Key& blob_key);

  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_CRYPTO_SERVICE_H_
