#include "kms/server/keys/key_service.h"

#include <algorithm>
#include <mutex>

#include "key_id.h"
#include "kms/crypto.h"
#include "kms/encoding.h"
#include "kms/server/crypto/key_material.h"

namespace kms::keys {
namespace {

std::string MaterialCacheKey(std::string_view key_id, uint32_t version) {
  return std::string(key_id) + "/" + std::to_string(version);
}

std::unexpected<Status> KeyDoesNotExist(std::string_view region, std::string_view account,
                                        std::string_view key_id) {
  return Error(Code::kNotFound, "Key '" + KeyArn(region, account, key_id) + "' does not exist");
}

// New backing key material. SYMMETRIC_DEFAULT: a 256-bit AES key; other
// specs: an HMAC key or a private key (PKCS#8).
StatusOr<SecretBytes> NewMaterial(std::string_view key_spec) {
  if (key_spec == "SYMMETRIC_DEFAULT") return crypto::RandomSecret(32);
  return crypto::NewKeyMaterial(key_spec);
}

}  // namespace

KeyService::KeyService(KeyStore& store, std::unique_ptr<RootKey> root_key, const Clock& clock,
                       std::vector<ManagedKeyTemplate> managed_keys,
                       std::vector<std::string> accounts)
    : store_(store),
      root_key_(std::move(root_key)),
      clock_(clock),
      managed_keys_(std::move(managed_keys)),
      accounts_(std::move(accounts)) {}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::GetKeyInScope(const Scope& key_scope,
                                                                     std::string_view key_id) {
  auto key = store_.GetKey(KeyStoreId(key_id, key_scope.region));
  if (!key) {
    if (key.error().code() == Code::kNotFound)
      return KeyDoesNotExist(key_scope.region, key_scope.account, key_id);
    return std::unexpected(key.error());
  }
  // Key ids are unique across accounts and regions, but a key is only visible
  // where it lives.
  if ((*key)->account != key_scope.account || (*key)->region != key_scope.region) {
    return KeyDoesNotExist(key_scope.region, key_scope.account, key_id);
  }
  return key;
}

StatusOr<ResolvedKey> KeyService::Resolve(const Scope& scope, std::string_view key_id,
                                          KeyIdForms forms, ManagedKeyCreation creation) {
  KMS_ASSIGN_OR_RETURN(ParsedKeyId parsed, ParseKeyId(key_id));
  if (parsed.is_alias() && forms == KeyIdForms::kKeyIdOrArn) {
    return Error(Code::kNotFound, "Invalid keyId '" + std::string(key_id) + "'");
  }
  Scope target = scope;
  if (parsed.form == ParsedKeyId::Form::kKeyArn || parsed.form == ParsedKeyId::Form::kAliasArn) {
    if (parsed.region != scope.region)
      return Error(Code::kNotFound, "Invalid arn " + parsed.region);
    target.account = parsed.account;
  }
  ResolvedKey out;
  if (parsed.is_alias()) {
    // No lookup creates state for an account the caller does not belong to.
    const bool may_create =
        target.account == scope.account &&
        std::find(accounts_.begin(), accounts_.end(), scope.account) != accounts_.end();
    KMS_ASSIGN_OR_RETURN(out.key, ResolveAlias(target, parsed.alias_name,
                                               may_create ? creation : ManagedKeyCreation::kNever));
    // Managed keys appear only to their own account.
    if (target.account != scope.account && out.key->key_manager == KeyManager::kAws) {
      return Error(
          Code::kNotFound,
          "Alias " + AliasArn(target.region, target.account, parsed.alias_name) + " is not found.");
    }
    out.alias_name = parsed.alias_name;
    return out;
  }
  KMS_ASSIGN_OR_RETURN(out.key, GetKeyInScope(target, parsed.key_id));
  return out;
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::ResolveAlias(const Scope& scope,
                                                                    std::string_view alias_name,
                                                                    ManagedKeyCreation creation) {
  auto alias = store_.GetAlias(scope.account, scope.region, alias_name);
  if (alias) return GetKeyInScope(scope, (*alias)->target_key_id);
  if (alias.error().code() != Code::kNotFound) return std::unexpected(alias.error());
  for (const ManagedKeyTemplate& tmpl : managed_keys_) {
    if (tmpl.alias_name != alias_name) continue;
    if (creation == ManagedKeyCreation::kOnFirstUse) return CreateManagedKey(scope, tmpl);
    if (creation == ManagedKeyCreation::kPreview) {
      KeyRecord preview = NewManagedKeyRecord(scope, tmpl);
      preview.key_id = "00000000-0000-0000-0000-000000000000";
      preview.versions.push_back(KeyVersion{1, "", preview.creation_date});
      return std::make_shared<const KeyRecord>(std::move(preview));
    }
  }
  return Error(Code::kNotFound,
               "Alias " + AliasArn(scope.region, scope.account, alias_name) + " is not found.");
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::CreateManagedKey(
    const Scope& scope, const ManagedKeyTemplate& tmpl) {
  std::string key_id;
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    // Another request may have created it since we looked.
    if (auto existing = txn.GetAlias(scope.account, scope.region, tmpl.alias_name);
        existing.has_value()) {
      key_id = existing->target_key_id;
      return OkStatus();
    }
    KeyRecord key = NewManagedKeyRecord(scope, tmpl);
    KMS_ASSIGN_OR_RETURN(KeyVersion version, AddVersion(txn, key, 1));
    key.versions.push_back(std::move(version));
    KMS_RETURN_IF_ERROR(txn.PutKey(key));
    KMS_RETURN_IF_ERROR(
        txn.PutAlias(AliasRecord{scope.account, scope.region, tmpl.alias_name, key.key_id,
                                 key.creation_date, key.creation_date}));
    key_id = key.key_id;
    return OkStatus();
  }));
  return store_.GetKey(key_id);
}

