// KMS keys: resolving KeyIds, the key life cycle, AWS managed keys, and the
// symmetric encryption under a key. Authorization is the caller's job (it
// sits between Resolve* and the operation); this layer enforces key state and
// returns KMS's errors and texts.
#ifndef KMS_SERVER_KEYS_KEY_SERVICE_H_
#define KMS_SERVER_KEYS_KEY_SERVICE_H_

#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kms/clock.h"
#include "kms/server/crypto/ciphertext_blob.h"
#include "kms/server/store/key_record.h"
#include "kms/server/store/key_store.h"
#include "kms/status.h"

namespace kms::keys {

// The account and region a request runs in (region from the SigV4 scope).
struct Scope {
  std::string account;
  std::string region;
};

// Which KeyId forms an operation accepts (reference section 4).
enum class KeyIdForms {
  kKeyIdOrArn,  // key id, key ARN
  kAny,         // key id, key ARN, alias name, alias ARN
};

// Whether resolving an alias/aws/<service> alias may create its AWS managed
// key (in the caller's own, configured account only; see Resolve).
enum class ManagedKeyCreation {
  kOnFirstUse,
  // Nothing is stored: a managed key that does not exist yet resolves to the
  // key it would be (an all-zero key id), for explanations.
  kPreview,
  kNever,
};

struct ResolvedKey {
  std::shared_ptr<const KeyRecord> key;
  std::string alias_name;  // the alias the request named, if any (kms:RequestAlias)
};

// What a KMS operation does with a key, for the key-state rules.
enum class KeyUse {
  kCryptographic,  // Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, CreateGrant
  kEnableDisable,
  kManage,          // ScheduleKeyDeletion, Tag/Untag, CreateAlias, UpdateAlias target
  kRotationConfig,  // Enable/DisableKeyRotation
  kCancelDeletion,
  kRead,  // Describe, List*, Get*, Put policy, grants retire/revoke
};

// The key-state check of the KMS key-state table: kDisabled "<arn> is
// disabled.", kInvalidState "<arn> is pending deletion." and so on.
Status CheckKeyState(const KeyRecord& key, KeyUse use);

// 256-bit root key that wraps all backing key material (AES-256-GCM with the
// key ARN and version as associated data). Thread-safe.
class RootKey {
 public:
  // From env KMSD_ROOT_KEY (64 hex digits) if set, else from `path`, which is
  // created with 32 random bytes and mode 0600 when it does not exist. Wipes
  // and removes KMSD_ROOT_KEY from the environment in either case: call it
  // before other threads start.
  static StatusOr<std::unique_ptr<RootKey>> LoadOrCreate(const std::string& path);
  // As LoadOrCreate, but never creates `path`: kNotFound when neither
  // KMSD_ROOT_KEY nor the file is there (for the commands that only read).
  static StatusOr<std::unique_ptr<RootKey>> Load(const std::string& path);
  static StatusOr<std::unique_ptr<RootKey>> FromBytes(const SecretBytes& key);

  StatusOr<Bytes> Wrap(const SecretBytes& material, std::string_view key_arn,
                       uint32_t version) const;
  StatusOr<SecretBytes> Unwrap(ByteView wrapped, std::string_view key_arn, uint32_t version) const;
  // A subkey for another purpose (audit head signing, grant tokens), by label.
  SecretBytes Derive(std::string_view label) const;

 private:
  explicit RootKey(SecretBytes key) : key_(std::move(key)) {}
  static StatusOr<std::unique_ptr<RootKey>> Open(const std::string& path, bool create);
  SecretBytes key_;
};

struct CreateKeyParams {
  Scope scope;
  std::string description;
  std::string policy;  // already validated by the caller
  std::vector<Tag> tags;
  KeyManager key_manager = KeyManager::kCustomer;
  std::string key_spec = "SYMMETRIC_DEFAULT";  // a valid combination (key_specs.h)
  std::string key_usage = "ENCRYPT_DECRYPT";
  // EXTERNAL: the key starts PendingImport, without key material.
  std::string origin = "AWS_KMS";
  // A multi-Region primary key ("mrk-" id), without replicas yet.
  bool multi_region = false;
};

// What a replica of a multi-Region key has of its own.
struct ReplicaParams {
  std::string region;
  std::string description;
  std::string policy;  // already validated by the caller
  std::vector<Tag> tags;
};

// An AWS managed key kind: alias/aws/<service>.
struct ManagedKeyTemplate {
  std::string alias_name;       // "alias/aws/rds"
  std::string description;      // as AWS writes it
  std::string policy_template;  // with ${account} and ${region} placeholders
};

// The policy CreateKey gives a key of `account` when the request has none,
// exactly as AWS writes it (policies/default-key-policy.json).
std::string DefaultKeyPolicy(std::string_view account);
// The AWS managed keys kmsd knows (policies/aws-managed-*.json).
std::vector<ManagedKeyTemplate> AwsManagedKeyTemplates();
// A policy template with ${account} and ${region} filled in.
std::string InstantiatePolicyTemplate(std::string_view policy_template, std::string_view account,
                                      std::string_view region);

// Thread-safe.
class KeyService {
 public:
  // `accounts`: the accounts that exist (the config's); AWS managed keys are
  // created only for them.
  KeyService(KeyStore& store, std::unique_ptr<RootKey> root_key, const Clock& clock,
             std::vector<ManagedKeyTemplate> managed_keys, std::vector<std::string> accounts);

