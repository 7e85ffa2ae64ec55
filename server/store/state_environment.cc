#include "kms/server/store/state_environment.h"

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <vector>

#include "kms/server/log/log.h"
#include "kms/server/store/lmdb.h"

namespace kms::store {
namespace {

namespace fs = std::filesystem;

// The key store's 7 databases and the audit log's 3, with room to spare.
constexpr unsigned kMaxDatabases = 16;
// The environments of the layout before the state environment.
constexpr const char* kSeparateEnvironments[] = {"keys", "audit"};

std::unexpected<Status> FileSystemError(const std::string& what, const std::error_code& ec) {
  return Error(Code::kInternal, what + ": " + ec.message());
}

// Whether `directory` holds an LMDB environment.
bool HasEnvironment(const std::string& directory) {
  std::error_code ec;
  return fs::exists(fs::path(directory) / "data.mdb", ec);
}

// Copies every named database of `from` (entries and flags) into `to`.
Status CopyDatabases(const lmdb::Env& from, lmdb::Txn& to) {
  KMS_ASSIGN_OR_RETURN(lmdb::Txn source, from.BeginRead());
  // The main (unnamed) database lists the named ones.
  std::vector<std::string> names;
  {
    MDB_dbi main = 0;
    if (int rc = mdb_dbi_open(source.get(), nullptr, 0, &main); rc != 0)
      return lmdb::ErrorFor(rc, "open the main database");
    KMS_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(source, main));
    MDB_val key;
    MDB_val value;
    int rc = cursor.Get(&key, &value, MDB_FIRST);
    for (; rc == 0; rc = cursor.Get(&key, &value, MDB_NEXT)) names.emplace_back(lmdb::FromVal(key));
    if (rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "list databases");
  }
  for (const std::string& name : names) {
    MDB_dbi from_dbi = 0;
    if (int rc = mdb_dbi_open(source.get(), name.c_str(), 0, &from_dbi); rc != 0)
      return lmdb::ErrorFor(rc, "open database " + name);
    unsigned flags = 0;
    if (int rc = mdb_dbi_flags(source.get(), from_dbi, &flags); rc != 0)
      return lmdb::ErrorFor(rc, "database flags of " + name);
    MDB_dbi to_dbi = 0;
    if (int rc = mdb_dbi_open(to.get(), name.c_str(), flags | MDB_CREATE, &to_dbi); rc != 0)
      return lmdb::ErrorFor(rc, "create database " + name);
    KMS_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(source, from_dbi));
    MDB_val key;
    MDB_val value;
    int rc = cursor.Get(&key, &value, MDB_FIRST);
    for (; rc == 0; rc = cursor.Get(&key, &value, MDB_NEXT))
      KMS_RETURN_IF_ERROR(to.Put(to_dbi, lmdb::FromVal(key), lmdb::FromVal(value)));
    if (rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "copy database " + name);
  }
  return OkStatus();
}

// Builds the state environment from the separate ones in `staging`.
Status CopySeparateEnvironments(const std::string& data_dir, const std::string& staging,
                                size_t map_size) {
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (ec) return FileSystemError("cannot remove " + staging, ec);
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<lmdb::Env> state,
                       lmdb::Env::Open({staging, map_size, kMaxDatabases, false}));
  KMS_ASSIGN_OR_RETURN(lmdb::Txn txn, state->BeginWrite());
  for (const char* name : kSeparateEnvironments) {
    const std::string directory = data_dir + "/" + name;
    if (!HasEnvironment(directory)) continue;
    KMS_ASSIGN_OR_RETURN(std::unique_ptr<lmdb::Env> old,
                         lmdb::Env::Open({directory, map_size, kMaxDatabases, true}));
    KMS_RETURN_IF_ERROR(CopyDatabases(*old, txn));
  }
  return txn.Commit();
}

bool HasSeparateEnvironments(const std::string& data_dir) {
  for (const char* name : kSeparateEnvironments) {
    if (HasEnvironment(data_dir + "/" + name)) return true;
  }
  return false;
}

}  // namespace

std::string StateDirectory(const std::string& data_dir) { return data_dir + "/state"; }

std::string AuditDirectoryToRead(const std::string& data_dir) {
  const std::string old_log = data_dir + "/audit";
  return !HasEnvironment(StateDirectory(data_dir)) && HasEnvironment(old_log)
             ? old_log
             : StateDirectory(data_dir);
}

StatusOr<std::shared_ptr<lmdb::Env>> OpenStateEnvironment(const std::string& data_dir,
                                                          size_t map_size, size_t max_map_size) {
  const std::string directory = StateDirectory(data_dir);
  std::error_code ec;
  if (!fs::exists(directory, ec) && HasSeparateEnvironments(data_dir)) {
    const std::string staging = directory + ".tmp";
    KMS_RETURN_IF_ERROR(CopySeparateEnvironments(data_dir, staging, map_size));
    fs::rename(staging, directory, ec);
    if (ec) return FileSystemError("cannot rename " + staging, ec);
    for (const char* name : kSeparateEnvironments) {
      const fs::path old = fs::path(data_dir) / name;
      if (fs::exists(old, ec)) fs::rename(old, old.string() + ".migrated", ec);
      if (ec) return FileSystemError("cannot rename " + old.string(), ec);
    }
  }
  lmdb::EnvOptions options{directory, map_size, kMaxDatabases, false};
  options.max_map_size = max_map_size;
  options.on_grown = [](size_t from, size_t to) {
    log::Info("the state store's map grew from " + std::to_string(from >> 20) + " to " +
              std::to_string(to >> 20) + " MiB");
  };
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<lmdb::Env> env, lmdb::Env::Open(options));
  return std::shared_ptr<lmdb::Env>(std::move(env));
}

}  // namespace kms::store
