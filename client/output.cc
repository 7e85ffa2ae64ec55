#include "client/output.h"

#include "client/json.h"
#include "kms/clock.h"

namespace kms::rds::cli {
namespace {

using client::json::Writer;

bool IsInstance(ResourceKind kind) { return kind == ResourceKind::kInstance; }

void WriteDatabase(Writer& out, const Database& d, std::string_view status_override) {
  const bool instance = IsInstance(d.kind);
  const std::string_view status =
      status_override.empty() ? DbStatusName(d.status) : status_override;
  out.StartObject();
  out.String(instance ? "DBInstanceIdentifier" : "DBClusterIdentifier", d.identifier);
  out.String(instance ? "DbiResourceId" : "DbClusterResourceId", d.resource_id);
  out.String(instance ? "DBInstanceStatus" : "Status", status);
  out.Uint("AllocatedStorage", d.allocated_storage_gib);
  out.String(instance ? "InstanceCreateTime" : "ClusterCreateTime", FormatIso8601(d.create_time));
  out.Bool("StorageEncrypted", d.storage_encrypted);
  if (d.storage_encrypted) out.String("KmsKeyId", d.kms_key_arn);
  if (!d.replica_source.empty()) {
    out.String("ReadReplicaSourceDBInstanceIdentifier",
               d.replica_source_region == d.region
                   ? d.replica_source
                   : d.replica_source_region + "/" + d.replica_source);
  }
  if (instance) out.StringList("ReadReplicaDBInstanceIdentifiers", d.read_replicas);
  out.String("VolumeId", d.volume_id);
  if (!d.status_reason.empty()) out.String("StatusReason", d.status_reason);
  out.EndObject();
}

void WriteSnapshot(Writer& out, const Snapshot& s) {
  const bool instance = IsInstance(s.kind);
  out.StartObject();
  out.String(instance ? "DBSnapshotIdentifier" : "DBClusterSnapshotIdentifier", s.identifier);
  out.String(instance ? "DBInstanceIdentifier" : "DBClusterIdentifier", s.source_identifier);
  out.String(instance ? "DbiResourceId" : "DbClusterResourceId", s.source_resource_id);
  out.String("SnapshotCreateTime", FormatIso8601(s.create_time));
  out.String("Status", "available").Uint("AllocatedStorage", s.allocated_storage_gib);
  out.String("SnapshotType", "manual");
  out.Bool(instance ? "Encrypted" : "StorageEncrypted", s.encrypted);
  if (s.encrypted) out.String("KmsKeyId", s.kms_key_arn);
  if (!s.source_snapshot.empty()) {
    out.String(instance ? "SourceDBSnapshotIdentifier" : "SourceDBClusterSnapshotIdentifier",
               s.source_snapshot);
    out.String("SourceRegion", s.source_region);
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
  out.String(instance ? "DBSnapshotIdentifier" : "DBClusterSnapshotIdentifier",
             snapshot.identifier);
  out.Key(instance ? "DBSnapshotAttributes" : "DBClusterSnapshotAttributes").StartArray();
  out.StartObject().String("AttributeName", "restore");
  out.StringList("AttributeValues", snapshot.restore_accounts).EndObject();
  out.EndArray().EndObject();
  return out.EndObject().Take();
}

}  // namespace kms::rds::cli
