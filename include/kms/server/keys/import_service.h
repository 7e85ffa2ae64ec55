// Imported key material (keys of Origin EXTERNAL): GetParametersForImport,
// ImportKeyMaterial and DeleteImportedKeyMaterial. Expired material is
// deleted by the maintenance sweep (KeyService::RunMaintenance). Thread-safe.
#ifndef KMS_SERVER_KEYS_IMPORT_SERVICE_H_
#define KMS_SERVER_KEYS_IMPORT_SERVICE_H_

#include <optional>
#include <string>

#include "kms/bytes.h"
#include "kms/server/keys/service_support.h"

namespace kms::keys {

struct GetParametersForImportRequest {
  std::string key_id;
  std::string wrapping_algorithm;  // RSAES_OAEP_SHA_1/256, RSA_AES_KEY_WRAP_SHA_1/256
  std::string wrapping_key_spec;   // RSA_2048/3072/4096
};

struct ImportParameters {
  Key key;
  Bytes import_token;
  Bytes public_key;  // DER SubjectPublicKeyInfo
  EpochMillis valid_to = 0;
};

struct ImportKeyMaterialRequest {
  std::string key_id;
  Bytes import_token;
  Bytes encrypted_key_material;
  std::optional<EpochMillis> valid_to;
  std::optional<std::string> expiration_model;
  std::optional<std::string> import_type;  // EXISTING_KEY_MATERIAL (default) or NEW_KEY_MATERIAL
};

// How long an import token and its public key are good for.
inline constexpr EpochMillis kImportParametersLifetime = kDayMillis;
// The latest ValidTo ImportKeyMaterial accepts, from now.
inline constexpr EpochMillis kMaxImportValidity = 365 * kDayMillis;

class ImportService {
 public:
  explicit ImportService(const ServiceDeps& deps) : deps_(deps) {}

  // A new RSA wrapping key pair and an import token good for 24 hours that
  // carries its private key (sealed under a root-derived key, so kmsd keeps no
  // state for it). UnsupportedOperationException "<arn> origin is AWS_KMS
  // which is not valid for this operation." for a key that is not EXTERNAL;
  // KMSInvalidStateException for a key pending deletion.
  StatusOr<ImportParameters> GetParametersForImport(CallContext& call,
                                                    const GetParametersForImportRequest& request);
  // Unwraps the material with the token's private key and imports it:
  // InvalidImportTokenException for a token not issued for this key,
  // ExpiredImportTokenException after 24 hours, InvalidCiphertextException
  // for material that does not unwrap, IncorrectKeyMaterialException for
  // material of the wrong size or kind, or other than the key had;
  // ValidationException for the ExpirationModel and ValidTo rules. The key
  // becomes Enabled when it was PendingImport.
  StatusOr<Key> ImportKeyMaterial(CallContext& call, const ImportKeyMaterialRequest& request);
  // The key becomes PendingImport; the same material may be imported again.
  StatusOr<Key> DeleteImportedKeyMaterial(CallContext& call, const std::string& key_id);

 private:
  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_IMPORT_SERVICE_H_
