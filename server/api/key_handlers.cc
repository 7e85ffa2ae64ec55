// Codecs of CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey,
// DisableKey, ScheduleKeyDeletion and CancelKeyDeletion: JSON to typed
// request, keys::KeyLifecycleService, typed result to JSON and CloudTrail.
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {
namespace {

// Enum lists in the order AWS prints them in validation messages.
// The twelve AWS's 2023 validation message lists, in its order, then the
// specs added since.
constexpr std::array<std::string_view, 20> kKeySpecs = {"RSA_2048",
                                                        "ECC_NIST_P384",
                                                        "ECC_NIST_P256",
                                                        "ECC_NIST_P521",
                                                        "HMAC_384",
                                                        "RSA_3072",
                                                        "ECC_SECG_P256K1",
                                                        "RSA_4096",
                                                        "SYMMETRIC_DEFAULT",
                                                        "HMAC_256",
                                                        "HMAC_224",
                                                        "HMAC_512",
                                                        "SM2",
                                                        "ML_DSA_44",
                                                        "ML_DSA_65",
                                                        "ML_DSA_87",
                                                        "ECC_NIST_EDWARDS25519",
                                                        "ML_KEM_512",
                                                        "ML_KEM_768",
                                                        "ML_KEM_1024"};
constexpr std::array<std::string_view, 4> kKeyUsages = {"ENCRYPT_DECRYPT", "SIGN_VERIFY",
                                                        "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"};
constexpr std::array<std::string_view, 4> kOrigins = {"AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM",
                                                      "EXTERNAL_KEY_STORE"};

bool IsPolicyText(std::string_view s) {
  for (unsigned char c : s) {
    if (!(c == 0x09 || c == 0x0A || c == 0x0D || c >= 0x20)) return false;
  }
  return true;
}

// Reads {"KeyId": ...} alone.
StatusOr<keys::KeyIdRequest> ReadKeyIdRequest(const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  return keys::KeyIdRequest{*key_id};
}

std::string KeyMetadataResponse(const KeyRecord& key) {
  JsonOut out;
  out.StartObject().Key("KeyMetadata");
  WriteKeyMetadata(out, key);
  out.EndObject();
  return out.Take();
}

}  // namespace

const StringRule kPolicyRule{.min_length = 1,
                             .max_length = 131072,
                             .pattern = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
                             .matches = IsPolicyText};

StatusOr<std::string> CreateKey(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::CreateKeyRequest request;
  request.policy = in.String("Policy", kPolicyRule);
  request.description = in.String("Description", StringRule{.max_length = 8192}).value_or("");
  request.key_usage = in.String("KeyUsage", StringRule{.enum_values = kKeyUsages});
  request.customer_master_key_spec =
      in.String("CustomerMasterKeySpec", StringRule{.enum_values = kKeySpecs});
  request.key_spec = in.String("KeySpec", StringRule{.enum_values = kKeySpecs});
  request.origin = in.String("Origin", StringRule{.enum_values = kOrigins});
  request.custom_key_store_id =
      in.String("CustomKeyStoreId", StringRule{.min_length = 1, .max_length = 64});
  request.bypass_policy_lockout_safety_check =
      in.Bool("BypassPolicyLockoutSafetyCheck").value_or(false);
  request.tags = in.Tags("Tags", ListRule{}).value_or(std::vector<Tag>{});
  request.multi_region = in.Bool("MultiRegion").value_or(false);
  in.String("XksKeyId", StringRule{.min_length = 1, .max_length = 128});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::Key key, call.operations().lifecycle.CreateKey(call.context, request));
  JsonOut elements;
  elements.StartObject().Key("keyMetadata");
  WriteCloudTrailKeyMetadata(elements, *key);
  elements.EndObject();
  call.audit.response_elements = elements.Take();
  return KeyMetadataResponse(*key);
}

StatusOr<std::string> DescribeKey(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  ReadGrantTokens(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::Key key,
                       call.operations().lifecycle.DescribeKey(call.context, {*key_id}));
  return KeyMetadataResponse(*key);
}

StatusOr<std::string> ListKeys(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  const PageInput page_input = ReadPageInput(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::PageRequest page_request, ToPageRequest(page_input));
  KMS_ASSIGN_OR_RETURN(auto page,
                       call.operations().lifecycle.ListKeys(call.context, {page_request}));
  JsonOut out;
  out.StartObject().Key("Keys").StartArray();
  for (const keys::Key& key : page.items) {
    out.StartObject().Field("KeyId", key->key_id).Field("KeyArn", key->Arn()).EndObject();
  }
  out.EndArray();
  WritePaging(out, page.next);
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> UpdateKeyDescription(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> description =
      in.String("Description", StringRule{.required = true, .max_length = 8192});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(
      call.operations().lifecycle.UpdateKeyDescription(call.context, {*key_id, *description}));
  return std::string();
}

StatusOr<std::string> EnableKey(Call& call, const rapidjson::Value& body) {
  KMS_ASSIGN_OR_RETURN(keys::KeyIdRequest request, ReadKeyIdRequest(body));
  KMS_RETURN_IF_ERROR(call.operations().lifecycle.EnableKey(call.context, request));
  return std::string();
}

StatusOr<std::string> DisableKey(Call& call, const rapidjson::Value& body) {
  KMS_ASSIGN_OR_RETURN(keys::KeyIdRequest request, ReadKeyIdRequest(body));
  KMS_RETURN_IF_ERROR(call.operations().lifecycle.DisableKey(call.context, request));
  return std::string();
}

StatusOr<std::string> ScheduleKeyDeletion(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<int64_t> window = in.Int("PendingWindowInDays", IntRule{.min = 1, .max = 365});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::Key key, call.operations().lifecycle.ScheduleKeyDeletion(
                                          call.context, {*key_id, window}));
  // A multi-Region primary with replicas waits for them (PendingReplicaDeletion),
  // without a deletion date yet.
  const bool dated = key->state == KeyState::kPendingDeletion;
  JsonOut elements;
  elements.StartObject().Field("keyId", key->Arn()).Field("keyState", KeyStateName(key->state));
  if (dated) elements.Field("deletionDate", FormatCloudTrailDate(key->deletion_date));
  elements.EndObject();
  call.audit.response_elements = elements.Take();
  JsonOut out;
  out.StartObject().Field("KeyId", key->Arn());
  if (dated) out.Time("DeletionDate", key->deletion_date);
  out.Field("KeyState", KeyStateName(key->state))
      .Int("PendingWindowInDays", key->pending_window_days)
      .EndObject();
  return out.Take();
}

StatusOr<std::string> CancelKeyDeletion(Call& call, const rapidjson::Value& body) {
  KMS_ASSIGN_OR_RETURN(keys::KeyIdRequest request, ReadKeyIdRequest(body));
  KMS_ASSIGN_OR_RETURN(keys::Key key,
                       call.operations().lifecycle.CancelKeyDeletion(call.context, request));
  call.audit.response_elements = "{\"keyId\":\"" + key->Arn() + "\"}";
  JsonOut out;
  out.StartObject().Field("KeyId", key->Arn()).EndObject();
  return out.Take();
}

}  // namespace kms::api
