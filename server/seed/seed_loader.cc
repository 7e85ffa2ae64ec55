#include "kms/server/seed/seed_loader.h"

#include <algorithm>
#include <memory>

#include "kms/server/keys/grants.h"

namespace kms::seed {
namespace {

// What one transaction created, kept until its records are written.
struct Created {
  std::vector<std::unique_ptr<KeyRecord>> keys;
  std::vector<std::unique_ptr<AliasRecord>> aliases;
  std::vector<std::unique_ptr<GrantRecord>> grants;
  std::vector<SeededChange> changes;
};

std::string AccountList(const std::vector<std::string>& accounts) {
  std::string list;
  for (const std::string& a : accounts) list += (list.empty() ? "" : ", ") + a;
  return list;
}

}  // namespace

StatusOr<SeedResult> ApplySeed(const Seed& seed, keys::KeyService& keys, KeyStore& store,
                               const std::vector<std::string>& accounts,
                               const SeedRecorder& record) {
  for (const SeedKey& key : seed.keys) {
    if (std::ranges::find(accounts, key.record.account) == accounts.end())
      return Error(Code::kValidation, key.location + ": key " + key.record.key_id +
                                          " is in account " + key.record.account +
                                          ", which is not one of the config's accounts (" +
                                          AccountList(accounts) + ")");
  }
  const EpochMillis now = keys.clock().NowMillis();
  SeedResult result;
  Created created;
  // Every change waits in one transaction for its record.
  std::unique_ptr<CallChanges> changes = store.CollectChanges();
  KMS_RETURN_IF_ERROR(store.Update([&](KeyStoreTxn& txn) -> Status {
    std::vector<std::string> new_key_ids;
    for (const SeedKey& seeded : seed.keys) {
      auto existing = txn.GetKey(seeded.record.store_id());
      if (existing) {
        ++result.keys_kept;
        result.notes.push_back("key " + seeded.record.key_id + " exists; left as it is");
        continue;
      }
      if (existing.error().code() != Code::kNotFound) return std::unexpected(existing.error());
      auto key = std::make_unique<KeyRecord>(seeded.record);
      key->creation_date = now;
      if (key->policy.empty()) key->policy = keys::DefaultKeyPolicy(key->account);
      if (key->state == KeyState::kPendingDeletion)
        key->deletion_date = now + key->pending_window_days * kDayMillis;
      if (key->origin == "EXTERNAL" && !seeded.materials.empty()) {
        // As if imported: only the same material may be imported again.
        key->import_fingerprint = keys.MaterialFingerprint(seeded.materials.back());
        key->expiration_model = "KEY_MATERIAL_DOES_NOT_EXPIRE";
      }
      if (key->rotation_enabled && key->next_rotation_date == 0)
        key->next_rotation_date = now + key->rotation_period_days * kDayMillis;
      KMS_RETURN_IF_ERROR(keys.PutKeyWithMaterial(txn, *key, seeded.materials));
      // A multi-Region key's replicas come with it, with its key material.
      std::vector<std::unique_ptr<KeyRecord>> set;
      for (const std::string& region :
           key->multi_region ? key->multi_region->replica_regions : std::vector<std::string>{}) {
        auto replica = std::make_unique<KeyRecord>(*key);
        replica->region = region;
        KMS_RETURN_IF_ERROR(keys.PutReplicaWithMaterial(txn, *key, *replica, seeded.materials));
        set.push_back(std::move(replica));
      }
      set.insert(set.begin(), std::move(key));
      for (std::unique_ptr<KeyRecord>& member : set) {
        new_key_ids.push_back(member->store_id());
        created.changes.push_back({SeededChange::Kind::kKey, member.get()});
        created.keys.push_back(std::move(member));
        ++result.keys_created;
      }
    }
    for (const SeedAlias& seeded : seed.aliases) {
      const AliasRecord& wanted = seeded.record;
      auto existing = txn.GetAlias(wanted.account, wanted.region, wanted.alias_name);
      if (existing) {
        ++result.aliases_kept;
        if (existing->target_key_id != wanted.target_key_id)
          result.notes.push_back(wanted.alias_name + " exists and points at " +
                                 existing->target_key_id + ", not at " + wanted.target_key_id +
                                 "; left as it is");
        continue;
      }
      if (existing.error().code() != Code::kNotFound) return std::unexpected(existing.error());
      auto target = txn.GetKey(KeyStoreId(wanted.target_key_id, wanted.region));
      if (!target && target.error().code() != Code::kNotFound)
        return std::unexpected(target.error());
      if (!target || target->account != wanted.account || target->region != wanted.region ||
          target->key_manager != KeyManager::kCustomer)
        return Error(Code::kValidation, seeded.location + ": " + wanted.alias_name +
                                            ": no customer managed key " + wanted.target_key_id +
                                            " in account " + wanted.account + " region " +
                                            wanted.region);
      auto alias = std::make_unique<AliasRecord>(wanted);
      alias->creation_date = alias->last_updated_date = now;
      KMS_RETURN_IF_ERROR(txn.PutAlias(*alias));
      auto key = std::make_unique<KeyRecord>(*std::move(target));
      created.changes.push_back({SeededChange::Kind::kAlias, key.get(), alias.get()});
      created.keys.push_back(std::move(key));
      created.aliases.push_back(std::move(alias));
      ++result.aliases_created;
    }
    for (const SeedGrant& seeded : seed.grants) {
      // Grants come with their key: a key that was there keeps its grants.
      const auto key = std::ranges::find_if(
          created.keys, [&](const auto& k) { return k->store_id() == seeded.record.key_id; });
      if (std::ranges::find(new_key_ids, seeded.record.key_id) == new_key_ids.end()) continue;
      auto grant = std::make_unique<GrantRecord>(seeded.record);
      grant->grant_id = grants::NewGrantId();
      grant->creation_date = now;
      grant->issuing_account = "arn:aws:iam::" + (*key)->account + ":root";
      KMS_RETURN_IF_ERROR(txn.PutGrant(*grant));
      created.changes.push_back({SeededChange::Kind::kGrant, key->get(), nullptr, grant.get()});
      created.grants.push_back(std::move(grant));
      ++result.grants_created;
    }
    return OkStatus();
  }));
  if (record) {
    for (const SeededChange& change : created.changes)
      KMS_RETURN_IF_ERROR(record(change, *changes));
  }
  KMS_RETURN_IF_ERROR(changes->Commit());
  return result;
}

}  // namespace kms::seed
