#include "kms/server/config/config.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "kms/json_text.h"

namespace kms::config {
namespace {

using rapidjson::Value;

std::unexpected<Status> Invalid(const std::string& what) {
  return Error(Code::kValidation, "config: " + what);
}

// Typed member readers: absent members keep their default.
Status ReadString(const Value& object, const char* name, std::string* out,
                  const std::string& where) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return OkStatus();
  if (!it->value.IsString()) return Invalid(where + "." + name + " must be a string");
  *out = it->value.GetString();
  return OkStatus();
}

template <class Int>
Status ReadInt(const Value& object, const char* name, Int* out, int64_t min, int64_t max,
               const std::string& where) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return OkStatus();
  if (!it->value.IsInt64() || it->value.GetInt64() < min || it->value.GetInt64() > max) {
    return Invalid(where + "." + name + " must be an integer in [" + std::to_string(min) + ", " +
                   std::to_string(max) + "]");
  }
  *out = static_cast<Int>(it->value.GetInt64());
  return OkStatus();
}

Status ReadBool(const Value& object, const char* name, bool* out, const std::string& where) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return OkStatus();
  if (!it->value.IsBool()) return Invalid(where + "." + name + " must be true or false");
  *out = it->value.GetBool();
  return OkStatus();
}

const Value* FindObject(const Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string Serialize(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool IsAccountId(std::string_view id) {
  if (id.size() != 12) return false;
  for (char c : id)
    if (c < '0' || c > '9') return false;
  return true;
}

// "policies": {"name": {policy object} | "policy text", ...}
Status ReadPolicies(const Value& object, std::vector<IdentityPolicy>* out,
                    const std::string& where) {
  const Value* policies = FindObject(object, "policies");
  if (policies == nullptr) return OkStatus();
  if (!policies->IsObject())
    return Invalid(where + ".policies must be an object of name -> policy");
  for (auto& member : policies->GetObject()) {
    IdentityPolicy policy{member.name.GetString(), ""};
    if (member.value.IsString())
      policy.document = member.value.GetString();
    else if (member.value.IsObject())
      policy.document = Serialize(member.value);
    else
      return Invalid(where + ".policies." + policy.name + " must be a policy document");
    out->push_back(std::move(policy));
  }
  return OkStatus();
}

Status ReadTags(const Value& object, std::map<std::string, std::string>* out,
                const std::string& where) {
  const Value* tags = FindObject(object, "tags");
  if (tags == nullptr) return OkStatus();
  if (!tags->IsObject()) return Invalid(where + ".tags must be an object");
  for (auto& member : tags->GetObject()) {
    if (!member.value.IsString()) return Invalid(where + ".tags values must be strings");
    (*out)[member.name.GetString()] = member.value.GetString();
  }
  return OkStatus();
}

Status CheckAccessKeyId(const std::string& access_key_id, const std::string& where) {
  if (IsValidAccessKeyId(access_key_id)) return OkStatus();
  return Invalid(where + ".access_key_id must be 1 to " + std::to_string(kMaxAccessKeyIdLength) +
                 " letters, digits or underscores");
}

Status ReadCredentials(const Value& object, Identity* identity, const std::string& where) {
  KMS_RETURN_IF_ERROR(ReadString(object, "access_key_id", &identity->access_key_id, where));
  KMS_RETURN_IF_ERROR(ReadString(object, "secret_access_key", &identity->secret_access_key, where));
  KMS_RETURN_IF_ERROR(ReadString(object, "session_token", &identity->session_token, where));
  if (identity->access_key_id.empty() || identity->secret_access_key.empty()) {
    return Invalid(where + " needs access_key_id and secret_access_key");
  }
  return CheckAccessKeyId(identity->access_key_id, where);
}

StatusOr<Identity> ReadUser(const Value& user, const std::string& account,
                            const std::string& where) {
  if (!user.IsObject()) return Error(Code::kValidation, "config: " + where + " must be an object");
  Identity identity;
  Principal& p = identity.principal;
  std::string name, path = "/";
  KMS_RETURN_IF_ERROR(ReadString(user, "name", &name, where));
  KMS_RETURN_IF_ERROR(ReadString(user, "path", &path, where));
  KMS_RETURN_IF_ERROR(ReadString(user, "user_id", &p.principal_id, where));
  if (name.empty()) return Error(Code::kValidation, "config: " + where + ".name is required");
  if (path.empty() || path.front() != '/' || path.back() != '/') {
    return Error(Code::kValidation, "config: " + where + ".path must begin and end with '/'");
  }
  p.type = PrincipalType::kIamUser;
  p.account = account;
  p.arn = "arn:aws:iam::" + account + ":user" + path + name;
  p.principal_arn = p.arn;
  p.user_name = name;
  if (p.principal_id.empty()) p.principal_id = "AIDA" + account + name.substr(0, 5);
  KMS_RETURN_IF_ERROR(ReadCredentials(user, &identity, where));
  KMS_RETURN_IF_ERROR(ReadPolicies(user, &identity.policies, where));
  KMS_RETURN_IF_ERROR(ReadTags(user, &p.tags, where));
  return identity;
}

StatusOr<Identity> ReadRole(const Value& role, const std::string& account,
                            const std::string& where) {
  if (!role.IsObject()) return Error(Code::kValidation, "config: " + where + " must be an object");
  Identity identity;
  Principal& p = identity.principal;
  std::string name, path = "/", role_id;
  KMS_RETURN_IF_ERROR(ReadString(role, "name", &name, where));
  KMS_RETURN_IF_ERROR(ReadString(role, "path", &path, where));
  KMS_RETURN_IF_ERROR(ReadString(role, "role_id", &role_id, where));
  KMS_RETURN_IF_ERROR(ReadString(role, "session_name", &p.session_name, where));
  if (name.empty()) return Error(Code::kValidation, "config: " + where + ".name is required");
  if (p.session_name.empty()) p.session_name = name;
  if (role_id.empty()) role_id = "AROA" + account + name.substr(0, 5);
  p.type = PrincipalType::kAssumedRole;
  p.account = account;
  p.arn = "arn:aws:sts::" + account + ":assumed-role/" + name + "/" + p.session_name;
  p.principal_arn = "arn:aws:iam::" + account + ":role" + path + name;
  p.principal_id = role_id + ":" + p.session_name;
  p.user_name = name;
  KMS_RETURN_IF_ERROR(ReadCredentials(role, &identity, where));
  KMS_RETURN_IF_ERROR(ReadPolicies(role, &identity.policies, where));
  KMS_RETURN_IF_ERROR(ReadTags(role, &p.tags, where));
  return identity;
}

Status ReadAccount(const Value& account, ServerConfig* config, const std::string& where) {
  if (!account.IsObject()) return Invalid(where + " must be an object");
  std::string id;
  KMS_RETURN_IF_ERROR(ReadString(account, "id", &id, where));
  if (!IsAccountId(id)) return Invalid(where + ".id must be a 12-digit account id");
  config->accounts.push_back(id);
  if (const Value* root = FindObject(account, "root")) {
    Identity identity;
    KMS_RETURN_IF_ERROR(ReadCredentials(*root, &identity, where + ".root"));
    identity.principal = Principal{PrincipalType::kRoot,
                                   id,
                                   "arn:aws:iam::" + id + ":root",
                                   "arn:aws:iam::" + id + ":root",
                                   id,
                                   "",
                                   "",
                                   {}};
    config->identities.push_back(std::move(identity));
  }
  for (const char* kind : {"users", "roles"}) {
    const Value* list = FindObject(account, kind);
    if (list == nullptr) continue;
    if (!list->IsArray()) return Invalid(where + "." + kind + " must be an array");
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const std::string item = where + "." + kind + "[" + std::to_string(i) + "]";
      auto identity = std::string_view(kind) == "users" ? ReadUser((*list)[i], id, item)
                                                        : ReadRole((*list)[i], id, item);
      if (!identity) return identity.error();
      config->identities.push_back(std::move(*identity));
    }
  }
  return OkStatus();
}

Status ReadServicePrincipals(const Value& root, ServerConfig* config) {
  const Value* list = FindObject(root, "service_principals");
  if (list == nullptr) return OkStatus();
  if (!list->IsArray()) return Invalid("service_principals must be an array");
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const std::string where = "service_principals[" + std::to_string(i) + "]";
    const Value& item = (*list)[i];
    if (!item.IsObject()) return Invalid(where + " must be an object");
    ServicePrincipal service;
    KMS_RETURN_IF_ERROR(ReadString(item, "service", &service.service, where));
    KMS_RETURN_IF_ERROR(ReadString(item, "access_key_id", &service.access_key_id, where));
    KMS_RETURN_IF_ERROR(ReadString(item, "secret_access_key", &service.secret_access_key, where));
    if (!service.service.ends_with(".amazonaws.com") || service.access_key_id.empty() ||
        service.secret_access_key.empty()) {
      return Invalid(where +
                     " needs service (<name>.amazonaws.com), access_key_id, secret_access_key");
    }
    KMS_RETURN_IF_ERROR(CheckAccessKeyId(service.access_key_id, where));
    config->service_principals.push_back(std::move(service));
  }
  return OkStatus();
}

