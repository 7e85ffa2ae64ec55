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
  auto key = store_.GetKey(key_id);
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
  // SYMMETRIC_DEFAULT: a 256-bit AES key; other specs: an HMAC key or a
  // private key (PKCS#8).
  SecretBytes material;
  if (key.key_spec == "SYMMETRIC_DEFAULT") {
    material = crypto::RandomSecret(32);
  } else {
    KMS_ASSIGN_OR_RETURN(material, crypto::NewKeyMaterial(key.key_spec));
  }
  return StoreVersion(txn, key, version, material);
}

StatusOr<KeyVersion> KeyService::StoreVersion(KeyStoreTxn& txn, const KeyRecord& key,
                                              uint32_t version, const SecretBytes& material) {
  KMS_ASSIGN_OR_RETURN(Bytes wrapped, root_key_->Wrap(material, key.Arn(), version));
  KMS_RETURN_IF_ERROR(txn.PutKeyMaterial(key.key_id, version, wrapped));
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

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::CreateKey(const CreateKeyParams& params) {
  KeyRecord key;
  key.key_id = NewUuid();
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
  return store_.GetKey(key.key_id);
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::UpdateKey(
    std::string_view key_id, const std::function<Status(KeyRecord&)>& mutate) {
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, txn.GetKey(key_id));
    KMS_RETURN_IF_ERROR(mutate(key));
    return txn.PutKey(key);
  }));
  return store_.GetKey(key_id);
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::ImportMaterial(
    std::string_view key_id, const SecretBytes& material,
    const std::function<Status(KeyRecord&)>& check) {
  KeyRecord before;
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, txn.GetKey(key_id));
    before = key;
    KMS_RETURN_IF_ERROR(check(key));
    if (key.versions.empty()) {
      KMS_ASSIGN_OR_RETURN(KeyVersion version, StoreVersion(txn, key, 1, material));
      key.versions.push_back(std::move(version));
    } else {
      KMS_ASSIGN_OR_RETURN(Bytes wrapped,
                           root_key_->Wrap(material, key.Arn(), key.current().version));
      KMS_RETURN_IF_ERROR(txn.PutKeyMaterial(key.key_id, key.current().version, wrapped));
    }
    return txn.PutKey(key);
  }));
  ForgetMaterial(before);
  return store_.GetKey(key_id);
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::DeleteImportedMaterial(
    std::string_view key_id, const std::function<Status(const KeyRecord&)>& check) {
  KeyRecord before;
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, txn.GetKey(key_id));
    before = key;
    KMS_RETURN_IF_ERROR(check(key));
    KMS_RETURN_IF_ERROR(txn.DeleteKeyMaterial(key.key_id));
    key.state = KeyState::kPendingImport;
    key.expiration_model.clear();
    key.valid_to = 0;
    return txn.PutKey(key);
  }));
  ForgetMaterial(before);
  return store_.GetKey(key_id);
}

std::string KeyService::MaterialFingerprint(const SecretBytes& material) const {
  const SecretBytes key = root_key_->Derive("kmsd imported material fingerprint v1");
  return HexEncode(crypto::HmacSha256(key.view(), material.view()));
}

void KeyService::ForgetMaterial(const KeyRecord& key) {
  std::unique_lock lock(material_mu_);
  for (const KeyVersion& v : key.versions)
    material_cache_.erase(MaterialCacheKey(key.key_id, v.version));
}

StatusOr<std::shared_ptr<const KeyRecord>> KeyService::RotateKey(
    std::string_view key_id, std::string_view rotation_type,
    const std::function<Status(const KeyRecord&)>& check) {
  KMS_RETURN_IF_ERROR(store_.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(KeyRecord key, txn.GetKey(key_id));
    if (check) KMS_RETURN_IF_ERROR(check(key));
    KMS_ASSIGN_OR_RETURN(KeyVersion version, AddVersion(txn, key, key.current().version + 1));
    version.rotation_type = rotation_type;
    key.versions.push_back(std::move(version));
    if (key.rotation_enabled && rotation_type == "AUTOMATIC")
      key.next_rotation_date = clock_.NowMillis() + key.rotation_period_days * kDayMillis;
    return txn.PutKey(key);
  }));
  return store_.GetKey(key_id);
}

StatusOr<std::shared_ptr<const SecretBytes>> KeyService::BackingKey(const KeyRecord& key,
                                                                    uint32_t version) {
  const std::string cache_key = MaterialCacheKey(key.key_id, version);
  {
    std::shared_lock lock(material_mu_);
    if (auto it = material_cache_.find(cache_key); it != material_cache_.end()) return it->second;
  }
  auto wrapped = store_.GetKeyMaterial(key.key_id, version);
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
  KeyIdBytes id;
  KMS_CHECK(ParseUuid(key.key_id, &id));
  const uint32_t version = key.current().version;
  KMS_ASSIGN_OR_RETURN(std::shared_ptr<const SecretBytes> backing, BackingKey(key, version));
  return SealCiphertextBlob(*backing, id, version, plaintext, context);
}

StatusOr<KeyService::BlobKey> KeyService::IdentifyBlob(const Scope& scope, ByteView ciphertext) {
  KMS_ASSIGN_OR_RETURN(CiphertextBlob blob, ParseCiphertextBlob(ciphertext));
  auto key = store_.GetKey(FormatUuid(blob.key_id));
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
        KMS_ASSIGN_OR_RETURN(KeyRecord current, txn.GetKey(key->key_id));
        due = current.state == KeyState::kPendingDeletion && current.deletion_date <= now;
        return due ? txn.DeleteKey(key->key_id) : OkStatus();
      }));
      if (!due) continue;
    } else if ((key->state == KeyState::kEnabled || key->state == KeyState::kDisabled) &&
               key->valid_to != 0 && key->valid_to <= now) {
      // Imported key material whose ValidTo has passed (still, as stored now:
      // a re-import may have moved it since the scan).
      auto expired = DeleteImportedMaterial(key->key_id, [&](const KeyRecord& current) -> Status {
        if (current.valid_to != 0 && current.valid_to <= now) return OkStatus();
        return Error(Code::kInvalidState);
      });
      if (!expired && expired.error().code() == Code::kInvalidState) continue;
      if (!expired) return std::unexpected(expired.error());
      change.kind = MaintenanceChange::Kind::kMaterialExpired;
    } else if (key->state == KeyState::kEnabled && key->rotation_enabled &&
               key->origin == "AWS_KMS" && key->next_rotation_date <= now) {
      KMS_ASSIGN_OR_RETURN(auto rotated, RotateKey(key->key_id, "AUTOMATIC"));
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