KeyRecord KeyService::NewManagedKeyRecord(const Scope& scope,
                                          const ManagedKeyTemplate& tmpl) const {
  const EpochMillis now = clock_.NowMillis();
  KeyRecord key;
  key.key_id = NewUuid();
  key.account = scope.account;
  key.region = scope.region;
  key.key_manager = KeyManager::kAws;
  key.description = tmpl.description;
  key.policy = InstantiatePolicyTemplate(tmpl.policy_template, scope.account, scope.region);
  key.creation_date = now;
  // AWS rotates managed keys every year.
  key.rotation_enabled = true;
  key.rotation_period_days = 365;
  key.next_rotation_date = now + 365 * kDayMillis;
  return key;
}

StatusOr<KeyVersion> KeyService::AddVersion(KeyStoreTxn& txn, const KeyRecord& key,
                                            uint32_t version) {
  KMS_ASSIGN_OR_RETURN(SecretBytes material, NewMaterial(key.key_spec));
  return StoreVersion(txn, key, version, material);
}

StatusOr<KeyVersion> KeyService::StoreVersion(KeyStoreTxn& txn, const KeyRecord& key,
                                              uint32_t version, const SecretBytes& material) {
  KMS_ASSIGN_OR_RETURN(Bytes wrapped, root_key_->Wrap(material, key.Arn(), version));
  KMS_RETURN_IF_ERROR(txn.PutKeyMaterial(key.store_id(), version, wrapped));
  return KeyVersion{version, HexEncode(crypto::RandomBytes(32)), clock_.NowMillis()};
}

Status KeyService::PutKeyWithMaterial(KeyStoreTxn& txn, KeyRecord& key,
                                      std::span<const SecretBytes> materials) {
  key.versions.clear();
  for (const SecretBytes& material : materials) {
    KMS_ASSIGN_OR_RETURN(
        KeyVersion version,
        StoreVersion(txn, key, static_cast<uint32_t>(key.versions.size() + 1), material));
    key.versions.push_back(std::move(version));
  }
  return txn.PutKey(key);
}

