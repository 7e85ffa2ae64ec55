// The persistent records of the key store: keys, aliases, grants.
#ifndef KMS_SERVER_STORE_KEY_RECORD_H_
#define KMS_SERVER_STORE_KEY_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kms/clock.h"
#include "kms/encryption_context.h"

namespace kms {

enum class KeyState {
  kCreating,
  kEnabled,
  kDisabled,
  kPendingDeletion,
  kPendingImport,
  kPendingReplicaDeletion,
  kUnavailable,
  kUpdating,
};
std::string_view KeyStateName(KeyState state);  // "Enabled", ...
bool ParseKeyState(std::string_view name, KeyState* state);

enum class KeyManager { kCustomer, kAws };
std::string_view KeyManagerName(KeyManager manager);  // "CUSTOMER" | "AWS"

struct Tag {
  std::string key;
  std::string value;
  friend bool operator==(const Tag&, const Tag&) = default;
};

// One backing key version. Its material is stored separately, wrapped.
struct KeyVersion {
  uint32_t version = 0;
  std::string material_id;  // 64 lowercase hex, as KMS's KeyMaterialId
  EpochMillis created = 0;
  // How a version after the first came: "AUTOMATIC" or "ON_DEMAND" (as
  // ListKeyRotations says); empty for the first, and for seeded past versions.
  std::string rotation_type;
  friend bool operator==(const KeyVersion&, const KeyVersion&) = default;
};

// A multi-Region key's place in its set: the primary's region and the
// replicas' regions, the same in every member's record (kept so by the
// operations that change the set).
struct MultiRegionSet {
  std::string primary_region;
  std::vector<std::string> replica_regions;  // in the order they were made
  friend bool operator==(const MultiRegionSet&, const MultiRegionSet&) = default;
};

// Where the store keeps a key. A key id names one key, except that every
// member of a multi-Region set has the same "mrk-" id, one per region: their
// store id is "<id>/<region>".
std::string KeyStoreId(std::string_view key_id, std::string_view region);
bool IsMultiRegionKeyId(std::string_view key_id);
struct KeyRecord;
// "PRIMARY" or "REPLICA" (a multi-Region key's MultiRegionKeyType).
std::string_view MultiRegionKeyType(const KeyRecord& key);

struct KeyRecord {
  std::string key_id;  // UUID, or "mrk-" and 32 hex for a multi-Region key
  std::string account;
  std::string region;
  KeyManager key_manager = KeyManager::kCustomer;
  KeyState state = KeyState::kEnabled;
  std::string description;
  std::string key_spec = "SYMMETRIC_DEFAULT";
  std::string key_usage = "ENCRYPT_DECRYPT";
  std::string origin = "AWS_KMS";
  EpochMillis creation_date = 0;
  EpochMillis deletion_date = 0;  // PendingDeletion only
  int pending_window_days = 0;    // PendingDeletion only
  std::string policy;             // the key policy document, as stored
  bool rotation_enabled = false;
  int rotation_period_days = 365;
  EpochMillis next_rotation_date = 0;  // when rotation_enabled
  std::vector<Tag> tags;               // in insertion order, keys unique
  // Ascending; the last one is current. Empty only for an EXTERNAL key
  // that never had key material imported.
  std::vector<KeyVersion> versions;
  // Imported key material (origin EXTERNAL): an HMAC of the material under a
  // root-derived key (re-imports must match it; empty before the first
  // import), and while material is imported its ExpirationModel
  // (KEY_MATERIAL_EXPIRES or KEY_MATERIAL_DOES_NOT_EXPIRE) and ValidTo.
  std::string import_fingerprint;
  std::string expiration_model;
  EpochMillis valid_to = 0;
  // Set for (and only for) a multi-Region key.
  std::optional<MultiRegionSet> multi_region;

  std::string Arn() const;
  std::string store_id() const { return KeyStoreId(key_id, region); }
  bool is_replica() const { return multi_region && multi_region->primary_region != region; }
  // Every region of the key's multi-Region set, primary first; just its own
  // region for a single-Region key.
  std::vector<std::string> SetRegions() const;
  // The current version; version 0 with no material id while there is none.
  const KeyVersion& current() const;
  friend bool operator==(const KeyRecord&, const KeyRecord&) = default;
};

std::string KeyArn(std::string_view region, std::string_view account, std::string_view key_id);
std::string AliasArn(std::string_view region, std::string_view account,
                     std::string_view alias_name);

struct AliasRecord {
  std::string account;
  std::string region;
  std::string alias_name;  // "alias/..."
  std::string target_key_id;
  EpochMillis creation_date = 0;
  EpochMillis last_updated_date = 0;

  std::string Arn() const { return AliasArn(region, account, alias_name); }
  friend bool operator==(const AliasRecord&, const AliasRecord&) = default;
};

struct GrantRecord {
  std::string grant_id;  // 64 lowercase hex
  std::string key_id;    // the key's store id (KeyStoreId)
  std::string name;      // optional
  EpochMillis creation_date = 0;
  std::string grantee_principal;
  std::string retiring_principal;  // optional
  std::string issuing_account;     // arn:aws:iam::<account>:root
  std::vector<std::string> operations;
  std::optional<EncryptionContext> encryption_context_subset;
  std::optional<EncryptionContext> encryption_context_equals;
  bool for_aws_resource = false;  // created by an AWS service on the caller's behalf
  friend bool operator==(const GrantRecord&, const GrantRecord&) = default;
};

}  // namespace kms

#endif  // KMS_SERVER_STORE_KEY_RECORD_H_
