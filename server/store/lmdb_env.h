// Small RAII helpers over the LMDB C API. Internal to server/store.
#ifndef KMS_SERVER_STORE_LMDB_ENV_H_
#define KMS_SERVER_STORE_LMDB_ENV_H_

#include <lmdb.h>

#include <memory>

#include <string>
#include <string_view>

#include "kms/status.h"

namespace kms::store {

inline MDB_val ToVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view ToView(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// kNotFound for MDB_NOTFOUND, kInternal otherwise.
std::unexpected<Status> LmdbError(int rc, std::string_view what);

// An open LMDB environment. Thread-safe (MDB_NOTLS: read transactions are not
// tied to threads).
class LmdbEnv {
 public:
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  // Creates `directory` if needed and opens the environment in it, mode 0600.
  static StatusOr<std::unique_ptr<LmdbEnv>> Open(const std::string& directory, uint64_t map_size,
                                                 unsigned max_dbs);
  // Opens (creating) a named database.
  StatusOr<MDB_dbi> OpenDb(const char* name, unsigned flags);
  MDB_env* get() const { return env_; }

 private:
  explicit LmdbEnv(MDB_env* env) : env_(env) {}
  MDB_env* env_;
};

// A transaction aborted on destruction unless committed.
class LmdbTxn {
 public:
  LmdbTxn() = default;
  ~LmdbTxn() { Abort(); }
  LmdbTxn(const LmdbTxn&) = delete;
  LmdbTxn& operator=(const LmdbTxn&) = delete;

  Status Begin(MDB_env* env, bool read_only);
  Status Commit();
  void Abort();
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

// A cursor closed on destruction.
class LmdbCursor {
 public:
  LmdbCursor() = default;
  ~LmdbCursor() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
  }
  LmdbCursor(const LmdbCursor&) = delete;
  LmdbCursor& operator=(const LmdbCursor&) = delete;
  Status Open(MDB_txn* txn, MDB_dbi dbi);
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

}  // namespace kms::store

#endif  // KMS_SERVER_STORE_LMDB_ENV_H_
