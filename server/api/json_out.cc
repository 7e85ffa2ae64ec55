#include "json_out.h"

#include "kms/server/keys/key_specs.h"

namespace kms::api {

void WriteKeyAlgorithms(JsonOut& out, const KeyRecord& key, bool lower) {
  const keys::KeyAlgorithms algorithms = keys::AlgorithmsOf(key.key_spec, key.key_usage);
  auto list = [&](const char* upper_name, const char* lower_name,
                  const std::vector<std::string_view>& values) {
    if (values.empty()) return;
    out.Key(lower ? lower_name : upper_name).StartArray();
    for (std::string_view value : values) out.String(value);
    out.EndArray();
  };
  list("EncryptionAlgorithms", "encryptionAlgorithms", algorithms.encryption);
  list("SigningAlgorithms", "signingAlgorithms", algorithms.signing);
  list("KeyAgreementAlgorithms", "keyAgreementAlgorithms", algorithms.key_agreement);
  list("MacAlgorithms", "macAlgorithms", algorithms.mac);
}

void WriteMultiRegionConfiguration(JsonOut& out, const KeyRecord& key, bool lower) {
  if (!key.multi_region) return;
  const auto name = [lower](std::string_view upper) {
    std::string text(upper);
    if (lower) text[0] = static_cast<char>(text[0] - 'A' + 'a');
    return text;
  };
  const auto region_key = [&](const std::string& region) {
    out.StartObject().Field(name("Arn"), KeyArn(region, key.account, key.key_id));
    out.Field(name("Region"), region).EndObject();
  };
  out.Key(name("MultiRegionConfiguration")).StartObject();
  out.Field(name("MultiRegionKeyType"), MultiRegionKeyType(key));
  out.Key(name("PrimaryKey"));
  region_key(key.multi_region->primary_region);
  out.Key(name("ReplicaKeys")).StartArray();
  for (const std::string& region : key.multi_region->replica_regions) region_key(region);
  out.EndArray().EndObject();
}

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
  WriteKeyAlgorithms(out, key, false);
  out.Field("MultiRegion", key.multi_region.has_value());
  WriteMultiRegionConfiguration(out, key, false);
  if (key.state == KeyState::kPendingDeletion || key.state == KeyState::kPendingReplicaDeletion)
    out.Int("PendingDeletionWindowInDays", key.pending_window_days);
  if (!key.expiration_model.empty()) out.Field("ExpirationModel", key.expiration_model);
  if (key.valid_to != 0) out.Time("ValidTo", key.valid_to);
  if (!key.current().material_id.empty())
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
  WriteKeyAlgorithms(out, key, true);
  out.Field("multiRegion", key.multi_region.has_value());
  WriteMultiRegionConfiguration(out, key, true);
  out.EndObject();
}

}  // namespace kms::api