  // Resolves a KeyId in `scope` (the caller's account and region). The AWS
  // managed key behind an alias/aws/<service> alias is created on first use,
  // but only in the caller's own account, when that account exists, and never
  // through an alias ARN naming another account. Errors are NotFoundException
  // with KMS's texts ("Invalid keyId 'x'", "Key '<arn>' does not exist",
  // "Alias <arn> is not found.", "Invalid arn <region>").
  StatusOr<ResolvedKey> Resolve(const Scope& scope, std::string_view key_id, KeyIdForms forms,
                                ManagedKeyCreation creation = ManagedKeyCreation::kOnFirstUse);

  StatusOr<std::shared_ptr<const KeyRecord>> CreateKey(const CreateKeyParams& params);

  // Read-modify-write of one key in one transaction; `mutate` sees the
  // current record and may refuse with an error. Returns the new record.
  StatusOr<std::shared_ptr<const KeyRecord>> UpdateKey(
      std::string_view store_id, const std::function<Status(KeyRecord&)>& mutate);

  // UpdateKey for what the keys of a multi-Region set share (rotation
  // settings): `mutate` runs on every member, in one transaction. Returns
  // the new record of `store_id`'s key.
  StatusOr<std::shared_ptr<const KeyRecord>> UpdateKeySet(
      std::string_view store_id, const std::function<Status(KeyRecord&)>& mutate);

  // Replicates the multi-Region primary key `primary_store_id` into
  // `params.region`, after `check` accepts the primary as stored. The replica
  // has the primary's key id, every version of its key material, its spec,
  // usage, origin and rotation settings, and its own description, policy and
  // tags; it is Enabled, or PendingImport while an imported key's material is
  // not imported into it (only the same material will be). Every member of
  // the set lists the new replica. Errors: UnsupportedOperationException for
  // a key that is not a multi-Region primary, AlreadyExistsException when the
  // region already holds a key of the set. Returns the replica.
  StatusOr<std::shared_ptr<const KeyRecord>> ReplicateKey(
      std::string_view primary_store_id, const ReplicaParams& params,
      const std::function<Status(const KeyRecord&)>& check);
  // Makes the replica in `region` the set's primary, and the primary a
  // replica, in every member's record. Both must be Enabled.
  Status UpdatePrimaryRegion(std::string_view primary_store_id, std::string_view region);

  // Stores a new key whose material is given (seeded or imported keys):
  // `materials` become versions 1..n, the last one current, each wrapped
  // under the root key. Fills in key.versions.
  Status PutKeyWithMaterial(KeyStoreTxn& txn, KeyRecord& key,
                            std::span<const SecretBytes> materials);

  // Stores `replica`, a new key of `primary`'s multi-Region set, with the
  // primary's versions of `materials` (PutKeyWithMaterial's, in order).
  Status PutReplicaWithMaterial(KeyStoreTxn& txn, const KeyRecord& primary, KeyRecord& replica,
                                std::span<const SecretBytes> materials);

  // Imports key material into an EXTERNAL key after `check` accepts the key
  // as stored (and may change it): the first import makes version 1, a
  // re-import stores the material of the current version again. Returns the
  // new record.
  StatusOr<std::shared_ptr<const KeyRecord>> ImportMaterial(
      std::string_view store_id, const SecretBytes& material,
      const std::function<Status(KeyRecord&)>& check);
  // Deletes an EXTERNAL key's material after `check` accepts the key: the key
  // becomes PendingImport, without expiration. Returns the new record.
  StatusOr<std::shared_ptr<const KeyRecord>> DeleteImportedMaterial(
      std::string_view store_id, const std::function<Status(const KeyRecord&)>& check);
  // What identifies imported material without revealing it: an HMAC under a
  // root-derived key, as hex.
  std::string MaterialFingerprint(const SecretBytes& material) const;

  // Adds a backing key version (rotation: `rotation_type` AUTOMATIC or
  // ON_DEMAND), after `check` (when given) accepts the key as stored. An
  // automatic rotation sets the next one a period later; an on-demand one
  // leaves the schedule. Returns the new record.
  StatusOr<std::shared_ptr<const KeyRecord>> RotateKey(
      std::string_view store_id, std::string_view rotation_type,
      const std::function<Status(const KeyRecord&)>& check = nullptr);

