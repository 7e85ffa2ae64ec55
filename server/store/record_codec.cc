#include "server/store/record_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace kms::store {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using rapidjson::Value;

std::unexpected<Status> Corrupt(std::string_view what) {
  return Error(Code::kInternal, "store: corrupt " + std::string(what) + " record");
}

void WriteString(Writer& w, const char* name, std::string_view value) {
  w.Key(name);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void WriteContext(Writer& w, const EncryptionContext& context) {
  w.StartObject();
  for (const auto& [key, value] : context) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w.EndObject();
}

// Typed readers over a decoded object; each returns false on a missing member
// or a wrong type, so decoders can AND them together.
bool Read(const Value& o, const char* name, std::string* out) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsString()) return false;
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}
bool Read(const Value& o, const char* name, int64_t* out) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsInt64()) return false;
  *out = it->value.GetInt64();
  return true;
}
bool Read(const Value& o, const char* name, int* out) {
  int64_t v = 0;
  if (!Read(o, name, &v)) return false;
  *out = static_cast<int>(v);
  return true;
}
bool Read(const Value& o, const char* name, bool* out) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsBool()) return false;
  *out = it->value.GetBool();
  return true;
}
bool ReadContext(const Value& v, EncryptionContext* out) {
  if (!v.IsObject()) return false;
  for (auto& m : v.GetObject()) {
    if (!m.value.IsString()) return false;
    (*out)[std::string(m.name.GetString(), m.name.GetStringLength())] =
        std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return true;
}

bool Parse(std::string_view json, rapidjson::Document* doc) {
  doc->Parse(json.data(), json.size());
  return !doc->HasParseError() && doc->IsObject();
}

std::string Finish(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string EncodeKey(const KeyRecord& key) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteString(w, "key_id", key.key_id);
  WriteString(w, "account", key.account);
  WriteString(w, "region", key.region);
  WriteString(w, "key_manager", KeyManagerName(key.key_manager));
  WriteString(w, "state", KeyStateName(key.state));
  WriteString(w, "description", key.description);
  WriteString(w, "key_spec", key.key_spec);
  WriteString(w, "key_usage", key.key_usage);
  WriteString(w, "origin", key.origin);
  w.Key("creation_date");
  w.Int64(key.creation_date);
  w.Key("deletion_date");
  w.Int64(key.deletion_date);
  w.Key("pending_window_days");
  w.Int(key.pending_window_days);
  WriteString(w, "policy", key.policy);
  w.Key("rotation_enabled");
  w.Bool(key.rotation_enabled);
  w.Key("rotation_period_days");
  w.Int(key.rotation_period_days);
  w.Key("next_rotation_date");
  w.Int64(key.next_rotation_date);
  w.Key("tags");
  w.StartArray();
  for (const Tag& tag : key.tags) {
    w.StartObject();
    WriteString(w, "key", tag.key);
    WriteString(w, "value", tag.value);
    w.EndObject();
  }
  w.EndArray();
  w.Key("versions");
  w.StartArray();
  for (const KeyVersion& v : key.versions) {
    w.StartObject();
    w.Key("version");
    w.Uint(v.version);
    WriteString(w, "material_id", v.material_id);
    w.Key("created");
    w.Int64(v.created);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Finish(buffer);
}

StatusOr<KeyRecord> DecodeKey(std::string_view json) {
  rapidjson::Document doc;
  if (!Parse(json, &doc)) return Corrupt("key");
  KeyRecord key;
  std::string manager, state;
  bool ok = Read(doc, "key_id", &key.key_id) && Read(doc, "account", &key.account) &&
            Read(doc, "region", &key.region) && Read(doc, "key_manager", &manager) &&
            Read(doc, "state", &state) && ParseKeyState(state, &key.state) &&
            Read(doc, "description", &key.description) && Read(doc, "key_spec", &key.key_spec) &&
            Read(doc, "key_usage", &key.key_usage) && Read(doc, "origin", &key.origin) &&
            Read(doc, "creation_date", &key.creation_date) &&
            Read(doc, "deletion_date", &key.deletion_date) &&
            Read(doc, "pending_window_days", &key.pending_window_days) &&
            Read(doc, "policy", &key.policy) && Read(doc, "rotation_enabled", &key.rotation_enabled) &&
            Read(doc, "rotation_period_days", &key.rotation_period_days) &&
            Read(doc, "next_rotation_date", &key.next_rotation_date);
  if (!ok) return Corrupt("key");
  key.key_manager = manager == "AWS" ? KeyManager::kAws : KeyManager::kCustomer;
  auto tags = doc.FindMember("tags");
  auto versions = doc.FindMember("versions");
  if (tags == doc.MemberEnd() || !tags->value.IsArray() || versions == doc.MemberEnd() ||
      !versions->value.IsArray()) {
    return Corrupt("key");
  }
  for (const Value& t : tags->value.GetArray()) {
    Tag tag;
    if (!t.IsObject() || !Read(t, "key", &tag.key) || !Read(t, "value", &tag.value)) return Corrupt("key");
    key.tags.push_back(std::move(tag));
  }
  for (const Value& v : versions->value.GetArray()) {
    KeyVersion version;
    int64_t number = 0;
    if (!v.IsObject() || !Read(v, "version", &number) || !Read(v, "material_id", &version.material_id) ||
        !Read(v, "created", &version.created)) {
      return Corrupt("key");
    }
    version.version = static_cast<uint32_t>(number);
    key.versions.push_back(std::move(version));
  }
  if (key.versions.empty()) return Corrupt("key");
  return key;
}

std::string EncodeAlias(const AliasRecord& alias) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteString(w, "account", alias.account);
  WriteString(w, "region", alias.region);
  WriteString(w, "alias_name", alias.alias_name);
  WriteString(w, "target_key_id", alias.target_key_id);
  w.Key("creation_date");
  w.Int64(alias.creation_date);
  w.Key("last_updated_date");
  w.Int64(alias.last_updated_date);
  w.EndObject();
  return Finish(buffer);
}

StatusOr<AliasRecord> DecodeAlias(std::string_view json) {
  rapidjson::Document doc;
  AliasRecord alias;
  if (!Parse(json, &doc) || !Read(doc, "account", &alias.account) || !Read(doc, "region", &alias.region) ||
      !Read(doc, "alias_name", &alias.alias_name) || !Read(doc, "target_key_id", &alias.target_key_id) ||
      !Read(doc, "creation_date", &alias.creation_date) ||
      !Read(doc, "last_updated_date", &alias.last_updated_date)) {
    return Corrupt("alias");
  }
  return alias;
}

std::string EncodeGrant(const GrantRecord& grant) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteString(w, "grant_id", grant.grant_id);
  WriteString(w, "key_id", grant.key_id);
  WriteString(w, "name", grant.name);
  w.Key("creation_date");
  w.Int64(grant.creation_date);
  WriteString(w, "grantee_principal", grant.grantee_principal);
  WriteString(w, "retiring_principal", grant.retiring_principal);
  WriteString(w, "issuing_account", grant.issuing_account);
  w.Key("operations");
  w.StartArray();
  for (const std::string& op : grant.operations) w.String(op.data(), static_cast<rapidjson::SizeType>(op.size()));
  w.EndArray();
  if (grant.encryption_context_subset) {
    w.Key("encryption_context_subset");
    WriteContext(w, *grant.encryption_context_subset);
  }
  if (grant.encryption_context_equals) {
    w.Key("encryption_context_equals");
    WriteContext(w, *grant.encryption_context_equals);
  }
  w.Key("for_aws_resource");
  w.Bool(grant.for_aws_resource);
  w.EndObject();
  return Finish(buffer);
}

