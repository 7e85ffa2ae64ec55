// The RDS volume client's operations: what Amazon RDS (and EBS below it) do
// with KMS when DB instances and clusters are encrypted at rest, with RDS's
// rules and refusals (DESIGN.md section 8, docs/rds-volume.md).
//
// Identities (docs/rds-volume.md, "Who calls KMS"):
//  - calls that need the key at creation, snapshot copy, restore and replica
//    creation (DescribeKey, GenerateDataKey, CreateGrant, Encrypt, Decrypt,
//    ReEncrypt) are made via RDS on the user's behalf, so key policies see
//    kms:ViaService = rds.<region>.amazonaws.com;
//  - attaching a volume (read, write, start) decrypts its data key as the
//    RDS service principal itself, authorized by the grant made at creation;
//    when that fails because the key is disabled, pending deletion, or no
//    longer allows RDS, the instance or cluster goes to the terminal status
//    inaccessible-encryption-credentials and stays there.
//
// Every operation works in the service's region unless it names a source
// region. Errors are RDS's (rds_error.h): InvalidParameterValue/Combination
// for requests RDS refuses, *NotFound/*AlreadyExists, InvalidDBInstanceState
// (InvalidDBClusterStateFault) for a stopped or inaccessible database,
// KMSKeyNotAccessibleFault for any KMS failure; kMissingCredentials,
// kEndpointUnreachable and kLocal for local failures. Not thread-safe;
// callers hold the StateStore lock.
#ifndef KMS_CLIENT_RDS_SERVICE_H_
#define KMS_CLIENT_RDS_SERVICE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kms/bytes.h"
#include "kms/client/kms_client.h"
#include "kms/client/rds_error.h"
#include "kms/client/rds_state.h"
#include "kms/client/rds_volume.h"
#include "kms/clock.h"

namespace kms::rds {

// The default key of RDS: the account's AWS managed key for RDS.
inline constexpr std::string_view kDefaultRdsKey = "alias/aws/rds";
// The RDS service principal: grantee and retiring principal of volume grants.
inline constexpr std::string_view kRdsServicePrincipal = "rds.amazonaws.com";

struct CreateDatabaseRequest {
  ResourceKind kind = ResourceKind::kInstance;
  std::string identifier;
  // --storage-encrypted / --no-storage-encrypted; a key id implies encryption.
  std::optional<bool> storage_encrypted;
  std::optional<std::string> kms_key_id;  // default alias/aws/rds
  uint64_t allocated_storage_gib = 20;
};

// Only the encryption settings: both are refused unless they change nothing.
struct ModifyDatabaseRequest {
  ResourceKind kind = ResourceKind::kInstance;
  std::string identifier;
  std::optional<bool> storage_encrypted;
  std::optional<std::string> kms_key_id;
};

struct DeleteDatabaseRequest {
  ResourceKind kind = ResourceKind::kInstance;
  std::string identifier;
  bool skip_final_snapshot = false;
  std::optional<std::string> final_snapshot_identifier;
};

struct CreateSnapshotRequest {
  ResourceKind kind = ResourceKind::kInstance;
  std::string snapshot_identifier;
  std::string source_identifier;
};

struct CopySnapshotRequest {
  ResourceKind kind = ResourceKind::kInstance;
  // An identifier (in source_region, default the service's region) or an
  // ARN arn:aws:rds:<region>:<account>:snapshot:<id> (cluster-snapshot:<id>).
  std::string source_snapshot;
  std::optional<std::string> source_region;
  std::string target_identifier;
  std::optional<std::string> kms_key_id;  // a key of the service's region
};

struct RestoreRequest {
  ResourceKind kind = ResourceKind::kInstance;
  std::string snapshot_identifier;
  std::string identifier;
  std::optional<bool> storage_encrypted;
  std::optional<std::string> kms_key_id;
};

struct ReadReplicaRequest {
  std::string identifier;
  // An identifier (in source_region, default the service's region) or an
  // ARN arn:aws:rds:<region>:<account>:db:<id>.
  std::string source;
  std::optional<std::string> source_region;
  std::optional<bool> storage_encrypted;
  std::optional<std::string> kms_key_id;  // a key of the service's region
};

struct SnapshotAttributeRequest {
  ResourceKind kind = ResourceKind::kInstance;
  std::string snapshot_identifier;
  std::string attribute_name;  // only "restore"
  std::vector<std::string> values_to_add;
  std::vector<std::string> values_to_remove;
};

// Which credentials the caller has configured; operations that need a
// missing one fail with kMissingCredentials before calling KMS.
struct CredentialsPresent {
  bool user = false;
  bool service = false;
};

class KeyAccess;

class RdsService {
 public:
  // `kms`, `store` and `clock` must outlive the service.
  RdsService(std::string region, client::KmsApi& kms, const StateStore& store, const Clock& clock,
             CredentialsPresent credentials);
  ~RdsService();
  RdsService(const RdsService&) = delete;
  RdsService& operator=(const RdsService&) = delete;

  const std::string& region() const { return region_; }

