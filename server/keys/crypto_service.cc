#include "kms/server/keys/crypto_service.h"

#include "kms/crypto.h"
#include "kms/server/crypto/key_material.h"
#include "kms/server/keys/custom_key_store_service.h"
#include "kms/server/keys/key_specs.h"

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
  const std::string algorithm = AlgorithmOrDefault(request.encryption_algorithm);
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(
      deps_.access, call, key,
      {"kms:Encrypt", "Encrypt", request.encryption_context, request.grant_tokens, algorithm}));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckEncryptionAlgorithm(*key.key, "Encrypt", algorithm));
  KMS_RETURN_IF_ERROR(
      CheckFits(*key.key, algorithm, request.plaintext.size(), request.encryption_context));
  if (request.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(Bytes blob, EncryptUnder(*key.key, algorithm, request.plaintext.view(),
                                                request.encryption_context));
  call.trace.key_material_id = key.key->current().material_id;
  return EncryptResult{std::move(blob), key.key, algorithm};
}

Status CryptoService::CheckFits(const KeyRecord& key, const std::string& algorithm,
                                size_t plaintext_size, const EncryptionContext& context) {
  if (key.key_spec == "SYMMETRIC_DEFAULT") return OkStatus();
  if (!context.empty()) {
    return Error(
        Code::kValidation,
        "EncryptionContext is not supported with asymmetric KMS keys (" + key.key_spec + ").");
  }
  const size_t most = crypto::MaxPlaintext(key.key_spec, algorithm);
  if (plaintext_size <= most) return OkStatus();
  return Error(Code::kValidation, "Algorithm " + algorithm + " and key spec " + key.key_spec +
                                      " cannot encrypt data larger than " + std::to_string(most) +
                                      " bytes.");
}

StatusOr<Bytes> CryptoService::EncryptUnder(const KeyRecord& key, const std::string& algorithm,
                                            ByteView plaintext, const EncryptionContext& context) {
  if (key.key_spec == "SYMMETRIC_DEFAULT") return deps_.keys.Encrypt(key, plaintext, context);
  KMS_ASSIGN_OR_RETURN(auto private_key, deps_.keys.CurrentMaterial(key));
  return crypto::PublicKeyEncrypt(*private_key, algorithm, plaintext);
}

StatusOr<SecretBytes> CryptoService::DecryptWithKeyPair(const KeyRecord& key,
                                                        const std::string& algorithm,
                                                        ByteView ciphertext) {
  KMS_ASSIGN_OR_RETURN(auto private_key, deps_.keys.CurrentMaterial(key));
  return crypto::PrivateKeyDecrypt(*private_key, algorithm, ciphertext);
}

StatusOr<CryptoService::Source> CryptoService::IdentifySource(
    CallContext& call, ByteView ciphertext, const std::optional<std::string>& key_id,
    const std::string& algorithm) {
  Source source;
  // An RSA ciphertext names no key: the request's KeyId says which (AWS
  // requires it for asymmetric keys).
  if (key_id && algorithm != "SYMMETRIC_DEFAULT") {
    KMS_ASSIGN_OR_RETURN(source.key, ResolveKey(deps_.keys, call, *key_id, KeyIdForms::kAny));
    return source;
  }
  KMS_ASSIGN_OR_RETURN(auto blob_key, IdentifyCiphertext(call, ciphertext));
  KMS_ASSIGN_OR_RETURN(source.key, CheckNamedKey(call, key_id, blob_key.key));
  source.blob_key = std::move(blob_key);
  return source;
}

StatusOr<SecretBytes> CryptoService::DecryptSource(const Source& source,
                                                   const std::string& algorithm,
                                                   ByteView ciphertext,
                                                   const EncryptionContext& context) {
  if (source.blob_key) return deps_.keys.Decrypt(*source.blob_key, context);
  return DecryptWithKeyPair(*source.key.key, algorithm, ciphertext);
}

const std::string& CryptoService::Source::MaterialId() const {
  const KeyRecord& record = *key.key;
  if (blob_key) {
    for (const KeyVersion& v : record.versions) {
      if (v.version == blob_key->blob.key_version) return v.material_id;
    }
  }
  return record.current().material_id;
}

