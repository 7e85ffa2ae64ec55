// CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey,
// DisableKey, ScheduleKeyDeletion, CancelKeyDeletion.
#include "server/api/handlers.h"

#include "kms/text.h"
#include "server/api/handler_util.h"

namespace kms::api {
namespace {

constexpr EpochMillis kDayMillis = 24LL * 3600 * 1000;

// Enum lists in the order AWS prints them in validation messages.
constexpr std::array<std::string_view, 12> kKeySpecs = {
    "RSA_2048", "ECC_NIST_P384", "ECC_NIST_P256", "ECC_NIST_P521", "HMAC_384", "RSA_3072",
    "ECC_SECG_P256K1", "RSA_4096", "SYMMETRIC_DEFAULT", "HMAC_256", "HMAC_224", "HMAC_512"};
constexpr std::array<std::string_view, 3> kKeyUsages = {"ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC"};
constexpr std::array<std::string_view, 4> kOrigins = {"AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"};

bool IsPolicyText(std::string_view s) {
  for (unsigned char c : s) {
    if (!(c == 0x09 || c == 0x0A || c == 0x0D || c >= 0x20)) return false;
  }
  return true;
}

}  // namespace

const StringRule kPolicyRule{.min_length = 1, .max_length = 131072,
                             .pattern = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+", .matches = IsPolicyText};

Status CheckTags(const std::vector<Tag>& tags, const std::vector<Tag>& existing) {
  for (size_t i = 0; i < tags.size(); ++i) {
    if (EqualsIgnoreCase(std::string_view(tags[i].key).substr(0, 4), "aws:")) return Error(Code::kTag, "Tags beginning with aws: are reserved");
    for (size_t j = 0; j < i; ++j) {
      if (tags[j].key == tags[i].key) return Error(Code::kTag, "Duplicate tag keys");
    }
  }
  size_t total = existing.size();
  for (const Tag& tag : tags) {
    bool replaces = false;
    for (const Tag& old : existing) replaces |= old.key == tag.key;
    if (!replaces) ++total;
  }
  if (total > 50) return Error(Code::kTag, "Too many tags");
  return OkStatus();
}

void AddTagConditions(const std::vector<Tag>& tags, policy::ConditionValues& values) {
  // Tag keys that differ only in case become alternatives (as context keys do).
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(tags.size());
  for (const Tag& tag : tags) pairs.emplace_back("aws:RequestTag/" + tag.key, tag.value);
  values.SetAll(std::move(pairs));
  for (const Tag& tag : tags) values.Add("aws:TagKeys", tag.key);
}

// The caller must still be allowed to change the policy under the new one.
Status CheckPolicyLockout(Call& call, const KeyRecord& key, std::shared_ptr<const policy::Policy> new_policy) {
  AccessRequest request;
  request.action = "kms:PutKeyPolicy";
  request.key = &key;
  const policy::Decision decision =
      call.services.access->Evaluate(call.caller, call.now, request, std::move(new_policy));
  if (decision.allowed) return OkStatus();
  return Error(Code::kMalformedPolicyDocument,
               "The new key policy will not allow you to update the key policy in the future.");
}

StatusOr<std::string> CreateKey(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> policy_text = in.String("Policy", kPolicyRule);
  std::optional<std::string> description = in.String("Description", StringRule{.max_length = 8192});
  std::optional<std::string> key_usage = in.String("KeyUsage", StringRule{.enum_values = kKeyUsages});
  std::optional<std::string> cmk_spec = in.String("CustomerMasterKeySpec", StringRule{.enum_values = kKeySpecs});
  std::optional<std::string> key_spec = in.String("KeySpec", StringRule{.enum_values = kKeySpecs});
  std::optional<std::string> origin = in.String("Origin", StringRule{.enum_values = kOrigins});
  std::optional<std::string> custom_key_store = in.String("CustomKeyStoreId", StringRule{.min_length = 1, .max_length = 64});
  std::optional<bool> bypass = in.Bool("BypassPolicyLockoutSafetyCheck");
  std::optional<std::vector<Tag>> tags = in.Tags("Tags", ListRule{});
  std::optional<bool> multi_region = in.Bool("MultiRegion");
  in.String("XksKeyId", StringRule{.min_length = 1, .max_length = 128});
  KMS_RETURN_IF_ERROR(in.Finish());

  if (key_spec && cmk_spec) {
    return Error(Code::kValidation, "You cannot specify both KeySpec and CustomerMasterKeySpec.");
  }
  const std::string spec = key_spec.value_or(cmk_spec.value_or("SYMMETRIC_DEFAULT"));
  if (spec != "SYMMETRIC_DEFAULT") {
    return Error(Code::kUnsupportedOperation, "kmsd supports only SYMMETRIC_DEFAULT keys, not " + spec + ".");
  }
  if (key_usage && *key_usage != "ENCRYPT_DECRYPT") {
    return Error(Code::kValidation, "KeyUsage " + *key_usage + " is not compatible with KeySpec " + spec);
  }
  if (origin && *origin != "AWS_KMS") {
    return Error(Code::kUnsupportedOperation, "kmsd supports only keys with Origin AWS_KMS, not " + *origin + ".");
  }
  if (custom_key_store) return Error(Code::kUnsupportedOperation, "kmsd has no custom key stores.");
  if (multi_region.value_or(false)) return Error(Code::kUnsupportedOperation, "kmsd does not support multi-Region keys.");
  const std::vector<Tag> tag_list = tags.value_or(std::vector<Tag>{});
  KMS_RETURN_IF_ERROR(CheckTags(tag_list, {}));

  AccessRequest create;
  create.action = "kms:CreateKey";
  create.conditions.Set("kms:KeySpec", spec);
  create.conditions.Set("kms:KeyUsage", "ENCRYPT_DECRYPT");
  create.conditions.Set("kms:KeyOrigin", "AWS_KMS");
  create.conditions.Set("kms:MultiRegion", "false");
  create.conditions.Set("kms:BypassPolicyLockoutSafetyCheck", bypass.value_or(false) ? "true" : "false");
  AddTagConditions(tag_list, create.conditions);
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(create)));
  if (!tag_list.empty()) {
    AccessRequest tag;
    tag.action = "kms:TagResource";
    AddTagConditions(tag_list, tag.conditions);
    KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(tag)));
  }

  const std::string policy = policy_text.value_or(keys::DefaultKeyPolicy(call.scope.account));
  KMS_ASSIGN_OR_RETURN(auto parsed, call.services.access->ParseKeyPolicy(policy));
  if (!bypass.value_or(false)) {
    KeyRecord prospective;
    prospective.key_id = "00000000-0000-4000-8000-000000000000";
    prospective.account = call.scope.account;
    prospective.region = call.scope.region;
    prospective.tags = tag_list;
    KMS_RETURN_IF_ERROR(CheckPolicyLockout(call, prospective, parsed));
  }
  KMS_ASSIGN_OR_RETURN(auto key, call.services.keys->CreateKey(keys::CreateKeyParams{
                                     call.scope, description.value_or(""), policy, tag_list, KeyManager::kCustomer}));
  call.audit.AddResource(key->Arn());
  JsonOut elements;
  elements.StartObject().Key("keyMetadata");
  WriteCloudTrailKeyMetadata(elements, *key);
  elements.EndObject();
  call.audit.response_elements = elements.Take();

  JsonOut out;
  out.StartObject().Key("KeyMetadata");
  WriteKeyMetadata(out, *key);
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> DescribeKey(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  in.StringList("GrantTokens", kGrantTokensList, kGrantTokenRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kAny));
  AccessRequest request;
  request.action = "kms:DescribeKey";
  request.key = resolved.key.get();
  request.grant_operation = "DescribeKey";
  if (!resolved.alias_name.empty()) request.conditions.Set("kms:RequestAlias", resolved.alias_name);
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  JsonOut out;
  out.StartObject().Key("KeyMetadata");
  WriteKeyMetadata(out, *resolved.key);
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> ListKeys(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  const PageRequest page_request = ReadPageRequest(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(const std::string after, page_request.Position());
  AccessRequest request;
  request.action = "kms:ListKeys";
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_ASSIGN_OR_RETURN(auto page, call.services.keys->store().ListKeys(call.scope.account, call.scope.region, after,
                                                                       page_request.Size(100, 1000)));
  JsonOut out;
  out.StartObject().Key("Keys").StartArray();
  for (const auto& key : page.items) {
    out.StartObject().Field("KeyId", key->key_id).Field("KeyArn", key->Arn()).EndObject();
  }
  out.EndArray();
  WritePaging(out, page.next_marker);
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> UpdateKeyDescription(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> description = in.String("Description", StringRule{.required = true, .max_length = 8192});
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, "kms:UpdateKeyDescription", *resolved.key));
  KMS_RETURN_IF_ERROR(call.services.keys->UpdateKey(resolved.key->key_id, [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(keys::CheckKeyState(key, keys::KeyUse::kManage));
    key.description = *description;
    return OkStatus();
  }));
  return std::string();
}

