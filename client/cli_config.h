// Where rds-volume finds its settings: user credentials and region the way
// the AWS CLI finds them, the RDS service principal's credentials in the
// client's own config file, and the endpoint and state directory.
// Internal to client/.
#ifndef KMS_CLIENT_CLI_CONFIG_H_
#define KMS_CLIENT_CLI_CONFIG_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "kms/client/kms_client.h"
#include "kms/status.h"

namespace kms::rds::cli {

// Looks up an environment variable; nullopt when unset or empty.
using Environment = std::function<std::optional<std::string>(std::string_view)>;
Environment ProcessEnvironment();

// An INI file (~/.aws/credentials, ~/.aws/config): section -> key -> value.
// Comments (# ;) and blank lines are skipped; keys and values are trimmed.
using Ini = std::map<std::string, std::map<std::string, std::string>>;
Ini ParseIni(std::string_view text);

// The user's credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, else the profile (`profile`, else AWS_PROFILE, else
// "default") of the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
// else ~/.aws/credentials). Empty credentials when none are found;
// kValidation when a profile named explicitly does not exist.
StatusOr<client::Credentials> LoadUserCredentials(const Environment& env,
                                                  const std::optional<std::string>& profile);

// The region: `flag`, else AWS_REGION, AWS_DEFAULT_REGION, else the profile's
// region in ~/.aws/config (AWS_CONFIG_FILE); nullopt when none is set.
std::optional<std::string> ResolveRegion(const Environment& env,
                                         const std::optional<std::string>& flag,
                                         const std::optional<std::string>& profile);

// The client config file (config/rds-volume.json):
//   {"service_principal": {"service": "rds.amazonaws.com",
//                          "access_key_id": "...", "secret_access_key": "..."},
//    "endpoint_url": "http://127.0.0.1:4599"}   (endpoint_url optional)
struct ClientConfig {
  client::Credentials service;
  std::string service_name = "rds";  // from "service": "<name>.amazonaws.com"
  std::optional<std::string> endpoint_url;
};
// kValidation naming the offending member.
StatusOr<ClientConfig> ParseClientConfig(std::string_view json);
// From `flag`, else RDS_VOLUME_CONFIG; nullopt when neither is set.
// kValidation / kNotFound when the named file is malformed or missing.
StatusOr<std::optional<ClientConfig>> LoadClientConfig(const Environment& env,
                                                       const std::optional<std::string>& flag);

// The endpoint: `flag`, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the config
// file's endpoint_url, else http://127.0.0.1:4599 (kmsd's default port).
std::string ResolveEndpoint(const Environment& env, const std::optional<std::string>& flag,
                            const std::optional<ClientConfig>& config);

// The state directory: `flag`, RDS_VOLUME_STATE, else $HOME/.rds-volume.
std::string ResolveStateDir(const Environment& env, const std::optional<std::string>& flag);

}  // namespace kms::rds::cli

#endif  // KMS_CLIENT_CLI_CONFIG_H_
