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

namespace {

// The bytes of the pages ever used (the map's high water).
uint64_t HighWaterBytes(const MDB_envinfo& info, const MDB_stat& stat) {
  return (info.me_last_pgno + 1) * static_cast<uint64_t>(stat.ms_psize);
}

// Transactions the calling thread holds, of every environment.
thread_local size_t held_by_this_thread = 0;

}  // namespace

void TxnGate::Enter() {
  std::unique_lock lock(mu_);
  if (held_by_this_thread == 0) cv_.wait(lock, [this] { return !closed_; });
  ++open_;
  ++held_by_this_thread;
}

void TxnGate::Leave() {
  {
    std::lock_guard lock(mu_);
    --open_;
    if (held_by_this_thread > 0) --held_by_this_thread;
  }
  cv_.notify_all();
}

bool TxnGate::ThisThreadHolds() { return held_by_this_thread > 0; }

int TxnGate::WhileNoneOpen(const std::function<int()>& resize) {
  std::unique_lock lock(mu_);
  // One resize at a time; the others find it done when they get here.
  cv_.wait(lock, [this] { return !closed_; });
  closed_ = true;
  cv_.wait(lock, [this] { return open_ == 0; });
  const int rc = resize();
  closed_ = false;
  lock.unlock();
  cv_.notify_all();
  return rc;
}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    End();
    txn_ = std::exchange(other.txn_, nullptr);
    gate_ = std::exchange(other.gate_, nullptr);
  }
  return *this;
}

Txn::~Txn() { End(); }

void Txn::End() {
  if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
  if (gate_ != nullptr) std::exchange(gate_, nullptr)->Leave();
}

StatusOr<Txn> Txn::BeginNested(const Txn& parent) {
  MDB_txn* txn = nullptr;
  const int rc = mdb_txn_begin(mdb_txn_env(parent.get()), parent.get(), 0, &txn);
  if (rc != 0) return ErrorFor(rc, "begin nested transaction");
  return Txn(txn, nullptr);
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
  End();
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
  std::unique_ptr<Env> out(new Env(env, options));
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

Env::Env(MDB_env* env, const EnvOptions& options)
    : env_(env),
      read_only_(options.read_only),
      max_map_size_(options.max_map_size),
      on_grown_(options.on_grown) {}

Env::~Env() { mdb_env_close(env_); }

StatusOr<Txn> Env::BeginRead() const { return Begin(/*read_only=*/true); }

StatusOr<Txn> Env::BeginWrite() const {
  KMS_RETURN_IF_ERROR(GrowIfDue());
  return Begin(/*read_only=*/false);
}

StatusOr<Txn> Env::Begin(bool read_only) const {
  for (int attempt = 0;; ++attempt) {
    gate_.Enter();
    MDB_txn* txn = nullptr;
    const int rc = mdb_txn_begin(env_, nullptr, read_only ? MDB_RDONLY : 0, &txn);
    if (rc == 0) return Txn(txn, &gate_);
    gate_.Leave();
    if (rc != MDB_MAP_RESIZED || attempt > 0 || TxnGate::ThisThreadHolds())
      return ErrorFor(rc, "begin transaction");
    const int adopted = gate_.WhileNoneOpen([this] { return mdb_env_set_mapsize(env_, 0); });
    if (adopted != 0) return ErrorFor(adopted, "adopt the map size");
  }
}

Status Env::GrowIfDue() const {
  if (read_only_ || TxnGate::ThisThreadHolds()) return OkStatus();
  MDB_envinfo info;
  MDB_stat stat;
  if (int rc = mdb_env_info(env_, &info); rc != 0) return ErrorFor(rc, "env info");
  if (info.me_mapsize >= max_map_size_) return OkStatus();
  if (int rc = mdb_env_stat(env_, &stat); rc != 0) return ErrorFor(rc, "env stat");
  const auto due = [&](const MDB_envinfo& now) {
    return now.me_mapsize < max_map_size_ && HighWaterBytes(now, stat) >= now.me_mapsize / 5 * 4;
  };
  if (!due(info)) return OkStatus();
  size_t from = 0;
  size_t to = 0;
  const int rc = gate_.WhileNoneOpen([&] {
    // Looked at again with every transaction ended: another thread may have
    // grown the map meanwhile.
    MDB_envinfo now;
    if (int info_rc = mdb_env_info(env_, &now); info_rc != 0 || !due(now)) return info_rc;
    from = now.me_mapsize;
    to = std::min(max_map_size_, from * 2);
    return mdb_env_set_mapsize(env_, to);
  });
  if (rc != 0) return ErrorFor(rc, "grow the map");
  if (to != 0 && on_grown_) on_grown_(from, to);
  return OkStatus();
}

StatusOr<Env::Usage> Env::CurrentUsage() const {
  MDB_envinfo info;
  MDB_stat stat;
  if (int rc = mdb_env_info(env_, &info); rc != 0) return ErrorFor(rc, "env info");
  if (int rc = mdb_env_stat(env_, &stat); rc != 0) return ErrorFor(rc, "env stat");
  Usage usage;
  usage.map_bytes = info.me_mapsize;
  usage.ceiling_bytes = std::max<uint64_t>(info.me_mapsize, max_map_size_);
  usage.high_water_bytes = HighWaterBytes(info, stat);
  usage.used_bytes = usage.high_water_bytes;
  if (usage.high_water_bytes < usage.ceiling_bytes / 10 * 9) return usage;
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
  KMS_ASSIGN_OR_RETURN(Txn txn, read_only_ ? BeginRead() : BeginWrite());
  MDB_dbi dbi = 0;
  if (int rc = mdb_dbi_open(txn.get(), name, flags | (read_only_ ? 0 : MDB_CREATE), &dbi);
      rc != 0) {
    return ErrorFor(rc, std::string("open database ") + name);
  }
  KMS_RETURN_IF_ERROR(txn.Commit());
  return dbi;
}

}  // namespace kms::lmdb
