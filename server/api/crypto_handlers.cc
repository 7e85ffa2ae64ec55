// Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext,
// GenerateRandom.
#include "kms/crypto.h"
#include "server/api/handler_util.h"
#include "server/api/handlers.h"

namespace kms::api {
namespace {

constexpr std::array<std::string_view, 2> kDataKeySpecs = {"AES_256", "AES_128"};
constexpr BlobRule kCiphertextRule{.required = true, .min_length = 1, .max_length = 6144};

// The members every cryptographic request shares.
struct CryptoInput {
  std::optional<std::string> key_id;
  EncryptionContext context;
  std::vector<std::string> grant_tokens;
  std::optional<std::string> algorithm;
  bool dry_run = false;
};

void ReadCommon(RequestReader& in, const char* context_member, CryptoInput& input) {
  input.context = in.StringMap(context_member).value_or(EncryptionContext{});
  input.grant_tokens = in.StringList("GrantTokens", kGrantTokensList, kGrantTokenRule).value_or(std::vector<std::string>{});
}

// Authorizes a cryptographic `action` on `key` with the request's condition keys.
Status AuthorizeCrypto(Call& call, std::string_view action, std::string_view grant_operation,
                       const keys::ResolvedKey& key, const CryptoInput& input, bool with_algorithm,
                       policy::ConditionValues extra = {}) {
  AccessRequest request;
  request.action = std::string(action);
  request.key = key.key.get();
  request.grant_operation = std::string(grant_operation);
  request.encryption_context = &input.context;
  request.grant_tokens = &input.grant_tokens;
  request.conditions = std::move(extra);
  AddEncryptionContextConditions(input.context, request.conditions);
  if (with_algorithm) request.conditions.Set("kms:EncryptionAlgorithm", input.algorithm.value_or("SYMMETRIC_DEFAULT"));
  if (!key.alias_name.empty()) request.conditions.Set("kms:RequestAlias", key.alias_name);
  return call.services.access->Authorize(call, std::move(request));
}

// The key a ciphertext names, noted in the audit record.
StatusOr<keys::KeyService::BlobKey> IdentifyCiphertext(Call& call, const Bytes& ciphertext) {
  KMS_ASSIGN_OR_RETURN(auto blob_key, call.services.keys->IdentifyBlob(call.scope, ciphertext));
  call.audit.AddResource(blob_key.key->Arn());
  return blob_key;
}

// IncorrectKeyException unless `key_id` (when given) names the ciphertext's key.
StatusOr<keys::ResolvedKey> CheckNamedKey(Call& call, const std::optional<std::string>& key_id,
                                          const std::shared_ptr<const KeyRecord>& blob_key) {
  keys::ResolvedKey resolved{blob_key, ""};
  if (!key_id) return resolved;
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey named, call.services.keys->Resolve(call.scope, *key_id, keys::KeyIdForms::kAny));
  if (named.key->key_id != blob_key->key_id) {
    return Error(Code::kIncorrectKey, "The key ID in the request does not identify a CMK that can perform this operation.");
  }
  resolved.alias_name = named.alias_name;
  return resolved;
}

void NoteKeyMaterial(Call& call, const std::string& material_id) {
  call.audit.SetAdditional("keyMaterialId", "\"" + material_id + "\"");
}

const std::string& MaterialId(const KeyRecord& key, uint32_t version) {
  for (const KeyVersion& v : key.versions) {
    if (v.version == version) return v.material_id;
  }
  return key.current().material_id;
}

StatusOr<std::string> GenerateDataKeyImpl(Call& call, const rapidjson::Value& body, bool with_plaintext) {
  RequestReader in(body);
  CryptoInput input;
  input.key_id = in.String("KeyId", kKeyIdRule);
  ReadCommon(in, "EncryptionContext", input);
  std::optional<int64_t> number_of_bytes = in.Int("NumberOfBytes", IntRule{.min = 1, .max = 1024});
  std::optional<std::string> key_spec = in.String("KeySpec", StringRule{.enum_values = kDataKeySpecs});
  input.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  if (number_of_bytes.has_value() == key_spec.has_value()) {
    return Error(Code::kValidation, "Please specify either number of bytes or key spec.");
  }
  const size_t size = number_of_bytes ? static_cast<size_t>(*number_of_bytes) : (*key_spec == "AES_256" ? 32 : 16);
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey key, ResolveKey(call, *input.key_id, keys::KeyIdForms::kAny));
  const char* operation = with_plaintext ? "GenerateDataKey" : "GenerateDataKeyWithoutPlaintext";
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(call, std::string("kms:") + operation, operation, key, input, false));
  KMS_RETURN_IF_ERROR(keys::CheckKeyState(*key.key, keys::KeyUse::kCryptographic));
  if (input.dry_run) return DryRunSucceeded();
  const SecretBytes data_key = crypto::RandomSecret(size);
  KMS_ASSIGN_OR_RETURN(Bytes blob, call.services.keys->Encrypt(*key.key, data_key.view(), input.context));
  NoteKeyMaterial(call, key.key->current().material_id);
  JsonOut out;
  out.StartObject().Blob("CiphertextBlob", blob);
  if (with_plaintext) out.Blob("Plaintext", data_key.view());
  out.Field("KeyId", key.key->Arn()).Field("KeyMaterialId", key.key->current().material_id).EndObject();
  return out.Take();
}

}  // namespace

