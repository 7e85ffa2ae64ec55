// RdsService: the shared steps (loading, attaching, provisioning a volume,
// deriving one volume from another) and the instance/cluster operations.
#include "kms/client/rds_service.h"

#include "atomic_file.h"
#include "key_access.h"
#include "kms/client/rds_ids.h"
#include "rds_messages.h"

namespace kms::rds {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMaxAllocatedStorageGib = 65536;
constexpr uint64_t kMaxReadLength = uint64_t{256} << 20;
constexpr std::string_view kAttachOperation = "Decrypt as rds.amazonaws.com";

std::string TerminalStateMessage(const Database& database) {
  return std::string(Noun(database.kind)) + " " + database.identifier +
         " is in the inaccessible-encryption-credentials state: RDS can no longer use its KMS key "
         "[" +
         database.kms_key_arn + "]. The state is terminal; restore the " +
         std::string(Noun(database.kind)) + " from a snapshot once the key is usable again.";
}

RdsResult<void> CheckRange(const Database& database, uint64_t offset, uint64_t length) {
  const uint64_t size = database.allocated_storage_gib * kGiB;
  if (offset > size || length > size - offset) {
    return InvalidValue("The range [" + std::to_string(offset) + ", " +
                        std::to_string(offset + length) + ") is outside the volume of " +
                        std::to_string(size) + " bytes (AllocatedStorage " +
                        std::to_string(database.allocated_storage_gib) + " GiB).");
  }
  return {};
}

}  // namespace

RdsService::RdsService(std::string region, client::KmsApi& kms, const StateStore& store,
                       const Clock& clock, CredentialsPresent credentials)
    : region_(std::move(region)),
      store_(store),
      clock_(clock),
      keys_(std::make_unique<KeyAccess>(kms, credentials)) {}

RdsService::~RdsService() = default;

RdsResult<Database> RdsService::LoadDatabase(ResourceKind kind, std::string_view region,
                                             const std::string& identifier) const {
  const std::string id = CanonicalIdentifier(identifier);
  if (!IsValidIdentifier(id)) return NotFound(kind, identifier);
  KMS_ASSIGN_OR_RETURN(std::optional<Database> found, Local(store_.FindDatabase(kind, region, id)));
  if (!found) return NotFound(kind, identifier);
  return std::move(*found);
}

RdsResult<Snapshot> RdsService::LoadSnapshot(ResourceKind kind, std::string_view region,
                                             const std::string& identifier) const {
  const std::string id = CanonicalIdentifier(identifier);
  if (!IsValidIdentifier(id)) return SnapshotNotFound(kind, identifier);
  KMS_ASSIGN_OR_RETURN(std::optional<Snapshot> found, Local(store_.FindSnapshot(kind, region, id)));
  if (!found) return SnapshotNotFound(kind, identifier);
  return std::move(*found);
}

RdsResult<std::string> RdsService::NewDatabaseIdentifier(ResourceKind kind,
                                                         const std::string& identifier) const {
  const std::string id = CanonicalIdentifier(identifier);
  if (!IsValidIdentifier(id)) return InvalidIdentifier(IdentifierParameter(kind));
  KMS_ASSIGN_OR_RETURN(std::optional<Database> found,
                       Local(store_.FindDatabase(kind, region_, id)));
  if (found) return AlreadyExists(kind);
  return id;
}

RdsResult<std::string> RdsService::NewSnapshotIdentifier(ResourceKind kind,
                                                         const std::string& identifier) const {
  const std::string id = CanonicalIdentifier(identifier);
  if (!IsValidIdentifier(id)) {
    return InvalidIdentifier(kind == ResourceKind::kInstance ? "DBSnapshotIdentifier"
                                                             : "DBClusterSnapshotIdentifier");
  }
  KMS_ASSIGN_OR_RETURN(std::optional<Snapshot> found,
                       Local(store_.FindSnapshot(kind, region_, id)));
  if (found) return SnapshotAlreadyExists(kind, id);
  return id;
}

