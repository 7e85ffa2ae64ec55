// The local state of the RDS volume client: DB instances, DB clusters and
// their snapshots per region, as JSON records, and their volume files.
//
//   <root>/.lock                              held for the length of a command
//   <root>/<region>/instances/<id>.json       Database (kInstance)
//   <root>/<region>/clusters/<id>.json        Database (kCluster)
//   <root>/<region>/snapshots/<id>.json|.vol  Snapshot (kInstance) + its volume
//   <root>/<region>/cluster-snapshots/<id>.json|.vol
//   <root>/<region>/volumes/<vol-id>.vol      volumes of instances and clusters
//
// Every record and every new volume file is written to a temporary file in
// the same directory, fsynced and renamed over the target (then the directory
// is fsynced), so a crash leaves the old or the new file, never a torn one;
// leftover temporary files are ignored. Records never hold key material.
#ifndef KMS_CLIENT_RDS_STATE_H_
#define KMS_CLIENT_RDS_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kms/clock.h"
#include "kms/status.h"

namespace kms::rds {

enum class ResourceKind { kInstance, kCluster };

enum class DbStatus {
  kAvailable,
  kStopped,
  // Terminal: RDS lost access to the KMS key; only a restore recovers.
  kInaccessibleEncryptionCredentials,
};
// "available", "stopped", "inaccessible-encryption-credentials".
std::string_view DbStatusName(DbStatus status);

// A DB instance or an (Aurora) DB cluster with its one volume.
struct Database {
  ResourceKind kind = ResourceKind::kInstance;
  std::string identifier;   // DBInstanceIdentifier / DBClusterIdentifier
  std::string resource_id;  // DbiResourceId "db-..." / DbClusterResourceId "cluster-..."
  std::string region;
  DbStatus status = DbStatus::kAvailable;
  std::string status_reason;  // why it is inaccessible (the KMS error)
  bool storage_encrypted = false;
  std::string kms_key_arn;
  std::string volume_id;
  uint64_t allocated_storage_gib = 0;
  // The grant that lets RDS decrypt the volume's data key on attach.
  std::string grant_id;
  std::string grant_token;
  // Read replicas: the source (identifier and region) and the replicas.
  std::string replica_source;
  std::string replica_source_region;
  std::vector<std::string> read_replicas;  // "id" or "region/id"
  EpochMillis create_time = 0;

  friend bool operator==(const Database&, const Database&) = default;
};

// A manual DB snapshot (kInstance) or DB cluster snapshot (kCluster). Its
// volume file is a copy of the source volume, header included.
struct Snapshot {
  ResourceKind kind = ResourceKind::kInstance;
  std::string identifier;
  std::string region;
  std::string source_identifier;   // the instance or cluster it was taken of
  std::string source_resource_id;  // its DbiResourceId / DbClusterResourceId
  bool encrypted = false;
  std::string kms_key_arn;
  uint64_t allocated_storage_gib = 0;
  EpochMillis create_time = 0;
  // Copies: where the snapshot was copied from.
  std::string source_snapshot;
  std::string source_region;
  // Accounts allowed to restore it (attribute "restore").
  std::vector<std::string> restore_accounts;

  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

// JSON codecs of the records. Decode returns kValidation for malformed text.
std::string EncodeDatabase(const Database& database);
StatusOr<Database> DecodeDatabase(std::string_view json);
std::string EncodeSnapshot(const Snapshot& snapshot);
StatusOr<Snapshot> DecodeSnapshot(std::string_view json);

// An exclusive lock on a state directory (flock); released on destruction.
class StateLock {
 public:
  explicit StateLock(int fd) : fd_(fd) {}
  StateLock(StateLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StateLock& operator=(StateLock&&) = delete;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

 private:
  int fd_;
};

// The records and volume files under one root directory. Callers hold the
// Lock() while they read and modify state; the store itself is not
// thread-safe. Errors: kInternal for I/O failures, kValidation for a record
// that does not decode.
class StateStore {
 public:
  // Creates `root` (mode 0700) when it does not exist.
  static StatusOr<StateStore> Open(std::string root);

  const std::string& root() const { return root_; }
  // Blocks until no other process holds the lock.
  StatusOr<StateLock> Lock() const;

  StatusOr<std::optional<Database>> FindDatabase(ResourceKind kind, std::string_view region,
                                                 std::string_view identifier) const;
  StatusOr<std::vector<Database>> ListDatabases(ResourceKind kind, std::string_view region) const;
  Status PutDatabase(const Database& database) const;
  Status DeleteDatabase(const Database& database) const;

  StatusOr<std::optional<Snapshot>> FindSnapshot(ResourceKind kind, std::string_view region,
                                                 std::string_view identifier) const;
  StatusOr<std::vector<Snapshot>> ListSnapshots(ResourceKind kind, std::string_view region) const;
  Status PutSnapshot(const Snapshot& snapshot) const;
  // Removes the record and the snapshot's volume file.
  Status DeleteSnapshot(const Snapshot& snapshot) const;

  // Where volume files live (the directory is created on demand).
  StatusOr<std::string> VolumePath(std::string_view region, std::string_view volume_id) const;
  StatusOr<std::string> SnapshotVolumePath(ResourceKind kind, std::string_view region,
                                           std::string_view identifier) const;

 private:
  explicit StateStore(std::string root) : root_(std::move(root)) {}
  StatusOr<std::string> Dir(std::string_view region, std::string_view folder) const;

  std::string root_;
};

}  // namespace kms::rds

#endif  // KMS_CLIENT_RDS_STATE_H_
