// LmdbKeyStore: KeyStore on LMDB, with a read cache of decoded records.
//
// Databases (keys and values are bytes; '/' separates key parts, which never
// contain it except alias names, which are always last):
//   keys                key_id                      -> KeyRecord JSON
//   material            key_id/<8 hex version>      -> wrapped key material
//   keys_by_scope       account/region              -> key_id (dupsort)
//   aliases             account/region/alias_name   -> AliasRecord JSON
//   aliases_by_key      key_id                      -> account/region/alias_name (dupsort)
//   grants              key_id/grant_id             -> GrantRecord JSON
//   grants_by_retiring  retiring principal          -> key_id/grant_id (dupsort)
#include <cstdio>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "kms/server/store/key_store.h"
#include "kms/server/store/lmdb.h"
#include "record_codec.h"

namespace kms::store {
namespace {

struct Dbis {
  MDB_dbi keys, material, keys_by_scope, aliases, aliases_by_key, grants, grants_by_retiring;
};

std::string Join(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + 1 + b.size());
  out.append(a).push_back('/');
  out.append(b);
  return out;
}
std::string AliasKey(std::string_view account, std::string_view region, std::string_view name) {
  return Join(Join(account, region), name);
}
std::string MaterialKey(std::string_view key_id, uint32_t version) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", version);
  return Join(key_id, hex);
}

// What a write transaction changed, for cache invalidation after commit.
struct Touched {
  std::set<std::string> keys;
  std::set<std::string> aliases;     // alias keys
  std::set<std::string> grant_keys;  // key ids whose grants changed

  void Merge(Touched& other) {
    keys.merge(other.keys);
    aliases.merge(other.aliases);
    grant_keys.merge(other.grant_keys);
  }
};

// The value under `key`; kNotFound (no message) when absent.
StatusOr<std::string_view> Get(const lmdb::Txn& txn, MDB_dbi dbi, std::string_view key) {
  KMS_ASSIGN_OR_RETURN(std::optional<std::string_view> value, txn.Get(dbi, key));
  if (!value) return Error(Code::kNotFound);
  return *value;
}

// Calls fn(key, value) for every entry whose key starts with `prefix`.
template <class Fn>
Status ScanPrefix(const lmdb::Txn& txn, MDB_dbi dbi, std::string_view prefix, Fn&& fn) {
  KMS_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi));
  MDB_val k = lmdb::ToVal(prefix), v;
  // LMDB refuses zero-length keys, so an empty prefix starts at the first entry.
  for (int rc = mdb_cursor_get(cursor.get(), &k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
       rc == 0; rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
    if (!lmdb::FromVal(k).starts_with(prefix)) break;
    KMS_RETURN_IF_ERROR(fn(lmdb::FromVal(k), lmdb::FromVal(v)));
  }
  return OkStatus();
}

// Calls fn(value) for every duplicate of `key` in a dupsort database.
template <class Fn>
Status ScanDups(const lmdb::Txn& txn, MDB_dbi dbi, std::string_view key, Fn&& fn) {
  KMS_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi));
  MDB_val k = lmdb::ToVal(key), v;
  for (int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_KEY); rc == 0;
       rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT_DUP)) {
    KMS_RETURN_IF_ERROR(fn(lmdb::FromVal(v)));
  }
  return OkStatus();
}

// The grants of one key, in grant id order.
StatusOr<std::vector<GrantRecord>> GrantsOfKey(const lmdb::Txn& txn, const Dbis& dbi,
                                               std::string_view key_id) {
  std::vector<GrantRecord> out;
  KMS_RETURN_IF_ERROR(ScanPrefix(txn, dbi.grants, Join(key_id, ""),
                                 [&](std::string_view, std::string_view v) -> Status {
                                   KMS_ASSIGN_OR_RETURN(GrantRecord grant, DecodeGrant(v));
                                   out.push_back(std::move(grant));
                                   return OkStatus();
                                 }));
  return out;
}