RdsResult<void> RdsService::RequireUsable(const Database& database) const {
  if (database.status == DbStatus::kInaccessibleEncryptionCredentials) {
    return InvalidState(database.kind, TerminalStateMessage(database));
  }
  return {};
}

RdsResult<void> RdsService::RequireAvailable(const Database& database) const {
  if (auto usable = RequireUsable(database); !usable) return usable;
  if (database.status != DbStatus::kAvailable) {
    return InvalidState(database.kind, std::string(Noun(database.kind)) + " " +
                                           database.identifier + " is not in available state.");
  }
  return {};
}

RdsResult<VolumeFile> RdsService::OpenVolume(const Database& database, bool writable) const {
  KMS_ASSIGN_OR_RETURN(std::string path,
                       Local(store_.VolumePath(database.region, database.volume_id)));
  return Local(VolumeFile::Open(path, writable));
}

RdsResult<std::optional<SecretBytes>> RdsService::Attach(Database& database,
                                                         const VolumeFile& volume) {
  if (!database.storage_encrypted) return std::optional<SecretBytes>();
  if (auto ready = keys_->Require(client::CallAs::kService); !ready) {
    return std::unexpected(ready.error());
  }
  auto key = keys_->DecryptAsService(volume.header());
  if (key) return std::optional<SecretBytes>(std::move(*key));
  if (!KeyAccess::IsKeyLoss(key.error())) {
    return std::unexpected(KeyAccess::Failure(kAttachOperation, database.kms_key_arn, key.error()));
  }
  database.status = DbStatus::kInaccessibleEncryptionCredentials;
  database.status_reason = "KMS " + std::string(kAttachOperation) + ": " + key.error().ToString();
  if (auto saved = Local(store_.PutDatabase(database)); !saved) {
    return std::unexpected(saved.error());
  }
  return Fail(RdsErrorCode::kKmsKeyNotAccessible,
              std::string(Noun(database.kind)) + " " + database.identifier +
                  " lost access to its KMS key [" + database.kms_key_arn +
                  "] and is now in the terminal state inaccessible-encryption-credentials (" +
                  database.status_reason +
                  "). Restore it from a snapshot once the key is usable again.");
}

RdsResult<void> RdsService::GrantAttach(Database& database, const std::string& volume_path) {
  KMS_ASSIGN_OR_RETURN(client::Grant grant,
                       keys_->GrantAttach(region_, database.kms_key_arn, database.volume_id));
  database.grant_id = grant.grant_id;
  database.grant_token = grant.grant_token;
  // RDS attaches a new volume at once: check that the grant lets it.
  auto attached = [&]() -> RdsResult<void> {
    if (auto ready = keys_->Require(client::CallAs::kService); !ready) return ready;
    KMS_ASSIGN_OR_RETURN(VolumeFile volume, Local(VolumeFile::Open(volume_path, false)));
    auto key = keys_->DecryptAsService(volume.header());
    if (!key) {
      return std::unexpected(
          KeyAccess::Failure(kAttachOperation, database.kms_key_arn, key.error()));
    }
    return {};
  }();
  if (!attached) RetireGrant(database);
  return attached;
}

void RdsService::RetireGrant(const Database& database) {
  if (database.grant_id.empty()) return;
  // Best effort, as RDS does: a revoked grant or a lost key must not keep a
  // volume from going away.
  (void)keys_->RetireAsService(database.region,
                               client::Grant{database.grant_id, database.grant_token},
                               database.kms_key_arn);
}

RdsResult<Database> RdsService::Provision(Database database, const std::string& volume_path) {
  RdsResult<void> done;
  if (database.storage_encrypted) done = GrantAttach(database, volume_path);
  if (done) {
    done = Local(store_.PutDatabase(database));
    if (done) return database;
    RetireGrant(database);
  }
  (void)RemoveFile(volume_path);
  return std::unexpected(done.error());
}

