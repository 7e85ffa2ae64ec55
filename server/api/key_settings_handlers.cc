// Rotation, tags and key policies of one key.
#include "server/api/handler_util.h"
#include "server/api/handlers.h"

namespace kms::api {
namespace {

constexpr EpochMillis kDayMillis = 24LL * 3600 * 1000;

bool IsPolicyName(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}
constexpr StringRule kPolicyNameRule{.min_length = 1, .max_length = 128, .pattern = "[\\w]+", .matches = IsPolicyName};

Status CheckPolicyName(const std::optional<std::string>& name) {
  if (!name || *name == "default") return OkStatus();
  return Error(Code::kNotFound, "No such policy exists");
}

StatusOr<keys::ResolvedKey> ReadKeyAndAuthorize(Call& call, RequestReader& in, std::string_view action) {
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, action, *resolved.key));
  return resolved;
}

}  // namespace

StatusOr<std::string> EnableKeyRotation(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<int64_t> period = in.Int("RotationPeriodInDays", IntRule{.min = 90, .max = 2560});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  AccessRequest request;
  request.action = "kms:EnableKeyRotation";
  request.key = resolved.key.get();
  if (period) request.conditions.Set("kms:RotationPeriodInDays", std::to_string(*period));
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_RETURN_IF_ERROR(call.services.keys->UpdateKey(resolved.key->key_id, [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(keys::CheckKeyState(key, keys::KeyUse::kRotationConfig));
    const int days = static_cast<int>(period.value_or(key.rotation_enabled ? key.rotation_period_days : 365));
    if (!key.rotation_enabled || key.rotation_period_days != days) {
      key.next_rotation_date = call.now + days * kDayMillis;
    }
    key.rotation_enabled = true;
    key.rotation_period_days = days;
    return OkStatus();
  }));
  return std::string();
}

StatusOr<std::string> DisableKeyRotation(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ReadKeyAndAuthorize(call, in, "kms:DisableKeyRotation"));
  KMS_RETURN_IF_ERROR(call.services.keys->UpdateKey(resolved.key->key_id, [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(keys::CheckKeyState(key, keys::KeyUse::kRotationConfig));
    key.rotation_enabled = false;
    key.next_rotation_date = 0;
    return OkStatus();
  }));
  return std::string();
}

StatusOr<std::string> GetKeyRotationStatus(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ReadKeyAndAuthorize(call, in, "kms:GetKeyRotationStatus"));
  const KeyRecord& key = *resolved.key;
  JsonOut out;
  out.StartObject().Field("KeyRotationEnabled", key.rotation_enabled).Field("KeyId", key.Arn());
  if (key.rotation_enabled) {
    out.Int("RotationPeriodInDays", key.rotation_period_days).Time("NextRotationDate", key.next_rotation_date);
  }
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> TagResource(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::vector<Tag>> tags = in.Tags("Tags", ListRule{.required = true});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  AccessRequest request;
  request.action = "kms:TagResource";
  request.key = resolved.key.get();
  AddTagConditions(*tags, request.conditions);
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_RETURN_IF_ERROR(call.services.keys->UpdateKey(resolved.key->key_id, [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(keys::CheckKeyState(key, keys::KeyUse::kManage));
    KMS_RETURN_IF_ERROR(CheckTags(*tags, key.tags));
    for (const Tag& tag : *tags) {
      auto it = std::find_if(key.tags.begin(), key.tags.end(), [&](const Tag& t) { return t.key == tag.key; });
      if (it != key.tags.end()) it->value = tag.value;
      else key.tags.push_back(tag);
    }
    return OkStatus();
  }));
  return std::string();
}

StatusOr<std::string> UntagResource(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::vector<std::string>> tag_keys =
      in.StringList("TagKeys", ListRule{.required = true}, StringRule{.min_length = 1, .max_length = 128});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  AccessRequest request;
  request.action = "kms:UntagResource";
  request.key = resolved.key.get();
  for (const std::string& tag_key : *tag_keys) request.conditions.Add("aws:TagKeys", tag_key);
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_RETURN_IF_ERROR(call.services.keys->UpdateKey(resolved.key->key_id, [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(keys::CheckKeyState(key, keys::KeyUse::kManage));
    std::erase_if(key.tags, [&](const Tag& t) {
      return std::find(tag_keys->begin(), tag_keys->end(), t.key) != tag_keys->end();
    });
    return OkStatus();
  }));
  return std::string();
}

StatusOr<std::string> ListResourceTags(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  const PageRequest page_request = ReadPageRequest(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(const std::string position, page_request.Position());
  size_t start = 0;
  if (page_request.marker) {
    if (position.empty() || position.find_first_not_of("0123456789") != std::string::npos || position.size() > 6) {
      return Error(Code::kInvalidMarker, "Invalid marker: " + *page_request.marker);
    }
    start = std::stoul(position);
  }
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, "kms:ListResourceTags", *resolved.key));
  const std::vector<Tag>& tags = resolved.key->tags;
  const size_t page = page_request.Size(50, 50);
  const size_t end = std::min(tags.size(), start + page);
  JsonOut out;
  out.StartObject().Key("Tags").StartArray();
  for (size_t i = start; i < end; ++i) {
    out.StartObject().Field("TagKey", tags[i].key).Field("TagValue", tags[i].value).EndObject();
  }
  out.EndArray();
  WritePaging(out, end < tags.size() ? std::to_string(end) : "");
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> GetKeyPolicy(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> name = in.String("PolicyName", kPolicyNameRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, "kms:GetKeyPolicy", *resolved.key));
  KMS_RETURN_IF_ERROR(CheckPolicyName(name));
  JsonOut out;
  out.StartObject().Field("Policy", resolved.key->policy).Field("PolicyName", "default").EndObject();
  return out.Take();
}

StatusOr<std::string> PutKeyPolicy(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> name = in.String("PolicyName", kPolicyNameRule);
  StringRule policy_rule = kPolicyRule;
  policy_rule.required = true;
  std::optional<std::string> policy = in.String("Policy", policy_rule);
  std::optional<bool> bypass = in.Bool("BypassPolicyLockoutSafetyCheck");
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  AccessRequest request;
  request.action = "kms:PutKeyPolicy";
  request.key = resolved.key.get();
  request.conditions.Set("kms:BypassPolicyLockoutSafetyCheck", bypass.value_or(false) ? "true" : "false");
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_RETURN_IF_ERROR(CheckPolicyName(name));
  KMS_ASSIGN_OR_RETURN(auto parsed, call.services.access->ParseKeyPolicy(*policy));
  if (!bypass.value_or(false)) KMS_RETURN_IF_ERROR(CheckPolicyLockout(call, *resolved.key, parsed));
  KMS_RETURN_IF_ERROR(call.services.keys->UpdateKey(resolved.key->key_id, [&](KeyRecord& key) -> Status {
    key.policy = *policy;
    return OkStatus();
  }));
  return std::string();
}

StatusOr<std::string> ListKeyPolicies(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  const PageRequest page_request = ReadPageRequest(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(page_request.Position());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, "kms:ListKeyPolicies", *resolved.key));
  JsonOut out;
  out.StartObject().Key("PolicyNames").StartArray();
  if (!page_request.marker) out.String("default");
  out.EndArray().Field("Truncated", false).EndObject();
  return out.Take();
}

}  // namespace kms::api
