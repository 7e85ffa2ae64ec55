#include "commands.h"

#include <functional>
#include <map>

#include "atomic_file.h"
#include "kms/encoding.h"
#include "kms/json/reader.h"
#include "kms/json/writer.h"
#include "output.h"

namespace kms::rds::cli {
namespace {

using Handler = std::function<RdsResult<CommandOutput>(RdsService&, const CommandLine&)>;

constexpr ResourceKind kInstance = ResourceKind::kInstance;
constexpr ResourceKind kCluster = ResourceKind::kCluster;

CommandOutput Json(std::string json) { return CommandOutput{std::move(json), false, {}}; }

// The identifier option of a kind: --db-instance-identifier / --db-cluster-identifier.
std::string_view IdOption(ResourceKind kind) {
  return kind == kInstance ? "--db-instance-identifier" : "--db-cluster-identifier";
}
std::string_view SnapshotIdOption(ResourceKind kind) {
  return kind == kInstance ? "--db-snapshot-identifier" : "--db-cluster-snapshot-identifier";
}

// Required options are present (the parser checked them).
std::string Must(const CommandLine& line, std::string_view name) {
  return line.Value(name).value_or("");
}

Handler Create(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    CreateDatabaseRequest request;
    request.kind = kind;
    request.identifier = Must(line, IdOption(kind));
    request.storage_encrypted = line.Flag("--storage-encrypted");
    request.kms_key_id = line.Value("--kms-key-id");
    request.allocated_storage_gib = line.Integer("--allocated-storage").value_or(20);
    KMS_ASSIGN_OR_RETURN(Database database, service.CreateDatabase(request));
    return Json(DatabaseJson(database));
  };
}

Handler Describe(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    KMS_ASSIGN_OR_RETURN(std::vector<Database> databases,
                         service.DescribeDatabases(kind, line.Value(IdOption(kind))));
    return Json(DatabaseListJson(kind, databases));
  };
}

Handler Modify(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    ModifyDatabaseRequest request{kind, Must(line, IdOption(kind)),
                                  line.Flag("--storage-encrypted"), line.Value("--kms-key-id")};
    KMS_ASSIGN_OR_RETURN(Database database, service.ModifyDatabase(request));
    return Json(DatabaseJson(database));
  };
}

Handler StartOrStop(ResourceKind kind, bool start) {
  return [kind, start](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    const std::string id = Must(line, IdOption(kind));
    KMS_ASSIGN_OR_RETURN(Database database,
                         start ? service.StartDatabase(kind, id) : service.StopDatabase(kind, id));
    return Json(DatabaseJson(database));
  };
}

Handler Delete(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    DeleteDatabaseRequest request{kind, Must(line, IdOption(kind)),
                                  line.Flag("--skip-final-snapshot").value_or(false),
                                  line.Value("--final-db-snapshot-identifier")};
    KMS_ASSIGN_OR_RETURN(Database database, service.DeleteDatabase(request));
    return Json(DatabaseJson(database, "deleting"));
  };
}

// The target of read/write: exactly one identifier option is present.
std::pair<ResourceKind, std::string> VolumeOwner(const CommandLine& line) {
  if (auto id = line.Value("--db-cluster-identifier")) return {kCluster, *id};
  return {kInstance, Must(line, "--db-instance-identifier")};
}

RdsResult<SecretBytes> DataToWrite(const CommandLine& line) {
  if (auto text = line.Value("--data")) return SecretBytes(AsBytes(*text));
  if (auto encoded = line.Value("--data-base64")) {
    std::optional<SecretBytes> decoded = Base64DecodeSecret(*encoded);
    if (decoded) return std::move(*decoded);
  }
  const std::string path = Must(line, "--data-file");
  auto contents = ReadFile(path);
  if (!contents) return LocalFailure(contents.error());
  SecretBytes data(AsBytes(*contents));
  SecureWipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(contents->data()), contents->size()));
  return data;
}

RdsResult<CommandOutput> Write(RdsService& service, const CommandLine& line) {
  const auto [kind, id] = VolumeOwner(line);
  KMS_ASSIGN_OR_RETURN(SecretBytes data, DataToWrite(line));
  const uint64_t offset = line.Integer("--offset").value_or(0);
  KMS_ASSIGN_OR_RETURN(uint64_t written, service.Write(kind, id, offset, data.view()));
  json::Writer out;
  out.StartObject().Field(kind == kInstance ? "DBInstanceIdentifier" : "DBClusterIdentifier", id);
  out.Uint("Offset", offset).Uint("BytesWritten", written).EndObject();
  return Json(out.Take());
}

RdsResult<CommandOutput> Read(RdsService& service, const CommandLine& line) {
  const auto [kind, id] = VolumeOwner(line);
  const uint64_t offset = line.Integer("--offset").value_or(0);
  KMS_ASSIGN_OR_RETURN(SecretBytes data,
                       service.Read(kind, id, offset, line.Integer("--length").value_or(0)));
  const std::optional<std::string> path = line.Value("--output-file");
  if (!path) return CommandOutput{{}, true, std::move(data)};
  if (auto written = Local(WriteFileAtomically(*path, AsString(data.view()))); !written) {
    return std::unexpected(written.error());
  }
  json::Writer out;
  out.StartObject().Field(kind == kInstance ? "DBInstanceIdentifier" : "DBClusterIdentifier", id);
  out.Uint("Offset", offset).Uint("BytesRead", data.size()).Field("OutputFile", *path);
  return Json(out.EndObject().Take());
}

Handler CreateSnapshotOf(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    KMS_ASSIGN_OR_RETURN(Snapshot snapshot, service.CreateSnapshot(CreateSnapshotRequest{
                                                kind, Must(line, SnapshotIdOption(kind)),
                                                Must(line, IdOption(kind))}));
    return Json(SnapshotJson(snapshot));
  };
}