StatusOr<std::string> GenerateDataKey(Call& call, const rapidjson::Value& body) {
  return GenerateDataKeyImpl(call, body, true);
}

StatusOr<std::string> GenerateDataKeyWithoutPlaintext(Call& call, const rapidjson::Value& body) {
  return GenerateDataKeyImpl(call, body, false);
}

StatusOr<std::string> Encrypt(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  CryptoInput input;
  input.key_id = in.String("KeyId", kKeyIdRule);
  std::optional<SecretBytes> plaintext =
      in.SecretBlob("Plaintext", BlobRule{.required = true, .min_length = 1, .max_length = 4096, .sensitive = true});
  ReadCommon(in, "EncryptionContext", input);
  input.algorithm = in.String("EncryptionAlgorithm", kEncryptionAlgorithmRule);
  input.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey key, ResolveKey(call, *input.key_id, keys::KeyIdForms::kAny));
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(call, "kms:Encrypt", "Encrypt", key, input, true));
  KMS_RETURN_IF_ERROR(keys::CheckKeyState(*key.key, keys::KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckSymmetricAlgorithm(*key.key, input.algorithm));
  if (input.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(Bytes blob, call.services.keys->Encrypt(*key.key, plaintext->view(), input.context));
  NoteKeyMaterial(call, key.key->current().material_id);
  JsonOut out;
  out.StartObject().Blob("CiphertextBlob", blob).Field("KeyId", key.key->Arn());
  out.Field("EncryptionAlgorithm", "SYMMETRIC_DEFAULT").EndObject();
  return out.Take();
}

StatusOr<std::string> Decrypt(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  CryptoInput input;
  std::optional<Bytes> ciphertext = in.Blob("CiphertextBlob", kCiphertextRule);
  ReadCommon(in, "EncryptionContext", input);
  input.key_id = in.String("KeyId", kOptionalKeyIdRule);
  input.algorithm = in.String("EncryptionAlgorithm", kEncryptionAlgorithmRule);
  input.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(auto blob_key, IdentifyCiphertext(call, *ciphertext));
  // CloudTrail names the key by ARN and always shows the algorithm.
  JsonOut params;
  params.StartObject().Field("encryptionAlgorithm", input.algorithm.value_or("SYMMETRIC_DEFAULT"));
  params.Field("keyId", blob_key.key->Arn());
  if (!input.context.empty()) params.Context("encryptionContext", input.context);
  params.EndObject();
  call.audit.request_parameters = params.Take();
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey key, CheckNamedKey(call, input.key_id, blob_key.key));
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(call, "kms:Decrypt", "Decrypt", key, input, true));
  KMS_RETURN_IF_ERROR(keys::CheckKeyState(*key.key, keys::KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckSymmetricAlgorithm(*key.key, input.algorithm));
  if (input.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(SecretBytes plaintext, call.services.keys->Decrypt(blob_key, input.context));
  const std::string& material_id = MaterialId(*key.key, blob_key.blob.key_version);
  NoteKeyMaterial(call, material_id);
  JsonOut out;
  out.StartObject().Field("KeyId", key.key->Arn()).Blob("Plaintext", plaintext.view());
  out.Field("EncryptionAlgorithm", "SYMMETRIC_DEFAULT").Field("KeyMaterialId", material_id).EndObject();
  return out.Take();
}

StatusOr<std::string> ReEncrypt(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  CryptoInput source, destination;
  std::optional<Bytes> ciphertext = in.Blob("CiphertextBlob", kCiphertextRule);
  ReadCommon(in, "SourceEncryptionContext", source);
  source.key_id = in.String("SourceKeyId", kOptionalKeyIdRule);
  destination.key_id = in.String("DestinationKeyId", kKeyIdRule);
  destination.context = in.StringMap("DestinationEncryptionContext").value_or(EncryptionContext{});
  source.algorithm = in.String("SourceEncryptionAlgorithm", kEncryptionAlgorithmRule);
  destination.algorithm = in.String("DestinationEncryptionAlgorithm", kEncryptionAlgorithmRule);
  destination.grant_tokens = source.grant_tokens;
  source.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(auto blob_key, IdentifyCiphertext(call, *ciphertext));
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey from, CheckNamedKey(call, source.key_id, blob_key.key));
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey to, ResolveKey(call, *destination.key_id, keys::KeyIdForms::kAny));
  policy::ConditionValues same_key;
  same_key.Set("kms:ReEncryptOnSameKey", from.key->key_id == to.key->key_id ? "true" : "false");
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(call, "kms:ReEncryptFrom", "ReEncryptFrom", from, source, true, same_key));
  KMS_RETURN_IF_ERROR(AuthorizeCrypto(call, "kms:ReEncryptTo", "ReEncryptTo", to, destination, true, same_key));
  KMS_RETURN_IF_ERROR(keys::CheckKeyState(*from.key, keys::KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(keys::CheckKeyState(*to.key, keys::KeyUse::kCryptographic));
  KMS_RETURN_IF_ERROR(CheckSymmetricAlgorithm(*from.key, source.algorithm));
  KMS_RETURN_IF_ERROR(CheckSymmetricAlgorithm(*to.key, destination.algorithm));
  if (source.dry_run) return DryRunSucceeded();
  KMS_ASSIGN_OR_RETURN(SecretBytes plaintext, call.services.keys->Decrypt(blob_key, source.context));
  KMS_ASSIGN_OR_RETURN(Bytes blob, call.services.keys->Encrypt(*to.key, plaintext.view(), destination.context));
  const std::string& source_material = MaterialId(*from.key, blob_key.blob.key_version);
  JsonOut out;
  out.StartObject().Blob("CiphertextBlob", blob).Field("SourceKeyId", from.key->Arn()).Field("KeyId", to.key->Arn());
  out.Field("SourceEncryptionAlgorithm", "SYMMETRIC_DEFAULT").Field("DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
  out.Field("SourceKeyMaterialId", source_material).Field("DestinationKeyMaterialId", to.key->current().material_id);
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> GenerateRandom(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<int64_t> number_of_bytes = in.Int("NumberOfBytes", IntRule{.min = 1, .max = 1024});
  std::optional<std::string> custom_key_store = in.String("CustomKeyStoreId", StringRule{.min_length = 1, .max_length = 64});
  KMS_RETURN_IF_ERROR(in.Finish());
  // CloudTrail records GenerateRandom with null requestParameters.
  call.audit.request_parameters = "null";
  if (!number_of_bytes) return Error(Code::kValidation, "NumberOfBytes is required.");
  if (custom_key_store) return Error(Code::kUnsupportedOperation, "kmsd has no custom key stores.");
  AccessRequest request;
  request.action = "kms:GenerateRandom";
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  const SecretBytes random = crypto::RandomSecret(static_cast<size_t>(*number_of_bytes));
  JsonOut out;
  out.StartObject().Blob("Plaintext", random.view()).EndObject();
  return out.Take();
}

}  // namespace kms::api
