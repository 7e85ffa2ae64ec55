// Sign, Verify and GetPublicKey (RSA and elliptic-curve keys),
// DeriveSharedSecret (KEY_AGREEMENT keys), GenerateMac and VerifyMac (HMAC
// keys). Messages stay in SecretBytes. Thread-safe.
#ifndef KMS_SERVER_KEYS_SIGNING_SERVICE_H_
#define KMS_SERVER_KEYS_SIGNING_SERVICE_H_

#include <optional>
#include <string>
#include <vector>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

struct SignRequest {
  std::string key_id;
  SecretBytes message;
  std::string message_type = "RAW";  // RAW or DIGEST
  std::string signing_algorithm;
  std::vector<std::string> grant_tokens;
  bool dry_run = false;
};

struct VerifyRequest {
  SignRequest signed_message;
  Bytes signature;
};

struct SignResult {
  Bytes signature;  // empty for Verify
  Key key;
};

struct MacRequest {
  std::string key_id;
  SecretBytes message;
  std::string mac_algorithm;
  std::vector<std::string> grant_tokens;
  bool dry_run = false;
  Bytes mac;  // VerifyMac only
};

struct MacResult {
  Bytes mac;  // empty for VerifyMac
  Key key;
};

struct PublicKeyRequest {
  std::string key_id;
  std::vector<std::string> grant_tokens;
};

struct DeriveSharedSecretRequest {
  std::string key_id;
  std::string key_agreement_algorithm = "ECDH";
  Bytes public_key;  // the peer's, DER SubjectPublicKeyInfo
  std::vector<std::string> grant_tokens;
  bool dry_run = false;
};

struct SharedSecretResult {
  SecretBytes shared_secret;
  Key key;
};

struct PublicKeyResult {
  Bytes public_key;  // DER SubjectPublicKeyInfo
  Key key;
};

// Each authorizes its action (kms:Sign, ...; grants with the same operation
// allow it) with kms:SigningAlgorithm and kms:MessageType, or
// kms:MacAlgorithm, then checks the key's state, usage and spec:
// InvalidKeyUsageException "<arn> key usage is ENCRYPT_DECRYPT which is not
// valid for Sign." or "Algorithm HMAC_SHA_256 is incompatible with key spec
// HMAC_224.".
class SigningService {
 public:
  explicit SigningService(const ServiceDeps& deps) : deps_(deps) {}

  // ValidationException "Digest is invalid length for algorithm <alg>." for
  // a DIGEST message of the wrong length.
  StatusOr<SignResult> Sign(CallContext& call, const SignRequest& request);
  // KMSInvalidSignatureException (no message) when the signature is not valid.
  StatusOr<SignResult> Verify(CallContext& call, const VerifyRequest& request);
  // UnsupportedOperationException for a key with no public key (symmetric, HMAC).
  StatusOr<PublicKeyResult> GetPublicKey(CallContext& call, const PublicKeyRequest& request);
  // ECDH with the key's private key; ValidationException (no message) for a
  // public key that does not parse or is on another curve.
  StatusOr<SharedSecretResult> DeriveSharedSecret(CallContext& call,
                                                  const DeriveSharedSecretRequest& request);
  StatusOr<MacResult> GenerateMac(CallContext& call, const MacRequest& request);
  // KMSInvalidMacException (no message) when the MAC does not match.
  StatusOr<MacResult> VerifyMac(CallContext& call, const MacRequest& request);

 private:
  // Resolves and authorizes a Sign or Verify request, checks the key, and
  // returns it with its private key.
  StatusOr<std::pair<ResolvedKey, std::shared_ptr<const SecretBytes>>> PrepareSignature(
      CallContext& call, const SignRequest& request, std::string_view operation);
  StatusOr<std::pair<ResolvedKey, std::shared_ptr<const SecretBytes>>> PrepareMac(
      CallContext& call, const MacRequest& request, std::string_view operation);

  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_SIGNING_SERVICE_H_
