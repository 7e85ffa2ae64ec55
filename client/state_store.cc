// StateStore: records and volume paths under the state directory.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "atomic_file.h"
#include "kms/client/rds_ids.h"
#include "kms/client/rds_state.h"

namespace kms::rds {
namespace {

constexpr std::string_view kRecordSuffix = ".json";
constexpr std::string_view kVolumeSuffix = ".vol";

std::string_view DatabaseFolder(ResourceKind kind) {
  return kind == ResourceKind::kInstance ? "instances" : "clusters";
}

std::string_view SnapshotFolder(ResourceKind kind) {
  return kind == ResourceKind::kInstance ? "snapshots" : "cluster-snapshots";
}

// Names used as path components must not escape the state directory.
Status CheckComponent(std::string_view name) {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of("/\\") != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return Error(Code::kValidation, "invalid name in a state path: '" + std::string(name) + "'");
  }
  return OkStatus();
}

// The record files of a folder, by identifier (temporary files skipped).
StatusOr<std::vector<std::string>> RecordFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (IsTemporaryName(name) || !name.ends_with(kRecordSuffix)) continue;
    out.push_back(entry.path().string());
  }
  if (ec) return Error(Code::kInternal, "cannot list " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Loads one record with `decode`; nullopt when the file does not exist.
template <class Record, class Decode>
StatusOr<std::optional<Record>> LoadRecord(const std::string& path, Decode decode) {
  auto text = ReadFile(path);
  if (!text && text.error().code() == Code::kNotFound) return std::optional<Record>();
  if (!text) return std::unexpected(text.error());
  auto record = decode(*text);
  if (!record) return Error(Code::kValidation, path + ": " + record.error().message());
  return std::optional<Record>(std::move(*record));
}

template <class Record, class Decode>
StatusOr<std::vector<Record>> LoadAll(const std::string& dir, Decode decode) {
  KMS_ASSIGN_OR_RETURN(std::vector<std::string> files, RecordFiles(dir));
  std::vector<Record> out;
  for (const std::string& file : files) {
    KMS_ASSIGN_OR_RETURN(std::optional<Record> record, LoadRecord<Record>(file, decode));
    if (record) out.push_back(std::move(*record));
  }
  return out;
}

}  // namespace

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

StatusOr<StateStore> StateStore::Open(std::string root) {
  KMS_RETURN_IF_ERROR(MakeDirectories(root));
  return StateStore(std::move(root));
}

StatusOr<StateLock> StateStore::Lock() const {
  const std::string path = root_ + "/.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error(Code::kInternal, "cannot open " + path + ": " + std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    ::close(fd);
    return Error(Code::kInternal, "cannot lock " + path + ": " + std::strerror(errno));
  }
  return StateLock(fd);
}

StatusOr<std::string> StateStore::Dir(std::string_view region, std::string_view folder) const {
  KMS_RETURN_IF_ERROR(CheckComponent(region));
  std::string dir = root_ + "/" + std::string(region) + "/" + std::string(folder);
  KMS_RETURN_IF_ERROR(MakeDirectories(dir));
  return dir;
}

StatusOr<std::optional<Database>> StateStore::FindDatabase(ResourceKind kind,
                                                           std::string_view region,
                                                           std::string_view identifier) const {
  KMS_RETURN_IF_ERROR(CheckComponent(identifier));
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(region, DatabaseFolder(kind)));
  return LoadRecord<Database>(dir + "/" + std::string(identifier) + std::string(kRecordSuffix),
                              DecodeDatabase);
}

StatusOr<std::vector<Database>> StateStore::ListDatabases(ResourceKind kind,
                                                          std::string_view region) const {
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(region, DatabaseFolder(kind)));
  return LoadAll<Database>(dir, DecodeDatabase);
}

Status StateStore::PutDatabase(const Database& database) const {
  KMS_RETURN_IF_ERROR(CheckComponent(database.identifier));
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(database.region, DatabaseFolder(database.kind)));
  return WriteFileAtomically(dir + "/" + database.identifier + std::string(kRecordSuffix),
                             EncodeDatabase(database));
}

Status StateStore::DeleteDatabase(const Database& database) const {
  KMS_RETURN_IF_ERROR(CheckComponent(database.identifier));
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(database.region, DatabaseFolder(database.kind)));
  return RemoveFile(dir + "/" + database.identifier + std::string(kRecordSuffix));
}

StatusOr<std::optional<Snapshot>> StateStore::FindSnapshot(ResourceKind kind,
                                                           std::string_view region,
                                                           std::string_view identifier) const {
  KMS_RETURN_IF_ERROR(CheckComponent(identifier));
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(region, SnapshotFolder(kind)));
  return LoadRecord<Snapshot>(dir + "/" + std::string(identifier) + std::string(kRecordSuffix),
                              DecodeSnapshot);
}

StatusOr<std::vector<Snapshot>> StateStore::ListSnapshots(ResourceKind kind,
                                                          std::string_view region) const {
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(region, SnapshotFolder(kind)));
  return LoadAll<Snapshot>(dir, DecodeSnapshot);
}

Status StateStore::PutSnapshot(const Snapshot& snapshot) const {
  KMS_RETURN_IF_ERROR(CheckComponent(snapshot.identifier));
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(snapshot.region, SnapshotFolder(snapshot.kind)));
  return WriteFileAtomically(dir + "/" + snapshot.identifier + std::string(kRecordSuffix),
                             EncodeSnapshot(snapshot));
}

Status StateStore::DeleteSnapshot(const Snapshot& snapshot) const {
  KMS_RETURN_IF_ERROR(CheckComponent(snapshot.identifier));
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(snapshot.region, SnapshotFolder(snapshot.kind)));
  // The record goes first: a crash in between leaves an unreferenced file.
  KMS_RETURN_IF_ERROR(RemoveFile(dir + "/" + snapshot.identifier + std::string(kRecordSuffix)));
  return RemoveFile(dir + "/" + snapshot.identifier + std::string(kVolumeSuffix));
}

StatusOr<std::string> StateStore::VolumePath(std::string_view region,
                                             std::string_view volume_id) const {
  KMS_RETURN_IF_ERROR(CheckComponent(volume_id));
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(region, "volumes"));
  return dir + "/" + std::string(volume_id) + std::string(kVolumeSuffix);
}

StatusOr<std::string> StateStore::SnapshotVolumePath(ResourceKind kind, std::string_view region,
                                                     std::string_view identifier) const {
  KMS_RETURN_IF_ERROR(CheckComponent(identifier));
  KMS_ASSIGN_OR_RETURN(std::string dir, Dir(region, SnapshotFolder(kind)));
  return dir + "/" + std::string(identifier) + std::string(kVolumeSuffix);
}

}  // namespace kms::rds
