// Command-line parsing of rds-volume, in the AWS CLI's shape:
//   rds-volume [global options] <command> [options]
// Global options may appear anywhere. Internal to client/.
#ifndef KMS_CLIENT_CLI_ARGS_H_
#define KMS_CLIENT_CLI_ARGS_H_

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kms/status.h"

namespace kms::rds::cli {

enum class OptionKind {
  kValue,    // --name VALUE
  kInteger,  // --name N (a non-negative decimal integer)
  kBase64,   // --name B64 (standard base64)
  kFlag,     // --name, and its negation --no-name when it has one
  kList,     // --name V1 V2 ... (up to the next option)
};

struct OptionSpec {
  std::string_view name;  // "--db-instance-identifier"
  OptionKind kind = OptionKind::kValue;
  bool required = false;
  std::string_view negation = {};  // kFlag: "--no-storage-encrypted"
  // Options with the same non-zero group: exactly one of them is required.
  int group = 0;
};

struct CommandSpec {
  std::string_view name;       // "create-db-instance"
  std::string_view operation;  // "CreateDBInstance", for error messages
  std::vector<OptionSpec> options;
};

// Every command rds-volume knows, in the order `help` lists them.
const std::vector<CommandSpec>& Commands();
const CommandSpec* FindCommand(std::string_view name);

struct GlobalOptions {
  std::optional<std::string> endpoint_url;
  std::optional<std::string> region;
  std::optional<std::string> state_dir;
  std::optional<std::string> config;
  std::optional<std::string> profile;
};

struct CommandLine {
  GlobalOptions global;
  const CommandSpec* command = nullptr;                    // null when help was asked for
  std::map<std::string, std::string, std::less<>> values;  // kValue, kInteger, kBase64
  std::map<std::string, bool, std::less<>> flags;
  std::map<std::string, std::vector<std::string>, std::less<>> lists;

  std::optional<std::string> Value(std::string_view name) const;
  // kInteger values; nullopt when absent (the parser has checked the syntax).
  std::optional<uint64_t> Integer(std::string_view name) const;
  std::optional<bool> Flag(std::string_view name) const;
  std::vector<std::string> List(std::string_view name) const;
};

// Parses argv[1..]. kValidation with the AWS CLI's wording for an unknown
// command or option, a missing value or required option, a bad integer or
// base64 value, or a violated one-of group.
StatusOr<CommandLine> ParseCommandLine(std::span<const std::string> args);

// The usage text: synopsis, global options and the commands with options.
std::string Usage();

}  // namespace kms::rds::cli

#endif  // KMS_CLIENT_CLI_ARGS_H_
