#include "kms/server/store/lmdb.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <utility>

namespace kms::lmdb {

std::unexpected<Status> ErrorFor(int rc, std::string_view what) {
  std::string message = "LMDB " + std::string(what) + ": ";
  if (rc == MDB_MAP_FULL)
    return Error(Code::kStoreFull, message + "the store is full (its map size is reached)");
  return Error(Code::kInternal, message + mdb_strerror(rc));
}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    txn_ = std::exchange(other.txn_, nullptr);
  }
  return *this;
}

Txn::~Txn() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

StatusOr<Txn> Txn::Begin(MDB_env* env, bool read_only) {
  MDB_txn* txn = nullptr;
  const int rc = mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &txn);
  if (rc != 0) return ErrorFor(rc, "begin transaction");
  return Txn(txn);
}

StatusOr<Txn> Txn::BeginNested(const Txn& parent) {
  MDB_txn* txn = nullptr;
  const int rc = mdb_txn_begin(mdb_txn_env(parent.get()), parent.get(), 0, &txn);
  if (rc != 0) return ErrorFor(rc, "begin nested transaction");
  return Txn(txn);
}

StatusOr<std::optional<std::string_view>> Txn::Get(MDB_dbi dbi, std::string_view key) const {
  // No stored key is empty or longer than LMDB allows, so neither is found
  // (LMDB would refuse to look).
  if (key.empty() || key.size() > static_cast<size_t>(mdb_env_get_maxkeysize(mdb_txn_env(txn_)))) {
    return std::optional<std::string_view>();
  }
  MDB_val k = ToVal(key);
  MDB_val v;
  const int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return ErrorFor(rc, "get");
  return std::optional<std::string_view>(FromVal(v));
}

Status Txn::Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  const int rc = mdb_put(txn_, dbi, &k, &v, flags);
  if (rc == 0 || (rc == MDB_KEYEXIST && (flags & MDB_NODUPDATA))) return OkStatus();
  return ErrorFor(rc, "put");
}

Status Txn::Delete(MDB_dbi dbi, std::string_view key, std::optional<std::string_view> value) {
  MDB_val k = ToVal(key);
  MDB_val v;
  if (value) v = ToVal(*value);
  const int rc = mdb_del(txn_, dbi, &k, value ? &v : nullptr);
  return rc == 0 || rc == MDB_NOTFOUND ? OkStatus() : ErrorFor(rc, "delete");
}

Status Txn::Commit() {
  const int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
  return rc == 0 ? OkStatus() : ErrorFor(rc, "commit");
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

StatusOr<Cursor> Cursor::Open(const Txn& txn, MDB_dbi dbi) {
  MDB_cursor* cursor = nullptr;
  const int rc = mdb_cursor_open(txn.get(), dbi, &cursor);
  if (rc != 0) return ErrorFor(rc, "open cursor");
  return Cursor(cursor);
}

StatusOr<std::unique_ptr<Env>> Env::Open(const EnvOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (options.read_only) {
    if (!fs::exists(fs::path(options.directory) / "data.mdb", ec)) {
      return Error(Code::kNotFound, "no LMDB environment in " + options.directory);
    }
  } else {
    fs::create_directories(options.directory, ec);
    // Only the server's user may read what is stored.
    if (!ec)
      fs::permissions(options.directory, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec)
      return Error(Code::kInternal, "cannot create " + options.directory + ": " + ec.message());
  }
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return ErrorFor(rc, "create environment");
  std::unique_ptr<Env> out(new Env(env, options.read_only));
  rc = mdb_env_set_maxdbs(env, options.max_dbs);
  if (rc != 0) return ErrorFor(rc, "set maxdbs");
  rc = mdb_env_set_mapsize(env, options.map_size);
  if (rc != 0) return ErrorFor(rc, "set map size");
  rc = mdb_env_set_maxreaders(env, 1024);
  if (rc != 0) return ErrorFor(rc, "set maxreaders");
  const unsigned flags = MDB_NOTLS | (options.read_only ? MDB_RDONLY : 0);
  rc = mdb_env_open(env, options.directory.c_str(), flags, 0600);
  if (rc != 0) return ErrorFor(rc, "open " + options.directory);
  int dead_readers = 0;
  mdb_reader_check(env, &dead_readers);  // clear reader slots left by a crashed process
  return out;
}

Env::~Env() { mdb_env_close(env_); }

StatusOr<Env::Usage> Env::CurrentUsage() const {
  MDB_envinfo info;
  MDB_stat stat;
  if (int rc = mdb_env_info(env_, &info); rc != 0) return ErrorFor(rc, "env info");
  if (int rc = mdb_env_stat(env_, &stat); rc != 0) return ErrorFor(rc, "env stat");
  Usage usage;
  usage.map_bytes = info.me_mapsize;
  usage.high_water_bytes = (info.me_last_pgno + 1) * static_cast<uint64_t>(stat.ms_psize);
  usage.used_bytes = usage.high_water_bytes;
  if (usage.high_water_bytes < usage.map_bytes / 10 * 9) return usage;
  // Near the end of the map: pages freed by deletions are reused, so count
  // them (database 0 is LMDB's free list: each value is a page count, then
  // that many page numbers, each a size_t).
  KMS_ASSIGN_OR_RETURN(Txn txn, BeginRead());
  KMS_ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, 0));
  MDB_val key;
  MDB_val value;
  uint64_t free_pages = 0;
  int rc = cursor.Get(&key, &value, MDB_FIRST);
  for (; rc == 0; rc = cursor.Get(&key, &value, MDB_NEXT)) {
    size_t count = 0;
    if (value.mv_size >= sizeof count) std::memcpy(&count, value.mv_data, sizeof count);
    free_pages += count;
  }
  if (rc != MDB_NOTFOUND) return ErrorFor(rc, "free list scan");
  usage.used_bytes -= std::min(usage.used_bytes, free_pages * stat.ms_psize);
  return usage;
}

StatusOr<MDB_dbi> Env::OpenDb(const char* name, unsigned flags) {
  KMS_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, read_only_));
  MDB_dbi dbi = 0;
  if (int rc = mdb_dbi_open(txn.get(), name, flags | (read_only_ ? 0 : MDB_CREATE), &dbi);
      rc != 0) {
    return ErrorFor(rc, std::string("open database ") + name);
  }
  KMS_RETURN_IF_ERROR(txn.Commit());
  return dbi;
}

}  // namespace kms::lmdb
