// RdsService: snapshots, snapshot copies and sharing, restores and read
// replicas, with RDS's encryption rules (DESIGN.md section 8).
#include <algorithm>

#include "atomic_file.h"
#include "key_access.h"
#include "kms/client/rds_ids.h"
#include "kms/client/rds_service.h"
#include "rds_messages.h"

namespace kms::rds {
namespace {

constexpr std::string_view kRestoreAttribute = "restore";

std::string_view SnapshotArnType(ResourceKind kind) {
  return kind == ResourceKind::kInstance ? "snapshot" : "cluster-snapshot";
}

std::string_view SnapshotNoun(ResourceKind kind) {
  return kind == ResourceKind::kInstance ? "DB snapshot" : "DB cluster snapshot";
}

RdsResult<void> CheckAttributeValues(const SnapshotAttributeRequest& request) {
  if (request.attribute_name != kRestoreAttribute) {
    return InvalidValue("Invalid snapshot attribute name '" + request.attribute_name +
                        "': the only attribute is 'restore'.");
  }
  for (const auto* values : {&request.values_to_add, &request.values_to_remove}) {
    for (const std::string& value : *values) {
      if (value != "all" && !IsAccountId(value)) {
        return InvalidValue("Invalid attribute value '" + value +
                            "': expected a 12-digit AWS account id or 'all'.");
      }
    }
  }
  return {};
}

}  // namespace

RdsResult<VolumeFile> RdsService::OpenSnapshotVolume(const Snapshot& snapshot) const {
  KMS_ASSIGN_OR_RETURN(std::string path, Local(store_.SnapshotVolumePath(
                                             snapshot.kind, snapshot.region, snapshot.identifier)));
  return Local(VolumeFile::Open(path, false));
}

RdsResult<Snapshot> RdsService::CreateSnapshot(const CreateSnapshotRequest& request) {
  KMS_ASSIGN_OR_RETURN(std::string id,
                       NewSnapshotIdentifier(request.kind, request.snapshot_identifier));
  KMS_ASSIGN_OR_RETURN(Database source,
                       LoadDatabase(request.kind, region_, request.source_identifier));
  if (auto usable = RequireUsable(source); !usable) return std::unexpected(usable.error());
  KMS_ASSIGN_OR_RETURN(VolumeFile volume, OpenVolume(source, false));
  KMS_ASSIGN_OR_RETURN(std::string path,
                       Local(store_.SnapshotVolumePath(request.kind, region_, id)));
  // A snapshot keeps the volume as it is: its encrypted data key and sectors.
  if (auto copied = Local(volume.CopyTo(path, volume.header(), nullptr)); !copied) {
    return std::unexpected(copied.error());
  }
  Snapshot snapshot;
  snapshot.kind = request.kind;
  snapshot.identifier = id;
  snapshot.region = region_;
  snapshot.source_identifier = source.identifier;
  snapshot.source_resource_id = source.resource_id;
  snapshot.encrypted = source.storage_encrypted;
  snapshot.kms_key_arn = source.kms_key_arn;
  snapshot.allocated_storage_gib = source.allocated_storage_gib;
  snapshot.create_time = clock_.NowMillis();
  if (auto saved = Local(store_.PutSnapshot(snapshot)); !saved) {
    (void)RemoveFile(path);
    return std::unexpected(saved.error());
  }
  return snapshot;
}

RdsResult<Snapshot> RdsService::CopySnapshot(const CopySnapshotRequest& request) {
  const ResourceKind kind = request.kind;
  KMS_ASSIGN_OR_RETURN(std::string id, NewSnapshotIdentifier(kind, request.target_identifier));
  KMS_ASSIGN_OR_RETURN(
      SourceRef from,
      ParseSourceRef(request.source_snapshot, SnapshotArnType(kind), request.source_region, region_,
                     kind == ResourceKind::kInstance ? "SourceDBSnapshotIdentifier"
                                                     : "SourceDBClusterSnapshotIdentifier"));
  KMS_ASSIGN_OR_RETURN(Snapshot source, LoadSnapshot(kind, from.region, from.identifier));
  KMS_ASSIGN_OR_RETURN(VolumeFile volume, OpenSnapshotVolume(source));
  VolumeHeader target = volume.header();
  target.region = region_;
  if (source.encrypted) {
    if (!request.kms_key_id && from.region != region_) {
      return InvalidValue("Must specify new KMS key for cross region encrypted snapshot copy.");
    }
  } else if (request.kms_key_id && kind == ResourceKind::kCluster) {
    return InvalidCombination(
        "An encrypted copy can't be made of an unencrypted DB cluster snapshot. Restore it to an "
        "encrypted DB cluster instead (restore-db-cluster-from-snapshot --kms-key-id).");
  }
  if (request.kms_key_id) {
    KMS_ASSIGN_OR_RETURN(client::KeyDescription key, keys_->Resolve(region_, *request.kms_key_id));
    target.encrypted = true;
    target.key_arn = key.arn;
  }
  KMS_ASSIGN_OR_RETURN(std::string path, Local(store_.SnapshotVolumePath(kind, region_, id)));
  if (auto derived = DeriveVolume(volume, target, path); !derived) {
    return std::unexpected(derived.error());
  }
  Snapshot copy = source;
  copy.identifier = id;
  copy.region = region_;
  copy.encrypted = target.encrypted;
  copy.kms_key_arn = target.key_arn;
  copy.create_time = clock_.NowMillis();
  copy.source_snapshot = source.identifier;
  copy.source_region = from.region;
  copy.restore_accounts.clear();
  if (auto saved = Local(store_.PutSnapshot(copy)); !saved) {
    (void)RemoveFile(path);
    return std::unexpected(saved.error());
  }
  return copy;
}

RdsResult<std::vector<Snapshot>> RdsService::DescribeSnapshots(
    ResourceKind kind, const std::optional<std::string>& identifier) {
  if (!identifier) return Local(store_.ListSnapshots(kind, region_));
  KMS_ASSIGN_OR_RETURN(Snapshot snapshot, LoadSnapshot(kind, region_, *identifier));
  return std::vector<Snapshot>{std::move(snapshot)};
}

RdsResult<Snapshot> RdsService::DeleteSnapshot(ResourceKind kind, const std::string& identifier) {
  KMS_ASSIGN_OR_RETURN(Snapshot snapshot, LoadSnapshot(kind, region_, identifier));
  if (auto removed = Local(store_.DeleteSnapshot(snapshot)); !removed) {
    return std::unexpected(removed.error());
  }
  return snapshot;
}

RdsResult<Snapshot> RdsService::ModifySnapshotAttribute(const SnapshotAttributeRequest& request) {
  KMS_ASSIGN_OR_RETURN(Snapshot snapshot,
                       LoadSnapshot(request.kind, region_, request.snapshot_identifier));
  if (auto valid = CheckAttributeValues(request); !valid) return std::unexpected(valid.error());
  if (!request.values_to_add.empty() && snapshot.encrypted) {
    if (std::find(request.values_to_add.begin(), request.values_to_add.end(), "all") !=
        request.values_to_add.end()) {
      return InvalidValue("An encrypted " + std::string(SnapshotNoun(request.kind)) +
                          " can't be made public.");
    }
    KMS_ASSIGN_OR_RETURN(client::KeyDescription key,
                         keys_->Describe(region_, snapshot.kms_key_arn));
    if (key.key_manager == "AWS") {
      return InvalidValue(
          "You can't share a " + std::string(SnapshotNoun(request.kind)) +
          " that is encrypted with the default KMS key of the account (aws/rds, " + key.arn +
          "): other accounts can't be given access to it. Copy the snapshot with a customer "
          "managed key and share the copy.");
    }
  }
  for (const std::string& account : request.values_to_add) {
    if (std::find(snapshot.restore_accounts.begin(), snapshot.restore_accounts.end(), account) ==
        snapshot.restore_accounts.end()) {
      snapshot.restore_accounts.push_back(account);
    }
  }
  for (const std::string& account : request.values_to_remove) {
    std::erase(snapshot.restore_accounts, account);
  }
  if (auto saved = Local(store_.PutSnapshot(snapshot)); !saved) {
    return std::unexpected(saved.error());
  }
  return snapshot;
}

RdsResult<std::string> RdsService::RestoreKey(const RestoreRequest& request,
                                              const Snapshot& snapshot) {
  const ResourceKind kind = request.kind;
  if (snapshot.encrypted) {
    if (request.storage_encrypted == false) {
      return InvalidCombination("Encryption can't be disabled: the " +
                                std::string(SnapshotNoun(kind)) + " " + snapshot.identifier +
                                " is encrypted, and so is a " + std::string(Noun(kind)) +
                                " restored from it.");
    }
    if (!request.kms_key_id || *request.kms_key_id == snapshot.kms_key_arn) {
      return snapshot.kms_key_arn;
    }
    KMS_ASSIGN_OR_RETURN(client::KeyDescription key, keys_->Resolve(region_, *request.kms_key_id));
    if (kind == ResourceKind::kInstance && key.arn != snapshot.kms_key_arn) {
      return InvalidCombination(
          "A DB instance restored from an encrypted DB snapshot uses the snapshot's KMS key [" +
          snapshot.kms_key_arn + "]. To use another key, copy the snapshot with that key " +
          "(copy-db-snapshot --kms-key-id) and restore the copy.");
    }
    return key.arn;
  }
  if (!request.kms_key_id && request.storage_encrypted != true) return std::string();
  if (kind == ResourceKind::kInstance) {
    return InvalidCombination(
        "You can't restore an unencrypted DB snapshot to an encrypted DB instance. Copy the "
        "snapshot with a KMS key (copy-db-snapshot --kms-key-id), then restore the encrypted "
        "copy.");
  }
  KMS_ASSIGN_OR_RETURN(
      client::KeyDescription key,
      keys_->Resolve(region_, request.kms_key_id.value_or(std::string(kDefaultRdsKey))));
  return key.arn;
}

RdsResult<Database> RdsService::RestoreFromSnapshot(const RestoreRequest& request) {
  KMS_ASSIGN_OR_RETURN(std::string id, NewDatabaseIdentifier(request.kind, request.identifier));
  KMS_ASSIGN_OR_RETURN(Snapshot snapshot,
                       LoadSnapshot(request.kind, region_, request.snapshot_identifier));
  KMS_ASSIGN_OR_RETURN(VolumeFile volume, OpenSnapshotVolume(snapshot));
  VolumeHeader target = NewVolumeHeader(request.kind, snapshot.allocated_storage_gib);
  target.size = volume.header().size;
  KMS_ASSIGN_OR_RETURN(target.key_arn, RestoreKey(request, snapshot));
  target.encrypted = !target.key_arn.empty();
  KMS_ASSIGN_OR_RETURN(std::string path, Local(store_.VolumePath(region_, target.volume_id)));
  if (auto derived = DeriveVolume(volume, target, path); !derived) {
    return std::unexpected(derived.error());
  }
  return Provision(NewDatabase(request.kind, id, target), path);
}

RdsResult<std::string> RdsService::ReplicaKey(const ReadReplicaRequest& request,
                                              const Database& source, bool cross_region) {
  if (!source.storage_encrypted) {
    if (request.kms_key_id || request.storage_encrypted == true) {
      return InvalidCombination(
          "Cannot create an encrypted read replica from an unencrypted DB instance.");
    }
    return std::string();
  }
  if (request.storage_encrypted == false) {
    return InvalidCombination(
        "Cannot create an unencrypted read replica from an encrypted DB instance.");
  }
  if (cross_region && !request.kms_key_id) {
    return InvalidCombination(
        "Cannot create a cross region unencrypted read replica from encrypted source.");
  }
  if (!request.kms_key_id || (!cross_region && *request.kms_key_id == source.kms_key_arn)) {
    return source.kms_key_arn;
  }
  KMS_ASSIGN_OR_RETURN(client::KeyDescription key, keys_->Resolve(region_, *request.kms_key_id));
  if (!cross_region && key.arn != source.kms_key_arn) {
    return InvalidCombination("A read replica in the same region uses the KMS key of its source [" +
                              source.kms_key_arn + "]; omit KmsKeyId or name that key.");
  }
  return key.arn;
}

RdsResult<Database> RdsService::CreateReadReplica(const ReadReplicaRequest& request) {
  constexpr ResourceKind kKind = ResourceKind::kInstance;
  KMS_ASSIGN_OR_RETURN(std::string id, NewDatabaseIdentifier(kKind, request.identifier));
  KMS_ASSIGN_OR_RETURN(SourceRef from, ParseSourceRef(request.source, "db", request.source_region,
                                                      region_, "SourceDBInstanceIdentifier"));
  KMS_ASSIGN_OR_RETURN(Database source, LoadDatabase(kKind, from.region, from.identifier));
  if (auto available = RequireAvailable(source); !available) {
    return std::unexpected(available.error());
  }
  const bool cross_region = from.region != region_;
  VolumeHeader target = NewVolumeHeader(kKind, source.allocated_storage_gib);
  KMS_ASSIGN_OR_RETURN(target.key_arn, ReplicaKey(request, source, cross_region));
  target.encrypted = !target.key_arn.empty();
  KMS_ASSIGN_OR_RETURN(VolumeFile volume, OpenVolume(source, false));
  KMS_ASSIGN_OR_RETURN(std::string path, Local(store_.VolumePath(region_, target.volume_id)));
  if (auto derived = DeriveVolume(volume, target, path); !derived) {
    return std::unexpected(derived.error());
  }
  Database replica = NewDatabase(kKind, id, target);
  replica.replica_source = source.identifier;
  replica.replica_source_region = from.region;
  KMS_ASSIGN_OR_RETURN(Database created, Provision(std::move(replica), path));
  source.read_replicas.push_back(cross_region ? region_ + "/" + id : id);  // see UnlinkReplication
  if (auto saved = Local(store_.PutDatabase(source)); !saved) {
    return std::unexpected(saved.error());
  }
  return created;
}

}  // namespace kms::rds
