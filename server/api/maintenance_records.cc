// The records of the changes made without a request: the maintenance
// sweep's deletions and rotations, as CloudTrail shows them (AwsServiceEvent),
// and what a seed file creates at start-up.
#include "json_out.h"
#include "kms/server/api/endpoint.h"
#include "kms/server/crypto/ciphertext_blob.h"

namespace kms::api {
namespace {

// Appends `event` in the transaction that holds its change.
Status AppendWithChange(audit::AuditLog* audit, CallChanges& changes,
                        const audit::CloudTrailEvent& event) {
  KMS_ASSIGN_OR_RETURN(audit::AuditEntry entry, audit::MakeAuditEntry(event));
  if (audit == nullptr || changes.txn() == nullptr) return OkStatus();
  return audit->AppendInTransaction(*changes.txn(), std::span(&entry, 1));
}

audit::CloudTrailEvent ServiceEvent(std::string event_name, const KeyRecord& key,
                                    const Clock& clock) {
  audit::CloudTrailEvent event;
  event.service_event = true;
  event.event_name = std::move(event_name);
  event.region = key.region;
  event.event_time = clock.NowMillis();
  event.event_id = NewTimeOrderedUuid(event.event_time);
  event.recipient_account_id = key.account;
  event.resource_arns = {key.Arn()};
  return event;
}

}  // namespace

keys::KeyService::MaintenanceRecorder MaintenanceRecorder(audit::AuditLog* audit,
                                                          const Clock& clock) {
  return [audit, &clock](const keys::KeyService::MaintenanceChange& change,
                         CallChanges& changes) -> Status {
    using Kind = keys::KeyService::MaintenanceChange::Kind;
    const KeyRecord& key = *change.key;
    audit::CloudTrailEvent event =
        ServiceEvent(change.kind == Kind::kDeleted   ? "DeleteKey"
                     : change.kind == Kind::kRotated ? "RotateKey"
                                                     : "DeleteExpiredKeyMaterial",
                     key, clock);
    JsonOut elements;
    elements.StartObject();
    elements.Field("keyId", key.Arn());
    elements.EndObject();
    // Since December 2022 CloudTrail names the deleted key here.
    if (change.kind == Kind::kDeleted) event.response_elements = elements.Take();
    if (change.kind == Kind::kRotated) {
      JsonOut data;
      data.StartObject();
      data.Field("keyMaterialId", change.key_material_id);
      data.Field("rotationType", "AUTOMATIC");
      data.EndObject();
      event.additional_event_data = data.Take();
    }
    return AppendWithChange(audit, changes, event);
  };
}

seed::SeedRecorder SeedRecorder(audit::AuditLog* audit, const Clock& clock, std::string seed_file) {
  return [audit, &clock, seed_file = std::move(seed_file)](const seed::SeededChange& change,
                                                           CallChanges& changes) -> Status {
    using Kind = seed::SeededChange::Kind;
    const KeyRecord& key = *change.key;
    audit::CloudTrailEvent event = ServiceEvent(change.kind == Kind::kKey     ? "CreateKey"
                                                : change.kind == Kind::kAlias ? "CreateAlias"
                                                                              : "CreateGrant",
                                                key, clock);
    JsonOut parameters;
    parameters.StartObject();
    if (change.kind == Kind::kKey) {
      parameters.Field("keyId", key.key_id)
          .Field("keySpec", key.key_spec)
          .Field("keyUsage", key.key_usage)
          .Field("origin", key.origin)
          .Field("keyState", KeyStateName(key.state))
          .Int("backingKeys", static_cast<int64_t>(key.versions.size()));
    } else if (change.kind == Kind::kAlias) {
      parameters.Field("aliasName", change.alias->alias_name).Field("targetKeyId", key.key_id);
    } else {
      parameters.Field("keyId", key.Arn())
          .Field("granteePrincipal", change.grant->grantee_principal);
      if (!change.grant->retiring_principal.empty())
        parameters.Field("retiringPrincipal", change.grant->retiring_principal);
      parameters.StringList("operations", change.grant->operations);
    }
    parameters.EndObject();
    event.request_parameters = parameters.Take();
    if (change.kind == Kind::kGrant) {
      JsonOut elements;
      elements.StartObject().Field("grantId", change.grant->grant_id).EndObject();
      event.response_elements = elements.Take();
    }
    JsonOut data;
    data.StartObject().Field("seedFile", seed_file).EndObject();
    event.additional_event_data = data.Take();
    return AppendWithChange(audit, changes, event);
  };
}

}  // namespace kms::api