Handler Copy(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    const bool instance = kind == kInstance;
    CopySnapshotRequest request;
    request.kind = kind;
    request.source_snapshot = Must(line, instance ? "--source-db-snapshot-identifier"
                                                  : "--source-db-cluster-snapshot-identifier");
    request.target_identifier = Must(line, instance ? "--target-db-snapshot-identifier"
                                                    : "--target-db-cluster-snapshot-identifier");
    request.source_region = line.Value("--source-region");
    request.kms_key_id = line.Value("--kms-key-id");
    KMS_ASSIGN_OR_RETURN(Snapshot snapshot, service.CopySnapshot(request));
    return Json(SnapshotJson(snapshot));
  };
}

Handler DescribeSnapshotsOf(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    KMS_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots,
                         service.DescribeSnapshots(kind, line.Value(SnapshotIdOption(kind))));
    return Json(SnapshotListJson(kind, snapshots));
  };
}

Handler DeleteSnapshotOf(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    KMS_ASSIGN_OR_RETURN(Snapshot snapshot,
                         service.DeleteSnapshot(kind, Must(line, SnapshotIdOption(kind))));
    return Json(SnapshotJson(snapshot));
  };
}

Handler ModifyAttribute(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    SnapshotAttributeRequest request{kind, Must(line, SnapshotIdOption(kind)),
                                     Must(line, "--attribute-name"), line.List("--values-to-add"),
                                     line.List("--values-to-remove")};
    KMS_ASSIGN_OR_RETURN(Snapshot snapshot, service.ModifySnapshotAttribute(request));
    return Json(SnapshotAttributesJson(snapshot));
  };
}

Handler DescribeAttributes(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    KMS_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots,
                         service.DescribeSnapshots(kind, Must(line, SnapshotIdOption(kind))));
    return Json(SnapshotAttributesJson(snapshots.front()));
  };
}

Handler Restore(ResourceKind kind) {
  return [kind](RdsService& service, const CommandLine& line) -> RdsResult<CommandOutput> {
    RestoreRequest request;
    request.kind = kind;
    request.identifier = Must(line, IdOption(kind));
    request.snapshot_identifier =
        Must(line, kind == kInstance ? "--db-snapshot-identifier" : "--snapshot-identifier");
    request.storage_encrypted = line.Flag("--storage-encrypted");
    request.kms_key_id = line.Value("--kms-key-id");
    KMS_ASSIGN_OR_RETURN(Database database, service.RestoreFromSnapshot(request));
    return Json(DatabaseJson(database));
  };
}

RdsResult<CommandOutput> ReadReplica(RdsService& service, const CommandLine& line) {
  ReadReplicaRequest request;
  request.identifier = Must(line, "--db-instance-identifier");
  request.source = Must(line, "--source-db-instance-identifier");
  request.source_region = line.Value("--source-region");
  request.storage_encrypted = line.Flag("--storage-encrypted");
  request.kms_key_id = line.Value("--kms-key-id");
  KMS_ASSIGN_OR_RETURN(Database database, service.CreateReadReplica(request));
  return Json(DatabaseJson(database));
}

const std::map<std::string_view, Handler>& Handlers() {
  static const std::map<std::string_view, Handler> kHandlers = {
      {"create-db-instance", Create(kInstance)},
      {"create-db-cluster", Create(kCluster)},
      {"describe-db-instances", Describe(kInstance)},
      {"describe-db-clusters", Describe(kCluster)},
      {"modify-db-instance", Modify(kInstance)},
      {"modify-db-cluster", Modify(kCluster)},
      {"start-db-instance", StartOrStop(kInstance, true)},
      {"stop-db-instance", StartOrStop(kInstance, false)},
      {"start-db-cluster", StartOrStop(kCluster, true)},
      {"stop-db-cluster", StartOrStop(kCluster, false)},
      {"delete-db-instance", Delete(kInstance)},
      {"delete-db-cluster", Delete(kCluster)},
      {"write", Write},
      {"read", Read},
      {"create-db-snapshot", CreateSnapshotOf(kInstance)},
      {"create-db-cluster-snapshot", CreateSnapshotOf(kCluster)},
      {"copy-db-snapshot", Copy(kInstance)},
      {"copy-db-cluster-snapshot", Copy(kCluster)},
      {"describe-db-snapshots", DescribeSnapshotsOf(kInstance)},
      {"describe-db-cluster-snapshots", DescribeSnapshotsOf(kCluster)},
      {"delete-db-snapshot", DeleteSnapshotOf(kInstance)},
      {"delete-db-cluster-snapshot", DeleteSnapshotOf(kCluster)},
      {"modify-db-snapshot-attribute", ModifyAttribute(kInstance)},
      {"modify-db-cluster-snapshot-attribute", ModifyAttribute(kCluster)},
      {"describe-db-snapshot-attributes", DescribeAttributes(kInstance)},
      {"describe-db-cluster-snapshot-attributes", DescribeAttributes(kCluster)},
      {"restore-db-instance-from-db-snapshot", Restore(kInstance)},
      {"restore-db-cluster-from-snapshot", Restore(kCluster)},
      {"create-db-instance-read-replica", ReadReplica},
  };
  return kHandlers;
}

}  // namespace

RdsResult<CommandOutput> RunCommand(RdsService& service, const CommandLine& line) {
  auto it = Handlers().find(line.command->name);
  KMS_CHECK(it != Handlers().end());  // every command of Commands() has a handler
  return it->second(service, line);
}

}  // namespace kms::rds::cli