RdsResult<void> RdsService::DeriveVolume(const VolumeFile& source, VolumeHeader target,
                                         const std::string& path) {
  const VolumeHeader& from = source.header();
  if (from.encrypted && !target.encrypted) {
    return InvalidCombination(
        "Encryption can't be removed: the data is encrypted with the KMS key [" + from.key_arn +
        "] and stays encrypted.");
  }
  if (!from.encrypted && target.encrypted) {
    KMS_ASSIGN_OR_RETURN(client::DataKey key,
                         keys_->NewDataKey(target.region, target.key_arn, target.Context()));
    target.encrypted_data_key = key.ciphertext_blob;
    return Local(source.CopyTo(path, target, &key.plaintext));
  }
  if (from.encrypted && from.region != target.region) {
    // Keys are regional: unwrap in the source region, wrap in the target's.
    KMS_ASSIGN_OR_RETURN(SecretBytes data_key, keys_->Unwrap(from));
    KMS_ASSIGN_OR_RETURN(target.encrypted_data_key,
                         keys_->Wrap(target.region, target.key_arn, data_key, target.Context()));
  } else if (from.encrypted &&
             (from.key_arn != target.key_arn || from.Context() != target.Context())) {
    KMS_ASSIGN_OR_RETURN(target.encrypted_data_key,
                         keys_->Rewrap(from, target.key_arn, target.Context()));
  } else {
    target.encrypted_data_key = from.encrypted_data_key;
  }
  return Local(source.CopyTo(path, target, nullptr));
}

VolumeHeader RdsService::NewVolumeHeader(ResourceKind kind, uint64_t allocated_storage_gib) const {
  VolumeHeader header;
  header.resource_id = kind == ResourceKind::kInstance ? NewDbResourceId() : NewClusterResourceId();
  header.volume_id = NewVolumeId();
  header.region = region_;
  header.size = allocated_storage_gib * kGiB;
  return header;
}

Database RdsService::NewDatabase(ResourceKind kind, const std::string& identifier,
                                 const VolumeHeader& header) const {
  Database database;
  database.kind = kind;
  database.identifier = identifier;
  database.resource_id = header.resource_id;
  database.region = region_;
  database.storage_encrypted = header.encrypted;
  database.kms_key_arn = header.key_arn;
  database.volume_id = header.volume_id;
  database.allocated_storage_gib = header.size / kGiB;
  database.create_time = clock_.NowMillis();
  return database;
}

RdsResult<Database> RdsService::CreateDatabase(const CreateDatabaseRequest& request) {
  KMS_ASSIGN_OR_RETURN(std::string id, NewDatabaseIdentifier(request.kind, request.identifier));
  const bool encrypted = request.storage_encrypted.value_or(request.kms_key_id.has_value());
  if (!encrypted && request.kms_key_id) {
    return InvalidCombination("KmsKeyId is only valid with StorageEncrypted; an unencrypted " +
                              std::string(Noun(request.kind)) + " has no KMS key.");
  }
  if (request.allocated_storage_gib == 0 ||
      request.allocated_storage_gib > kMaxAllocatedStorageGib) {
    return InvalidValue("Invalid storage size: AllocatedStorage must be between 1 and 65536 GiB.");
  }
  VolumeHeader header = NewVolumeHeader(request.kind, request.allocated_storage_gib);
  if (encrypted) {
    KMS_ASSIGN_OR_RETURN(
        client::KeyDescription key,
        keys_->Resolve(region_, request.kms_key_id.value_or(std::string(kDefaultRdsKey))));
    KMS_ASSIGN_OR_RETURN(client::DataKey data_key,
                         keys_->NewDataKey(region_, key.arn, header.Context()));
    header.encrypted = true;
    header.key_arn = key.arn;
    header.encrypted_data_key = data_key.ciphertext_blob;
  }
  KMS_ASSIGN_OR_RETURN(std::string path, Local(store_.VolumePath(region_, header.volume_id)));
  if (auto created = Local(VolumeFile::Create(path, header)); !created) {
    return std::unexpected(created.error());
  }
  return Provision(NewDatabase(request.kind, id, header), path);
}

