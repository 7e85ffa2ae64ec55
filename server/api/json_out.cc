#include "json_out.h"

namespace kms::api {

void WriteKeyMetadata(JsonOut& out, const KeyRecord& key) {
  out.StartObject();
  out.Field("AWSAccountId", key.account);
  out.Field("KeyId", key.key_id);
  out.Field("Arn", key.Arn());
  out.Time("CreationDate", key.creation_date);
  out.Field("Enabled", key.state == KeyState::kEnabled);
  out.Field("Description", key.description);
  out.Field("KeyUsage", key.key_usage);
  out.Field("KeyState", KeyStateName(key.state));
  if (key.state == KeyState::kPendingDeletion) out.Time("DeletionDate", key.deletion_date);
  out.Field("Origin", key.origin);
  out.Field("KeyManager", KeyManagerName(key.key_manager));
  out.Field("CustomerMasterKeySpec", key.key_spec);
  out.Field("KeySpec", key.key_spec);
  out.Key("EncryptionAlgorithms").StartArray().String("SYMMETRIC_DEFAULT").EndArray();
  out.Field("MultiRegion", false);
  if (key.state == KeyState::kPendingDeletion)
    out.Int("PendingDeletionWindowInDays", key.pending_window_days);
  out.Field("CurrentKeyMaterialId", key.current().material_id);
  out.EndObject();
}

void WriteCloudTrailKeyMetadata(JsonOut& out, const KeyRecord& key) {
  out.StartObject();
  out.Field("aWSAccountId", key.account);
  out.Field("keyId", key.key_id);
  out.Field("arn", key.Arn());
  out.Field("creationDate", FormatCloudTrailDate(key.creation_date));
  out.Field("enabled", key.state == KeyState::kEnabled);
  out.Field("description", key.description);
  out.Field("keyUsage", key.key_usage);
  out.Field("keyState", KeyStateName(key.state));
  out.Field("origin", key.origin);
  out.Field("keyManager", KeyManagerName(key.key_manager));
  out.Field("customerMasterKeySpec", key.key_spec);
  out.Field("keySpec", key.key_spec);
  out.Key("encryptionAlgorithms").StartArray().String("SYMMETRIC_DEFAULT").EndArray();
  out.Field("multiRegion", false);
  out.EndObject();
}

}  // namespace kms::api
