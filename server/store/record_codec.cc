#include "record_codec.h"

#include "kms/json/reader.h"
#include "kms/json/writer.h"

namespace kms::store {
namespace {

using rapidjson::Value;

std::unexpected<Status> Corrupt(std::string_view what) {
  return Error(Code::kInternal, "store: corrupt " + std::string(what) + " record");
}

// Moves a member read with json::Find* into `out`; false when it was absent
// or of another type, so that decoders can AND their reads together.
template <class T>
bool Take(std::optional<T> found, T* out) {
  if (!found) return false;
  *out = std::move(*found);
  return true;
}
bool Take(std::optional<int64_t> found, int* out) {
  if (!found) return false;
  *out = static_cast<int>(*found);
  return true;
}

// The records' object text, or nothing when it does not parse into an object.
bool Parse(std::string_view json, rapidjson::Document* doc) {
  // Records are ours and shallow; the limits only bound a corrupt one.
  return json::Parse(json, JsonTextLimits{.max_depth = 8}, doc).ok() && doc->IsObject();
}

}  // namespace

std::string EncodeKey(const KeyRecord& key) {
  json::Writer w;
  w.StartObject();
  w.Field("key_id", key.key_id).Field("account", key.account).Field("region", key.region);
  w.Field("key_manager", KeyManagerName(key.key_manager)).Field("state", KeyStateName(key.state));
  w.Field("description", key.description)
      .Field("key_spec", key.key_spec)
      .Field("key_usage", key.key_usage);
  w.Field("origin", key.origin);
  w.Int("creation_date", key.creation_date).Int("deletion_date", key.deletion_date);
  w.Int("pending_window_days", key.pending_window_days);
  w.Field("policy", key.policy).Field("rotation_enabled", key.rotation_enabled);
  w.Int("rotation_period_days", key.rotation_period_days)
      .Int("next_rotation_date", key.next_rotation_date);
  w.Key("tags").StartArray();
  for (const Tag& tag : key.tags)
    w.StartObject().Field("key", tag.key).Field("value", tag.value).EndObject();
  w.EndArray();
  if (!key.import_fingerprint.empty()) w.Field("import_fingerprint", key.import_fingerprint);
  if (!key.expiration_model.empty()) w.Field("expiration_model", key.expiration_model);
  if (key.valid_to != 0) w.Int("valid_to", key.valid_to);
  if (key.multi_region) {
    w.Key("multi_region").StartObject().Field("primary_region", key.multi_region->primary_region);
    w.Key("replica_regions").StartArray();
    for (const std::string& region : key.multi_region->replica_regions) w.String(region);
    w.EndArray().EndObject();
  }
  w.Key("versions").StartArray();
  for (const KeyVersion& v : key.versions) {
    w.StartObject()
        .Uint("version", v.version)
        .Field("material_id", v.material_id)
        .Int("created", v.created);
    if (!v.rotation_type.empty()) w.Field("rotation_type", v.rotation_type);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

StatusOr<KeyRecord> DecodeKey(std::string_view text) {
  rapidjson::Document doc;
  if (!Parse(text, &doc)) return Corrupt("key");
  KeyRecord key;
  std::string manager, state;
  const bool ok = Take(json::FindString(doc, "key_id"), &key.key_id) &&
                  Take(json::FindString(doc, "account"), &key.account) &&
                  Take(json::FindString(doc, "region"), &key.region) &&
                  Take(json::FindString(doc, "key_manager"), &manager) &&
                  Take(json::FindString(doc, "state"), &state) &&
                  ParseKeyState(state, &key.state) &&
                  Take(json::FindString(doc, "description"), &key.description) &&
                  Take(json::FindString(doc, "key_spec"), &key.key_spec) &&
                  Take(json::FindString(doc, "key_usage"), &key.key_usage) &&
                  Take(json::FindString(doc, "origin"), &key.origin) &&
                  Take(json::FindInt(doc, "creation_date"), &key.creation_date) &&
                  Take(json::FindInt(doc, "deletion_date"), &key.deletion_date) &&
                  Take(json::FindInt(doc, "pending_window_days"), &key.pending_window_days) &&
                  Take(json::FindString(doc, "policy"), &key.policy) &&
                  Take(json::FindBool(doc, "rotation_enabled"), &key.rotation_enabled) &&
                  Take(json::FindInt(doc, "rotation_period_days"), &key.rotation_period_days) &&
                  Take(json::FindInt(doc, "next_rotation_date"), &key.next_rotation_date);
  if (!ok) return Corrupt("key");
  key.key_manager = manager == "AWS" ? KeyManager::kAws : KeyManager::kCustomer;
  const Value* tags = json::FindArray(doc, "tags");
  const Value* versions = json::FindArray(doc, "versions");
  if (tags == nullptr || versions == nullptr) return Corrupt("key");
  for (const Value& t : tags->GetArray()) {
    Tag tag;
    if (!Take(json::FindString(t, "key"), &tag.key) ||
        !Take(json::FindString(t, "value"), &tag.value)) {
      return Corrupt("key");
    }
    key.tags.push_back(std::move(tag));
  }
  for (const Value& v : versions->GetArray()) {
    KeyVersion version;
    int64_t number = 0;
    if (!Take(json::FindInt(v, "version"), &number) ||
        !Take(json::FindString(v, "material_id"), &version.material_id) ||
        !Take(json::FindInt(v, "created"), &version.created)) {
      return Corrupt("key");
    }
    version.version = static_cast<uint32_t>(number);
    if (const auto type = json::FindString(v, "rotation_type")) version.rotation_type = *type;
    key.versions.push_back(std::move(version));
  }
  if (key.versions.empty() && key.state != KeyState::kPendingImport) return Corrupt("key");
  if (auto v = json::FindString(doc, "import_fingerprint")) key.import_fingerprint = *v;
  if (auto v = json::FindString(doc, "expiration_model")) key.expiration_model = *v;
  if (auto v = json::FindInt(doc, "valid_to")) key.valid_to = *v;
  if (const Value* set = json::FindObject(doc, "multi_region")) {
    MultiRegionSet& out = key.multi_region.emplace();
    const Value* replicas = json::FindArray(*set, "replica_regions");
    if (!Take(json::FindString(*set, "primary_region"), &out.primary_region) || !replicas)
      return Corrupt("key");
    for (const Value& region : replicas->GetArray()) {
      if (!region.IsString()) return Corrupt("key");
      out.replica_regions.emplace_back(region.GetString(), region.GetStringLength());
    }
  }
  return key;
}

std::string EncodeAlias(const AliasRecord& alias) {
  json::Writer w;
  w.StartObject().Field("account", alias.account).Field("region", alias.region);
  w.Field("alias_name", alias.alias_name).Field("target_key_id", alias.target_key_id);
  w.Int("creation_date", alias.creation_date).Int("last_updated_date", alias.last_updated_date);
  w.EndObject();
  return w.Take();
}

StatusOr<AliasRecord> DecodeAlias(std::string_view text) {
  rapidjson::Document doc;
  AliasRecord alias;
  if (!Parse(text, &doc) || !Take(json::FindString(doc, "account"), &alias.account) ||
      !Take(json::FindString(doc, "region"), &alias.region) ||
      !Take(json::FindString(doc, "alias_name"), &alias.alias_name) ||
      !Take(json::FindString(doc, "target_key_id"), &alias.target_key_id) ||
      !Take(json::FindInt(doc, "creation_date"), &alias.creation_date) ||
      !Take(json::FindInt(doc, "last_updated_date"), &alias.last_updated_date)) {
    return Corrupt("alias");
  }
  return alias;
}

std::string EncodeGrant(const GrantRecord& grant) {
  json::Writer w;
  w.StartObject()
      .Field("grant_id", grant.grant_id)
      .Field("key_id", grant.key_id)
      .Field("name", grant.name);
  w.Int("creation_date", grant.creation_date).Field("grantee_principal", grant.grantee_principal);
  w.Field("retiring_principal", grant.retiring_principal)
      .Field("issuing_account", grant.issuing_account);
  w.StringList("operations", grant.operations);
  if (grant.encryption_context_subset)
    w.StringMap("encryption_context_subset", *grant.encryption_context_subset);
  if (grant.encryption_context_equals)
    w.StringMap("encryption_context_equals", *grant.encryption_context_equals);
  w.Field("for_aws_resource", grant.for_aws_resource);
  w.EndObject();
  return w.Take();
}

StatusOr<GrantRecord> DecodeGrant(std::string_view text) {
  rapidjson::Document doc;
  GrantRecord grant;
  if (!Parse(text, &doc) || !Take(json::FindString(doc, "grant_id"), &grant.grant_id) ||
      !Take(json::FindString(doc, "key_id"), &grant.key_id) ||
      !Take(json::FindString(doc, "name"), &grant.name) ||
      !Take(json::FindInt(doc, "creation_date"), &grant.creation_date) ||
      !Take(json::FindString(doc, "grantee_principal"), &grant.grantee_principal) ||
      !Take(json::FindString(doc, "retiring_principal"), &grant.retiring_principal) ||
      !Take(json::FindString(doc, "issuing_account"), &grant.issuing_account) ||
      !Take(json::FindBool(doc, "for_aws_resource"), &grant.for_aws_resource) ||
      !Take(json::FindStringList(doc, "operations"), &grant.operations)) {
    return Corrupt("grant");
  }
  // Optional members: absent is fine, present must be a context.
  for (const auto& [name, context] :
       {std::pair{"encryption_context_subset", &grant.encryption_context_subset},
        std::pair{"encryption_context_equals", &grant.encryption_context_equals}}) {
    if (!doc.HasMember(name)) continue;
    *context = json::FindStringMap(doc, name);
    if (!*context) return Corrupt("grant");
  }
  return grant;
}

}  // namespace kms::store
