// Codecs of Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
// GenerateDataKeyWithoutPlaintext and GenerateRandom (keys::CryptoService).
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {
namespace {

constexpr std::array<std::string_view, 2> kDataKeySpecs = {"AES_256", "AES_128"};
// ML_KEM_* are names AWS has and OpenSSL 3.0 cannot make (CryptoService
// refuses them as not offered).
constexpr std::array<std::string_view, 12> kDataKeyPairSpecs = {
    "RSA_2048",      "RSA_3072",        "RSA_4096", "ECC_NIST_P256",         "ECC_NIST_P384",
    "ECC_NIST_P521", "ECC_SECG_P256K1", "SM2",      "ECC_NIST_EDWARDS25519", "ML_KEM_512",
    "ML_KEM_768",    "ML_KEM_1024"};
constexpr BlobRule kCiphertextRule{.required = true, .min_length = 1, .max_length = 6144};

EncryptionContext ReadContext(RequestReader& in, const char* member) {
  return in.StringMap(member).value_or(EncryptionContext{});
}

StatusOr<std::string> GenerateDataKeyCodec(Call& call, const rapidjson::Value& body,
                                           bool with_plaintext) {
  RequestReader in(body);
  keys::GenerateDataKeyRequest request;
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  request.encryption_context = ReadContext(in, "EncryptionContext");
  request.grant_tokens = ReadGrantTokens(in);
  request.number_of_bytes = in.Int("NumberOfBytes", IntRule{.min = 1, .max = 1024});
  request.key_spec = in.String("KeySpec", StringRule{.enum_values = kDataKeySpecs});
  request.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(RefuseRecipient(in));
  request.key_id = *key_id;
  KMS_ASSIGN_OR_RETURN(
      keys::GenerateDataKeyResult result,
      call.operations().crypto.GenerateDataKey(call.context, request, with_plaintext));
  JsonOut out;
  out.StartObject().Blob("CiphertextBlob", result.ciphertext_blob);
  if (with_plaintext) out.Blob("Plaintext", result.plaintext.view());
  out.Field("KeyId", result.key->Arn())
      .Field("KeyMaterialId", result.key->current().material_id)
      .EndObject();
  return out.Take();
}

StatusOr<std::string> GenerateDataKeyPairCodec(Call& call, const rapidjson::Value& body,
                                               bool with_plaintext) {
  RequestReader in(body);
  keys::GenerateDataKeyPairRequest request;
  request.encryption_context = ReadContext(in, "EncryptionContext");
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> key_pair_spec =
      in.String("KeyPairSpec", StringRule{.required = true, .enum_values = kDataKeyPairSpecs});
  request.grant_tokens = ReadGrantTokens(in);
  request.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(RefuseRecipient(in));
  request.key_id = *key_id;
  request.key_pair_spec = *key_pair_spec;
  KMS_ASSIGN_OR_RETURN(
      keys::GenerateDataKeyPairResult result,
      call.operations().crypto.GenerateDataKeyPair(call.context, request, with_plaintext));
  JsonOut out;
  out.StartObject().Blob("PrivateKeyCiphertextBlob", result.private_key_ciphertext_blob);
  if (with_plaintext) out.Blob("PrivateKeyPlaintext", result.private_key_plaintext.view());
  out.Blob("PublicKey", result.public_key)
      .Field("KeyId", result.key->Arn())
      .Field("KeyPairSpec", request.key_pair_spec)
      .Field("KeyMaterialId", result.key->current().material_id)
      .EndObject();
  return out.Take();
}

}  // namespace

StatusOr<std::string> GenerateDataKeyPair(Call& call, const rapidjson::Value& body) {
  return GenerateDataKeyPairCodec(call, body, true);
}

StatusOr<std::string> GenerateDataKeyPairWithoutPlaintext(Call& call,
                                                          const rapidjson::Value& body) {
  return GenerateDataKeyPairCodec(call, body, false);
}

StatusOr<std::string> GenerateDataKey(Call& call, const rapidjson::Value& body) {
  return GenerateDataKeyCodec(call, body, true);
}

StatusOr<std::string> GenerateDataKeyWithoutPlaintext(Call& call, const rapidjson::Value& body) {
  return GenerateDataKeyCodec(call, body, false);
}

StatusOr<std::string> Encrypt(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::EncryptRequest request;
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<SecretBytes> plaintext = in.SecretBlob(
      "Plaintext",
      BlobRule{.required = true, .min_length = 1, .max_length = 4096, .sensitive = true});
  request.encryption_context = ReadContext(in, "EncryptionContext");
  request.grant_tokens = ReadGrantTokens(in);
  request.encryption_algorithm = in.String("EncryptionAlgorithm", kEncryptionAlgorithmRule);
  request.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  request.key_id = *key_id;
  request.plaintext = std::move(*plaintext);
  KMS_ASSIGN_OR_RETURN(keys::EncryptResult result,
                       call.operations().crypto.Encrypt(call.context, request));
  JsonOut out;
  out.StartObject()
      .Blob("CiphertextBlob", result.ciphertext_blob)
      .Field("KeyId", result.key->Arn());
  out.Field("EncryptionAlgorithm", result.encryption_algorithm).EndObject();
  return out.Take();
}

StatusOr<std::string> Decrypt(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::DecryptRequest request;
  std::optional<Bytes> ciphertext = in.Blob("CiphertextBlob", kCiphertextRule);
  request.encryption_context = ReadContext(in, "EncryptionContext");
  request.grant_tokens = ReadGrantTokens(in);
  request.key_id = in.String("KeyId", kOptionalKeyIdRule);
  request.encryption_algorithm = in.String("EncryptionAlgorithm", kEncryptionAlgorithmRule);
  request.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(RefuseRecipient(in));
  request.ciphertext_blob = std::move(*ciphertext);
  StatusOr<keys::DecryptResult> result = call.operations().crypto.Decrypt(call.context, request);
  // CloudTrail names the ciphertext's key by ARN and always shows the
  // algorithm, for refused calls too: the key is the first one traced.
  if (!call.context.trace.resources.empty()) {
    JsonOut params;
    params.StartObject().Field("encryptionAlgorithm",
                               request.encryption_algorithm.value_or("SYMMETRIC_DEFAULT"));
    params.Field("keyId", call.context.trace.resources.front());
    if (!request.encryption_context.empty())
      params.StringMap("encryptionContext", request.encryption_context);
    params.EndObject();
    call.audit.request_parameters = params.Take();
  }
  if (!result) return std::unexpected(result.error());
  JsonOut out;
  out.StartObject().Field("KeyId", result->key->Arn()).Blob("Plaintext", result->plaintext.view());
  out.Field("EncryptionAlgorithm", result->encryption_algorithm)
      .Field("KeyMaterialId", result->key_material_id)
      .EndObject();
  return out.Take();
}

StatusOr<std::string> ReEncrypt(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::ReEncryptRequest request;
  std::optional<Bytes> ciphertext = in.Blob("CiphertextBlob", kCiphertextRule);
  request.source_encryption_context = ReadContext(in, "SourceEncryptionContext");
  request.grant_tokens = ReadGrantTokens(in);
  request.source_key_id = in.String("SourceKeyId", kOptionalKeyIdRule);
  std::optional<std::string> destination_key_id = in.String("DestinationKeyId", kKeyIdRule);
  request.destination_encryption_context = ReadContext(in, "DestinationEncryptionContext");
  request.source_encryption_algorithm =
      in.String("SourceEncryptionAlgorithm", kEncryptionAlgorithmRule);
  request.destination_encryption_algorithm =
      in.String("DestinationEncryptionAlgorithm", kEncryptionAlgorithmRule);
  request.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  request.ciphertext_blob = std::move(*ciphertext);
  request.destination_key_id = *destination_key_id;
  KMS_ASSIGN_OR_RETURN(keys::ReEncryptResult result,
                       call.operations().crypto.ReEncrypt(call.context, request));
  JsonOut out;
  out.StartObject()
      .Blob("CiphertextBlob", result.ciphertext_blob)
      .Field("SourceKeyId", result.source_key->Arn());
  out.Field("KeyId", result.destination_key->Arn());
  out.Field("SourceEncryptionAlgorithm", result.source_encryption_algorithm)
      .Field("DestinationEncryptionAlgorithm", result.destination_encryption_algorithm);
  out.Field("SourceKeyMaterialId", result.source_key_material_id);
  out.Field("DestinationKeyMaterialId", result.destination_key->current().material_id);
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> GenerateRandom(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::GenerateRandomRequest request;
  request.number_of_bytes = in.Int("NumberOfBytes", IntRule{.min = 1, .max = 1024});
  request.custom_key_store_id =
      in.String("CustomKeyStoreId", StringRule{.min_length = 1, .max_length = 64});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(RefuseRecipient(in));
  KMS_ASSIGN_OR_RETURN(SecretBytes random,
                       call.operations().crypto.GenerateRandom(call.context, request));
  JsonOut out;
  out.StartObject().Blob("Plaintext", random.view()).EndObject();
  return out.Take();
}

}  // namespace kms::api
