// Persistent store of keys, wrapped key material, aliases and grants.
//
// Reads see committed data. Writes happen inside Update(), which runs a
// function in one atomic transaction (all of its changes commit together, or
// none do); one writer at a time. Implementations cache decoded records for
// the request hot path and keep the cache coherent with commits.
//
// Keys, their material and their grants are named by the key's store id
// (KeyStoreId: the key id, qualified by region for a multi-Region key);
// aliases name their target by key id, in the alias's own region.
//
// Errors: kNotFound for an unknown id or name (with an empty message: callers
// phrase it as KMS does); any other error means the store failed (kInternal).
#ifndef KMS_SERVER_STORE_KEY_STORE_H_
#define KMS_SERVER_STORE_KEY_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kms/bytes.h"
#include "kms/server/store/key_record.h"
#include "kms/status.h"

namespace kms::lmdb {
class Env;
class Txn;
}  // namespace kms::lmdb

namespace kms {

// A read-write view inside one transaction. Not thread-safe; valid only
// during the Update() call that provided it.
class KeyStoreTxn {
 public:
  virtual ~KeyStoreTxn() = default;

  virtual StatusOr<KeyRecord> GetKey(std::string_view key_id) = 0;
  // Inserts or replaces the record.
  virtual Status PutKey(const KeyRecord& key) = 0;
  // Deletes the key, its material, its aliases and its grants.
  virtual Status DeleteKey(std::string_view key_id) = 0;

  virtual StatusOr<Bytes> GetKeyMaterial(std::string_view key_id, uint32_t version) = 0;
  virtual Status PutKeyMaterial(std::string_view key_id, uint32_t version, ByteView wrapped) = 0;
  // Deletes every version's material of the key (the record stays).
  virtual Status DeleteKeyMaterial(std::string_view key_id) = 0;

  virtual StatusOr<AliasRecord> GetAlias(std::string_view account, std::string_view region,
                                         std::string_view alias_name) = 0;
  virtual Status PutAlias(const AliasRecord& alias) = 0;
  virtual Status DeleteAlias(std::string_view account, std::string_view region,
                             std::string_view alias_name) = 0;
  // Number of aliases that point at the key.
  virtual StatusOr<size_t> CountAliasesForKey(std::string_view key_id) = 0;

  virtual StatusOr<GrantRecord> GetGrant(std::string_view key_id, std::string_view grant_id) = 0;
  virtual Status PutGrant(const GrantRecord& grant) = 0;
  virtual Status DeleteGrant(std::string_view key_id, std::string_view grant_id) = 0;
  virtual StatusOr<std::vector<GrantRecord>> ListGrantsForKey(std::string_view key_id) = 0;
};

// One page of a listing. `next_marker` is empty when the list is complete.
template <class T>
struct Page {
  std::vector<T> items;
  std::string next_marker;
};

// One call's changes, held in one open write transaction until the call's
// audit record joins them (no effect without its record: DESIGN.md §6).
// While it lives, every KeyStore::Update on the thread that made it runs
// inside that transaction (each Update nested, so a failed one leaves no
// trace), and the store's reads on that thread see the changes; nobody else
// sees them, and nothing is durable, until Commit. Destroyed uncommitted, it
// aborts them. Not thread-safe: made, used and destroyed on one thread.
class CallChanges {
 public:
  virtual ~CallChanges() = default;
  // The write transaction holding the changes, for what must commit with
  // them; nullptr while no Update has run.
  virtual lmdb::Txn* txn() = 0;
  // Commits the transaction (when there is one); then readers see the
  // changes. Either way, later Updates on this thread commit on their own.
  virtual Status Commit() = 0;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Shared, immutable snapshots: callers may keep them beyond later writes.
  virtual StatusOr<std::shared_ptr<const KeyRecord>> GetKey(std::string_view key_id) = 0;
  virtual StatusOr<Bytes> GetKeyMaterial(std::string_view key_id, uint32_t version) = 0;
  virtual StatusOr<std::shared_ptr<const AliasRecord>> GetAlias(std::string_view account,
                                                                std::string_view region,
                                                                std::string_view alias_name) = 0;
  // Grants of one key (possibly empty), as one cached snapshot.
  virtual StatusOr<std::shared_ptr<const std::vector<GrantRecord>>> GetGrantsForKey(
      std::string_view key_id) = 0;

  // Keys of one account and region, ordered by key id, starting after
  // `marker` (a key id, or empty for the start). kInvalidMarker never: the
  // caller validates markers.
  virtual StatusOr<Page<std::shared_ptr<const KeyRecord>>> ListKeys(std::string_view account,
                                                                    std::string_view region,
                                                                    std::string_view marker,
                                                                    size_t limit) = 0;
  // Aliases of one account and region ordered by name, starting after `marker`.
  virtual StatusOr<Page<AliasRecord>> ListAliases(std::string_view account, std::string_view region,
                                                  std::string_view marker, size_t limit) = 0;
  // All aliases that point at one key, ordered by name.
  virtual StatusOr<std::vector<AliasRecord>> ListAliasesForKey(std::string_view key_id) = 0;
  // Grants whose retiring principal is `principal`, across keys, in a stable
  // order, starting after `marker` (an opaque position from a previous page).
  virtual StatusOr<Page<GrantRecord>> ListRetirableGrants(std::string_view principal,
                                                          std::string_view marker,
                                                          size_t limit) = 0;
  // Every key (for maintenance sweeps: deletion, rotation).
  virtual StatusOr<std::vector<std::shared_ptr<const KeyRecord>>> AllKeys() = 0;
  // How many keys, aliases and grants are stored (for metrics; no scan).
  struct Counts {
    uint64_t keys = 0;
    uint64_t aliases = 0;
    uint64_t grants = 0;
  };
  virtual StatusOr<Counts> Count() = 0;

  // Runs `fn` in one write transaction; commits when it returns OK, aborts
  // otherwise and returns its error.
  // Inside CollectChanges(), joins the call's transaction instead.
  virtual Status Update(const std::function<Status(KeyStoreTxn&)>& fn) = 0;

  // Starts collecting this thread's Updates (see CallChanges). At most one
  // per thread at a time.
  virtual std::unique_ptr<CallChanges> CollectChanges() = 0;
};

struct LmdbKeyStoreOptions {
  std::string directory;  // created if missing
  uint64_t map_size_bytes = uint64_t{4} << 30;
  // The environment to keep the key databases in, shared with the audit log
  // so that a change and its record commit together; when set, directory and
  // map_size_bytes are not used.
  std::shared_ptr<lmdb::Env> env;
};
StatusOr<std::unique_ptr<KeyStore>> OpenLmdbKeyStore(const LmdbKeyStoreOptions& options);

}  // namespace kms

#endif  // KMS_SERVER_STORE_KEY_STORE_H_