StatusOr<DecryptResult> CryptoService::Decrypt(CallContext& call, const DecryptRequest& request) {
  const std::string algorithm = AlgorithmOrDefault(request.encryption_algorithm);
  KMS_ASSIGN_OR_RETURN(Source source,
                       IdentifySource(call, request.ciphertext_blob, request.key_id, algorithm));
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(
      deps_.access, call, source.key,
      {"kms:Decrypt", "Decrypt", request.encryption_context, request.grant_tokens, algorithm}));
  KMS_RETURN_IF_ERROR(CheckKeyState(*source.key.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckEncryptionAlgorithm(*source.key.key, "Decrypt", algorithm));
  KMS_RETURN_IF_ERROR(CheckFits(*source.key.key, algorithm, 0, request.encryption_context));
  if (request.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(
      SecretBytes plaintext,
      DecryptSource(source, algorithm, request.ciphertext_blob, request.encryption_context));
  call.trace.key_material_id = source.MaterialId();
  return DecryptResult{std::move(plaintext), source.key.key, source.MaterialId(), algorithm};
}

StatusOr<ReEncryptResult> CryptoService::ReEncrypt(CallContext& call,
                                                   const ReEncryptRequest& request) {
  const std::string source_algorithm = AlgorithmOrDefault(request.source_encryption_algorithm);
  const std::string destination_algorithm =
      AlgorithmOrDefault(request.destination_encryption_algorithm);
  KMS_ASSIGN_OR_RETURN(Source source, IdentifySource(call, request.ciphertext_blob,
                                                     request.source_key_id, source_algorithm));
  const ResolvedKey& from = source.key;
  KMS_ASSIGN_OR_RETURN(ResolvedKey to,
                       ResolveKey(deps_.keys, call, request.destination_key_id, KeyIdForms::kAny));
  policy::ConditionValues same_key;
  same_key.Set("kms:ReEncryptOnSameKey", from.key->key_id == to.key->key_id ? "true" : "false");
  KMS_RETURN_IF_ERROR(
      AuthorizeCrypto(deps_.access, call, from,
                      {"kms:ReEncryptFrom", "ReEncryptFrom", request.source_encryption_context,
                       request.grant_tokens, source_algorithm},
                      same_key));
  KMS_RETURN_IF_ERROR(
      AuthorizeCrypto(deps_.access, call, to,
                      {"kms:ReEncryptTo", "ReEncryptTo", request.destination_encryption_context,
                       request.grant_tokens, destination_algorithm},
                      same_key));
  KMS_RETURN_IF_ERROR(CheckKeyState(*from.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckKeyState(*to.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckEncryptionAlgorithm(*from.key, "ReEncrypt", source_algorithm));
  KMS_RETURN_IF_ERROR(CheckEncryptionAlgorithm(*to.key, "ReEncrypt", destination_algorithm));
  KMS_RETURN_IF_ERROR(CheckFits(*from.key, source_algorithm, 0, request.source_encryption_context));
  // The destination's context now; its plaintext's size once decrypted.
  KMS_RETURN_IF_ERROR(
      CheckFits(*to.key, destination_algorithm, 0, request.destination_encryption_context));
  if (request.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(SecretBytes plaintext,
                       DecryptSource(source, source_algorithm, request.ciphertext_blob,
                                     request.source_encryption_context));
  KMS_RETURN_IF_ERROR(CheckFits(*to.key, destination_algorithm, plaintext.size(),
                                request.destination_encryption_context));
  KMS_ASSIGN_OR_RETURN(Bytes blob, EncryptUnder(*to.key, destination_algorithm, plaintext.view(),
                                                request.destination_encryption_context));
  call.trace.key_material_id = source.MaterialId();
  call.trace.destination_key_material_id = to.key->current().material_id;
  return ReEncryptResult{std::move(blob),     from.key,         to.key,
                         source.MaterialId(), source_algorithm, destination_algorithm};
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
  KMS_RETURN_IF_ERROR(CheckEncryptionAlgorithm(*key.key, operation, "SYMMETRIC_DEFAULT"));
  if (request.dry_run) return DryRunSucceeded();
  SecretBytes data_key = crypto::RandomSecret(size);
  KMS_ASSIGN_OR_RETURN(Bytes blob,
                       deps_.keys.Encrypt(*key.key, data_key.view(), request.encryption_context));
  call.trace.key_material_id = key.key->current().material_id;
  if (!with_plaintext) data_key = SecretBytes();
  return GenerateDataKeyResult{std::move(blob), std::move(data_key), key.key};
}

StatusOr<GenerateDataKeyPairResult> CryptoService::GenerateDataKeyPair(
    CallContext& call, const GenerateDataKeyPairRequest& request, bool with_plaintext) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kAny));
  const std::string_view operation =
      with_plaintext ? "GenerateDataKeyPair" : "GenerateDataKeyPairWithoutPlaintext";
  policy::ConditionValues pair_spec;
  pair_spec.Set("kms:DataKeyPairSpec", request.key_pair_spec);
  KMS_RETURN_IF_ERROR(
      AuthorizeCrypto(deps_.access, call, key,
                      {"kms:" + std::string(operation), operation, request.encryption_context,
                       request.grant_tokens, "SYMMETRIC_DEFAULT"},
                      std::move(pair_spec)));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckEncryptionAlgorithm(*key.key, operation, "SYMMETRIC_DEFAULT"));
  if (!IsAsymmetric(request.key_pair_spec) ||
      !IsOfferedIn(request.key_pair_spec, call.scope.region)) {
    // SM2 outside the China Regions, and ML-KEM (not in OpenSSL 3.0): as
    // CreateKey answers for the KeySpec.
    return Error(Code::kUnsupportedOperation,
                 "KeyPairSpec " + request.key_pair_spec + " is not supported in this Region");
  }
  if (request.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(SecretBytes private_key, crypto::NewKeyMaterial(request.key_pair_spec));
  KMS_ASSIGN_OR_RETURN(Bytes public_key, crypto::PublicKeyOf(private_key));
  KMS_ASSIGN_OR_RETURN(
      Bytes blob, deps_.keys.Encrypt(*key.key, private_key.view(), request.encryption_context));
  call.trace.key_material_id = key.key->current().material_id;
  if (!with_plaintext) private_key = SecretBytes();
  return GenerateDataKeyPairResult{std::move(blob), std::move(private_key), std::move(public_key),
                                   key.key};
}

StatusOr<SecretBytes> CryptoService::GenerateRandom(CallContext& call,
                                                    const GenerateRandomRequest& request) {
  if (!request.number_of_bytes) return Error(Code::kValidation, "NumberOfBytes is required.");
  if (request.custom_key_store_id) return CustomKeyStoreNotFound(*request.custom_key_store_id);
  AccessRequest access;
  access.action = "kms:GenerateRandom";
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  return crypto::RandomSecret(static_cast<size_t>(*request.number_of_bytes));
}

}  // namespace kms::keys