Status KeyService::PutReplicaWithMaterial(KeyStoreTxn& txn, const KeyRecord& primary,
                                          KeyRecord& replica,
                                          std::span<const SecretBytes> materials) {
  if (materials.size() != primary.versions.size())
    return Error(Code::kInternal, "replica material does not match its primary's versions");
  replica.versions.clear();
  for (size_t i = 0; i < materials.size(); ++i)
    KMS_RETURN_IF_ERROR(CopyVersion(txn, replica, primary.versions[i], materials[i]));
  return txn.PutKey(replica);
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::CreateKey(const CreateKeyParams& params) {
  KeyRecord key;
  key.key_id = params.multi_region ? NewMultiRegionKeyId() : NewUuid();
  if (params.multi_region) key.multi_region = MultiRegionSet{params.scope.region, {}};
  key.account = params.scope.account;
  key.region = params.scope.region;
  key.key_manager = params.key_manager;
  key.description = params.description;
  key.policy = params.policy;
  key.tags = params.tags;
  key.key_spec = params.key_spec;
  key.key_usage = params.key_usage;
  key.origin = params.origin;
  key.creation_date = clock_.NowMillis();
  if (key.origin == "EXTERNAL") key.state = KeyState::kPendingImport;
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    if (key.origin == "EXTERNAL") return txn.PutKey(key);  // material comes by import
    KMS_ASSIGN_OR_RETURN(KeyVersion version, AddVersion(txn, key, 1));
    key.versions.push_back(std::move(version));
    return txn.PutKey(key);
  }));
  return store_.GetKey(key.store_id());
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::UpdateKey(
    std::string_view store_id, const std::function<Status(KeyRecord&)>& mutate) {
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, txn.GetKey(store_id));
    KMS_RETURN_IF_ERROR(mutate(key));
    return txn.PutKey(key);
  }));
  return store_.GetKey(store_id);
}

Status KeyService::ForEachInSet(KeyStoreTxn& txn, KeyRecord& key,
                                const std::function<Status(KeyRecord&)>& fn) {
  const std::vector<std::string> regions = key.SetRegions();
  KMS_RETURN_IF_ERROR(fn(key));
  KMS_RETURN_IF_ERROR(txn.PutKey(key));
  for (const std::string& region : regions) {
    if (region == key.region) continue;
    KMS_ASSIGN_OR_RETURN(KeyRecord member, txn.GetKey(KeyStoreId(key.key_id, region)));
    KMS_RETURN_IF_ERROR(fn(member));
    KMS_RETURN_IF_ERROR(txn.PutKey(member));
  }
  return OkStatus();
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::UpdateKeySet(
    std::string_view store_id, const std::function<Status(KeyRecord&)>& mutate) {
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, txn.GetKey(store_id));
    return ForEachInSet(txn, key, mutate);
  }));
  return store_.GetKey(store_id);
}