// The store id of an alias's target: aliases name keys of their own region.
std::string TargetStoreId(const AliasRecord& alias) {
  return KeyStoreId(alias.target_key_id, alias.region);
}

class LmdbKeyStoreTxn final : public KeyStoreTxn {
 public:
  LmdbKeyStoreTxn(lmdb::Txn& txn, const Dbis& dbi, Touched* touched)
      : txn_(txn), dbi_(dbi), touched_(touched) {}

  StatusOr<KeyRecord> GetKey(std::string_view key_id) override {
    KMS_ASSIGN_OR_RETURN(std::string_view json, Get(txn_, dbi_.keys, key_id));
    return DecodeKey(json);
  }

  // Keys are stored under their store id; the scope index holds key ids.
  Status PutKey(const KeyRecord& key) override {
    const std::string store_id = key.store_id();
    touched_->keys.insert(store_id);
    KMS_RETURN_IF_ERROR(txn_.Put(dbi_.keys, store_id, EncodeKey(key)));
    return txn_.Put(dbi_.keys_by_scope, Join(key.account, key.region), key.key_id, MDB_NODUPDATA);
  }

  Status DeleteKey(std::string_view key_id) override {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, GetKey(key_id));
    touched_->keys.insert(std::string(key_id));
    KMS_RETURN_IF_ERROR(txn_.Delete(dbi_.keys, key_id));
    const std::string_view id = key.key_id;
    KMS_RETURN_IF_ERROR(txn_.Delete(dbi_.keys_by_scope, Join(key.account, key.region), id));
    KMS_RETURN_IF_ERROR(DeleteAllWithPrefix(dbi_.material, Join(key_id, "")));
    std::vector<std::string> alias_keys;
    KMS_RETURN_IF_ERROR(
        ScanDups(txn_, dbi_.aliases_by_key, key_id, [&](std::string_view v) -> Status {
          alias_keys.emplace_back(v);
          return OkStatus();
        }));
    for (const std::string& alias_key : alias_keys) {
      touched_->aliases.insert(alias_key);
      KMS_RETURN_IF_ERROR(txn_.Delete(dbi_.aliases, alias_key));
    }
    KMS_RETURN_IF_ERROR(txn_.Delete(dbi_.aliases_by_key, key_id));
    KMS_ASSIGN_OR_RETURN(std::vector<GrantRecord> grants, ListGrantsForKey(key_id));
    for (const GrantRecord& grant : grants)
      KMS_RETURN_IF_ERROR(DeleteGrant(key_id, grant.grant_id));
    return OkStatus();
  }

  StatusOr<Bytes> GetKeyMaterial(std::string_view key_id, uint32_t version) override {
    KMS_ASSIGN_OR_RETURN(std::string_view value,
                         Get(txn_, dbi_.material, MaterialKey(key_id, version)));
    return ToBytes(value);
  }

  Status PutKeyMaterial(std::string_view key_id, uint32_t version, ByteView wrapped) override {
    return txn_.Put(dbi_.material, MaterialKey(key_id, version), AsString(wrapped));
  }

  Status DeleteKeyMaterial(std::string_view key_id) override {
    return DeleteAllWithPrefix(dbi_.material, Join(key_id, ""));
  }

  StatusOr<AliasRecord> GetAlias(std::string_view account, std::string_view region,
                                 std::string_view alias_name) override {
    KMS_ASSIGN_OR_RETURN(std::string_view json,
                         Get(txn_, dbi_.aliases, AliasKey(account, region, alias_name)));
    return DecodeAlias(json);
  }

  Status PutAlias(const AliasRecord& alias) override {
    const std::string key = AliasKey(alias.account, alias.region, alias.alias_name);
    touched_->aliases.insert(key);
    // Re-pointing an alias moves its back-reference to the new target.
    if (auto old = GetAlias(alias.account, alias.region, alias.alias_name); old.has_value()) {
      const std::string_view ref = key;
      KMS_RETURN_IF_ERROR(txn_.Delete(dbi_.aliases_by_key, TargetStoreId(*old), ref));
    }
    KMS_RETURN_IF_ERROR(txn_.Put(dbi_.aliases, key, EncodeAlias(alias)));
    return txn_.Put(dbi_.aliases_by_key, TargetStoreId(alias), key, MDB_NODUPDATA);
  }

  Status DeleteAlias(std::string_view account, std::string_view region,
                     std::string_view alias_name) override {
    KMS_ASSIGN_OR_RETURN(AliasRecord alias, GetAlias(account, region, alias_name));
    const std::string key = AliasKey(account, region, alias_name);
    touched_->aliases.insert(key);
    const std::string_view ref = key;
    KMS_RETURN_IF_ERROR(txn_.Delete(dbi_.aliases_by_key, TargetStoreId(alias), ref));
    return txn_.Delete(dbi_.aliases, key);
  }

  StatusOr<size_t> CountAliasesForKey(std::string_view key_id) override {
    size_t count = 0;
    KMS_RETURN_IF_ERROR(
        ScanDups(txn_, dbi_.aliases_by_key, key_id, [&](std::string_view) -> Status {
          ++count;
          return OkStatus();
        }));
    return count;
  }

  StatusOr<GrantRecord> GetGrant(std::string_view key_id, std::string_view grant_id) override {
    KMS_ASSIGN_OR_RETURN(std::string_view json, Get(txn_, dbi_.grants, Join(key_id, grant_id)));
    return DecodeGrant(json);
  }

  Status PutGrant(const GrantRecord& grant) override {
    touched_->grant_keys.insert(grant.key_id);
    const std::string key = Join(grant.key_id, grant.grant_id);
    KMS_RETURN_IF_ERROR(txn_.Put(dbi_.grants, key, EncodeGrant(grant)));
    if (grant.retiring_principal.empty()) return OkStatus();
    return txn_.Put(dbi_.grants_by_retiring, grant.retiring_principal, key, MDB_NODUPDATA);
  }

  Status DeleteGrant(std::string_view key_id, std::string_view grant_id) override {
    KMS_ASSIGN_OR_RETURN(GrantRecord grant, GetGrant(key_id, grant_id));
    touched_->grant_keys.insert(grant.key_id);
    const std::string key = Join(key_id, grant_id);
    if (!grant.retiring_principal.empty()) {
      const std::string_view ref = key;
      KMS_RETURN_IF_ERROR(txn_.Delete(dbi_.grants_by_retiring, grant.retiring_principal, ref));
    }
    return txn_.Delete(dbi_.grants, key);
  }

  StatusOr<std::vector<GrantRecord>> ListGrantsForKey(std::string_view key_id) override {
    return GrantsOfKey(txn_, dbi_, key_id);
  }

 private:
  Status DeleteAllWithPrefix(MDB_dbi dbi, std::string_view prefix) {
    std::vector<std::string> keys;
    KMS_RETURN_IF_ERROR(
        ScanPrefix(txn_, dbi, prefix, [&](std::string_view k, std::string_view) -> Status {
          keys.emplace_back(k);
          return OkStatus();
        }));
    for (const std::string& k : keys) KMS_RETURN_IF_ERROR(txn_.Delete(dbi, k));
    return OkStatus();
  }

  lmdb::Txn& txn_;
  const Dbis& dbi_;
  Touched* touched_;
};

