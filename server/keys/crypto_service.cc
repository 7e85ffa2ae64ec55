#include "kms/server/keys/crypto_service.h"

#include "kms/crypto.h"

namespace kms::keys {
namespace {

// What a cryptographic authorization needs of its request.
struct CryptoAccess {
  std::string_view action;           // "kms:Decrypt"
  std::string_view grant_operation;  // "Decrypt"
  const EncryptionContext& context;
  const std::vector<std::string>& grant_tokens;
  // Set for operations with an EncryptionAlgorithm member.
  std::optional<std::string> algorithm;
};

Status AuthorizeCrypto(Access& access, CallContext& call, const ResolvedKey& key,
                       const CryptoAccess& what, policy::ConditionValues extra = {}) {
  AccessRequest request;
  request.action = std::string(what.action);
  request.key = key.key.get();
  request.grant_operation = std::string(what.grant_operation);
  request.encryption_context = &what.context;
  request.grant_tokens = &what.grant_tokens;
  request.conditions = std::move(extra);
  AddEncryptionContextConditions(what.context, request.conditions);
  if (what.algorithm) request.conditions.Set("kms:EncryptionAlgorithm", *what.algorithm);
  if (!key.alias_name.empty()) request.conditions.Set("kms:RequestAlias", key.alias_name);
  return access.Authorize(call, std::move(request));
}

std::string AlgorithmOrDefault(const std::optional<std::string>& algorithm) {
  return algorithm.value_or("SYMMETRIC_DEFAULT");
}

const std::string& MaterialId(const KeyRecord& key, uint32_t version) {
  for (const KeyVersion& v : key.versions) {
    if (v.version == version) return v.material_id;
  }
  return key.current().material_id;
}

}  // namespace

StatusOr<KeyService::BlobKey> CryptoService::IdentifyCiphertext(CallContext& call,
                                                                ByteView ciphertext) {
  KMS_ASSIGN_OR_RETURN(auto blob_key, deps_.keys.IdentifyBlob(call.scope, ciphertext));
  call.trace.AddResource(blob_key.key->Arn());
  return blob_key;
}

StatusOr<ResolvedKey> CryptoService::CheckNamedKey(CallContext& call,
                                                   const std::optional<std::string>& key_id,
                                                   const Key& blob_key) {
  ResolvedKey resolved{blob_key, ""};
  if (!key_id) return resolved;
  KMS_ASSIGN_OR_RETURN(ResolvedKey named,
                       deps_.keys.Resolve(call.scope, *key_id, KeyIdForms::kAny));
  if (named.key->key_id != blob_key->key_id) {
    return Error(
        Code::kIncorrectKey,
        "The key ID in the request does not identify a CMK that can perform this operation.");
  }
  resolved.alias_name = named.alias_name;
  return resolved;
}

StatusOr<EncryptResult> CryptoService::Encrypt(CallContext& call, const EncryptRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kAny));
  KMS_RETURN_IF_ERROR(
      AuthorizeCrypto(deps_.access, call, key,
                      {"kms:Encrypt", "Encrypt", request.encryption_context, request.grant_tokens,
                       AlgorithmOrDefault(request.encryption_algorithm)}));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckSymmetricEncryption(*key.key, "Encrypt", request.encryption_algorithm));
  if (request.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(Bytes blob, deps_.keys.Encrypt(*key.key, request.plaintext.view(),
                                                      request.encryption_context));
  call.trace.key_material_id = key.key->current().material_id;
  return EncryptResult{std::move(blob), key.key};
}

StatusOr<DecryptResult> CryptoService::Decrypt(CallContext& call, const DecryptRequest& request) {
  KMS_ASSIGN_OR_RETURN(auto blob_key, IdentifyCiphertext(call, request.ciphertext_blob));
  KMS_ASSIGN_OR_RETURN(ResolvedKey key, CheckNamedKey(call, request.key_id, blob_key.key));
  KMS_RETURN_IF_ERROR(
      AuthorizeCrypto(deps_.access, call, key,
                      {"kms:Decrypt", "Decrypt", request.encryption_context, request.grant_tokens,
                       AlgorithmOrDefault(request.encryption_algorithm)}));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckSymmetricEncryption(*key.key, "Decrypt", request.encryption_algorithm));
  if (request.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(SecretBytes plaintext,
                       deps_.keys.Decrypt(blob_key, request.encryption_context));
  const std::string& material_id = MaterialId(*key.key, blob_key.blob.key_version);
  call.trace.key_material_id = material_id;
  return DecryptResult{std::move(plaintext), key.key, material_id};
}