Status ReadSections(const Value& root, ServerConfig* c) {
  if (const Value* s = FindObject(root, "server")) {
    if (!s->IsObject()) return Invalid("server must be an object");
    KMS_RETURN_IF_ERROR(ReadString(*s, "address", &c->address, "server"));
    KMS_RETURN_IF_ERROR(ReadInt(*s, "port", &c->port, 0, 65535, "server"));
    KMS_RETURN_IF_ERROR(ReadInt(*s, "threads", &c->threads, 0, 256, "server"));
    KMS_RETURN_IF_ERROR(
        ReadInt(*s, "max_body_bytes", &c->max_body_bytes, 1024, 64 << 20, "server"));
    KMS_RETURN_IF_ERROR(
        ReadInt(*s, "max_header_bytes", &c->max_header_bytes, 1024, 1 << 20, "server"));
    KMS_RETURN_IF_ERROR(
        ReadInt(*s, "idle_timeout_seconds", &c->idle_timeout_seconds, 1, 3600, "server"));
    KMS_RETURN_IF_ERROR(
        ReadInt(*s, "header_timeout_seconds", &c->header_timeout_seconds, 1, 3600, "server"));
    KMS_RETURN_IF_ERROR(
        ReadInt(*s, "read_timeout_seconds", &c->read_timeout_seconds, 1, 3600, "server"));
    KMS_RETURN_IF_ERROR(ReadInt(*s, "max_connections", &c->max_connections, 1, 1000000, "server"));
  }
  if (const Value* s = FindObject(root, "storage")) {
    if (!s->IsObject()) return Invalid("storage must be an object");
    KMS_RETURN_IF_ERROR(ReadString(*s, "data_dir", &c->data_dir, "storage"));
    KMS_RETURN_IF_ERROR(
        ReadInt(*s, "map_size_mb", &c->map_size_mb, 16, int64_t{1} << 24, "storage"));
    KMS_RETURN_IF_ERROR(
        ReadInt(*s, "max_map_size_mb", &c->max_map_size_mb, 16, int64_t{1} << 24, "storage"));
  }
  if (const Value* s = FindObject(root, "auth")) {
    if (!s->IsObject()) return Invalid("auth must be an object");
    std::string mode = "sigv4";
    KMS_RETURN_IF_ERROR(ReadString(*s, "mode", &mode, "auth"));
    if (mode != "sigv4" && mode != "permissive")
      return Invalid("auth.mode must be \"sigv4\" or \"permissive\"");
    c->auth_mode = mode == "sigv4" ? AuthMode::kSigV4 : AuthMode::kPermissive;
    KMS_RETURN_IF_ERROR(
        ReadInt(*s, "max_clock_skew_seconds", &c->max_clock_skew_seconds, 1, 86400, "auth"));
    KMS_RETURN_IF_ERROR(
        ReadString(*s, "permissive_access_key_id", &c->permissive_access_key_id, "auth"));
    if (const Value* admins = FindObject(*s, "admin_principals")) {
      if (!admins->IsArray()) return Invalid("auth.admin_principals must be an array of ARNs");
      for (const Value& arn : admins->GetArray()) {
        if (!arn.IsString()) return Invalid("auth.admin_principals must be an array of ARNs");
        c->admin_principals.emplace_back(arn.GetString());
      }
    }
  }
  if (const Value* s = FindObject(root, "audit")) {
    if (!s->IsObject()) return Invalid("audit must be an object");
    KMS_RETURN_IF_ERROR(ReadBool(*s, "enabled", &c->audit_enabled, "audit"));
    KMS_RETURN_IF_ERROR(ReadInt(*s, "max_age_days", &c->audit_max_age_days, 0, 36500, "audit"));
    KMS_RETURN_IF_ERROR(ReadInt(*s, "max_records", &c->audit_max_records, 0, INT64_MAX, "audit"));
    KMS_RETURN_IF_ERROR(
        ReadInt(*s, "map_size_mb", &c->audit_map_size_mb, 16, int64_t{1} << 24, "audit"));
  }
  return OkStatus();
}