  // Databases (instances and clusters).
  RdsResult<Database> CreateDatabase(const CreateDatabaseRequest& request);
  RdsResult<std::vector<Database>> DescribeDatabases(ResourceKind kind,
                                                     const std::optional<std::string>& identifier);
  RdsResult<Database> ModifyDatabase(const ModifyDatabaseRequest& request);
  // Start attaches the volume (and may find the key gone); stop detaches.
  RdsResult<Database> StartDatabase(ResourceKind kind, const std::string& identifier);
  RdsResult<Database> StopDatabase(ResourceKind kind, const std::string& identifier);
  // Takes the final snapshot if asked, retires the volume's grant (as the
  // RDS service, best effort), removes the record and the volume; returns the
  // record as it was (the CLI shows it with status "deleting").
  RdsResult<Database> DeleteDatabase(const DeleteDatabaseRequest& request);

  // Volume I/O; each call attaches the volume for its length only.
  RdsResult<uint64_t> Write(ResourceKind kind, const std::string& identifier, uint64_t offset,
                            ByteView data);
  RdsResult<SecretBytes> Read(ResourceKind kind, const std::string& identifier, uint64_t offset,
                              uint64_t length);

  // Snapshots (DB snapshots for kInstance, DB cluster snapshots for kCluster).
  RdsResult<Snapshot> CreateSnapshot(const CreateSnapshotRequest& request);
  RdsResult<Snapshot> CopySnapshot(const CopySnapshotRequest& request);
  RdsResult<std::vector<Snapshot>> DescribeSnapshots(ResourceKind kind,
                                                     const std::optional<std::string>& identifier);
  RdsResult<Snapshot> DeleteSnapshot(ResourceKind kind, const std::string& identifier);
  RdsResult<Snapshot> ModifySnapshotAttribute(const SnapshotAttributeRequest& request);

  // New instances and clusters from existing data.
  RdsResult<Database> RestoreFromSnapshot(const RestoreRequest& request);
  RdsResult<Database> CreateReadReplica(const ReadReplicaRequest& request);

 private:
  RdsResult<Database> LoadDatabase(ResourceKind kind, std::string_view region,
                                   const std::string& identifier) const;
  RdsResult<Snapshot> LoadSnapshot(ResourceKind kind, std::string_view region,
                                   const std::string& identifier) const;
  // The canonical form of a new identifier, checked for syntax and absence.
  RdsResult<std::string> NewDatabaseIdentifier(ResourceKind kind,
                                               const std::string& identifier) const;
  RdsResult<std::string> NewSnapshotIdentifier(ResourceKind kind,
                                               const std::string& identifier) const;
  // RequireUsable fails for a database in the terminal state;
  // RequireAvailable also fails unless its status is "available".
  RdsResult<void> RequireUsable(const Database& database) const;
  RdsResult<void> RequireAvailable(const Database& database) const;
  RdsResult<VolumeFile> OpenVolume(const Database& database, bool writable) const;
  // The data key of `database`'s volume (none when unencrypted), decrypted as
  // the RDS service. On key loss the database becomes inaccessible
  // (persisted) and this fails with KMSKeyNotAccessibleFault.
  RdsResult<std::optional<SecretBytes>> Attach(Database& database, const VolumeFile& volume);
  // Creates the volume's grant and checks that RDS can attach with it; on
  // failure the grant is retired again.
  RdsResult<void> GrantAttach(Database& database, const std::string& volume_path);
  void RetireGrant(const Database& database);
  // Before `database` is deleted: removes it from its source's replicas and
  // promotes its own replicas to standalone databases.
  RdsResult<void> UnlinkReplication(const Database& database);
  // Finishes a new database whose volume file is at `volume_path`: grant,
  // attach check, record saved. Removes the volume file on failure.
  RdsResult<Database> Provision(Database database, const std::string& volume_path);
  // Writes a new volume at `path` with header `target` (its blob is filled
  // in here) and the data of `source`: the data key is re-wrapped (same
  // region), unwrapped and wrapped again (across regions) or created (when
  // an unencrypted source becomes encrypted); sectors are copied or encrypted.
  RdsResult<void> DeriveVolume(const VolumeFile& source, VolumeHeader target,
                               const std::string& path);
  // A header with new resource and volume ids in this region.
  VolumeHeader NewVolumeHeader(ResourceKind kind, uint64_t allocated_storage_gib) const;
  Database NewDatabase(ResourceKind kind, const std::string& identifier,
                       const VolumeHeader& header) const;
  RdsResult<VolumeFile> OpenSnapshotVolume(const Snapshot& snapshot) const;
  // The key ARN of a database restored from `snapshot`, or of a replica of
  // `source`, by RDS's rules; empty for an unencrypted one.
  RdsResult<std::string> RestoreKey(const RestoreRequest& request, const Snapshot& snapshot);
  RdsResult<std::string> ReplicaKey(const ReadReplicaRequest& request, const Database& source,
                                    bool cross_region);

  std::string region_;
  const StateStore& store_;
  const Clock& clock_;
  std::unique_ptr<KeyAccess> keys_;
};

}  // namespace kms::rds

#endif  // KMS_CLIENT_RDS_SERVICE_H_