Status KeyService::CopyVersion(KeyStoreTxn& txn, KeyRecord& replica, const KeyVersion& version,
                               const SecretBytes& material) {
  KMS_ASSIGN_OR_RETURN(Bytes wrapped, root_key_->Wrap(material, replica.Arn(), version.version));
  KMS_RETURN_IF_ERROR(txn.PutKeyMaterial(replica.store_id(), version.version, wrapped));
  replica.versions.push_back(version);
  return OkStatus();
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::ReplicateKey(
    std::string_view primary_store_id, const ReplicaParams& params,
    const std::function<Status(const KeyRecord&)>& check) {
  KeyRecord replica;
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord primary, txn.GetKey(primary_store_id));
    if (!primary.multi_region || primary.is_replica()) {
      return Error(Code::kUnsupportedOperation,
                   primary.Arn() + " is not a multi-region primary key.");
    }
    KMS_RETURN_IF_ERROR(check(primary));
    if (const auto regions = primary.SetRegions();
        std::ranges::find(regions, params.region) != regions.end()) {
      return Error(Code::kAlreadyExists, "The multi-Region key " + primary.key_id +
                                             " already has a key in " + params.region + ".");
    }
    // Shared with the primary: the key id, spec, usage, origin, rotation
    // settings and material (and for imported material, which material).
    replica = primary;
    replica.region = params.region;
    replica.description = params.description;
    replica.policy = params.policy;
    replica.tags = params.tags;
    replica.creation_date = clock_.NowMillis();
    replica.state = KeyState::kEnabled;
    replica.deletion_date = 0;
    replica.pending_window_days = 0;
    replica.expiration_model.clear();
    replica.valid_to = 0;
    replica.versions.clear();
    if (primary.origin == "EXTERNAL") {
      replica.state = KeyState::kPendingImport;
    } else {
      for (const KeyVersion& version : primary.versions) {
        KMS_ASSIGN_OR_RETURN(Bytes wrapped,
                             txn.GetKeyMaterial(primary.store_id(), version.version));
        KMS_ASSIGN_OR_RETURN(SecretBytes material,
                             root_key_->Unwrap(wrapped, primary.Arn(), version.version));
        KMS_RETURN_IF_ERROR(CopyVersion(txn, replica, version, material));
      }
    }
    KMS_RETURN_IF_ERROR(ForEachInSet(txn, primary, [&](KeyRecord& member) -> Status {
      member.multi_region->replica_regions.push_back(params.region);
      return OkStatus();
    }));
    replica.multi_region = primary.multi_region;
    return txn.PutKey(replica);
  }));
  return store_.GetKey(replica.store_id());
}

Status KeyService::UpdatePrimaryRegion(std::string_view primary_store_id, std::string_view region) {
  return store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord primary, txn.GetKey(primary_store_id));
    if (!primary.multi_region || primary.is_replica()) {
      return Error(Code::kUnsupportedOperation,
                   primary.Arn() + " is not a multi-region primary key.");
    }
    KMS_RETURN_IF_ERROR(CheckKeyState(primary, KeyUse::kCryptographic));
    const std::vector<std::string>& replicas = primary.multi_region->replica_regions;
    if (std::ranges::find(replicas, region) == replicas.end()) {
      return Error(Code::kNotFound,
                   "Key '" + KeyArn(region, primary.account, primary.key_id) + "' does not exist");
    }
    KMS_ASSIGN_OR_RETURN(KeyRecord replica, txn.GetKey(KeyStoreId(primary.key_id, region)));
    KMS_RETURN_IF_ERROR(CheckKeyState(replica, KeyUse::kCryptographic));
    // The old primary takes the new one's place among the replicas.
    const std::string old_primary = primary.region;
    return ForEachInSet(txn, primary, [&](KeyRecord& member) -> Status {
      MultiRegionSet& set = *member.multi_region;
      set.primary_region = std::string(region);
      std::ranges::replace(set.replica_regions, std::string(region), old_primary);
      return OkStatus();
    });
  });
}

Status KeyService::ForgetReplica(KeyStoreTxn& txn, const KeyRecord& replica) {
  if (!replica.is_replica()) return OkStatus();
  for (const std::string& region : replica.SetRegions()) {
    if (region == replica.region) continue;
    KMS_ASSIGN_OR_RETURN(KeyRecord member, txn.GetKey(KeyStoreId(replica.key_id, region)));
    std::erase(member.multi_region->replica_regions, replica.region);
    if (member.state == KeyState::kPendingReplicaDeletion &&
        member.multi_region->replica_regions.empty()) {
      member.state = KeyState::kPendingDeletion;
      member.deletion_date = clock_.NowMillis() + member.pending_window_days * kDayMillis;
    }
    KMS_RETURN_IF_ERROR(txn.PutKey(member));
  }
  return OkStatus();
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::ImportMaterial(
    std::string_view store_id, const SecretBytes& material,
    const std::function<Status(KeyRecord&)>& check) {
  KeyRecord before;
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, txn.GetKey(store_id));
    before = key;
    KMS_RETURN_IF_ERROR(check(key));
    if (key.versions.empty()) {
      KMS_ASSIGN_OR_RETURN(KeyVersion version, StoreVersion(txn, key, 1, material));
      key.versions.push_back(std::move(version));
    } else {
      KMS_ASSIGN_OR_RETURN(Bytes wrapped,
                           root_key_->Wrap(material, key.Arn(), key.current().version));
      KMS_RETURN_IF_ERROR(txn.PutKeyMaterial(key.store_id(), key.current().version, wrapped));
    }
    return txn.PutKey(key);
  }));
  ForgetMaterial(before);
  return store_.GetKey(store_id);
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::DeleteImportedMaterial(
    std::string_view store_id, const std::function<Status(const KeyRecord&)>& check) {
  KeyRecord before;
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, txn.GetKey(store_id));
    before = key;
    KMS_RETURN_IF_ERROR(check(key));
    KMS_RETURN_IF_ERROR(txn.DeleteKeyMaterial(key.store_id()));
    key.state = KeyState::kPendingImport;
    key.expiration_model.clear();
    key.valid_to = 0;
    return txn.PutKey(key);
  }));
  ForgetMaterial(before);
  return store_.GetKey(store_id);
}