Status CheckConsistency(const ServerConfig& c) {
  std::set<std::string> keys;
  for (const Identity& identity : c.identities) {
    if (!keys.insert(identity.access_key_id).second) {
      return Invalid("access key id " + identity.access_key_id + " is used twice");
    }
  }
  for (const ServicePrincipal& service : c.service_principals) {
    if (!keys.insert(service.access_key_id).second) {
      return Invalid("access key id " + service.access_key_id + " is used twice");
    }
  }
  if (c.auth_mode == AuthMode::kPermissive) {
    bool found = false;
    for (const Identity& identity : c.identities)
      found |= identity.access_key_id == c.permissive_access_key_id;
    if (!found) return Invalid("auth.permissive_access_key_id must name a configured access key");
  }
  return OkStatus();
}

}  // namespace

bool IsValidAccessKeyId(std::string_view access_key_id) {
  if (access_key_id.empty() || access_key_id.size() > kMaxAccessKeyIdLength) return false;
  return std::all_of(access_key_id.begin(), access_key_id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

StatusOr<ServerConfig> ParseConfig(std::string_view json) {
  constexpr JsonTextLimits kLimits{.max_depth = 64};
  switch (CheckJsonText(json, kLimits)) {
    case JsonTextProblem::kNone:
      break;
    case JsonTextProblem::kInvalidUtf8:
      return Error(Code::kValidation, "config: the file is not well-formed UTF-8");
    default:
      return Error(Code::kValidation, "config: JSON nests deeper than " +
                                          std::to_string(kLimits.max_depth) + " levels");
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    return Error(Code::kValidation, std::string("config: invalid JSON at offset ") +
                                        std::to_string(doc.GetErrorOffset()) + ": " +
                                        rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Error(Code::kValidation, "config: the top level must be an object");
  ServerConfig config;
  KMS_RETURN_IF_ERROR(ReadSections(doc, &config));
  if (const Value* accounts = FindObject(doc, "accounts")) {
    if (!accounts->IsArray()) return Error(Code::kValidation, "config: accounts must be an array");
    for (rapidjson::SizeType i = 0; i < accounts->Size(); ++i) {
      KMS_RETURN_IF_ERROR(
          ReadAccount((*accounts)[i], &config, "accounts[" + std::to_string(i) + "]"));
    }
  }
  KMS_RETURN_IF_ERROR(ReadServicePrincipals(doc, &config));
  KMS_RETURN_IF_ERROR(CheckConsistency(config));
  return config;
}

StatusOr<ServerConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Code::kValidation, "config: cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str());
}

}  // namespace kms::config
