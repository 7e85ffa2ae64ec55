#include "kms/server/config/command_line.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "kms/text.h"

namespace kms::config {

const std::string_view kInstalledConfigPath = KMSD_INSTALLED_CONFIG;

namespace {

// The commands an option belongs to.
enum Scope : unsigned {
  kForServe = 1,
  kForAudit = 2,
  kForExport = 4,
  kForConfigCheck = 8,
  kForPolicyTest = 16,
  kForPolicyLint = 32,
  kForTail = 64,
  kForReport = 128,
  kForPolicyDiff = 256,
  kForAll = 2 * kForPolicyDiff - 1,  // every bit above
};

struct Option {
  std::string_view name;      // "--data-dir"
  const char* environment;    // "KMSD_DATA_DIR", or nullptr
  unsigned scope;             // Scope bits
  std::string_view for_whom;  // for the error when used elsewhere
  bool flag = false;          // takes no value
};

constexpr Option kOptions[] = {
    {"--config", "KMSD_CONFIG", kForAll, ""},
    {"--data-dir", "KMSD_DATA_DIR", kForServe | kForAudit | kForExport | kForTail | kForReport,
     "kmsd and kmsd audit"},
    {"--port", "KMSD_PORT", kForServe, "kmsd (serve)"},
    {"--port-file", "KMSD_PORT_FILE", kForServe, "kmsd (serve)"},
    {"--tls-port", "KMSD_TLS_PORT", kForServe, "kmsd (serve)"},
    {"--tls-port-file", "KMSD_TLS_PORT_FILE", kForServe, "kmsd (serve)"},
    {"--log-level", "KMSD_LOG_LEVEL", kForServe, "kmsd (serve)"},
    {"--seed", "KMSD_SEED", kForServe, "kmsd (serve)"},
    {"--seed-account", "KMSD_SEED_ACCOUNT", kForServe, "kmsd (serve)"},
    {"--seed-region", "KMSD_SEED_REGION", kForServe, "kmsd (serve)"},
    {"--out", nullptr, kForExport | kForReport, "kmsd audit export and audit report"},
    {"--junit", nullptr, kForPolicyTest, "kmsd policy test"},
    {"--account", nullptr, kForPolicyLint | kForPolicyDiff | kForReport,
     "kmsd policy lint, policy diff and audit report"},
    {"--fail-on-new-access", nullptr, kForPolicyDiff, "kmsd policy diff", true},
    {"--follow", nullptr, kForTail, "kmsd audit tail", true},
    {"--filter", nullptr, kForTail, "kmsd audit tail"},
    {"--lines", nullptr, kForTail, "kmsd audit tail"},
    {"--since", nullptr, kForReport, "kmsd audit report"},
    {"--until", nullptr, kForReport, "kmsd audit report"},
};

std::unexpected<Status> Wrong(const std::string& message) {
  return Error(Code::kValidation, message);
}

const Option* FindOption(std::string_view name) {
  const auto* it = std::ranges::find(kOptions, name, &Option::name);
  return it == std::end(kOptions) ? nullptr : it;
}

// A port: decimal digits only, 0 to 65535.
StatusOr<uint16_t> ParsePort(std::string_view text, std::string_view source) {
  const bool digits = text.size() <= 5 && IsAsciiDigits(text);
  const unsigned long value = digits ? std::strtoul(std::string(text).c_str(), nullptr, 10) : 0;
  if (!digits || value > 65535) {
    return Wrong(std::string(source) + " must be a number from 0 to 65535, not '" +
                 std::string(text) + "'");
  }
  return static_cast<uint16_t>(value);
}

Status Set(CommandLine& line, const Option& option, std::string_view value,
           std::string_view source) {
  if (option.flag) {
    if (option.name == "--follow") line.follow = true;
    if (option.name == "--fail-on-new-access") line.fail_on_new_access = true;
    return OkStatus();
  }
  if (value.empty()) return Wrong(std::string(source) + " needs a value");
  if (option.name == "--config") {
    line.config_path = value;
  } else if (option.name == "--data-dir") {
    line.data_dir = value;
  } else if (option.name == "--port") {
    KMS_ASSIGN_OR_RETURN(line.port, ParsePort(value, source));
  } else if (option.name == "--port-file") {
    line.port_file = value;
  } else if (option.name == "--tls-port") {
    KMS_ASSIGN_OR_RETURN(line.tls_port, ParsePort(value, source));
  } else if (option.name == "--tls-port-file") {
    line.tls_port_file = value;
  } else if (option.name == "--log-level") {
    line.log_level = log::ParseLevel(value);
    if (!line.log_level) {
      return Wrong(std::string(source) + " must be debug, info, warn or error, not '" +
                   std::string(value) + "'");
    }
  } else if (option.name == "--seed") {
    line.seed_file = value;
  } else if (option.name == "--seed-account") {
    line.seed_account = value;
  } else if (option.name == "--seed-region") {
    line.seed_region = value;
  } else if (option.name == "--filter") {
    line.filters.emplace_back(value);
  } else if (option.name == "--lines") {
    if (value.size() > 7 || !IsAsciiDigits(value))
      return Wrong(std::string(source) + " must be a number from 0 to 9999999, not '" +
                   std::string(value) + "'");
    line.lines = std::strtoul(std::string(value).c_str(), nullptr, 10);
  } else if (option.name == "--since") {
    line.since = value;
  } else if (option.name == "--until") {
    line.until = value;
  } else if (option.name == "--junit") {
    line.junit_file = value;
  } else if (option.name == "--account") {
    if (!IsAccountId(value))
      return Wrong(std::string(source) + " must be a 12-digit account id, not '" +
                   std::string(value) + "'");
    line.account = value;
  } else {
    line.out_dir = value;
  }
  return OkStatus();
}

unsigned ScopeOf(Command command) {
  switch (command) {
    case Command::kAuditVerify:
      return kForAudit;
    case Command::kAuditExport:
      return kForExport;
    case Command::kConfigCheck:
      return kForConfigCheck;
    case Command::kPolicyTest:
      return kForPolicyTest;
    case Command::kPolicyLint:
      return kForPolicyLint;
    case Command::kPolicyDiff:
      return kForPolicyDiff;
    case Command::kAuditTail:
      return kForTail;
    case Command::kAuditReport:
      return kForReport;
    default:
      return kForServe;
  }
}

// Picks the command from the positional arguments.
Status ReadCommand(CommandLine& line, const std::vector<std::string_view>& words) {
  const auto extra = [&](size_t from) -> Status {
    if (words.size() <= from) return OkStatus();
    return Wrong("unexpected argument '" + std::string(words[from]) + "'");
  };
  if (words.empty()) return OkStatus();
  if (words[0] == "serve") return extra(1);
  if (words[0] == "audit") {
    struct Named {
      std::string_view name;
      Command command;
    };
    constexpr Named kAuditCommands[] = {{"verify", Command::kAuditVerify},
                                        {"export", Command::kAuditExport},
                                        {"tail", Command::kAuditTail},
                                        {"report", Command::kAuditReport}};
    if (words.size() < 2)
      return Wrong("'kmsd audit' needs a command: verify, export, tail or report");
    const auto* it = std::ranges::find(kAuditCommands, words[1], &Named::name);
    if (it == std::end(kAuditCommands))
      return Wrong("unknown audit command '" + std::string(words[1]) +
                   "' (verify, export, tail or report)");
    line.command = it->command;
    return extra(2);
  }
  if (words[0] == "config") {
    if (words.size() < 2 || words[1] != "check")
      return Wrong("'kmsd config' needs a command: check");
    line.command = Command::kConfigCheck;
    if (words.size() > 2) line.config_path = words[2];
    return extra(3);
  }
  if (words[0] == "policy") {
    if (words.size() >= 2 && words[1] == "diff") {
      if (words.size() < 4 || words[2].empty() || words[3].empty())
        return Wrong("'kmsd policy diff' needs two key policy files: OLD NEW");
      line.command = Command::kPolicyDiff;
      line.policy_file = words[2];
      line.new_policy_file = words[3];
      return extra(4);
    }
    if (words.size() < 2 || (words[1] != "test" && words[1] != "lint"))
      return Wrong("'kmsd policy' needs a command: test, lint or diff");
    const bool test = words[1] == "test";
    if (words.size() < 3)
      return Wrong(test ? "'kmsd policy test' needs a test file"
                        : "'kmsd policy lint' needs a key policy file");
    line.command = test ? Command::kPolicyTest : Command::kPolicyLint;
    line.policy_file = words[2];
    return extra(3);
  }
  return Wrong("unknown command '" + std::string(words[0]) + "'");
}

constexpr std::string_view kServeHelp =
    "kmsd [serve] [OPTIONS]\n"
    "  Runs the server (in the foreground; stop it with Ctrl-C or SIGTERM).\n"
    "  --config FILE      the config file (default: config/kmsd.json if   KMSD_CONFIG\n"
    "                     there is one, else the installed " KMSD_INSTALLED_CONFIG
    ")\n"
    "  --data-dir DIR     where keys and the audit log live              KMSD_DATA_DIR\n"
    "                     (default: storage.data_dir in the config)\n"
    "  --port N           the HTTP port, 0 to 65535; 0 picks a free one   KMSD_PORT\n"
    "                     (default: server.port in the config)\n"
    "  --port-file FILE   writes the port kmsd listens on to FILE         KMSD_PORT_FILE\n"
    "  --tls-port N       also serves HTTPS on port N (server.tls.port)   KMSD_TLS_PORT\n"
    "                     with server.tls's certificate, or a self-signed\n"
    "                     one made in DATA_DIR/tls/ (cert.pem: the CA bundle)\n"
    "  --tls-port-file FILE  writes the HTTPS port to FILE              KMSD_TLS_PORT_FILE\n"
    "  --log-level LEVEL  debug, info (a line per request), warn, error  KMSD_LOG_LEVEL\n"
    "                     (default: server.log_level, info)\n"
    "  --seed FILE        creates the keys, aliases and grants of a seed  KMSD_SEED\n"
    "                     file (local-kms's seed.yaml, or kmsd's richer\n"
    "                     form) that do not exist yet (default: seed.file)\n"
    "  --seed-account ID  the account of seeded keys the file does not    KMSD_SEED_ACCOUNT\n"
    "                     place (default: seed.account, the first account)\n"
    "  --seed-region R    their region (default: seed.region, us-east-1)  KMSD_SEED_REGION\n";

constexpr std::string_view kAuditHelp =
    "kmsd audit verify [--config FILE] [--data-dir DIR]\n"
    "  Checks the audit log's hash chain, signatures and indexes; exit 3 when broken.\n"
    "kmsd audit export --out DIR [--config FILE] [--data-dir DIR]\n"
    "  Writes the log as CloudTrail log files (gzipped JSON) under DIR.\n"
    "kmsd audit tail [--follow] [--filter NAME=VALUE]... [--lines N] [--data-dir DIR]\n"
    "  Prints the last N records (default 10), one line each: time, principal,\n"
    "  operation, key, outcome; --follow keeps printing them as they are written.\n"
    "  --filter keeps the records that match (all filters): principal=, operation=,\n"
    "  key=, account=, region=, source= (a substring, any case), outcome=ok|denied|error.\n"
    "kmsd audit report --out FILE [--since T] [--until T] [--account ID] [--data-dir DIR]\n"
    "  Writes one self-contained HTML page: calls over time per key and operation,\n"
    "  top principals, denied calls and why, calls via services, grants, key\n"
    "  changes and the hash chain's verification. T: an ISO 8601 time\n"
    "  (2026-12-07T10:00:00Z) or an age (90m, 12h, 7d).\n";

constexpr std::string_view kConfigHelp =
    "kmsd config check [FILE]\n"
    "  Validates a config file (default: --config, KMSD_CONFIG, config/kmsd.json\n"
    "  or " KMSD_INSTALLED_CONFIG
    ")\n"
    "  and names the field, line and column that is wrong; exit 1 when it is.\n";

constexpr std::string_view kPolicyHelp =
    "kmsd policy test FILE [--config FILE] [--junit OUT]\n"
    "  Runs the key-policy test cases of FILE (docs/policy-test.md) offline, with\n"
    "  the server's own evaluator and the config's principals; prints each case's\n"
    "  decision and why; --junit writes JUnit XML. Exit 1 when a case does not\n"
    "  get its expected decision, 2 when FILE or the config is wrong.\n"
    "kmsd policy lint POLICY [--account ID] [--config FILE]\n"
    "  Finds the mistakes that bite people in KMS key policies, each with its line\n"
    "  and a fix (docs/policy-test.md); --account: the key's account (default: the\n"
    "  config's first). Exit 1 when it finds one, 2 when POLICY is not a key policy.\n"
    "kmsd policy diff OLD NEW [--account ID] [--config FILE] [--fail-on-new-access]\n"
    "  Every request whose decision differs between two key policies, for the\n"
    "  config's principals, other accounts and services, each KMS action and the\n"
    "  condition values either policy names, grouped by who gains or loses what\n"
    "  (docs/policy-test.md). Exit 1 with --fail-on-new-access when anything is\n"
    "  newly allowed, 2 when a file is not a key policy.\n";

constexpr std::string_view kGeneralHelp =
    "  -h, --help         this help (kmsd COMMAND --help: that command's)\n"
    "  --version          kmsd's version and the versions of OpenSSL, LMDB and Boost\n"
    "\n"
    "Options may also be written --name=value. The environment variables named\n"
    "above stand in for options not given on the command line.\n";

}  // namespace

std::optional<std::string> ProcessEnvironment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

StatusOr<CommandLine> ParseCommandLine(std::span<const std::string_view> args,
                                       const EnvironmentLookup& environment) {
  CommandLine line;
  std::vector<std::string_view> words;
  std::vector<std::pair<const Option*, std::string_view>> given;
  bool help = false;
  bool version = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      help = true;
      continue;
    }
    if (arg == "--version") {
      version = true;
      continue;
    }
    if (!arg.starts_with("-") || arg == "-") {
      words.push_back(arg);
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string_view name = arg.substr(0, equals);
    const Option* option = FindOption(name);
    if (option == nullptr) return Wrong("unknown option '" + std::string(name) + "'");
    std::string_view value;
    if (option->flag) {
      if (equals != std::string_view::npos) return Wrong(std::string(name) + " takes no value");
    } else if (equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Wrong(std::string(name) + " needs a value");
    }
    given.emplace_back(option, value);
  }
  if (version) {
    line.command = Command::kVersion;
    return line;
  }
  const Status command = ReadCommand(line, words);
  if (help) {
    line.command = Command::kHelp;
    line.help_topic = words.empty() ? "" : std::string(words[0]);
    if (line.help_topic != "serve" && line.help_topic != "audit" && line.help_topic != "config" &&
        line.help_topic != "policy")
      line.help_topic.clear();
    return line;
  }
  if (!command.ok()) return std::unexpected(command);