  // Encrypts under the key's current version.
  StatusOr<Bytes> Encrypt(const KeyRecord& key, ByteView plaintext,
                          const EncryptionContext& context);

  // The key a ciphertext blob names, in `scope`: kInvalidCiphertext (no
  // message) for a malformed blob, kAccessDenied with KMS's text for a blob
  // whose key is unknown or in another region.
  struct BlobKey {
    CiphertextBlob blob;
    std::shared_ptr<const KeyRecord> key;
  };
  StatusOr<BlobKey> IdentifyBlob(const Scope& scope, ByteView ciphertext);
  StatusOr<SecretBytes> Decrypt(const BlobKey& blob_key, const EncryptionContext& context);

  // The key's current material: an HMAC key, or a private key as PKCS#8 DER.
  StatusOr<std::shared_ptr<const SecretBytes>> CurrentMaterial(const KeyRecord& key) {
    return BackingKey(key, key.current().version);
  }

  // What the maintenance sweep did to one key, for its record.
  struct MaintenanceChange {
    enum class Kind { kDeleted, kRotated, kMaterialExpired };
    Kind kind;
    std::shared_ptr<const KeyRecord> key;  // as it was before the change
    std::string key_material_id;           // the new version's, when rotated
  };
  // Stores the record of `change` in `changes`' transaction (see CallChanges);
  // the change commits only when it returns OK.
  using MaintenanceRecorder =
      std::function<Status(const MaintenanceChange& change, CallChanges& changes)>;

  // Deletes keys whose deletion date has passed, rotates keys that are
  // due and deletes imported key material whose ValidTo has passed, each change in its own
  // transaction with its record (`record`; none when it is empty, for tests that do not look).
  // Stops at the first change that fails, which changes nothing. Returns the number of keys
  // changed.
  StatusOr<int> RunMaintenance(const MaintenanceRecorder& record = nullptr);

  const Clock& clock() const { return clock_; }
  const RootKey& root_key() const { return *root_key_; }

 private:
  // `creation`: what to do when the alias is a missing alias/aws/ name.
  StatusOr<std::shared_ptr<const KeyRecord>> ResolveAlias(const Scope& scope,
                                                          std::string_view alias_name,
                                                          ManagedKeyCreation creation);
  // The record of a new managed key of `scope` (without backing versions).
  KeyRecord NewManagedKeyRecord(const Scope& scope, const ManagedKeyTemplate& tmpl) const;
  StatusOr<std::shared_ptr<const KeyRecord>> CreateManagedKey(const Scope& scope,
                                                              const ManagedKeyTemplate& tmpl);
  StatusOr<std::shared_ptr<const KeyRecord>> GetKeyInScope(const Scope& key_scope,
                                                           std::string_view key_id);
  StatusOr<std::shared_ptr<const SecretBytes>> BackingKey(const KeyRecord& key, uint32_t version);
  // Drops the key's cached material (after its material changed or went).
  void ForgetMaterial(const KeyRecord& key);
  // A new backing version: material generated, wrapped and stored in `txn`.
  StatusOr<KeyVersion> AddVersion(KeyStoreTxn& txn, const KeyRecord& key, uint32_t version);
  // A backing version of the given material, wrapped and stored in `txn`.
  StatusOr<KeyVersion> StoreVersion(KeyStoreTxn& txn, const KeyRecord& key, uint32_t version,
                                    const SecretBytes& material);
  // Gives `replica` the version `version` of `material` (wrapped under the
  // replica's ARN), as its primary has it.
  Status CopyVersion(KeyStoreTxn& txn, KeyRecord& replica, const KeyVersion& version,
                     const SecretBytes& material);
  // Runs `fn` on every member of `key`'s multi-Region set (just `key` for a
  // single-Region key), then stores each; `key` itself is one of them.
  Status ForEachInSet(KeyStoreTxn& txn, KeyRecord& key,
                      const std::function<Status(KeyRecord&)>& fn);
  // Removes a deleted replica's region from the other members of its set; a
  // primary waiting for its replicas' deletion starts its own waiting period
  // when the last one goes.
  Status ForgetReplica(KeyStoreTxn& txn, const KeyRecord& replica);

  KeyStore& store_;
  std::unique_ptr<RootKey> root_key_;
  const Clock& clock_;
  std::vector<ManagedKeyTemplate> managed_keys_;
  std::vector<std::string> accounts_;

  std::shared_mutex material_mu_;
  std::unordered_map<std::string, std::shared_ptr<const SecretBytes>> material_cache_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_KEY_SERVICE_H_