StatusOr<GrantRecord> DecodeGrant(std::string_view json) {
  rapidjson::Document doc;
  GrantRecord grant;
  if (!Parse(json, &doc) || !Read(doc, "grant_id", &grant.grant_id) || !Read(doc, "key_id", &grant.key_id) ||
      !Read(doc, "name", &grant.name) || !Read(doc, "creation_date", &grant.creation_date) ||
      !Read(doc, "grantee_principal", &grant.grantee_principal) ||
      !Read(doc, "retiring_principal", &grant.retiring_principal) ||
      !Read(doc, "issuing_account", &grant.issuing_account) ||
      !Read(doc, "for_aws_resource", &grant.for_aws_resource)) {
    return Corrupt("grant");
  }
  auto ops = doc.FindMember("operations");
  if (ops == doc.MemberEnd() || !ops->value.IsArray()) return Corrupt("grant");
  for (const Value& op : ops->value.GetArray()) {
    if (!op.IsString()) return Corrupt("grant");
    grant.operations.emplace_back(op.GetString(), op.GetStringLength());
  }
  if (auto it = doc.FindMember("encryption_context_subset"); it != doc.MemberEnd()) {
    grant.encryption_context_subset.emplace();
    if (!ReadContext(it->value, &*grant.encryption_context_subset)) return Corrupt("grant");
  }
  if (auto it = doc.FindMember("encryption_context_equals"); it != doc.MemberEnd()) {
    grant.encryption_context_equals.emplace();
    if (!ReadContext(it->value, &*grant.encryption_context_equals)) return Corrupt("grant");
  }
  return grant;
}

}  // namespace kms::store
