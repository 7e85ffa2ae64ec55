// Codecs of Sign, Verify, GetPublicKey, DeriveSharedSecret, GenerateMac and VerifyMac
// (keys::SigningService).
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {
namespace {

constexpr std::array<std::string_view, 13> kSigningAlgorithms = {"RSASSA_PSS_SHA_256",
                                                                 "RSASSA_PSS_SHA_384",
                                                                 "RSASSA_PSS_SHA_512",
                                                                 "RSASSA_PKCS1_V1_5_SHA_256",
                                                                 "RSASSA_PKCS1_V1_5_SHA_384",
                                                                 "RSASSA_PKCS1_V1_5_SHA_512",
                                                                 "ECDSA_SHA_256",
                                                                 "ECDSA_SHA_384",
                                                                 "ECDSA_SHA_512",
                                                                 "SM2DSA",
                                                                 "ML_DSA_SHAKE_256",
                                                                 "ED25519_SHA_512",
                                                                 "ED25519_PH_SHA_512"};
constexpr std::array<std::string_view, 2> kMessageTypes = {"RAW", "DIGEST"};
// In the order AWS's validation message lists them.
constexpr std::array<std::string_view, 4> kMacAlgorithms = {"HMAC_SHA_384", "HMAC_SHA_256",
                                                            "HMAC_SHA_224", "HMAC_SHA_512"};
constexpr BlobRule kMessageRule{
    .required = true, .min_length = 1, .max_length = 4096, .sensitive = true};
constexpr std::array<std::string_view, 1> kKeyAgreementAlgorithms = {"ECDH"};
constexpr BlobRule kSignatureRule{.required = true, .min_length = 1, .max_length = 6144};

// The members Sign and Verify share; `in.Finish()` is the caller's.
std::optional<std::string> ReadSignRequest(RequestReader& in, keys::SignRequest& request) {
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<SecretBytes> message = in.SecretBlob("Message", kMessageRule);
  request.message_type =
      in.String("MessageType", StringRule{.enum_values = kMessageTypes}).value_or("RAW");
  request.signing_algorithm =
      in.String("SigningAlgorithm", StringRule{.required = true, .enum_values = kSigningAlgorithms})
          .value_or("");
  request.grant_tokens = ReadGrantTokens(in);
  request.dry_run = in.Bool("DryRun").value_or(false);
  if (message) request.message = std::move(*message);
  return key_id;
}

// The members GenerateMac and VerifyMac share.
std::optional<std::string> ReadMacRequest(RequestReader& in, keys::MacRequest& request) {
  std::optional<SecretBytes> message = in.SecretBlob("Message", kMessageRule);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  request.mac_algorithm =
      in.String("MacAlgorithm", StringRule{.required = true, .enum_values = kMacAlgorithms})
          .value_or("");
  request.grant_tokens = ReadGrantTokens(in);
  request.dry_run = in.Bool("DryRun").value_or(false);
  if (message) request.message = std::move(*message);
  return key_id;
}

}  // namespace

StatusOr<std::string> Sign(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::SignRequest request;
  std::optional<std::string> key_id = ReadSignRequest(in, request);
  KMS_RETURN_IF_ERROR(in.Finish());
  request.key_id = *key_id;
  KMS_ASSIGN_OR_RETURN(keys::SignResult result,
                       call.operations().signing.Sign(call.context, request));
  JsonOut out;
  out.StartObject()
      .Field("KeyId", result.key->Arn())
      .Blob("Signature", result.signature)
      .Field("SigningAlgorithm", request.signing_algorithm)
      .EndObject();
  return out.Take();
}

StatusOr<std::string> Verify(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::VerifyRequest request;
  std::optional<std::string> key_id = ReadSignRequest(in, request.signed_message);
  std::optional<Bytes> signature = in.Blob("Signature", kSignatureRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  request.signed_message.key_id = *key_id;
  request.signature = std::move(*signature);
  KMS_ASSIGN_OR_RETURN(keys::SignResult result,
                       call.operations().signing.Verify(call.context, request));
  JsonOut out;
  out.StartObject()
      .Field("KeyId", result.key->Arn())
      .Field("SignatureValid", true)
      .Field("SigningAlgorithm", request.signed_message.signing_algorithm)
      .EndObject();
  return out.Take();
}

StatusOr<std::string> GetPublicKey(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::PublicKeyRequest request;
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  request.grant_tokens = ReadGrantTokens(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  request.key_id = *key_id;
  KMS_ASSIGN_OR_RETURN(keys::PublicKeyResult result,
                       call.operations().signing.GetPublicKey(call.context, request));
  const KeyRecord& key = *result.key;
  JsonOut out;
  out.StartObject()
      .Field("KeyId", key.Arn())
      .Blob("PublicKey", result.public_key)
      .Field("CustomerMasterKeySpec", key.key_spec)
      .Field("KeySpec", key.key_spec)
      .Field("KeyUsage", key.key_usage);
  WriteKeyAlgorithms(out, key, false);
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> DeriveSharedSecret(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::DeriveSharedSecretRequest request;
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> algorithm =
      in.String("KeyAgreementAlgorithm",
                StringRule{.required = true, .enum_values = kKeyAgreementAlgorithms});
  std::optional<Bytes> public_key =
      in.Blob("PublicKey", BlobRule{.required = true, .min_length = 1, .max_length = 8192});
  request.grant_tokens = ReadGrantTokens(in);
  request.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(RefuseRecipient(in));
  request.key_id = *key_id;
  request.key_agreement_algorithm = *algorithm;
  request.public_key = std::move(*public_key);
  KMS_ASSIGN_OR_RETURN(keys::SharedSecretResult result,
                       call.operations().signing.DeriveSharedSecret(call.context, request));
  JsonOut out;
  out.StartObject()
      .Field("KeyId", result.key->Arn())
      .Blob("SharedSecret", result.shared_secret.view())
      .Field("KeyAgreementAlgorithm", request.key_agreement_algorithm)
      .Field("KeyOrigin", result.key->origin)
      .EndObject();
  return out.Take();
}

StatusOr<std::string> GenerateMac(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::MacRequest request;
  std::optional<std::string> key_id = ReadMacRequest(in, request);
  KMS_RETURN_IF_ERROR(in.Finish());
  request.key_id = *key_id;
  KMS_ASSIGN_OR_RETURN(keys::MacResult result,
                       call.operations().signing.GenerateMac(call.context, request));
  JsonOut out;
  out.StartObject()
      .Blob("Mac", result.mac)
      .Field("MacAlgorithm", request.mac_algorithm)
      .Field("KeyId", result.key->Arn())
      .EndObject();
  return out.Take();
}

StatusOr<std::string> VerifyMac(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::MacRequest request;
  std::optional<std::string> key_id = ReadMacRequest(in, request);
  std::optional<Bytes> mac = in.Blob("Mac", kSignatureRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  request.key_id = *key_id;
  request.mac = std::move(*mac);
  KMS_ASSIGN_OR_RETURN(keys::MacResult result,
                       call.operations().signing.VerifyMac(call.context, request));
  JsonOut out;
  out.StartObject()
      .Field("KeyId", result.key->Arn())
      .Field("MacValid", true)
      .Field("MacAlgorithm", request.mac_algorithm)
      .EndObject();
  return out.Take();
}

}  // namespace kms::api
