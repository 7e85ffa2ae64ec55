// kmsd's command line: what to run, and the options that override the config
// file, from the arguments and from KMSD_* environment variables (the
// arguments win).
//
//   kmsd [serve] [--config FILE] [--data-dir DIR] [--port N] [--port-file FILE]
//                [--tls-port N] [--tls-port-file FILE]
//   kmsd audit verify [--config FILE] [--data-dir DIR]
//   kmsd audit export --out DIR [--config FILE] [--data-dir DIR]
//   kmsd audit tail [--follow] [--filter NAME=VALUE]... [--lines N]
//   kmsd audit report --out FILE [--since T] [--until T] [--account ID]
//   kmsd policy test FILE [--junit OUT] | lint POLICY [--account ID]
//   kmsd policy diff OLD NEW [--account ID] [--fail-on-new-access]
//   kmsd config check [FILE]
//   kmsd --help | kmsd COMMAND --help | kmsd --version
#ifndef KMS_SERVER_CONFIG_COMMAND_LINE_H_
#define KMS_SERVER_CONFIG_COMMAND_LINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kms/server/log/log.h"
#include "kms/status.h"

namespace kms::config {

enum class Command {
  kServe,
  kAuditVerify,
  kAuditExport,
  kAuditTail,
  kAuditReport,
  kConfigCheck,
  kPolicyTest,
  kPolicyLint,
  kPolicyDiff,
  kHelp,
  kVersion
};

struct CommandLine {
  Command command = Command::kServe;
  // For kHelp: "" (everything), "serve", "audit", "config" or "policy".
  std::string help_topic;
  // Given by --config, KMSD_CONFIG or `config check FILE`; otherwise
  // ResolveConfigPath finds one.
  std::optional<std::string> config_path;
  std::optional<std::string> data_dir;
  std::optional<uint16_t> port;
  std::optional<std::string> port_file;
  std::optional<uint16_t> tls_port;
  std::optional<std::string> tls_port_file;
  std::optional<log::Level> log_level;
  std::optional<std::string> out_dir;  // audit export (a directory), audit report (a file)
  std::optional<std::string> seed_file;
  std::optional<std::string> seed_account;
  std::optional<std::string> seed_region;
  std::string policy_file;                // kmsd policy test FILE, lint POLICY, diff OLD
  std::string new_policy_file;            // kmsd policy diff OLD NEW
  std::optional<std::string> account;     // --account (policy lint and diff, audit report)
  std::optional<std::string> junit_file;  // --junit
  bool fail_on_new_access = false;        // policy diff
  // audit tail
  bool follow = false;
  std::vector<std::string> filters;  // NAME=VALUE, all of which a record must match
  std::optional<size_t> lines;
  // audit report: time bounds as given (an ISO 8601 time, or an age: 30m, 12h, 7d)
  std::optional<std::string> since;
  std::optional<std::string> until;
};

// The value of an environment variable, or nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const char* name)>;

// The process's own environment.
std::optional<std::string> ProcessEnvironment(const char* name);

// `args` without the program name. kValidation, with a message for a person
// ("unknown option '--bogus'", "--port must be a number from 0 to 65535, not
// '99999'"), when the command line or a KMSD_* variable is wrong.
StatusOr<CommandLine> ParseCommandLine(std::span<const std::string_view> args,
                                       const EnvironmentLookup& environment);

// Where `cmake --install` puts the config: <sysconfdir>/kmsd/kmsd.json.
extern const std::string_view kInstalledConfigPath;

// The config file to read: `given` when there is one, else config/kmsd.json
// when it exists (kmsd run in a checkout), else the installed config
// (`installed`, e.g. /etc/kmsd/kmsd.json) when it exists. kNotFound, naming
// both places and how to give one, when neither does.
StatusOr<std::string> ResolveConfigPath(const std::optional<std::string>& given,
                                        std::string_view installed,
                                        const std::function<bool(const std::string&)>& exists);

// The help for `topic` (see CommandLine::help_topic): every command and
// option, and the environment variables.
std::string HelpText(std::string_view topic);

}  // namespace kms::config

#endif  // KMS_SERVER_CONFIG_COMMAND_LINE_H_