RdsResult<std::vector<Database>> RdsService::DescribeDatabases(
    ResourceKind kind, const std::optional<std::string>& identifier) {
  if (!identifier) return Local(store_.ListDatabases(kind, region_));
  KMS_ASSIGN_OR_RETURN(Database database, LoadDatabase(kind, region_, *identifier));
  return std::vector<Database>{std::move(database)};
}

RdsResult<Database> RdsService::ModifyDatabase(const ModifyDatabaseRequest& request) {
  KMS_ASSIGN_OR_RETURN(Database database, LoadDatabase(request.kind, region_, request.identifier));
  const std::string noun(Noun(request.kind));
  if (request.storage_encrypted == false && database.storage_encrypted) {
    return InvalidCombination("Encryption can't be disabled: the " + noun + " " +
                              database.identifier + " is encrypted, and stays encrypted.");
  }
  if (request.storage_encrypted == true && !database.storage_encrypted) {
    return InvalidCombination("Encryption can be chosen only when a " + noun +
                              " is created. To encrypt " + database.identifier +
                              ", take a snapshot, copy it with a KMS key, and restore the copy.");
  }
  if (request.kms_key_id && *request.kms_key_id != database.kms_key_arn) {
    if (!database.storage_encrypted) {
      return InvalidCombination("The " + noun + " " + database.identifier +
                                " is not encrypted; a KMS key can't be set.");
    }
    KMS_ASSIGN_OR_RETURN(client::KeyDescription key, keys_->Resolve(region_, *request.kms_key_id));
    if (key.arn != database.kms_key_arn) {
      return InvalidCombination("You can't change the KMS key of an encrypted " + noun + " (" +
                                database.identifier + " uses " + database.kms_key_arn +
                                "). Copy a snapshot with the new key and restore the copy.");
    }
  }
  return database;
}

RdsResult<Database> RdsService::StartDatabase(ResourceKind kind, const std::string& identifier) {
  KMS_ASSIGN_OR_RETURN(Database database, LoadDatabase(kind, region_, identifier));
  if (auto usable = RequireUsable(database); !usable) return std::unexpected(usable.error());
  if (database.status != DbStatus::kStopped) {
    return InvalidState(kind, std::string(Noun(kind)) + " " + database.identifier +
                                  " is not stopped, it cannot be started.");
  }
  KMS_ASSIGN_OR_RETURN(VolumeFile volume, OpenVolume(database, false));
  KMS_ASSIGN_OR_RETURN(std::optional<SecretBytes> key, Attach(database, volume));
  database.status = DbStatus::kAvailable;
  if (auto saved = Local(store_.PutDatabase(database)); !saved) {
    return std::unexpected(saved.error());
  }
  return database;
}

RdsResult<Database> RdsService::StopDatabase(ResourceKind kind, const std::string& identifier) {
  KMS_ASSIGN_OR_RETURN(Database database, LoadDatabase(kind, region_, identifier));
  if (auto available = RequireAvailable(database); !available) {
    return std::unexpected(available.error());
  }
  database.status = DbStatus::kStopped;
  if (auto saved = Local(store_.PutDatabase(database)); !saved) {
    return std::unexpected(saved.error());
  }
  return database;
}

RdsResult<void> RdsService::UnlinkReplication(const Database& database) {
  // "region/id" for a database of another region than `in`, else "id".
  const auto entry_of = [](const Database& replica, std::string_view in) {
    return replica.region == in ? replica.identifier : replica.region + "/" + replica.identifier;
  };
  if (!database.replica_source.empty()) {
    auto source =
        LoadDatabase(database.kind, database.replica_source_region, database.replica_source);
    if (source) {
      std::erase(source->read_replicas, entry_of(database, source->region));
      if (auto saved = Local(store_.PutDatabase(*source)); !saved) return saved;
    }
  }
  // As RDS does when a source goes away, its replicas become standalone.
  for (const std::string& entry : database.read_replicas) {
    const size_t slash = entry.find('/');
    auto replica = slash == std::string::npos ? LoadDatabase(database.kind, database.region, entry)
                                              : LoadDatabase(database.kind, entry.substr(0, slash),
                                                             entry.substr(slash + 1));
    if (!replica) continue;
    replica->replica_source.clear();
    replica->replica_source_region.clear();
    if (auto saved = Local(store_.PutDatabase(*replica)); !saved) return saved;
  }
  return {};
}