// Decoded-record cache. A reader inserts only if no commit happened since it
// looked, so a stale read can never be cached after a newer commit.
class RecordCache {
 public:
  template <class T>
  using Map = std::unordered_map<std::string, std::shared_ptr<const T>>;

  template <class T>
  std::shared_ptr<const T> Find(const Map<T>& map, const std::string& key, uint64_t* generation) {
    std::shared_lock lock(mu_);
    *generation = generation_;
    auto it = map.find(key);
    return it == map.end() ? nullptr : it->second;
  }

  template <class T>
  void Insert(Map<T>& map, const std::string& key, std::shared_ptr<const T> value,
              uint64_t generation) {
    std::unique_lock lock(mu_);
    if (generation == generation_) map[key] = std::move(value);
  }

  void Invalidate(const Touched& touched) {
    std::unique_lock lock(mu_);
    ++generation_;
    for (const std::string& k : touched.keys) keys.erase(k);
    for (const std::string& k : touched.aliases) aliases.erase(k);
    for (const std::string& k : touched.grant_keys) grants.erase(k);
  }

  Map<KeyRecord> keys;
  Map<AliasRecord> aliases;
  Map<std::vector<GrantRecord>> grants;

 private:
  std::shared_mutex mu_;
  uint64_t generation_ = 0;
};

