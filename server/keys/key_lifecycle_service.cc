#include "kms/server/keys/key_lifecycle_service.h"

#include <algorithm>

#include "key_id.h"
#include "kms/server/keys/custom_key_store_service.h"
#include "kms/server/keys/key_policy_service.h"
#include "kms/server/keys/key_specs.h"
#include "kms/server/keys/tag_service.h"

namespace kms::keys {
namespace {

// Automatic rotation exists for symmetric encryption keys only.
Status CheckRotatable(const KeyRecord& key) {
  if (key.key_spec == "SYMMETRIC_DEFAULT") return OkStatus();
  return Error(Code::kUnsupportedOperation,
               "You cannot perform this operation on a non-symmetric key or a key with "
               "non-ENCRYPT_DECRYPT key usage.");
}

// Rotation (its settings, and on demand): symmetric keys whose material KMS
// makes; kmsd cannot make new material for an imported key.
Status CheckRotatableByKms(const KeyRecord& key) {
  KMS_RETURN_IF_ERROR(CheckRotatable(key));
  if (key.origin == "AWS_KMS") return OkStatus();
  return Error(Code::kUnsupportedOperation,
               key.Arn() + " origin is " + key.origin + " which is not valid for this operation.");
}

// A multi-Region set rotates as its primary says: replicas follow.
Status CheckRotationSettable(const KeyRecord& key) {
  if (!key.is_replica()) return OkStatus();
  return Error(Code::kUnsupportedOperation, key.Arn() + " is not a multi-region primary key.");
}

// Sets the rotation settings of `key`, and of every key of its multi-Region
// set (the primary's state and kind decide; replicas follow).
Status SetRotation(KeyService& keys, const KeyRecord& key,
                   const std::function<void(KeyRecord&)>& set) {
  KMS_RETURN_IF_ERROR(CheckRotationSettable(key));
  KMS_RETURN_IF_ERROR(keys.UpdateKeySet(key.store_id(), [&](KeyRecord& member) -> Status {
    if (!member.is_replica()) {
      KMS_RETURN_IF_ERROR(CheckKeyState(member, KeyUse::kRotationConfig));
      KMS_RETURN_IF_ERROR(CheckRotatableByKms(member));
    }
    set(member);
    return OkStatus();
  }));
  return OkStatus();
}

struct NewKeyKind {
  std::string spec;
  std::string usage;
  std::string origin;
};

// The spec and usage of a new key, or the error for what KMS refuses or
// kmsd cannot create.
StatusOr<NewKeyKind> CheckNewKeyKind(const CreateKeyRequest& request, std::string_view region) {
  if (request.key_spec && request.customer_master_key_spec) {
    return Error(Code::kValidation, "You cannot specify both KeySpec and CustomerMasterKeySpec.");
  }
  const std::string spec =
      request.key_spec.value_or(request.customer_master_key_spec.value_or("SYMMETRIC_DEFAULT"));
  const std::span<const std::string_view> usages = UsagesOf(spec);
  KMS_RETURN_IF_ERROR(CheckKeySpecOffered(spec, region));
  if (!request.key_usage && spec != "SYMMETRIC_DEFAULT") {
    return Error(Code::kValidation,
                 "You must specify a KeyUsage value for all KMS keys except for symmetric "
                 "encryption keys.");
  }
  const std::string usage = request.key_usage.value_or("ENCRYPT_DECRYPT");
  if (std::find(usages.begin(), usages.end(), usage) == usages.end()) {
    return Error(Code::kValidation,
                 "KeyUsage " + usage + " is not compatible with KeySpec " + spec);
  }
  const std::string origin = request.origin.value_or("AWS_KMS");
  if (origin != "AWS_KMS" && origin != "EXTERNAL") {
    return Error(Code::kUnsupportedOperation,
                 "kmsd supports keys with Origin AWS_KMS or EXTERNAL, not " + origin + ".");
  }
  if (request.custom_key_store_id) return CustomKeyStoreNotFound(*request.custom_key_store_id);
  return NewKeyKind{spec, usage, origin};
}

}  // namespace

StatusOr<std::string> AuthorizeNewKey(Access& access, CallContext& call,
                                      const KeyRecord& prospective,
                                      const std::optional<std::string>& policy,
                                      bool bypass_lockout) {
  AccessRequest create;
  create.action = "kms:CreateKey";
  create.conditions.Set("kms:KeySpec", prospective.key_spec);
  create.conditions.Set("kms:KeyUsage", prospective.key_usage);
  create.conditions.Set("kms:KeyOrigin", prospective.origin);
  create.conditions.Set("kms:MultiRegion", prospective.multi_region ? "true" : "false");
  if (prospective.multi_region)
    create.conditions.Set("kms:MultiRegionKeyType", std::string(MultiRegionKeyType(prospective)));
  create.conditions.Set("kms:BypassPolicyLockoutSafetyCheck", bypass_lockout ? "true" : "false");
  AddTagConditions(prospective.tags, create.conditions);
  KMS_RETURN_IF_ERROR(access.Authorize(call, std::move(create)));
  if (!prospective.tags.empty()) {
    AccessRequest tag;
    tag.action = "kms:TagResource";
    AddTagConditions(prospective.tags, tag.conditions);
    KMS_RETURN_IF_ERROR(access.Authorize(call, std::move(tag)));
  }
  std::string text = policy.value_or(DefaultKeyPolicy(prospective.account));
  KMS_ASSIGN_OR_RETURN(auto parsed, access.ParseKeyPolicy(text));
  if (!bypass_lockout) KMS_RETURN_IF_ERROR(CheckPolicyLockout(access, call, prospective, parsed));
  return text;
}

StatusOr<Key> KeyLifecycleService::CreateKey(CallContext& call, const CreateKeyRequest& request) {
  KMS_ASSIGN_OR_RETURN(const NewKeyKind kind, CheckNewKeyKind(request, call.scope.region));
  KMS_RETURN_IF_ERROR(CheckTags(request.tags, {}));
  KeyRecord prospective;
  prospective.key_id = "00000000-0000-4000-8000-000000000000";
  prospective.account = call.scope.account;
  prospective.region = call.scope.region;
  prospective.tags = request.tags;
  prospective.key_spec = kind.spec;
  prospective.key_usage = kind.usage;
  prospective.origin = kind.origin;
  if (request.multi_region) prospective.multi_region = MultiRegionSet{call.scope.region, {}};
  KMS_ASSIGN_OR_RETURN(const std::string policy,
                       AuthorizeNewKey(deps_.access, call, prospective, request.policy,
                                       request.bypass_policy_lockout_safety_check));
  KMS_ASSIGN_OR_RETURN(
      Key key, deps_.keys.CreateKey(CreateKeyParams{
                   call.scope, request.description, policy, request.tags, KeyManager::kCustomer,
                   kind.spec, kind.usage, kind.origin, request.multi_region}));
  call.trace.AddResource(key->Arn());
  return key;
}

StatusOr<Key> KeyLifecycleService::DescribeKey(CallContext& call, const KeyIdRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kAny));
  AccessRequest access;
  access.action = "kms:DescribeKey";
  access.key = resolved.key.get();
  access.grant_operation = "DescribeKey";
  if (!resolved.alias_name.empty()) access.conditions.Set("kms:RequestAlias", resolved.alias_name);
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  return resolved.key;
}