std::string KeyService::MaterialFingerprint(const SecretBytes& material) const {
  const SecretBytes key = root_key_->Derive("kmsd imported material fingerprint v1");
  return HexEncode(crypto::HmacSha256(key.view(), material.view()));
}

void KeyService::ForgetMaterial(const KeyRecord& key) {
  std::unique_lock lock(material_mu_);
  for (const KeyVersion& v : key.versions)
    material_cache_.erase(MaterialCacheKey(key.store_id(), v.version));
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::RotateKey(
    std::string_view store_id, std::string_view rotation_type,
    const std::function<Status(const KeyRecord&)>& check) {
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, txn.GetKey(store_id));
    if (check) KMS_RETURN_IF_ERROR(check(key));
    KMS_ASSIGN_OR_RETURN(SecretBytes material, NewMaterial(key.key_spec));
    KMS_ASSIGN_OR_RETURN(KeyVersion version,
                         StoreVersion(txn, key, key.current().version + 1, material));
    version.rotation_type = rotation_type;
    // A multi-Region key's replicas rotate with it, to the same material.
    return ForEachInSet(txn, key, [&](KeyRecord& member) -> Status {
      if (member.region == key.region) {
        member.versions.push_back(version);
      } else {
        KMS_RETURN_IF_ERROR(CopyVersion(txn, member, version, material));
      }
      if (member.rotation_enabled && rotation_type == "AUTOMATIC")
        member.next_rotation_date = clock_.NowMillis() + member.rotation_period_days * kDayMillis;
      return OkStatus();
    });
  }));
  return store_.GetKey(store_id);
}

StatusOr<std::shared_ptr<const SecretBytes>> KeyService::BackingKey(const KeyRecord& key,
                                                                    uint32_t version) {
  const std::string cache_key = MaterialCacheKey(key.store_id(), version);
  {
    std::shared_lock lock(material_mu_);
    if (auto it = material_cache_.find(cache_key); it != material_cache_.end()) return it->second;
  }
  auto wrapped = store_.GetKeyMaterial(key.store_id(), version);
  if (!wrapped) {
    if (wrapped.error().code() == Code::kNotFound) return Error(Code::kInvalidCiphertext);
    return std::unexpected(wrapped.error());
  }
  KMS_ASSIGN_OR_RETURN(SecretBytes material, root_key_->Unwrap(*wrapped, key.Arn(), version));
  auto shared = std::make_shared<const SecretBytes>(std::move(material));
  std::unique_lock lock(material_mu_);
  material_cache_.emplace(cache_key, shared);
  return shared;
}

StatusOr<Bytes> KeyService::Encrypt(const KeyRecord& key, ByteView plaintext,
                                    const EncryptionContext& context) {
  const uint32_t version = key.current().version;
  KMS_ASSIGN_OR_RETURN(std::shared_ptr<const SecretBytes> backing, BackingKey(key, version));
  return SealCiphertextBlob(*backing, key.key_id, version, plaintext, context);
}