class LmdbKeyStore;

// LmdbKeyStore's CallChanges. Opens the write transaction at the first
// Update, holding the store's writer lock until it commits or aborts.
class LmdbCallChanges final : public CallChanges {
 public:
  explicit LmdbCallChanges(LmdbKeyStore& store);
  ~LmdbCallChanges() override;
  LmdbCallChanges(const LmdbCallChanges&) = delete;
  LmdbCallChanges& operator=(const LmdbCallChanges&) = delete;

  lmdb::Txn* txn() override { return open() ? &txn_ : nullptr; }
  Status Commit() override;

  // Runs one Update nested in the call's transaction (opening it first).
  Status Apply(const std::function<Status(KeyStoreTxn&)>& fn);
  bool open() const { return txn_.get() != nullptr; }
  const lmdb::Txn& txn_view() const { return txn_; }
  const LmdbKeyStore& store() const { return store_; }

 private:
  LmdbKeyStore& store_;
  std::unique_lock<std::mutex> lock_;
  lmdb::Txn txn_;  // declared after lock_: aborted before the lock is released
  Touched touched_;
};

// The call changes this thread is collecting, if any.
thread_local LmdbCallChanges* t_collecting = nullptr;

class LmdbKeyStore final : public KeyStore {
 public:
  LmdbKeyStore(std::shared_ptr<lmdb::Env> env, Dbis dbi) : env_(std::move(env)), dbi_(dbi) {}

  StatusOr<std::shared_ptr<const KeyRecord>> GetKey(std::string_view key_id) override {
    return Cached<KeyRecord>(
        cache_.keys, std::string(key_id), [&](const lmdb::Txn& txn) -> StatusOr<KeyRecord> {
          KMS_ASSIGN_OR_RETURN(std::string_view json, Get(txn, dbi_.keys, key_id));
          return DecodeKey(json);
        });
  }

  StatusOr<Bytes> GetKeyMaterial(std::string_view key_id, uint32_t version) override {
    KMS_ASSIGN_OR_RETURN(ReadTxn read, BeginRead());
    KMS_ASSIGN_OR_RETURN(std::string_view value,
                         Get(read.get(), dbi_.material, MaterialKey(key_id, version)));
    return ToBytes(value);
  }

  StatusOr<std::shared_ptr<const AliasRecord>> GetAlias(std::string_view account,
                                                        std::string_view region,
                                                        std::string_view alias_name) override {
    const std::string key = AliasKey(account, region, alias_name);
    return Cached<AliasRecord>(
        cache_.aliases, key, [&](const lmdb::Txn& txn) -> StatusOr<AliasRecord> {
          KMS_ASSIGN_OR_RETURN(std::string_view json, Get(txn, dbi_.aliases, key));
          return DecodeAlias(json);
        });
  }

  StatusOr<std::shared_ptr<const std::vector<GrantRecord>>> GetGrantsForKey(
      std::string_view key_id) override {
    return Cached<std::vector<GrantRecord>>(
        cache_.grants, std::string(key_id),
        [&](const lmdb::Txn& txn) -> StatusOr<std::vector<GrantRecord>> {
          return GrantsOfKey(txn, dbi_, key_id);
        });
  }