StatusOr<ListPage<Key>> KeyLifecycleService::ListKeys(CallContext& call,
                                                      const ListKeysRequest& request) {
  // Positions are key ids.
  if (request.page.marker && !IsWellFormedKeyId(request.page.after))
    return request.page.InvalidMarker();
  AccessRequest access;
  access.action = "kms:ListKeys";
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  KMS_ASSIGN_OR_RETURN(
      auto page, deps_.store.ListKeys(call.scope.account, call.scope.region, request.page.after,
                                      request.page.Size(100, 1000)));
  return ListPage<Key>{std::move(page.items), std::move(page.next_marker)};
}

Status KeyLifecycleService::UpdateKeyDescription(CallContext& call,
                                                 const UpdateKeyDescriptionRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:UpdateKeyDescription", *resolved.key));
  KMS_RETURN_IF_ERROR(deps_.keys.UpdateKey(resolved.key->store_id(), [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(CheckKeyState(key, KeyUse::kManage));
    key.description = request.description;
    return OkStatus();
  }));
  return OkStatus();
}

Status KeyLifecycleService::SetEnabled(CallContext& call, const KeyIdRequest& request,
                                       bool enable) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  KMS_RETURN_IF_ERROR(
      AuthorizeKey(deps_.access, call, enable ? "kms:EnableKey" : "kms:DisableKey", *resolved.key));
  KMS_RETURN_IF_ERROR(deps_.keys.UpdateKey(resolved.key->store_id(), [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(CheckKeyState(key, KeyUse::kEnableDisable));
    key.state = enable ? KeyState::kEnabled : KeyState::kDisabled;
    return OkStatus();
  }));
  return OkStatus();
}

Status KeyLifecycleService::EnableKey(CallContext& call, const KeyIdRequest& request) {
  return SetEnabled(call, request, true);
}

Status KeyLifecycleService::DisableKey(CallContext& call, const KeyIdRequest& request) {
  return SetEnabled(call, request, false);
}

StatusOr<Key> KeyLifecycleService::ScheduleKeyDeletion(CallContext& call,
                                                       const ScheduleKeyDeletionRequest& request) {
  const int64_t window = request.pending_window_in_days.value_or(30);
  if (window < 7 || window > 30)
    return Error(Code::kValidation, "PendingWindowInDays must be between 7 and 30");
  const int days = static_cast<int>(window);
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  AccessRequest access;
  access.action = "kms:ScheduleKeyDeletion";
  access.key = resolved.key.get();
  access.conditions.Set("kms:ScheduleKeyDeletionPendingWindowInDays", std::to_string(days));
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  return deps_.keys.UpdateKey(resolved.key->store_id(), [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(CheckKeyState(key, KeyUse::kManage));
    key.pending_window_days = days;
    // A multi-Region primary outlives its replicas: its waiting period starts
    // when the last of them is deleted.
    if (key.multi_region && !key.is_replica() && !key.multi_region->replica_regions.empty()) {
      key.state = KeyState::kPendingReplicaDeletion;
      key.deletion_date = 0;
      return OkStatus();
    }
    key.state = KeyState::kPendingDeletion;
    key.deletion_date = call.now + days * kDayMillis;
    return OkStatus();
  });
}

