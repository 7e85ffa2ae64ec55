// The one LMDB layer of kmsd: an environment, transactions and cursors as RAII
// types returning kms::Status. Used by the key store and the audit log; the
// only other code that includes lmdb.h is theirs.
#ifndef KMS_SERVER_STORE_LMDB_H_
#define KMS_SERVER_STORE_LMDB_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
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

// Lets an environment's map be enlarged while the process runs: LMDB allows
// that only while the process has no transaction open, so every top-level
// transaction passes this gate, and Env closes it, waits for the open ones to
// end, and resizes. A thread that already holds a transaction passes even
// while the gate is closed (waiting would deadlock the resize), so a
// transaction must end on the thread that began it.
class TxnGate {
 public:
  void Enter();
  void Leave();
  // Whether the calling thread holds a transaction (of any environment).
  static bool ThisThreadHolds();
  // Runs `resize` once no transaction is open, holding new ones back.
  int WhileNoneOpen(const std::function<int()>& resize);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t open_ = 0;      // guarded by mu_
  bool closed_ = false;  // guarded by mu_
};

// A transaction; aborted on destruction unless committed. Move-only.
class Txn {
 public:
  Txn() = default;
  Txn(Txn&& other) noexcept : txn_(other.txn_), gate_(other.gate_) {
    other.txn_ = nullptr;
    other.gate_ = nullptr;
  }
  Txn& operator=(Txn&& other) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();

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
  friend class Env;
  explicit Txn(MDB_txn* txn, TxnGate* gate) : txn_(txn), gate_(gate) {}
  // Ends the transaction (aborting it unless committed) and leaves the gate.
  void End();
  MDB_txn* txn_ = nullptr;
  TxnGate* gate_ = nullptr;
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
  // The map may grow up to this (when larger than map_size): when a write
  // transaction begins with the pages in use past 80 % of the map, the map
  // doubles (up to this ceiling) first.
  size_t max_map_size = 0;
  // Told of each growth (old and new map size), e.g. to log it.
  std::function<void(size_t, size_t)> on_grown;
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
  StatusOr<Txn> BeginRead() const;
  // Grows the map first when it is due (see EnvOptions::max_map_size).
  StatusOr<Txn> BeginWrite() const;
  // The longest key (and DUPSORT value) LMDB accepts.
  size_t max_key_size() const { return static_cast<size_t>(mdb_env_get_maxkeysize(env_)); }

  // How much of the map is in use.
  struct Usage {
    uint64_t map_bytes = 0;
    // What the map may grow to (map_bytes when it cannot grow).
    uint64_t ceiling_bytes = 0;
    uint64_t high_water_bytes = 0;  // pages ever used
    // Pages holding data: the high water less the free list, which is only
    // counted (a scan) once the high water passes 90 % of the ceiling.
    uint64_t used_bytes = 0;
  };
  StatusOr<Usage> CurrentUsage() const;
  MDB_env* get() const { return env_; }

 private:
  Env(MDB_env* env, const EnvOptions& options);
  // Doubles the map (up to the ceiling) when its high water is past 80 %,
  // unless this thread holds a transaction (the resize would wait for it).
  Status GrowIfDue() const;
  // A top-level transaction past the gate; when another process has grown
  // the map (MDB_MAP_RESIZED), adopts its size and tries again.
  StatusOr<Txn> Begin(bool read_only) const;

  MDB_env* env_;
  const bool read_only_;
  const size_t max_map_size_;
  const std::function<void(size_t, size_t)> on_grown_;
  mutable TxnGate gate_;
};

}  // namespace kms::lmdb

#endif  // KMS_SERVER_STORE_LMDB_H_