  StatusOr<Page<std::shared_ptr<const KeyRecord>>> ListKeys(std::string_view account,
                                                            std::string_view region,
                                                            std::string_view marker,
                                                            size_t limit) override {
    std::vector<std::string> ids;
    bool more = false;
    {
      KMS_ASSIGN_OR_RETURN(ReadTxn read, BeginRead());
      KMS_RETURN_IF_ERROR(PageOfDups(read.get(), dbi_.keys_by_scope, Join(account, region), marker,
                                     limit, &ids, &more));
    }
    Page<std::shared_ptr<const KeyRecord>> page;
    for (const std::string& id : ids) {
      auto key = GetKey(KeyStoreId(id, region));
      if (!key) {
        if (key.error().code() == Code::kNotFound) continue;  // deleted since the index was read
        return std::unexpected(key.error());
      }
      page.items.push_back(std::move(*key));
    }
    if (more && !ids.empty()) page.next_marker = ids.back();
    return page;
  }

  StatusOr<Page<AliasRecord>> ListAliases(std::string_view account, std::string_view region,
                                          std::string_view marker, size_t limit) override {
    KMS_ASSIGN_OR_RETURN(ReadTxn read, BeginRead());
    const lmdb::Txn& txn = read.get();
    const std::string prefix = Join(Join(account, region), "");
    KMS_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi_.aliases));
    const std::string start = prefix + std::string(marker);
    MDB_val k = lmdb::ToVal(start), v;
    Page<AliasRecord> page;
    for (int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT)) {
      if (!lmdb::FromVal(k).starts_with(prefix)) break;
      if (!marker.empty() && lmdb::FromVal(k) == start) continue;
      if (page.items.size() == limit) {
        page.next_marker = page.items.back().alias_name;
        break;
      }
      KMS_ASSIGN_OR_RETURN(AliasRecord alias, DecodeAlias(lmdb::FromVal(v)));
      page.items.push_back(std::move(alias));
    }
    return page;
  }

  StatusOr<std::vector<AliasRecord>> ListAliasesForKey(std::string_view key_id) override {
    KMS_ASSIGN_OR_RETURN(ReadTxn read, BeginRead());
    const lmdb::Txn& txn = read.get();
    std::vector<AliasRecord> out;
    KMS_RETURN_IF_ERROR(
        ScanDups(txn, dbi_.aliases_by_key, key_id, [&](std::string_view alias_key) -> Status {
          KMS_ASSIGN_OR_RETURN(std::string_view json, Get(txn, dbi_.aliases, alias_key));
          KMS_ASSIGN_OR_RETURN(AliasRecord alias, DecodeAlias(json));
          out.push_back(std::move(alias));
          return OkStatus();
        }));
    return out;
  }

  StatusOr<Page<GrantRecord>> ListRetirableGrants(std::string_view principal,
                                                  std::string_view marker, size_t limit) override {
    KMS_ASSIGN_OR_RETURN(ReadTxn read, BeginRead());
    const lmdb::Txn& txn = read.get();
    std::vector<std::string> refs;
    bool more = false;
    KMS_RETURN_IF_ERROR(
        PageOfDups(txn, dbi_.grants_by_retiring, principal, marker, limit, &refs, &more));
    Page<GrantRecord> page;
    for (const std::string& ref : refs) {
      KMS_ASSIGN_OR_RETURN(std::string_view json, Get(txn, dbi_.grants, ref));
      KMS_ASSIGN_OR_RETURN(GrantRecord grant, DecodeGrant(json));
      page.items.push_back(std::move(grant));
    }
    if (more && !refs.empty()) page.next_marker = refs.back();
    return page;
  }

  StatusOr<Counts> Count() override {
    KMS_ASSIGN_OR_RETURN(ReadTxn read, BeginRead());
    const auto entries = [&](MDB_dbi dbi) -> StatusOr<uint64_t> {
      MDB_stat stat;
      if (int rc = mdb_stat(read.get().get(), dbi, &stat); rc != 0)
        return lmdb::ErrorFor(rc, "stat");
      return stat.ms_entries;
    };
    Counts counts;
    KMS_ASSIGN_OR_RETURN(counts.keys, entries(dbi_.keys));
    KMS_ASSIGN_OR_RETURN(counts.aliases, entries(dbi_.aliases));
    KMS_ASSIGN_OR_RETURN(counts.grants, entries(dbi_.grants));
    return counts;
  }

  StatusOr<std::vector<std::shared_ptr<const KeyRecord>>> AllKeys() override {
    KMS_ASSIGN_OR_RETURN(ReadTxn read, BeginRead());
    const lmdb::Txn& txn = read.get();
    std::vector<std::shared_ptr<const KeyRecord>> out;
    KMS_RETURN_IF_ERROR(
        ScanPrefix(txn, dbi_.keys, "", [&](std::string_view, std::string_view v) -> Status {
          KMS_ASSIGN_OR_RETURN(KeyRecord key, DecodeKey(v));
          out.push_back(std::make_shared<const KeyRecord>(std::move(key)));
          return OkStatus();
        }));
    return out;
  }

  Status Update(const std::function<Status(KeyStoreTxn&)>& fn) override;

  std::unique_ptr<CallChanges> CollectChanges() override {
    return std::make_unique<LmdbCallChanges>(*this);
  }

 private:
  template <class T, class Load>
  StatusOr<std::shared_ptr<const T>> Cached(RecordCache::Map<T>& map, const std::string& key,
                                            Load&& load) {
    // A call's own uncommitted changes are read from its transaction and
    // never cached.
    if (const lmdb::Txn* call = OpenCallTxn(); call != nullptr) {
      KMS_ASSIGN_OR_RETURN(T value, load(*call));
      return std::make_shared<const T>(std::move(value));
    }
    uint64_t generation = 0;
    if (auto hit = cache_.Find(map, key, &generation)) return hit;
    KMS_ASSIGN_OR_RETURN(lmdb::Txn txn, env_->BeginRead());
    KMS_ASSIGN_OR_RETURN(T value, load(txn));
    auto shared = std::make_shared<const T>(std::move(value));
    cache_.Insert(map, key, shared, generation);
    return shared;
  }

  // Up to `limit` duplicates of `key` that sort after `marker`; *more is set
  // when further duplicates exist.
  static Status PageOfDups(const lmdb::Txn& txn, MDB_dbi dbi, std::string_view key,
                           std::string_view marker, size_t limit, std::vector<std::string>* out,
                           bool* more) {
    KMS_ASSIGN_OR_RETURN(lmdb::Cursor cursor, lmdb::Cursor::Open(txn, dbi));
    MDB_val k = lmdb::ToVal(key), v = lmdb::ToVal(marker);
    int rc = marker.empty() ? mdb_cursor_get(cursor.get(), &k, &v, MDB_SET_KEY)
                            : mdb_cursor_get(cursor.get(), &k, &v, MDB_GET_BOTH_RANGE);
    *more = false;
    for (; rc == 0; rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT_DUP)) {
      if (!marker.empty() && lmdb::FromVal(v) == marker) continue;
      if (out->size() == limit) {
        *more = true;
        break;
      }
      out->emplace_back(lmdb::FromVal(v));
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::ErrorFor(rc, "mdb_cursor_get");
    return OkStatus();
  }

  // Where this thread reads: its call's open transaction, else a new read
  // transaction.
  struct ReadTxn {
    lmdb::Txn own;
    const lmdb::Txn* call = nullptr;
    const lmdb::Txn& get() const { return call != nullptr ? *call : own; }
  };
  StatusOr<ReadTxn> BeginRead() const {
    if (const lmdb::Txn* call = OpenCallTxn(); call != nullptr) return ReadTxn{lmdb::Txn(), call};
    KMS_ASSIGN_OR_RETURN(lmdb::Txn txn, env_->BeginRead());
    return ReadTxn{std::move(txn), nullptr};
  }

  // The changes this thread is collecting for this store, if any.
  LmdbCallChanges* CollectingCall() const {
    return t_collecting != nullptr && &t_collecting->store() == this ? t_collecting : nullptr;
  }
  // Their transaction, once an Update has opened it.
  const lmdb::Txn* OpenCallTxn() const {
    const LmdbCallChanges* changes = CollectingCall();
    return changes != nullptr && changes->open() ? &changes->txn_view() : nullptr;
  }

  friend class LmdbCallChanges;
  std::shared_ptr<lmdb::Env> env_;
  Dbis dbi_;
  RecordCache cache_;
  std::mutex write_mu_;
};

