#include "server/store/lmdb_env.h"

#include <filesystem>

namespace kms::store {

std::unexpected<Status> LmdbError(int rc, std::string_view what) {
  if (rc == MDB_NOTFOUND) return Error(Code::kNotFound);
  if (rc == MDB_MAP_FULL) return Error(Code::kInternal, "store: " + std::string(what) + ": the store is full");
  return Error(Code::kInternal, "store: " + std::string(what) + ": " + mdb_strerror(rc));
}

LmdbEnv::~LmdbEnv() { mdb_env_close(env_); }

StatusOr<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const std::string& directory, uint64_t map_size,
                                                 unsigned max_dbs) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  // Only the server's user may read the (wrapped) key material.
  if (!ec) std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ec);
  if (ec) return Error(Code::kInternal, "store: cannot create " + directory + ": " + ec.message());
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return LmdbError(rc, "mdb_env_create");
  std::unique_ptr<LmdbEnv> out(new LmdbEnv(env));
  if ((rc = mdb_env_set_maxdbs(env, max_dbs)) != 0) return LmdbError(rc, "mdb_env_set_maxdbs");
  if ((rc = mdb_env_set_mapsize(env, map_size)) != 0) return LmdbError(rc, "mdb_env_set_mapsize");
  if ((rc = mdb_env_set_maxreaders(env, 1024)) != 0) return LmdbError(rc, "mdb_env_set_maxreaders");
  if ((rc = mdb_env_open(env, directory.c_str(), MDB_NOTLS, 0600)) != 0) {
    return LmdbError(rc, "opening " + directory);
  }
  int dead = 0;
  mdb_reader_check(env, &dead);  // clear reader slots left by a crashed process
  return out;
}

StatusOr<MDB_dbi> LmdbEnv::OpenDb(const char* name, unsigned flags) {
  LmdbTxn txn;
  KMS_RETURN_IF_ERROR(txn.Begin(env_, false));
  MDB_dbi dbi = 0;
  if (int rc = mdb_dbi_open(txn.get(), name, flags | MDB_CREATE, &dbi); rc != 0) {
    return LmdbError(rc, std::string("opening database ") + name);
  }
  KMS_RETURN_IF_ERROR(txn.Commit());
  return dbi;
}

Status LmdbTxn::Begin(MDB_env* env, bool read_only) {
  Abort();
  if (int rc = mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &txn_); rc != 0) {
    txn_ = nullptr;
    return LmdbError(rc, "mdb_txn_begin");
  }
  return OkStatus();
}

Status LmdbTxn::Commit() {
  MDB_txn* txn = txn_;
  txn_ = nullptr;
  if (int rc = mdb_txn_commit(txn); rc != 0) return LmdbError(rc, "mdb_txn_commit");
  return OkStatus();
}

void LmdbTxn::Abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Status LmdbCursor::Open(MDB_txn* txn, MDB_dbi dbi) {
  if (int rc = mdb_cursor_open(txn, dbi, &cursor_); rc != 0) {
    cursor_ = nullptr;
    return LmdbError(rc, "mdb_cursor_open");
  }
  return OkStatus();
}

}  // namespace kms::store