  const unsigned scope = ScopeOf(line.command);
  // The environment first, so that the command line overrides it.
  for (const Option& option : kOptions) {
    if (option.environment == nullptr || !(option.scope & scope)) continue;
    if (line.command == Command::kConfigCheck && words.size() > 2) continue;
    const std::optional<std::string> value = environment(option.environment);
    if (value && !value->empty())
      KMS_RETURN_IF_ERROR(Set(line, option, *value, option.environment));
  }
  for (const auto& [option, value] : given) {
    if (!(option->scope & scope)) {
      return Wrong(std::string(option->name) + " is an option of " + std::string(option->for_whom) +
                   ", not of this command");
    }
    if (option->name == "--config" && line.command == Command::kConfigCheck && words.size() > 2)
      return Wrong("kmsd config check takes its file once (FILE or --config)");
    KMS_RETURN_IF_ERROR(Set(line, *option, value, option->name));
  }
  if (line.command == Command::kAuditExport && !line.out_dir)
    return Wrong("kmsd audit export needs --out DIR");
  if (line.command == Command::kAuditReport && !line.out_dir)
    return Wrong("kmsd audit report needs --out FILE");
  return line;
}

StatusOr<std::string> ResolveConfigPath(const std::optional<std::string>& given,
                                        std::string_view installed,
                                        const std::function<bool(const std::string&)>& exists) {
  if (given) return *given;
  const std::string in_checkout = "config/kmsd.json";
  if (exists(in_checkout)) return in_checkout;
  if (exists(std::string(installed))) return std::string(installed);
  return Error(Code::kNotFound, "no config file: neither " + in_checkout + " (here) nor " +
                                    std::string(installed) +
                                    " exists; give one with --config FILE or KMSD_CONFIG");
}

std::string HelpText(std::string_view topic) {
  std::string text = "Usage:\n";
  if (topic.empty() || topic == "serve") text += kServeHelp;
  if (topic.empty() || topic == "audit") text += kAuditHelp;
  if (topic.empty() || topic == "config") text += kConfigHelp;
  if (topic.empty() || topic == "policy") text += kPolicyHelp;
  text += "Everywhere:\n";
  text += kGeneralHelp;
  return text;
}

}  // namespace kms::config