LmdbCallChanges::LmdbCallChanges(LmdbKeyStore& store) : store_(store) {
  KMS_CHECK(t_collecting == nullptr);
  t_collecting = this;
}

LmdbCallChanges::~LmdbCallChanges() {
  if (t_collecting == this) t_collecting = nullptr;
}

Status LmdbCallChanges::Apply(const std::function<Status(KeyStoreTxn&)>& fn) {
  if (!open()) {
    // Held until the call commits or aborts: the store's other writers wait,
    // as LMDB's own writer lock would make them.
    lock_ = std::unique_lock(store_.write_mu_);
    KMS_ASSIGN_OR_RETURN(txn_, store_.env_->BeginWrite());
  }
  KMS_ASSIGN_OR_RETURN(lmdb::Txn child, lmdb::Txn::BeginNested(txn_));
  Touched touched;
  LmdbKeyStoreTxn view(child, store_.dbi_, &touched);
  KMS_RETURN_IF_ERROR(fn(view));
  KMS_RETURN_IF_ERROR(child.Commit());
  touched_.Merge(touched);
  return OkStatus();
}

// Outside a call's collection an Update is a collection of its own: its
// changes commit (and the cache forgets what they touched) when it succeeds.
Status LmdbKeyStore::Update(const std::function<Status(KeyStoreTxn&)>& fn) {
  if (LmdbCallChanges* changes = CollectingCall(); changes != nullptr) return changes->Apply(fn);
  LmdbCallChanges own(*this);
  KMS_RETURN_IF_ERROR(own.Apply(fn));
  return own.Commit();
}

