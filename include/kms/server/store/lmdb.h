// The one LMDB layer of kmsd: an environment, transactions and cursors as RAII
// types returning kms::Status. Used by the key store and the audit log; the
// only other code that includes lmdb.h is theirs.
#ifndef KMS_SERVER_STORE_LMDB_H_
#define KMS_SERVER_STORE_LMDB_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <lmdb.h>

#include "kms/status.h"

namespace kms::lmdb {

inline MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view FromVal(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// kInternal "LMDB <what>: <LMDB's message>" (kStoreFull for MDB_MAP_FULL),
// for `return` in functions returning Status or StatusOr<T>.
std::unexpected<Status> ErrorFor(int rc, std::string_view what);

// A transaction; aborted on destruction unless committed. Move-only.
class Txn {
 public:
  Txn() = default;
  Txn(Txn&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
  Txn& operator=(Txn&& other) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();

  static StatusOr<Txn> Begin(MDB_env* env, bool read_only);
  // A child of the write transaction `parent`: its changes join the parent
  // when it commits and vanish when it aborts. The parent must not be used
  // while the child is open.
  static StatusOr<Txn> BeginNested(const Txn& parent);

  MDB_txn* get() const { return txn_; }
  // The value under `key` (valid until the transaction ends), or nullopt
  // (also for a key no database could hold: empty, or over the key size).
  StatusOr<std::optional<std::string_view>> Get(MDB_dbi dbi, std::string_view key) const;
  // MDB_KEYEXIST is an error unless `flags` has MDB_NODUPDATA (the pair is
  // already there, which is what the caller wanted).
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  // Deletes `key` (with `value` only, for a DUPSORT database); OK when absent.
  Status Delete(MDB_dbi dbi, std::string_view key, std::optional<std::string_view> value = {});
  Status Commit();

 private:
  explicit Txn(MDB_txn* txn) : txn_(txn) {}
  MDB_txn* txn_ = nullptr;
};

// A cursor; closed on destruction, which must come before its transaction
// ends. Move-only.
class Cursor {
 public:
  Cursor(Cursor&& other) noexcept : cursor_(other.cursor_) { other.cursor_ = nullptr; }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  Cursor& operator=(Cursor&&) = delete;
  ~Cursor();

  static StatusOr<Cursor> Open(const Txn& txn, MDB_dbi dbi);
  // mdb_cursor_get: 0, MDB_NOTFOUND or another LMDB error code.
  int Get(MDB_val* key, MDB_val* value, MDB_cursor_op op) {
    return mdb_cursor_get(cursor_, key, value, op);
  }
  MDB_cursor* get() const { return cursor_; }

 private:
  explicit Cursor(MDB_cursor* cursor) : cursor_(cursor) {}
  MDB_cursor* cursor_ = nullptr;
};

struct EnvOptions {
  std::string directory;
  size_t map_size = size_t{1} << 30;
  unsigned max_dbs = 8;
  // Read-only: nothing is created; kNotFound when there is no environment.
  bool read_only = false;
};

// An open environment. Thread-safe (MDB_NOTLS: read transactions may run on
// any thread). Commits are fully synced: no MDB_NOSYNC or MDB_NOMETASYNC.
class Env {
 public:
  // Creates the directory (mode 0700) unless read-only; files are mode 0600.
  static StatusOr<std::unique_ptr<Env>> Open(const EnvOptions& options);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  // Opens a named database; creates it (in a write transaction) unless the
  // environment is read-only.
  StatusOr<MDB_dbi> OpenDb(const char* name, unsigned flags);
  StatusOr<Txn> BeginRead() const { return Txn::Begin(env_, /*read_only=*/true); }
  StatusOr<Txn> BeginWrite() const { return Txn::Begin(env_, /*read_only=*/false); }
  // The longest key (and DUPSORT value) LMDB accepts.
  size_t max_key_size() const { return static_cast<size_t>(mdb_env_get_maxkeysize(env_)); }

  // How much of the map is in use.
  struct Usage {
    uint64_t map_bytes = 0;
    uint64_t high_water_bytes = 0;  // pages ever used
    // Pages holding data: the high water less the free list, which is only
    // counted (a scan) once the high water passes 90 % of the map.
    uint64_t used_bytes = 0;
  };
  StatusOr<Usage> CurrentUsage() const;
  MDB_env* get() const { return env_; }

 private:
  Env(MDB_env* env, bool read_only) : env_(env), read_only_(read_only) {}
  MDB_env* env_;
  bool read_only_;
};

}  // namespace kms::lmdb

#endif  // KMS_SERVER_STORE_LMDB_H_
