// Seed files: keys, aliases and grants that exist from start-up, with fixed
// key ids and key material, so that every test run (and every machine) starts
// with the same keys (docs/seed-files.md).
//
// The format is local-kms's seed.yaml, read unchanged: Keys.Symmetric.Aes[]
// and .Hmac[] with Metadata and hex BackingKeys (the last one current; more
// than one are past rotations), NextKeyRotation; Keys.Asymmetric.Rsa[] and
// .Ecc[] with PrivateKeyPem; Aliases[]{AliasName, TargetKeyId}; and its
// legacy form, a list of AES keys directly under Keys. kmsd adds, in a key's
// Metadata: Account, Region, KeyState (Enabled, Disabled, PendingDeletion),
// PendingWindowInDays, Policy (JSON text or a YAML mapping), Tags,
// EnableKeyRotation, RotationPeriodInDays, MultiRegion with ReplicaRegions
// (a multi-Region key, "mrk-" id, and its replicas); in an alias: Account,
// Region; and a top-level Grants[] list (Region: which key of a multi-Region
// set).
#ifndef KMS_SERVER_SEED_SEED_FILE_H_
#define KMS_SERVER_SEED_SEED_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "kms/bytes.h"
#include "kms/server/store/key_record.h"
#include "kms/status.h"

namespace kms::seed {

// Where keys and aliases go when the file does not say.
struct SeedDefaults {
  std::string account;
  std::string region = "us-east-1";
};

struct SeedKey {
  // Everything but the versions and dates, which are set when the key is
  // stored. An empty policy means the default key policy. PendingDeletion
  // keys carry their pending_window_days.
  KeyRecord record;
  // Oldest first; the last is current. Empty only for an EXTERNAL key
  // pending import.
  std::vector<SecretBytes> materials;
  std::string location;  // "seed.yaml:12", for messages
};

struct SeedAlias {
  AliasRecord record;  // without dates
  std::string location;
};

struct SeedGrant {
  // Without grant id, dates and issuing account. key_id names a key of the
  // same file.
  GrantRecord record;
  std::string location;
};

struct Seed {
  std::vector<SeedKey> keys;
  std::vector<SeedAlias> aliases;
  std::vector<SeedGrant> grants;
};

// Parses the text of a seed file named `file_name`. kValidation, as
// "<file>:<line>:<column>: <field path>: <what is wrong>", for YAML that does
// not parse, an unknown or misspelled field, a missing one, a value of the
// wrong kind, key material that does not fit its key spec, a duplicate key id
// or alias, and an alias or grant whose key is not in the file (aliases may
// also name keys that already exist: checked when applied). Never includes key
// material in a message.
StatusOr<Seed> ParseSeed(std::string_view text, std::string_view file_name,
                         const SeedDefaults& defaults);

// Reads and parses a seed file; kValidation naming the file when it cannot
// be read or is larger than 16 MiB.
StatusOr<Seed> LoadSeedFile(const std::string& path, const SeedDefaults& defaults);

}  // namespace kms::seed

#endif  // KMS_SERVER_SEED_SEED_FILE_H_