RdsResult<Database> RdsService::DeleteDatabase(const DeleteDatabaseRequest& request) {
  KMS_ASSIGN_OR_RETURN(Database database, LoadDatabase(request.kind, region_, request.identifier));
  if (request.skip_final_snapshot == request.final_snapshot_identifier.has_value()) {
    return InvalidCombination(request.skip_final_snapshot
                                  ? "FinalDBSnapshotIdentifier can't be specified when "
                                    "SkipFinalSnapshot is enabled."
                                  : "FinalDBSnapshotIdentifier is required unless "
                                    "SkipFinalSnapshot is specified.");
  }
  if (request.final_snapshot_identifier) {
    KMS_ASSIGN_OR_RETURN(
        Snapshot final_snapshot,
        CreateSnapshot(CreateSnapshotRequest{request.kind, *request.final_snapshot_identifier,
                                             database.identifier}));
    (void)final_snapshot;
  }
  RetireGrant(database);
  if (auto unlinked = UnlinkReplication(database); !unlinked) {
    return std::unexpected(unlinked.error());
  }
  if (auto removed = Local(store_.DeleteDatabase(database)); !removed) {
    return std::unexpected(removed.error());
  }
  KMS_ASSIGN_OR_RETURN(std::string path, Local(store_.VolumePath(region_, database.volume_id)));
  if (auto removed = Local(RemoveFile(path)); !removed) return std::unexpected(removed.error());
  return database;
}

RdsResult<uint64_t> RdsService::Write(ResourceKind kind, const std::string& identifier,
                                      uint64_t offset, ByteView data) {
  KMS_ASSIGN_OR_RETURN(Database database, LoadDatabase(kind, region_, identifier));
  if (auto available = RequireAvailable(database); !available) {
    return std::unexpected(available.error());
  }
  if (!database.replica_source.empty()) {
    return InvalidState(kind, std::string(Noun(kind)) + " " + database.identifier +
                                  " is a read replica; it is read-only.");
  }
  if (auto in_range = CheckRange(database, offset, data.size()); !in_range) {
    return std::unexpected(in_range.error());
  }
  KMS_ASSIGN_OR_RETURN(VolumeFile volume, OpenVolume(database, true));
  KMS_ASSIGN_OR_RETURN(std::optional<SecretBytes> key, Attach(database, volume));
  if (auto written = Local(volume.Write(offset, data, key ? &*key : nullptr)); !written) {
    return std::unexpected(written.error());
  }
  return data.size();
}

RdsResult<SecretBytes> RdsService::Read(ResourceKind kind, const std::string& identifier,
                                        uint64_t offset, uint64_t length) {
  KMS_ASSIGN_OR_RETURN(Database database, LoadDatabase(kind, region_, identifier));
  if (auto available = RequireAvailable(database); !available) {
    return std::unexpected(available.error());
  }
  if (length > kMaxReadLength) return InvalidValue("A read returns at most 256 MiB.");
  if (auto in_range = CheckRange(database, offset, length); !in_range) {
    return std::unexpected(in_range.error());
  }
  KMS_ASSIGN_OR_RETURN(VolumeFile volume, OpenVolume(database, false));
  KMS_ASSIGN_OR_RETURN(std::optional<SecretBytes> key, Attach(database, volume));
  return Local(volume.Read(offset, length, key ? &*key : nullptr));
}

}  // namespace kms::rds
