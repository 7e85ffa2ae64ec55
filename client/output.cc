#include "output.h"

#include "kms/clock.h"
#include "kms/json/reader.h"
#include "kms/json/writer.h"

namespace kms::rds::cli {
namespace {

using json::Writer;

bool IsInstance(ResourceKind kind) { return kind == ResourceKind::kInstance; }

void WriteDatabase(Writer& out, const Database& d, std::string_view status_override) {
  const bool instance = IsInstance(d.kind);
  const std::string_view status =
      status_override.empty() ? DbStatusName(d.status) : status_override;
  out.StartObject();
  out.Field(instance ? "DBInstanceIdentifier" : "DBClusterIdentifier", d.identifier);
  out.Field(instance ? "DbiResourceId" : "DbClusterResourceId", d.resource_id);
  out.Field(instance ? "DBInstanceStatus" : "Status", status);
  out.Uint("AllocatedStorage", d.allocated_storage_gib);
  out.Field(instance ? "InstanceCreateTime" : "ClusterCreateTime", FormatIso8601(d.create_time));
  out.Field("StorageEncrypted", d.storage_encrypted);
  if (d.storage_encrypted) out.Field("KmsKeyId", d.kms_key_arn);
  if (!d.replica_source.empty()) {
    out.Field("ReadReplicaSourceDBInstanceIdentifier",
              d.replica_source_region == d.region
                  ? d.replica_source
                  : d.replica_source_region + "/" + d.replica_source);
  }
  if (instance) out.StringList("ReadReplicaDBInstanceIdentifiers", d.read_replicas);
  out.Field("VolumeId", d.volume_id);
  if (!d.status_reason.empty()) out.Field("StatusReason", d.status_reason);
  out.EndObject();
}

void WriteSnapshot(Writer& out, const Snapshot& s) {
  const bool instance = IsInstance(s.kind);
  out.StartObject();
  out.Field(instance ? "DBSnapshotIdentifier" : "DBClusterSnapshotIdentifier", s.identifier);
  out.Field(instance ? "DBInstanceIdentifier" : "DBClusterIdentifier", s.source_identifier);
  out.Field(instance ? "DbiResourceId" : "DbClusterResourceId", s.source_resource_id);
  out.Field("SnapshotCreateTime", FormatIso8601(s.create_time));
  out.Field("Status", "available").Uint("AllocatedStorage", s.allocated_storage_gib);
  out.Field("SnapshotType", "manual");
  out.Field(instance ? "Encrypted" : "StorageEncrypted", s.encrypted);
  if (s.encrypted) out.Field("KmsKeyId", s.kms_key_arn);
  if (!s.source_snapshot.empty()) {
    out.Field(instance ? "SourceDBSnapshotIdentifier" : "SourceDBClusterSnapshotIdentifier",
              s.source_snapshot);
    out.Field("SourceRegion", s.source_region);
  }
  out.EndObject();
}

}  // namespace

std::string DatabaseJson(const Database& database, std::string_view status_override) {
  Writer out;
  out.StartObject().Key(IsInstance(database.kind) ? "DBInstance" : "DBCluster");
  WriteDatabase(out, database, status_override);
  return out.EndObject().Take();
}

std::string DatabaseListJson(ResourceKind kind, const std::vector<Database>& databases) {
  Writer out;
  out.StartObject().Key(IsInstance(kind) ? "DBInstances" : "DBClusters").StartArray();
  for (const Database& database : databases) WriteDatabase(out, database, {});
  return out.EndArray().EndObject().Take();
}

std::string SnapshotJson(const Snapshot& snapshot) {
  Writer out;
  out.StartObject().Key(IsInstance(snapshot.kind) ? "DBSnapshot" : "DBClusterSnapshot");
  WriteSnapshot(out, snapshot);
  return out.EndObject().Take();
}

std::string SnapshotListJson(ResourceKind kind, const std::vector<Snapshot>& snapshots) {
  Writer out;
  out.StartObject().Key(IsInstance(kind) ? "DBSnapshots" : "DBClusterSnapshots").StartArray();
  for (const Snapshot& snapshot : snapshots) WriteSnapshot(out, snapshot);
  return out.EndArray().EndObject().Take();
}

std::string SnapshotAttributesJson(const Snapshot& snapshot) {
  const bool instance = IsInstance(snapshot.kind);
  Writer out;
  out.StartObject().Key(instance ? "DBSnapshotAttributesResult"
                                 : "DBClusterSnapshotAttributesResult");
  out.StartObject();
  out.Field(instance ? "DBSnapshotIdentifier" : "DBClusterSnapshotIdentifier", snapshot.identifier);
  out.Key(instance ? "DBSnapshotAttributes" : "DBClusterSnapshotAttributes").StartArray();
  out.StartObject().Field("AttributeName", "restore");
  out.StringList("AttributeValues", snapshot.restore_accounts).EndObject();
  out.EndArray().EndObject();
  return out.EndObject().Take();
}

}  // namespace kms::rds::cli
