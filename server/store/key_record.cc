#include "kms/server/store/key_record.h"

#include <array>
#include <utility>

namespace kms {
namespace {
constexpr std::array<std::pair<KeyState, std::string_view>, 8> kKeyStateNames = {{
    {KeyState::kCreating, "Creating"},
    {KeyState::kEnabled, "Enabled"},
    {KeyState::kDisabled, "Disabled"},
    {KeyState::kPendingDeletion, "PendingDeletion"},
    {KeyState::kPendingImport, "PendingImport"},
    {KeyState::kPendingReplicaDeletion, "PendingReplicaDeletion"},
    {KeyState::kUnavailable, "Unavailable"},
    {KeyState::kUpdating, "Updating"},
}};
}  // namespace

std::string_view KeyStateName(KeyState state) {
  for (const auto& [value, name] : kKeyStateNames) {
    if (value == state) return name;
  }
  return "Unavailable";
}

bool ParseKeyState(std::string_view name, KeyState* state) {
  for (const auto& [value, text] : kKeyStateNames) {
    if (text == name) {
      *state = value;
      return true;
    }
  }
  return false;
}

std::string_view KeyManagerName(KeyManager manager) {
  return manager == KeyManager::kAws ? "AWS" : "CUSTOMER";
}

std::string KeyArn(std::string_view region, std::string_view account, std::string_view key_id) {
  std::string arn = "arn:aws:kms:";
  arn.append(region).append(":").append(account).append(":key/").append(key_id);
  return arn;
}

std::string AliasArn(std::string_view region, std::string_view account,
                     std::string_view alias_name) {
  std::string arn = "arn:aws:kms:";
  arn.append(region).append(":").append(account).append(":").append(alias_name);
  return arn;
}

bool IsMultiRegionKeyId(std::string_view key_id) { return key_id.starts_with("mrk-"); }

std::string KeyStoreId(std::string_view key_id, std::string_view region) {
  std::string id(key_id);
  if (IsMultiRegionKeyId(key_id)) id.append("/").append(region);
  return id;
}

std::string_view MultiRegionKeyType(const KeyRecord& key) {
  return key.is_replica() ? "REPLICA" : "PRIMARY";
}

std::vector<std::string> KeyRecord::SetRegions() const {
  if (!multi_region) return {region};
  std::vector<std::string> regions{multi_region->primary_region};
  regions.insert(regions.end(), multi_region->replica_regions.begin(),
                 multi_region->replica_regions.end());
  return regions;
}

std::string KeyRecord::Arn() const { return KeyArn(region, account, key_id); }

const KeyVersion& KeyRecord::current() const {
  static const KeyVersion kNone;
  return versions.empty() ? kNone : versions.back();
}

}  // namespace kms