StatusOr<ReEncryptResult> CryptoService::ReEncrypt(CallContext& call,
                                                   const ReEncryptRequest& request) {
  KMS_ASSIGN_OR_RETURN(auto blob_key, IdentifyCiphertext(call, request.ciphertext_blob));
  KMS_ASSIGN_OR_RETURN(ResolvedKey from, CheckNamedKey(call, request.source_key_id, blob_key.key));
  KMS_ASSIGN_OR_RETURN(ResolvedKey to,
                       ResolveKey(deps_.keys, call, request.destination_key_id, KeyIdForms::kAny));
  policy::ConditionValues same_key;
  same_key.Set("kms:ReEncryptOnSameKey", from.key->key_id == to.key->key_id ? "true" : "false");
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(
      deps_.access, call, from,
      {"kms:ReEncryptFrom", "ReEncryptFrom", request.source_encryption_context,
       request.grant_tokens, AlgorithmOrDefault(request.source_encryption_algorithm)},
      same_key));
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(
      deps_.access, call, to,
      {"kms:ReEncryptTo", "ReEncryptTo", request.destination_encryption_context,
       request.grant_tokens, AlgorithmOrDefault(request.destination_encryption_algorithm)},
      same_key));
  KMS_RETURN_IF_ERROR(CheckKeyState(*from.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckKeyState(*to.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(
      CheckSymmetricEncryption(*from.key, "ReEncrypt", request.source_encryption_algorithm));
  KMS_RETURN_IF_ERROR(
      CheckSymmetricEncryption(*to.key, "ReEncrypt", request.destination_encryption_algorithm));
  if (request.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(SecretBytes plaintext,
                       deps_.keys.Decrypt(blob_key, request.source_encryption_context));
  KMS_ASSIGN_OR_RETURN(Bytes blob, deps_.keys.Encrypt(*to.key, plaintext.view(),
                                                      request.destination_encryption_context));
  const std::string& source_material = MaterialId(*from.key, blob_key.blob.key_version);
  call.trace.key_material_id = source_material;
  call.trace.destination_key_material_id = to.key->current().material_id;
  return ReEncryptResult{std::move(blob), from.key, to.key, source_material};
}

StatusOr<GenerateDataKeyResult> CryptoService::GenerateDataKey(
    CallContext& call, const GenerateDataKeyRequest& request, bool with_plaintext) {
  if (request.number_of_bytes.has_value() == request.key_spec.has_value()) {
    return Error(Code::kValidation, "Please specify either number of bytes or key spec.");
  }
  const size_t size = request.number_of_bytes ? static_cast<size_t>(*request.number_of_bytes)
                                              : (*request.key_spec == "AES_256" ? 32 : 16);
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kAny));
  const std::string_view operation =
      with_plaintext ? "GenerateDataKey" : "GenerateDataKeyWithoutPlaintext";
  const std::string action = "kms:" + std::string(operation);
  // Data keys are encrypted with SYMMETRIC_DEFAULT, the value policies see.
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(
      deps_.access, call, key,
      {action, operation, request.encryption_context, request.grant_tokens, "SYMMETRIC_DEFAULT"}));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckSymmetricEncryption(*key.key, operation, std::nullopt));
  if (request.dry_run) return DryRunSucceeded();
  SecretBytes data_key = crypto::RandomSecret(size);
  KMS_ASSIGN_OR_RETURN(Bytes blob,
                       deps_.keys.Encrypt(*key.key, data_key.view(), request.encryption_context));
  call.trace.key_material_id = key.key->current().material_id;
  if (!with_plaintext) data_key = SecretBytes();
  return GenerateDataKeyResult{std::move(blob), std::move(data_key), key.key};
}

StatusOr<SecretBytes> CryptoService::GenerateRandom(CallContext& call,
                                                    const GenerateRandomRequest& request) {
  if (!request.number_of_bytes) return Error(Code::kValidation, "NumberOfBytes is required.");
  if (request.custom_key_store_id)
    return Error(Code::kUnsupportedOperation, "kmsd has no custom key stores.");
  AccessRequest access;
  access.action = "kms:GenerateRandom";
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  return crypto::RandomSecret(static_cast<size_t>(*request.number_of_bytes));
}

}  // namespace kms::keys
