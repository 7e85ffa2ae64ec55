#include "kms/server/config/config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "kms/json_text.h"
#include "kms/text.h"

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
    std::string metrics = "loopback";
    KMS_RETURN_IF_ERROR(ReadString(*s, "metrics", &metrics, "server"));
    if (metrics != "loopback" && metrics != "open" && metrics != "off")
      return Invalid("server.metrics must be \"loopback\", \"open\" or \"off\"");
    c->metrics_access = metrics == "open"  ? ServerConfig::MetricsAccess::kOpen
                        : metrics == "off" ? ServerConfig::MetricsAccess::kOff
                                           : ServerConfig::MetricsAccess::kLoopback;
    std::string log_format = "text";
    KMS_RETURN_IF_ERROR(ReadString(*s, "log_format", &log_format, "server"));
    const std::optional<log::Format> format = log::ParseFormat(log_format);
    if (!format) return Invalid("server.log_format must be \"text\" or \"json\"");
    c->log_format = *format;
    std::string log_level = "info";
    KMS_RETURN_IF_ERROR(ReadString(*s, "log_level", &log_level, "server"));
    const std::optional<log::Level> level = log::ParseLevel(log_level);
    if (!level)
      return Invalid("server.log_level must be \"debug\", \"info\", \"warn\" or \"error\"");
    c->log_level = *level;
    if (const Value* tls = FindObject(*s, "tls")) {
      if (!tls->IsObject()) return Invalid("server.tls must be an object");
      uint16_t port = 0;
      if (!tls->HasMember("port")) return Invalid("server.tls.port is required");
      KMS_RETURN_IF_ERROR(ReadInt(*tls, "port", &port, 0, 65535, "server.tls"));
      c->tls_port = port;
      KMS_RETURN_IF_ERROR(ReadString(*tls, "certificate", &c->tls_certificate, "server.tls"));
      KMS_RETURN_IF_ERROR(ReadString(*tls, "private_key", &c->tls_private_key, "server.tls"));
      if (c->tls_certificate.empty() != c->tls_private_key.empty())
        return Invalid("server.tls needs both certificate and private_key, or neither");
    }
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
  if (const Value* s = FindObject(root, "seed")) {
    if (!s->IsObject()) return Invalid("seed must be an object");
    KMS_RETURN_IF_ERROR(ReadString(*s, "file", &c->seed_file, "seed"));
    KMS_RETURN_IF_ERROR(ReadString(*s, "account", &c->seed_account, "seed"));
    KMS_RETURN_IF_ERROR(ReadString(*s, "region", &c->seed_region, "seed"));
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

// Where each member and array element of a JSON text starts, by the path the
// error messages use ("server.port", "accounts[0].users[1]"), as byte offsets.
class Locator : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Locator> {
 public:
  explicit Locator(const rapidjson::MemoryStream& stream) : stream_(stream) {}

  bool StartObject() { return Open(/*array=*/false); }
  bool StartArray() { return Open(/*array=*/true); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool EndArray(rapidjson::SizeType) { return Close(); }
  bool Key(const char* name, rapidjson::SizeType length, bool) {
    Frame& top = frames_.back();
    top.key = std::string(name, length);
    // Tell() is just past the closing quote.
    offsets_[PathOf(frames_.size())] =
        stream_.Tell() - std::min<size_t>(stream_.Tell(), size_t{length} + 2);
    return true;
  }
  bool Default() {
    Element();
    AfterValue();
    return true;
  }

  const std::map<std::string, size_t>& offsets() const { return offsets_; }

 private:
  struct Frame {
    bool array = false;
    size_t index = 0;
    std::string key;
  };

  bool Open(bool array) {
    Element();
    frames_.push_back({array, 0, ""});
    return true;
  }
  bool Close() {
    frames_.pop_back();
    AfterValue();
    return true;
  }
  // An array element starts here (Tell() is just past its first character).
  void Element() {
    if (!frames_.empty() && frames_.back().array)
      offsets_[PathOf(frames_.size())] = stream_.Tell() - std::min<size_t>(stream_.Tell(), 1);
  }
  void AfterValue() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  // The path of the member or element the first `depth` frames lead to.
  std::string PathOf(size_t depth) const {
    std::string path;
    for (size_t i = 0; i < depth; ++i) {
      const Frame& frame = frames_[i];
      if (frame.array) {
        path += "[" + std::to_string(frame.index) + "]";
      } else {
        if (!path.empty()) path += ".";
        path += frame.key;
      }
    }
    return path;
  }

  const rapidjson::MemoryStream& stream_;
  std::vector<Frame> frames_;
  std::map<std::string, size_t> offsets_;
};

// "line L, column C" of a byte offset (columns count bytes, from 1).
std::string LineAndColumn(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  const size_t line = static_cast<size_t>(std::ranges::count(before, '\n')) + 1;
  const size_t line_start = before.rfind('\n');
  const size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// The members each kind of object may have; nullptr for free-form objects
// (policies and tags, whose names are the user's).
struct Schema {
  std::vector<std::string_view> members;
  std::map<std::string_view, const Schema*> children;  // objects, and arrays of objects
};

const Schema& ConfigSchema() {
  static const Schema kCredentials{{"access_key_id", "secret_access_key", "session_token"}, {}};
  static const Schema kUser{{"name", "path", "user_id", "access_key_id", "secret_access_key",
                             "session_token", "policies", "tags"},
                            {}};
  static const Schema kRole{{"name", "path", "role_id", "session_name", "access_key_id",
                             "secret_access_key", "session_token", "policies", "tags"},
                            {}};
  static const Schema kAccount{{"id", "root", "users", "roles"},
                               {{"root", &kCredentials}, {"users", &kUser}, {"roles", &kRole}}};
  static const Schema kTls{{"port", "certificate", "private_key"}, {}};
  static const Schema kServer{
      {"address", "port", "threads", "max_body_bytes", "max_header_bytes", "idle_timeout_seconds",
       "header_timeout_seconds", "read_timeout_seconds", "max_connections", "tls", "metrics",
       "log_format", "log_level"},
      {{"tls", &kTls}}};
  static const Schema kStorage{{"data_dir", "map_size_mb", "max_map_size_mb"}, {}};
  static const Schema kAuth{
      {"mode", "max_clock_skew_seconds", "permissive_access_key_id", "admin_principals"}, {}};
  static const Schema kAudit{{"enabled", "max_age_days", "max_records", "map_size_mb"}, {}};
  static const Schema kServicePrincipal{{"service", "access_key_id", "secret_access_key"}, {}};
  static const Schema kSeed{{"file", "account", "region"}, {}};
  static const Schema kTop{
      {"server", "storage", "auth", "audit", "seed", "accounts", "service_principals"},
      {{"server", &kServer},
       {"seed", &kSeed},
       {"storage", &kStorage},
       {"auth", &kAuth},
       {"audit", &kAudit},
       {"accounts", &kAccount},
       {"service_principals", &kServicePrincipal}}};
  return kTop;
}

// Edits (insertions, deletions, substitutions) between two short names.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A member `object` (at `path`) may not have, as "unknown field server.prot
// (did you mean server.port?)"; the whole tree below it is checked.
Status CheckMembers(const Value& object, const Schema& schema, const std::string& path) {
  if (!object.IsObject()) return OkStatus();  // its reader says what it must be
  const auto join = [&](std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
  };
  for (const auto& member : object.GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (std::ranges::find(schema.members, name) == schema.members.end()) {
      std::string message = join(name) + " is not a known field";
      const auto closest = std::ranges::min_element(
          schema.members, {}, [&](std::string_view known) { return EditDistance(known, name); });
      if (closest != schema.members.end() && EditDistance(*closest, name) <= 2)
        message += " (did you mean " + join(*closest) + "?)";
      return Invalid(message);
    }
    const auto child = schema.children.find(name);
    if (child == schema.children.end()) continue;
    if (member.value.IsArray()) {
      for (rapidjson::SizeType i = 0; i < member.value.Size(); ++i) {
        KMS_RETURN_IF_ERROR(CheckMembers(member.value[i], *child->second,
                                         join(name) + "[" + std::to_string(i) + "]"));
      }
    } else {
      KMS_RETURN_IF_ERROR(CheckMembers(member.value, *child->second, join(name)));
    }
  }
  return OkStatus();
}

// `error` ("config: <path> must be ...") with the line and column of <path>
// in `json` when it names one.
Status Located(const Status& error, std::string_view json) {
  constexpr std::string_view kPrefix = "config: ";
  std::string_view message = error.message();
  if (!message.starts_with(kPrefix)) return error;
  message.remove_prefix(kPrefix.size());
  const std::string path(message.substr(0, message.find(' ')));
  rapidjson::MemoryStream stream(json.data(), json.size());
  Locator locator(stream);
  rapidjson::Reader reader;
  reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag>(stream, locator);
  const auto found = locator.offsets().find(path);
  if (found == locator.offsets().end()) return error;
  return Status(error.code(), std::string(kPrefix) + LineAndColumn(json, found->second) + ": " +
                                  std::string(message));
}

StatusOr<ServerConfig> ReadConfig(const rapidjson::Document& doc) {
  if (!doc.IsObject()) return Error(Code::kValidation, "config: the top level must be an object");
  KMS_RETURN_IF_ERROR(CheckMembers(doc, ConfigSchema(), ""));
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
    return Error(Code::kValidation,
                 "config: " + LineAndColumn(json, doc.GetErrorOffset()) +
                     ": invalid JSON: " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  StatusOr<ServerConfig> config = ReadConfig(doc);
  if (!config) return std::unexpected(Located(config.error(), json));
  return config;
}

StatusOr<ServerConfig> LoadConfig(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Error(Code::kValidation, path + ": is a directory, not a config file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error(Code::kValidation,
                 path + ": cannot open the config file: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  StatusOr<ServerConfig> config = ParseConfig(text.str());
  if (config) return config;
  // "config: ..." becomes "<path>: ...".
  std::string message = config.error().message();
  if (message.starts_with("config: ")) message = path + ": " + message.substr(8);
  return Error(config.error().code(), message);
}

}  // namespace kms::config
