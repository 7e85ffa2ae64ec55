// The server configuration (config/kmsd.json): listener, storage, auth mode,
// accounts with their IAM users and roles (access keys, identity policies),
// service principals, audit settings.
#ifndef KMS_SERVER_CONFIG_CONFIG_H_
#define KMS_SERVER_CONFIG_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kms/principal.h"
#include "kms/server/log/log.h"
#include "kms/status.h"

namespace kms::config {

// A named IAM identity policy; `document` is the policy JSON text.
struct IdentityPolicy {
  std::string name;
  std::string document;
};

// One access key and the identity it authenticates.
struct Identity {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // roles only: when set, requests must carry it
  Principal principal;
  std::vector<IdentityPolicy> policies;
};

// An AWS service principal (e.g. rds.amazonaws.com) that may countersign
// requests it makes on a user's behalf (DESIGN.md section 3).
struct ServicePrincipal {
  std::string service;  // "rds.amazonaws.com"
  std::string access_key_id;
  std::string secret_access_key;
};

enum class AuthMode { kSigV4, kPermissive };

struct ServerConfig {
  // Listener.
  std::string address = "127.0.0.1";
  uint16_t port = 4599;
  int threads = 0;  // 0: one per core
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int idle_timeout_seconds = 60;
  int header_timeout_seconds = 10;
  int read_timeout_seconds = 30;
  int max_connections = 1024;
  // HTTPS (server.tls): a second port, off unless set. Without certificate
  // and key files, kmsd makes a self-signed pair in <data_dir>/tls/.
  std::optional<uint16_t> tls_port;
  // Who may read GET /metrics (server.metrics): "loopback" clients only (the
  // default), anyone ("open"), or nobody ("off").
  enum class MetricsAccess { kLoopback, kOpen, kOff };
  MetricsAccess metrics_access = MetricsAccess::kLoopback;
  // The log (kms/server/log/log.h): "text" or "json" lines; "debug", "info"
  // (one line per request), "warn" or "error".
  log::Format log_format = log::Format::kText;
  log::Level log_level = log::Level::kInfo;
  std::string tls_certificate;
  std::string tls_private_key;

  // Storage.
  std::string data_dir = "./data";
  uint64_t map_size_mb = 4096;
  // What the state store's map may grow to while kmsd runs (it starts at
  // map_size_mb + audit_map_size_mb, and doubles as it fills).
  uint64_t max_map_size_mb = 65536;

  // Authentication.
  AuthMode auth_mode = AuthMode::kSigV4;
  int max_clock_skew_seconds = 300;  // AWS allows 5 minutes
  // In permissive mode, every well-formed credential maps to this identity's
  // principal (an access key id from `identities`).
  std::string permissive_access_key_id;

  // Audit log.
  bool audit_enabled = true;
  int audit_max_age_days = 0;      // 0: keep forever
  uint64_t audit_max_records = 0;  // 0: no limit
  uint64_t audit_map_size_mb = 8192;

  // Seed file (seed.file, --seed): keys, aliases and grants created at
  // start-up when missing (kms/server/seed/seed_file.h); its keys go to
  // seed.account (default: the first account) and seed.region unless the
  // file says otherwise.
  std::string seed_file;
  std::string seed_account;
  std::string seed_region = "us-east-1";

  // Principals allowed to use the admin endpoints (policy explain); ARNs.
  std::vector<std::string> admin_principals;

  std::vector<std::string> accounts;
  std::vector<Identity> identities;
  std::vector<ServicePrincipal> service_principals;
};

// Parses the JSON text of a config file. kValidation with a message naming
// the offending member for any malformed or inconsistent entry.
StatusOr<ServerConfig> ParseConfig(std::string_view json);

// The longest access key id IAM issues.
inline constexpr size_t kMaxAccessKeyIdLength = 128;
// Whether `access_key_id` is 1 to kMaxAccessKeyIdLength word characters. IAM
// issues 16 to 128 ([\w]+); shorter ids are accepted for local test keys
// ("test", as other local endpoints use). Configured keys must have this shape.
bool IsValidAccessKeyId(std::string_view access_key_id);

StatusOr<ServerConfig> LoadConfig(const std::string& path);

}  // namespace kms::config

#endif  // KMS_SERVER_CONFIG_CONFIG_H_
