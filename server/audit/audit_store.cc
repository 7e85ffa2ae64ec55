#include "server/audit/audit_store.h"

#include <filesystem>
#include <system_error>
#include <utility>

namespace kms::audit {
namespace {

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kFormat = "kmsd-audit-1";

Status CreateDirectory(const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return Error(Code::kInternal, "audit log: cannot create " + directory + ": " + error.message());
  }
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, error);
  return OkStatus();
}

}  // namespace

Status LmdbError(int rc, std::string_view what) {
  return Status(Code::kInternal,
                "audit log: " + std::string(what) + ": " + std::string(mdb_strerror(rc)));
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
  if (rc != 0) return std::unexpected(LmdbError(rc, "begin transaction"));
  return Txn(txn);
}

StatusOr<std::optional<std::string_view>> Txn::Get(MDB_dbi dbi, std::string_view key) const {
  MDB_val k = ToVal(key);
  MDB_val v;
  const int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return std::unexpected(LmdbError(rc, "get"));
  return std::optional<std::string_view>(FromVal(v));
}

Status Txn::Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  const int rc = mdb_put(txn_, dbi, &k, &v, flags);
  return rc == 0 ? OkStatus() : LmdbError(rc, "put");
}

Status Txn::Delete(MDB_dbi dbi, std::string_view key, std::optional<std::string_view> value) {
  MDB_val k = ToVal(key);
  MDB_val v;
  if (value) v = ToVal(*value);
  const int rc = mdb_del(txn_, dbi, &k, value ? &v : nullptr);
  return rc == 0 || rc == MDB_NOTFOUND ? OkStatus() : LmdbError(rc, "delete");
}

Status Txn::Commit() {
  const int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
  return rc == 0 ? OkStatus() : LmdbError(rc, "commit");
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

StatusOr<Cursor> Cursor::Open(const Txn& txn, MDB_dbi dbi) {
  MDB_cursor* cursor = nullptr;
  const int rc = mdb_cursor_open(txn.get(), dbi, &cursor);
  if (rc != 0) return std::unexpected(LmdbError(rc, "open cursor"));
  return Cursor(cursor);
}

StatusOr<std::unique_ptr<AuditStore>> AuditStore::Open(const std::string& directory,
                                                       size_t map_size, bool read_only) {
  if (read_only && !std::filesystem::exists(std::filesystem::path(directory) / "data.mdb")) {
    return Error(Code::kNotFound, "audit log: no log in " + directory);
  }
  if (!read_only) KMS_RETURN_IF_ERROR(CreateDirectory(directory));
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return std::unexpected(LmdbError(rc, "create environment"));
  std::unique_ptr<AuditStore> store(new AuditStore(env));
  if ((rc = mdb_env_set_maxdbs(env, 3)) != 0) return std::unexpected(LmdbError(rc, "set maxdbs"));
  if ((rc = mdb_env_set_mapsize(env, map_size)) != 0) {
    return std::unexpected(LmdbError(rc, "set map size"));
  }
  // MDB_NOTLS: lookups run read transactions on any thread. Commits are
  // fully synced: no MDB_NOSYNC or MDB_NOMETASYNC.
  const unsigned flags = MDB_NOTLS | (read_only ? MDB_RDONLY : 0);
  if ((rc = mdb_env_open(env, directory.c_str(), flags, 0600)) != 0) {
    return std::unexpected(LmdbError(rc, "open " + directory));
  }
  int dead_readers = 0;
  mdb_reader_check(env, &dead_readers);
  store->max_key_size_ = static_cast<size_t>(mdb_env_get_maxkeysize(env));
  KMS_RETURN_IF_ERROR(store->OpenDatabases(read_only));
  return store;
}

AuditStore::~AuditStore() { mdb_env_close(env_); }

Status AuditStore::OpenDatabases(bool read_only) {
  KMS_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, read_only));
  const unsigned create = read_only ? 0 : MDB_CREATE;
  int rc = mdb_dbi_open(txn.get(), "records", create, &records_);
  if (rc == 0) rc = mdb_dbi_open(txn.get(), "index", create | MDB_DUPSORT | MDB_DUPFIXED, &index_);
  if (rc == 0) rc = mdb_dbi_open(txn.get(), "meta", create, &meta_);
  if (rc != 0) return LmdbError(rc, "open databases");
  KMS_ASSIGN_OR_RETURN(std::optional<std::string_view> format, txn.Get(meta_, kFormatKey));
  if (format && *format != kFormat) {
    return Error(Code::kInternal, "audit log: unknown format " + std::string(*format));
  }
  if (!format && !read_only) KMS_RETURN_IF_ERROR(txn.Put(meta_, kFormatKey, kFormat));
  return txn.Commit();
}

std::string EncodeUint64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  return out;
}

std::optional<uint64_t> DecodeUint64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  return ReadBigEndian(bytes);
}

uint64_t ReadBigEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (const char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

}  // namespace kms::audit
