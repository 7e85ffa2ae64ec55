// JSON codecs of the state records (Database, Snapshot) and status names.
#include "kms/client/rds_ids.h"
#include "kms/client/rds_state.h"
#include "kms/json/reader.h"
#include "kms/json/writer.h"

namespace kms::rds {
namespace {

constexpr std::string_view kInstance = "instance";
constexpr std::string_view kCluster = "cluster";

std::string_view KindName(ResourceKind kind) {
  return kind == ResourceKind::kInstance ? kInstance : kCluster;
}

StatusOr<ResourceKind> ParseKind(std::string_view name) {
  if (name == kInstance) return ResourceKind::kInstance;
  if (name == kCluster) return ResourceKind::kCluster;
  return Error(Code::kValidation, "record has an unknown Kind '" + std::string(name) + "'");
}

StatusOr<DbStatus> ParseStatus(std::string_view name) {
  for (DbStatus status :
       {DbStatus::kAvailable, DbStatus::kStopped, DbStatus::kInaccessibleEncryptionCredentials}) {
    if (DbStatusName(status) == name) return status;
  }
  return Error(Code::kValidation, "record has an unknown Status '" + std::string(name) + "'");
}

// The checks every record passes: an identifier that is safe as a file name.
Status CheckIdentity(std::string_view identifier, std::string_view region) {
  if (!IsValidIdentifier(identifier) || region.empty() ||
      region.find('/') != std::string_view::npos) {
    return Error(Code::kValidation, "record has a malformed Identifier or Region");
  }
  return OkStatus();
}

}  // namespace

std::string_view DbStatusName(DbStatus status) {
  switch (status) {
    case DbStatus::kAvailable:
      return "available";
    case DbStatus::kStopped:
      return "stopped";
    case DbStatus::kInaccessibleEncryptionCredentials:
      return "inaccessible-encryption-credentials";
  }
  return "available";
}

std::string EncodeDatabase(const Database& d) {
  json::Writer out;
  out.StartObject().Field("Kind", KindName(d.kind)).Field("Identifier", d.identifier);
  out.Field("ResourceId", d.resource_id).Field("Region", d.region);
  out.Field("Status", DbStatusName(d.status)).Field("StatusReason", d.status_reason);
  out.Field("StorageEncrypted", d.storage_encrypted).Field("KmsKeyArn", d.kms_key_arn);
  out.Field("VolumeId", d.volume_id).Uint("AllocatedStorage", d.allocated_storage_gib);
  out.Field("GrantId", d.grant_id).Field("GrantToken", d.grant_token);
  out.Field("ReplicaSource", d.replica_source)
      .Field("ReplicaSourceRegion", d.replica_source_region);
  out.StringList("ReadReplicas", d.read_replicas).Int("CreateTime", d.create_time);
  return out.EndObject().Take();
}

StatusOr<Database> DecodeDatabase(std::string_view text) {
  rapidjson::Document in;
  KMS_RETURN_IF_ERROR(json::ParseObject(text, "database record", &in));
  Database d;
  KMS_ASSIGN_OR_RETURN(d.kind, ParseKind(json::GetString(in, "Kind")));
  d.identifier = json::GetString(in, "Identifier");
  d.resource_id = json::GetString(in, "ResourceId");
  d.region = json::GetString(in, "Region");
  KMS_ASSIGN_OR_RETURN(d.status, ParseStatus(json::GetString(in, "Status")));
  d.status_reason = json::GetString(in, "StatusReason");
  d.storage_encrypted = json::FindBool(in, "StorageEncrypted").value_or(false);
  d.kms_key_arn = json::GetString(in, "KmsKeyArn");
  d.volume_id = json::GetString(in, "VolumeId");
  d.allocated_storage_gib = json::FindUint(in, "AllocatedStorage").value_or(0);
  d.grant_id = json::GetString(in, "GrantId");
  d.grant_token = json::GetString(in, "GrantToken");
  d.replica_source = json::GetString(in, "ReplicaSource");
  d.replica_source_region = json::GetString(in, "ReplicaSourceRegion");
  d.read_replicas = json::FindStringList(in, "ReadReplicas").value_or(std::vector<std::string>{});
  d.create_time = json::FindInt(in, "CreateTime").value_or(0);
  KMS_RETURN_IF_ERROR(CheckIdentity(d.identifier, d.region));
  if (!IsVolumeId(d.volume_id)) return Error(Code::kValidation, "record has a malformed VolumeId");
  return d;
}

std::string EncodeSnapshot(const Snapshot& s) {
  json::Writer out;
  out.StartObject().Field("Kind", KindName(s.kind)).Field("Identifier", s.identifier);
  out.Field("Region", s.region).Field("SourceIdentifier", s.source_identifier);
  out.Field("SourceResourceId", s.source_resource_id).Field("Encrypted", s.encrypted);
  out.Field("KmsKeyArn", s.kms_key_arn).Uint("AllocatedStorage", s.allocated_storage_gib);
  out.Int("CreateTime", s.create_time).Field("SourceSnapshot", s.source_snapshot);
  out.Field("SourceRegion", s.source_region).StringList("RestoreAccounts", s.restore_accounts);
  return out.EndObject().Take();
}

StatusOr<Snapshot> DecodeSnapshot(std::string_view text) {
  rapidjson::Document in;
  KMS_RETURN_IF_ERROR(json::ParseObject(text, "snapshot record", &in));
  Snapshot s;
  KMS_ASSIGN_OR_RETURN(s.kind, ParseKind(json::GetString(in, "Kind")));
  s.identifier = json::GetString(in, "Identifier");
  s.region = json::GetString(in, "Region");
  s.source_identifier = json::GetString(in, "SourceIdentifier");
  s.source_resource_id = json::GetString(in, "SourceResourceId");
  s.encrypted = json::FindBool(in, "Encrypted").value_or(false);
  s.kms_key_arn = json::GetString(in, "KmsKeyArn");
  s.allocated_storage_gib = json::FindUint(in, "AllocatedStorage").value_or(0);
  s.create_time = json::FindInt(in, "CreateTime").value_or(0);
  s.source_snapshot = json::GetString(in, "SourceSnapshot");
  s.source_region = json::GetString(in, "SourceRegion");
  s.restore_accounts =
      json::FindStringList(in, "RestoreAccounts").value_or(std::vector<std::string>{});
  KMS_RETURN_IF_ERROR(CheckIdentity(s.identifier, s.region));
  return s;
}

}  // namespace kms::rds
