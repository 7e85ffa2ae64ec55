// Codecs of imported key material (keys::ImportService):
// GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial. The
// import token and the wrapped material are never recorded
// (request_parameters.cc).
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {
namespace {

constexpr std::array<std::string_view, 5> kWrappingAlgorithms = {
    "RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256"};
constexpr std::array<std::string_view, 3> kWrappingKeySpecs = {"RSA_2048", "RSA_3072", "RSA_4096"};
constexpr std::array<std::string_view, 2> kExpirationModels = {"KEY_MATERIAL_EXPIRES",
                                                               "KEY_MATERIAL_DOES_NOT_EXPIRE"};
constexpr std::array<std::string_view, 2> kImportTypes = {"NEW_KEY_MATERIAL",
                                                          "EXISTING_KEY_MATERIAL"};

// ImportKeyMaterial's and DeleteImportedKeyMaterial's response.
std::string KeyMaterialResponse(const KeyRecord& key) {
  JsonOut out;
  out.StartObject()
      .Field("KeyId", key.Arn())
      .Field("KeyMaterialId", key.current().material_id)
      .EndObject();
  return out.Take();
}

}  // namespace

StatusOr<std::string> GetParametersForImport(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> algorithm = in.String(
      "WrappingAlgorithm", StringRule{.required = true, .enum_values = kWrappingAlgorithms});
  std::optional<std::string> spec =
      in.String("WrappingKeySpec", StringRule{.required = true, .enum_values = kWrappingKeySpecs});
  KMS_RETURN_IF_ERROR(in.Finish());
  if (*algorithm == "RSAES_PKCS1_V1_5")
    return Error(Code::kValidation,
                 "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported.");
  KMS_ASSIGN_OR_RETURN(
      keys::ImportParameters parameters,
      call.operations().imports.GetParametersForImport(call.context, {*key_id, *algorithm, *spec}));
  JsonOut out;
  out.StartObject()
      .Field("KeyId", parameters.key->Arn())
      .Blob("ImportToken", parameters.import_token)
      .Blob("PublicKey", parameters.public_key)
      .Time("ParametersValidTo", parameters.valid_to)
      .EndObject();
  return out.Take();
}

StatusOr<std::string> ImportKeyMaterial(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::ImportKeyMaterialRequest request;
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<Bytes> token =
      in.Blob("ImportToken", BlobRule{.required = true, .max_length = 6144, .sensitive = true});
  std::optional<Bytes> material = in.Blob(
      "EncryptedKeyMaterial", BlobRule{.required = true, .max_length = 6144, .sensitive = true});
  request.valid_to = in.Timestamp("ValidTo");
  request.expiration_model =
      in.String("ExpirationModel", StringRule{.enum_values = kExpirationModels});
  request.import_type = in.String("ImportType", StringRule{.enum_values = kImportTypes});
  in.String("KeyMaterialDescription", StringRule{.max_length = 256});
  in.String("KeyMaterialId", StringRule{.min_length = 64, .max_length = 64});
  KMS_RETURN_IF_ERROR(in.Finish());
  request.key_id = *key_id;
  request.import_token = std::move(*token);
  request.encrypted_key_material = std::move(*material);
  KMS_ASSIGN_OR_RETURN(keys::Key key,
                       call.operations().imports.ImportKeyMaterial(call.context, request));
  JsonOut elements;
  elements.StartObject()
      .Field("keyId", key->Arn())
      .Field("keyMaterialId", key->current().material_id)
      .EndObject();
  call.audit.response_elements = elements.Take();
  return KeyMaterialResponse(*key);
}

StatusOr<std::string> DeleteImportedKeyMaterial(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  in.String("KeyMaterialId", StringRule{.min_length = 64, .max_length = 64});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::Key key,
                       call.operations().imports.DeleteImportedKeyMaterial(call.context, *key_id));
  return KeyMaterialResponse(*key);
}

}  // namespace kms::api
