// The records of the changes KMS makes by itself: the maintenance sweep's
// deletions and rotations, as CloudTrail shows them (AwsServiceEvent).
#include "json_out.h"
#include "kms/server/api/endpoint.h"
#include "kms/server/crypto/ciphertext_blob.h"

namespace kms::api {

keys::KeyService::MaintenanceRecorder MaintenanceRecorder(audit::AuditLog* audit,
                                                          const Clock& clock) {
  return [audit, &clock](const keys::KeyService::MaintenanceChange& change,
                         CallChanges& changes) -> Status {
    using Kind = keys::KeyService::MaintenanceChange::Kind;
    const KeyRecord& key = *change.key;
    audit::CloudTrailEvent event;
    event.service_event = true;
    event.event_name = change.kind == Kind::kDeleted ? "DeleteKey" : "RotateKey";
    event.region = key.region;
    event.event_time = clock.NowMillis();
    event.event_id = NewTimeOrderedUuid(event.event_time);
    event.recipient_account_id = key.account;
    event.resource_arns = {key.Arn()};
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
    KMS_ASSIGN_OR_RETURN(audit::AuditEntry entry, audit::MakeAuditEntry(event));
    if (audit == nullptr || changes.txn() == nullptr) return OkStatus();
    return audit->AppendInTransaction(*changes.txn(), std::span(&entry, 1));
  };
}

}  // namespace kms::api
