// Applying a seed file at start-up (seed_file.h): what does not exist yet is
// created, with its audit records, in one transaction.
#ifndef KMS_SERVER_SEED_SEED_LOADER_H_
#define KMS_SERVER_SEED_SEED_LOADER_H_

#include <functional>
#include <string>
#include <vector>

#include "kms/server/keys/key_service.h"
#include "kms/server/seed/seed_file.h"
#include "kms/server/store/key_store.h"
#include "kms/status.h"

namespace kms::seed {

// One thing the seed created, for its audit record.
struct SeededChange {
  enum class Kind { kKey, kAlias, kGrant };
  Kind kind;
  const KeyRecord* key = nullptr;      // the key created, or the alias's target, or the grant's key
  const AliasRecord* alias = nullptr;  // kAlias
  const GrantRecord* grant = nullptr;  // kGrant
};
// Stores the record of `change` in `changes`' transaction (see CallChanges).
using SeedRecorder = std::function<Status(const SeededChange& change, CallChanges& changes)>;

struct SeedResult {
  int keys_created = 0;
  int keys_kept = 0;  // already there: left as they are
  int aliases_created = 0;
  int aliases_kept = 0;
  int grants_created = 0;
  std::vector<std::string> notes;  // what was left as it is, and why, for the log
};

// Creates the seed's keys (with their key material, as versions 1..n), aliases
// and grants that do not exist yet, all with their records, in one
// transaction: either all of it or, on any error, nothing. As local-kms does,
// a key whose id exists is left as it is (and its seeded grants are not
// added), and an alias that exists keeps its target. kValidation, naming the
// file and line, for a key in an account not in `accounts`, and for an alias
// whose target key is neither in the seed nor stored in the alias's account
// and region.
StatusOr<SeedResult> ApplySeed(const Seed& seed, keys::KeyService& keys, KeyStore& store,
                               const std::vector<std::string>& accounts,
                               const SeedRecorder& record);

}  // namespace kms::seed

#endif  // KMS_SERVER_SEED_SEED_LOADER_H_