// EnableKey and DisableKey.
StatusOr<std::string> SetKeyEnabled(Call& call, const rapidjson::Value& body, bool enable) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, enable ? "kms:EnableKey" : "kms:DisableKey", *resolved.key));
  KMS_RETURN_IF_ERROR(call.services.keys->UpdateKey(resolved.key->key_id, [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(keys::CheckKeyState(key, keys::KeyUse::kEnableDisable));
    key.state = enable ? KeyState::kEnabled : KeyState::kDisabled;
    return OkStatus();
  }));
  return std::string();
}

StatusOr<std::string> EnableKey(Call& call, const rapidjson::Value& body) { return SetKeyEnabled(call, body, true); }
StatusOr<std::string> DisableKey(Call& call, const rapidjson::Value& body) { return SetKeyEnabled(call, body, false); }

StatusOr<std::string> ScheduleKeyDeletion(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<int64_t> window = in.Int("PendingWindowInDays", IntRule{.min = 1, .max = 365});
  KMS_RETURN_IF_ERROR(in.Finish());
  const int days = static_cast<int>(window.value_or(30));
  if (days < 7 || days > 30) return Error(Code::kValidation, "PendingWindowInDays must be between 7 and 30");
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  AccessRequest request;
  request.action = "kms:ScheduleKeyDeletion";
  request.key = resolved.key.get();
  request.conditions.Set("kms:ScheduleKeyDeletionPendingWindowInDays", std::to_string(days));
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_ASSIGN_OR_RETURN(auto key, call.services.keys->UpdateKey(resolved.key->key_id, [&](KeyRecord& k) -> Status {
    KMS_RETURN_IF_ERROR(keys::CheckKeyState(k, keys::KeyUse::kManage));
    k.state = KeyState::kPendingDeletion;
    k.pending_window_days = days;
    k.deletion_date = call.now + days * kDayMillis;
    return OkStatus();
  }));
  JsonOut elements;
  elements.StartObject().Field("keyId", key->Arn()).Field("keyState", "PendingDeletion");
  elements.Field("deletionDate", CloudTrailDate(key->deletion_date)).EndObject();
  call.audit.response_elements = elements.Take();
  JsonOut out;
  out.StartObject().Field("KeyId", key->Arn()).Time("DeletionDate", key->deletion_date);
  out.Field("KeyState", "PendingDeletion").Int("PendingWindowInDays", days).EndObject();
  return out.Take();
}

StatusOr<std::string> CancelKeyDeletion(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, "kms:CancelKeyDeletion", *resolved.key));
  KMS_ASSIGN_OR_RETURN(auto key, call.services.keys->UpdateKey(resolved.key->key_id, [&](KeyRecord& k) -> Status {
    KMS_RETURN_IF_ERROR(keys::CheckKeyState(k, keys::KeyUse::kCancelDeletion));
    // A key whose deletion is cancelled comes back disabled.
    k.state = KeyState::kDisabled;
    k.deletion_date = 0;
    k.pending_window_days = 0;
    return OkStatus();
  }));
  call.audit.response_elements = "{\"keyId\":\"" + key->Arn() + "\"}";
  JsonOut out;
  out.StartObject().Field("KeyId", key->Arn()).EndObject();
  return out.Take();
}

}  // namespace kms::api
