#include "kms/server/keys/multi_region_service.h"

#include "kms/server/keys/key_lifecycle_service.h"
#include "kms/server/keys/key_specs.h"
#include "kms/server/keys/tag_service.h"

namespace kms::keys {
namespace {

std::unexpected<Status> NotAMultiRegionPrimary(const KeyRecord& key) {
  return Error(Code::kUnsupportedOperation, key.Arn() + " is not a multi-region primary key.");
}

// An action on `key` with one condition key of these operations.
AccessRequest ActionOn(std::string action, const KeyRecord* key, std::string_view condition,
                       std::string value) {
  AccessRequest access;
  access.action = std::move(action);
  access.key = key;
  access.conditions.Set(condition, std::move(value));
  return access;
}

}  // namespace

StatusOr<Key> MultiRegionService::ReplicateKey(CallContext& call,
                                               const ReplicateKeyRequest& request) {
  KMS_RETURN_IF_ERROR(CheckTags(request.tags, {}));
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  const KeyRecord& primary = *resolved.key;
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(
      call, ActionOn("kms:ReplicateKey", &primary, "kms:ReplicaRegion", request.replica_region)));
  if (!primary.multi_region || primary.is_replica()) return NotAMultiRegionPrimary(primary);
  KMS_RETURN_IF_ERROR(CheckKeySpecOffered(primary.key_spec, request.replica_region));

  // The replica is created in its own region: the caller's IAM policies
  // decide there, as for CreateKey.
  auth::Caller in_replica_region = call.caller;
  in_replica_region.region = request.replica_region;
  CallContext replica_call{
      in_replica_region, {call.scope.account, request.replica_region}, call.now, {}};
  KeyRecord prospective = primary;
  prospective.region = request.replica_region;
  prospective.tags = request.tags;
  KMS_ASSIGN_OR_RETURN(const std::string policy,
                       AuthorizeNewKey(deps_.access, replica_call, prospective, request.policy,
                                       request.bypass_policy_lockout_safety_check));
  KMS_ASSIGN_OR_RETURN(
      Key replica,
      deps_.keys.ReplicateKey(
          primary.store_id(),
          ReplicaParams{request.replica_region, request.description, policy, request.tags},
          [](const KeyRecord& stored) { return CheckKeyState(stored, KeyUse::kManage); }));
  return replica;
}

StatusOr<Key> MultiRegionService::UpdatePrimaryRegion(CallContext& call,
                                                      const UpdatePrimaryRegionRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, ResolveOwnKey(deps_.keys, call, request.key_id));
  const KeyRecord& primary = *resolved.key;
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(
      call,
      ActionOn("kms:UpdatePrimaryRegion", &primary, "kms:PrimaryRegion", request.primary_region)));
  if (!primary.multi_region || primary.is_replica()) return NotAMultiRegionPrimary(primary);
  if (request.primary_region == primary.region) {
    return Error(Code::kValidation, primary.Arn() + " is already the primary key; PrimaryRegion " +
                                        "must be the Region of one of its replicas.");
  }
  // The replica that becomes primary authorizes in its own region too.
  Scope replica_scope{call.scope.account, request.primary_region};
  KMS_ASSIGN_OR_RETURN(ResolvedKey replica,
                       deps_.keys.Resolve(replica_scope, primary.key_id, KeyIdForms::kKeyIdOrArn));
  auth::Caller in_replica_region = call.caller;
  in_replica_region.region = request.primary_region;
  CallContext replica_call{in_replica_region, replica_scope, call.now, {}};
  KMS_RETURN_IF_ERROR(
      deps_.access.Authorize(replica_call, ActionOn("kms:UpdatePrimaryRegion", replica.key.get(),
                                                    "kms:PrimaryRegion", request.primary_region)));
  KMS_RETURN_IF_ERROR(deps_.keys.UpdatePrimaryRegion(primary.store_id(), request.primary_region));
  KMS_ASSIGN_OR_RETURN(ResolvedKey promoted,
                       deps_.keys.Resolve(replica_scope, primary.key_id, KeyIdForms::kKeyIdOrArn));
  return promoted.key;
}

}  // namespace kms::keys