StatusOr<Key> KeyLifecycleService::CancelKeyDeletion(CallContext& call,
                                                     const KeyIdRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:CancelKeyDeletion", *resolved.key));
  return deps_.keys.UpdateKey(resolved.key->store_id(), [&](KeyRecord& key) -> Status {
    KMS_RETURN_IF_ERROR(CheckKeyState(key, KeyUse::kCancelDeletion));
    // A key whose deletion is cancelled comes back disabled.
    key.state = KeyState::kDisabled;
    key.deletion_date = 0;
    key.pending_window_days = 0;
    return OkStatus();
  });
}

Status KeyLifecycleService::EnableKeyRotation(CallContext& call,
                                              const EnableKeyRotationRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  AccessRequest access;
  access.action = "kms:EnableKeyRotation";
  access.key = resolved.key.get();
  if (request.rotation_period_in_days) {
    access.conditions.Set("kms:RotationPeriodInDays",
                          std::to_string(*request.rotation_period_in_days));
  }
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  return SetRotation(deps_.keys, *resolved.key, [&](KeyRecord& key) {
    const int days = static_cast<int>(request.rotation_period_in_days.value_or(
        key.rotation_enabled ? key.rotation_period_days : 365));
    if (!key.rotation_enabled || key.rotation_period_days != days)
      key.next_rotation_date = call.now + days * kDayMillis;
    key.rotation_enabled = true;
    key.rotation_period_days = days;
  });
}

Status KeyLifecycleService::DisableKeyRotation(CallContext& call, const KeyIdRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:DisableKeyRotation", *resolved.key));
  return SetRotation(deps_.keys, *resolved.key, [](KeyRecord& key) {
    key.rotation_enabled = false;
    key.next_rotation_date = 0;
  });
}

StatusOr<KeyRotationStatus> KeyLifecycleService::GetKeyRotationStatus(CallContext& call,
                                                                      const KeyIdRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:GetKeyRotationStatus", *resolved.key));
  // A key pending deletion does not rotate; cancelling restores its status.
  return KeyRotationStatus{resolved.key,
                           resolved.key->rotation_enabled &&
                               resolved.key->state != KeyState::kPendingDeletion &&
                               resolved.key->state != KeyState::kPendingReplicaDeletion};
}

StatusOr<Key> KeyLifecycleService::RotateKeyOnDemand(CallContext& call,
                                                     const KeyIdRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:RotateKeyOnDemand", *resolved.key));
  KMS_RETURN_IF_ERROR(CheckRotationSettable(*resolved.key));
  KMS_ASSIGN_OR_RETURN(
      Key rotated,
      deps_.keys.RotateKey(
          resolved.key->store_id(), "ON_DEMAND", [](const KeyRecord& key) -> Status {
            // A key without key material is "pending import" here (AWS's answer).
            if (key.state == KeyState::kPendingImport)
              return CheckKeyState(key, KeyUse::kCryptographic);
            KMS_RETURN_IF_ERROR(CheckKeyState(key, KeyUse::kRotationConfig));
            // AWS answers an asymmetric or HMAC key here with no message.
            if (key.key_spec != "SYMMETRIC_DEFAULT") return Error(Code::kUnsupportedOperation);
            KMS_RETURN_IF_ERROR(CheckRotatableByKms(key));
            const auto on_demand = std::ranges::count(key.versions, std::string_view("ON_DEMAND"),
                                                      &KeyVersion::rotation_type);
            if (on_demand >= kMaxOnDemandRotations) {
              return Error(Code::kLimitExceeded,
                           "The on-demand rotations limit has been reached for the given keyId. No "
                           "more on-demand rotations can be performed for this key: " +
                               key.Arn());
            }
            return OkStatus();
          }));
  call.trace.key_material_id = rotated->current().material_id;  // the record's keyMaterialId
  return rotated;
}

StatusOr<ListPage<KeyRotation>> KeyLifecycleService::ListKeyRotations(
    CallContext& call, const ListKeyRotationsRequest& request) {
  KMS_ASSIGN_OR_RETURN(const size_t after, request.page.NumericPosition());
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:ListKeyRotations", *resolved.key));
  const KeyRecord& key = *resolved.key;
  KMS_RETURN_IF_ERROR(CheckRotatable(key));
  if (after > key.current().version) return request.page.InvalidMarker();
  const size_t size = request.page.Size(100, 1000);
  ListPage<KeyRotation> page;
  for (const KeyVersion& version : key.versions) {
    if (version.version <= after || (version.version == 1 && !request.all_key_material)) continue;
    if (page.items.size() == size) {
      page.next = std::to_string(page.items.back().version.version);
      break;
    }
    page.items.push_back({key.key_id, version, version.version == key.current().version});
  }
  return page;
}

}  // namespace kms::keys