StatusOr<KeyService::BlobKey> KeyService::IdentifyBlob(const Scope& scope, ByteView ciphertext) {
  KMS_ASSIGN_OR_RETURN(CiphertextBlob blob, ParseCiphertextBlob(ciphertext));
  // A multi-Region key's ciphertext decrypts under the key of its set in
  // this region.
  auto key = store_.GetKey(KeyStoreId(BlobKeyId(blob), scope.region));
  if (!key && key.error().code() != Code::kNotFound) return std::unexpected(key.error());
  // A ciphertext can only be decrypted in its key's region.
  if (!key || (*key)->region != scope.region) {
    return Error(Code::kAccessDenied,
                 "The ciphertext refers to a customer master key that does not exist, does not "
                 "exist in this "
                 "region, or you are not allowed to access.");
  }
  if (blob.key_version == 0 || blob.key_version > (*key)->current().version)
    return Error(Code::kInvalidCiphertext);
  return BlobKey{std::move(blob), std::move(*key)};
}

StatusOr<SecretBytes> KeyService::Decrypt(const BlobKey& blob_key,
                                          const EncryptionContext& context) {
  KMS_ASSIGN_OR_RETURN(std::shared_ptr<const SecretBytes> backing,
                       BackingKey(*blob_key.key, blob_key.blob.key_version));
  return OpenCiphertextBlob(*backing, blob_key.blob, context);
}

StatusOr<int> KeyService::RunMaintenance(const MaintenanceRecorder& record) {
  KMS_ASSIGN_OR_RETURN(auto all, store_.AllKeys());
  const EpochMillis now = clock_.NowMillis();
  int changed = 0;
  for (const auto& key : all) {
    MaintenanceChange change{MaintenanceChange::Kind::kDeleted, key, ""};
    // The change waits in one transaction for its record.
    std::unique_ptr<CallChanges> changes = store_.CollectChanges();
    if (key->state == KeyState::kPendingDeletion && key->deletion_date <= now) {
      // Still due as stored now (a CancelKeyDeletion may have come since the scan)?
      bool due = false;
      KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
        KMS_ASSIGN_OR_RETURN(KeyRecord current, txn.GetKey(key->store_id()));
        due = current.state == KeyState::kPendingDeletion && current.deletion_date <= now;
        if (!due) return OkStatus();
        KMS_RETURN_IF_ERROR(ForgetReplica(txn, current));
        return txn.DeleteKey(key->store_id());
      }));
      if (!due) continue;
    } else if ((key->state == KeyState::kEnabled || key->state == KeyState::kDisabled) &&
               key->valid_to != 0 && key->valid_to <= now) {
      // Imported key material whose ValidTo has passed (still, as stored now:
      // a re-import may have moved it since the scan).
      auto expired =
          DeleteImportedMaterial(key->store_id(), [&](const KeyRecord& current) -> Status {
            if (current.valid_to != 0 && current.valid_to <= now) return OkStatus();
            return Error(Code::kInvalidState);
          });
      if (!expired && expired.error().code() == Code::kInvalidState) continue;
      if (!expired) return std::unexpected(expired.error());
      change.kind = MaintenanceChange::Kind::kMaterialExpired;
    } else if (key->state == KeyState::kEnabled && key->rotation_enabled &&
               key->origin == "AWS_KMS" && key->next_rotation_date <= now &&
               !key->is_replica()) {  // replicas rotate with their primary
      KMS_ASSIGN_OR_RETURN(auto rotated, RotateKey(key->store_id(), "AUTOMATIC"));
      change.kind = MaintenanceChange::Kind::kRotated;
      change.key_material_id = rotated->current().material_id;
    } else {
      continue;
    }
    if (record) KMS_RETURN_IF_ERROR(record(change, *changes));
    KMS_RETURN_IF_ERROR(changes->Commit());
    if (change.kind == MaintenanceChange::Kind::kDeleted) ForgetMaterial(*key);
    ++changed;
  }
  return changed;
}

}  // namespace kms::keys
