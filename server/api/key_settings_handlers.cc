// Codecs of the settings of one key: rotation (keys::KeyLifecycleService),
// tags (keys::TagService) and key policies (keys::KeyPolicyService).
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {
namespace {

bool IsPolicyName(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}
constexpr StringRule kPolicyNameRule{
    .min_length = 1, .max_length = 128, .pattern = "[\\w]+", .matches = IsPolicyName};

StatusOr<std::string> ReadKeyId(const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  return *key_id;
}

}  // namespace

StatusOr<std::string> EnableKeyRotation(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<int64_t> period = in.Int("RotationPeriodInDays", IntRule{.min = 90, .max = 2560});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(
      call.operations().lifecycle.EnableKeyRotation(call.context, {*key_id, period}));
  return std::string();
}

StatusOr<std::string> DisableKeyRotation(Call& call, const rapidjson::Value& body) {
  KMS_ASSIGN_OR_RETURN(std::string key_id, ReadKeyId(body));
  KMS_RETURN_IF_ERROR(call.operations().lifecycle.DisableKeyRotation(call.context, {key_id}));
  return std::string();
}

StatusOr<std::string> GetKeyRotationStatus(Call& call, const rapidjson::Value& body) {
  KMS_ASSIGN_OR_RETURN(std::string key_id, ReadKeyId(body));
  KMS_ASSIGN_OR_RETURN(keys::KeyRotationStatus status,
                       call.operations().lifecycle.GetKeyRotationStatus(call.context, {key_id}));
  const KeyRecord& key = *status.key;
  JsonOut out;
  out.StartObject().Field("KeyRotationEnabled", status.rotation_enabled).Field("KeyId", key.Arn());
  if (status.rotation_enabled) {
    out.Int("RotationPeriodInDays", key.rotation_period_days)
        .Time("NextRotationDate", key.next_rotation_date);
  }
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> RotateKeyOnDemand(Call& call, const rapidjson::Value& body) {
  KMS_ASSIGN_OR_RETURN(std::string key_id, ReadKeyId(body));
  KMS_ASSIGN_OR_RETURN(keys::Key key,
                       call.operations().lifecycle.RotateKeyOnDemand(call.context, {key_id}));
  call.audit.response_elements = "{\"keyId\":\"" + key->Arn() + "\"}";
  JsonOut out;
  out.StartObject().Field("KeyId", key->Arn()).EndObject();
  return out.Take();
}

StatusOr<std::string> ListKeyRotations(Call& call, const rapidjson::Value& body) {
  static constexpr std::array<std::string_view, 2> kIncludeKeyMaterial = {"ALL_KEY_MATERIAL",
                                                                          "ROTATIONS_ONLY"};
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> include =
      in.String("IncludeKeyMaterial", StringRule{.enum_values = kIncludeKeyMaterial});
  const PageInput page_input = ReadPageInput(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::PageRequest page_request, ToPageRequest(page_input));
  KMS_ASSIGN_OR_RETURN(auto page,
                       call.operations().lifecycle.ListKeyRotations(
                           call.context, {*key_id, include == "ALL_KEY_MATERIAL", page_request}));
  JsonOut out;
  out.StartObject().Key("Rotations").StartArray();
  for (const keys::KeyRotation& rotation : page.items) {
    out.StartObject()
        .Field("KeyId", rotation.key_id)
        .Field("KeyMaterialId", rotation.version.material_id)
        .Field("KeyMaterialState", rotation.current ? "CURRENT" : "NON_CURRENT");
    if (rotation.version.version > 1) {
      out.Time("RotationDate", rotation.version.created)
          .Field("RotationType", rotation.version.rotation_type.empty()
                                     ? "AUTOMATIC"
                                     : rotation.version.rotation_type);
    }
    out.EndObject();
  }
  out.EndArray();
  WritePaging(out, page.next);
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> TagResource(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::vector<Tag>> tags = in.Tags("Tags", ListRule{.required = true});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(call.operations().tags.TagResource(call.context, {*key_id, *tags}));
  return std::string();
}

StatusOr<std::string> UntagResource(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::vector<std::string>> tag_keys = in.StringList(
      "TagKeys", ListRule{.required = true}, StringRule{.min_length = 1, .max_length = 128});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(call.operations().tags.UntagResource(call.context, {*key_id, *tag_keys}));
  return std::string();
}

StatusOr<std::string> ListResourceTags(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  const PageInput page_input = ReadPageInput(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::PageRequest page_request, ToPageRequest(page_input));
  KMS_ASSIGN_OR_RETURN(
      auto page, call.operations().tags.ListResourceTags(call.context, {*key_id, page_request}));
  JsonOut out;
  out.StartObject().Key("Tags").StartArray();
  for (const Tag& tag : page.items)
    out.StartObject().Field("TagKey", tag.key).Field("TagValue", tag.value).EndObject();
  out.EndArray();
  WritePaging(out, page.next);
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> GetKeyPolicy(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> name = in.String("PolicyName", kPolicyNameRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(std::string policy,
                       call.operations().key_policies.GetKeyPolicy(call.context, {*key_id, name}));
  JsonOut out;
  out.StartObject().Field("Policy", policy).Field("PolicyName", "default").EndObject();
  return out.Take();
}

StatusOr<std::string> PutKeyPolicy(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::PutKeyPolicyRequest request;
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  request.policy_name = in.String("PolicyName", kPolicyNameRule);
  StringRule policy_rule = kPolicyRule;
  policy_rule.required = true;
  std::optional<std::string> policy = in.String("Policy", policy_rule);
  request.bypass_policy_lockout_safety_check =
      in.Bool("BypassPolicyLockoutSafetyCheck").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  request.key_id = *key_id;
  request.policy = *policy;
  KMS_RETURN_IF_ERROR(call.operations().key_policies.PutKeyPolicy(call.context, request));
  return std::string();
}

StatusOr<std::string> ListKeyPolicies(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  const PageInput page_input = ReadPageInput(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::PageRequest page_request, ToPageRequest(page_input));
  KMS_ASSIGN_OR_RETURN(
      std::vector<std::string> names,
      call.operations().key_policies.ListKeyPolicies(call.context, {*key_id, page_request}));
  JsonOut out;
  out.StartObject().Key("PolicyNames").StartArray();
  for (const std::string& name : names) out.String(name);
  out.EndArray().Field("Truncated", false).EndObject();
  return out.Take();
}

}  // namespace kms::api