Status LmdbCallChanges::Commit() {
  if (t_collecting == this) t_collecting = nullptr;
  if (!open()) return OkStatus();
  Status committed = txn_.Commit();
  if (committed.ok()) store_.cache_.Invalidate(touched_);
  lock_.unlock();
  return committed;
}

}  // namespace
}  // namespace kms::store

namespace kms {

StatusOr<std::unique_ptr<KeyStore>> OpenLmdbKeyStore(const LmdbKeyStoreOptions& options) {
  std::shared_ptr<lmdb::Env> env = options.env;
  if (env == nullptr) {
    KMS_ASSIGN_OR_RETURN(env, lmdb::Env::Open(lmdb::EnvOptions{options.directory,
                                                               options.map_size_bytes, 16, false}));
  }
  store::Dbis dbi{};
  KMS_ASSIGN_OR_RETURN(dbi.keys, env->OpenDb("keys", 0));
  KMS_ASSIGN_OR_RETURN(dbi.material, env->OpenDb("material", 0));
  KMS_ASSIGN_OR_RETURN(dbi.keys_by_scope, env->OpenDb("keys_by_scope", MDB_DUPSORT));
  KMS_ASSIGN_OR_RETURN(dbi.aliases, env->OpenDb("aliases", 0));
  KMS_ASSIGN_OR_RETURN(dbi.aliases_by_key, env->OpenDb("aliases_by_key", MDB_DUPSORT));
  KMS_ASSIGN_OR_RETURN(dbi.grants, env->OpenDb("grants", 0));
  KMS_ASSIGN_OR_RETURN(dbi.grants_by_retiring, env->OpenDb("grants_by_retiring", MDB_DUPSORT));
  return std::make_unique<store::LmdbKeyStore>(std::move(env), dbi);
}

}  // namespace kms
