#include "cli_args.h"

#include <algorithm>
#include <charconv>

#include "kms/encoding.h"

namespace kms::rds::cli {
namespace {

using K = OptionKind;

constexpr std::string_view kGlobalOptions[] = {"--endpoint-url", "--region",  "--state-dir",
                                               "--config",       "--profile", "--output"};

OptionSpec Required(std::string_view name) { return OptionSpec{name, K::kValue, true}; }
OptionSpec Optional(std::string_view name) { return OptionSpec{name, K::kValue}; }
OptionSpec Encrypted() {
  return OptionSpec{"--storage-encrypted", K::kFlag, false, "--no-storage-encrypted"};
}
// Read and write address an instance or a cluster.
std::vector<OptionSpec> VolumeTarget() {
  return {OptionSpec{"--db-instance-identifier", K::kValue, false, {}, 1},
          OptionSpec{"--db-cluster-identifier", K::kValue, false, {}, 1},
          OptionSpec{"--offset", K::kInteger}};
}

std::vector<CommandSpec> BuildCommands() {
  const OptionSpec key = Optional("--kms-key-id");
  const OptionSpec storage{"--allocated-storage", K::kInteger};
  const OptionSpec ignored_engine = Optional("--engine");
  std::vector<OptionSpec> write = VolumeTarget();
  write.push_back(OptionSpec{"--data", K::kValue, false, {}, 2});
  write.push_back(OptionSpec{"--data-file", K::kValue, false, {}, 2});
  write.push_back(OptionSpec{"--data-base64", K::kBase64, false, {}, 2});
  std::vector<OptionSpec> read = VolumeTarget();
  read.push_back(OptionSpec{"--length", K::kInteger, true});
  read.push_back(Optional("--output-file"));
  const OptionSpec skip{"--skip-final-snapshot", K::kFlag, false, "--no-skip-final-snapshot"};
  const OptionSpec attribute_values[] = {Required("--attribute-name"),
                                         OptionSpec{"--values-to-add", K::kList},
                                         OptionSpec{"--values-to-remove", K::kList}};
  return {
      {"create-db-instance",
       "CreateDBInstance",
       {Required("--db-instance-identifier"), Encrypted(), key, storage, ignored_engine,
        Optional("--db-instance-class")}},
      {"create-db-cluster",
       "CreateDBCluster",
       {Required("--db-cluster-identifier"), Encrypted(), key, storage, ignored_engine}},
      {"describe-db-instances", "DescribeDBInstances", {Optional("--db-instance-identifier")}},
      {"describe-db-clusters", "DescribeDBClusters", {Optional("--db-cluster-identifier")}},
      {"modify-db-instance",
       "ModifyDBInstance",
       {Required("--db-instance-identifier"), Encrypted(), key,
        OptionSpec{"--apply-immediately", K::kFlag, false, "--no-apply-immediately"}}},
      {"modify-db-cluster",
       "ModifyDBCluster",
       {Required("--db-cluster-identifier"), Encrypted(), key,
        OptionSpec{"--apply-immediately", K::kFlag, false, "--no-apply-immediately"}}},
      {"start-db-instance", "StartDBInstance", {Required("--db-instance-identifier")}},
      {"stop-db-instance", "StopDBInstance", {Required("--db-instance-identifier")}},
      {"start-db-cluster", "StartDBCluster", {Required("--db-cluster-identifier")}},
      {"stop-db-cluster", "StopDBCluster", {Required("--db-cluster-identifier")}},
      {"delete-db-instance",
       "DeleteDBInstance",
       {Required("--db-instance-identifier"), skip, Optional("--final-db-snapshot-identifier")}},
      {"delete-db-cluster",
       "DeleteDBCluster",
       {Required("--db-cluster-identifier"), skip, Optional("--final-db-snapshot-identifier")}},
      {"write", "WriteVolume", write},
      {"read", "ReadVolume", read},
      {"create-db-snapshot",
       "CreateDBSnapshot",
       {Required("--db-snapshot-identifier"), Required("--db-instance-identifier")}},
      {"create-db-cluster-snapshot",
       "CreateDBClusterSnapshot",
       {Required("--db-cluster-snapshot-identifier"), Required("--db-cluster-identifier")}},
      {"copy-db-snapshot",
       "CopyDBSnapshot",
       {Required("--source-db-snapshot-identifier"), Required("--target-db-snapshot-identifier"),
        key, Optional("--source-region")}},
      {"copy-db-cluster-snapshot",
       "CopyDBClusterSnapshot",
       {Required("--source-db-cluster-snapshot-identifier"),
        Required("--target-db-cluster-snapshot-identifier"), key, Optional("--source-region")}},
      {"describe-db-snapshots", "DescribeDBSnapshots", {Optional("--db-snapshot-identifier")}},
      {"describe-db-cluster-snapshots",
       "DescribeDBClusterSnapshots",
       {Optional("--db-cluster-snapshot-identifier")}},
      {"delete-db-snapshot", "DeleteDBSnapshot", {Required("--db-snapshot-identifier")}},
      {"delete-db-cluster-snapshot",
       "DeleteDBClusterSnapshot",
       {Required("--db-cluster-snapshot-identifier")}},
      {"modify-db-snapshot-attribute",
       "ModifyDBSnapshotAttribute",
       {Required("--db-snapshot-identifier"), attribute_values[0], attribute_values[1],
        attribute_values[2]}},
      {"modify-db-cluster-snapshot-attribute",
       "ModifyDBClusterSnapshotAttribute",
       {Required("--db-cluster-snapshot-identifier"), attribute_values[0], attribute_values[1],
        attribute_values[2]}},
      {"describe-db-snapshot-attributes",
       "DescribeDBSnapshotAttributes",
       {Required("--db-snapshot-identifier")}},
      {"describe-db-cluster-snapshot-attributes",
       "DescribeDBClusterSnapshotAttributes",
       {Required("--db-cluster-snapshot-identifier")}},
      {"restore-db-instance-from-db-snapshot",
       "RestoreDBInstanceFromDBSnapshot",
       {Required("--db-instance-identifier"), Required("--db-snapshot-identifier"), Encrypted(),
        key}},
      {"restore-db-cluster-from-snapshot",
       "RestoreDBClusterFromSnapshot",
       {Required("--db-cluster-identifier"), Required("--snapshot-identifier"), Encrypted(), key,
        ignored_engine}},
      {"create-db-instance-read-replica",
       "CreateDBInstanceReadReplica",
       {Required("--db-instance-identifier"), Required("--source-db-instance-identifier"),
        Encrypted(), key, Optional("--source-region")}},
  };
}

std::unexpected<Status> Invalid(std::string message) {
  return Error(Code::kValidation, std::move(message));
}

bool IsOption(std::string_view token) { return token.starts_with("--"); }

// Where a token names `spec`: its name (value true) or its negation (false).
const OptionSpec* FindOption(const CommandSpec& command, std::string_view name, bool* value) {
  for (const OptionSpec& spec : command.options) {
    if (spec.name == name || (!spec.negation.empty() && spec.negation == name)) {
      *value = spec.name == name;
      return &spec;
    }
  }
  return nullptr;
}

Status CheckValue(const OptionSpec& spec, const std::string& value) {
  if (spec.kind == K::kInteger) {
    uint64_t parsed = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
      return Invalid("argument " + std::string(spec.name) + ": invalid int value: '" + value + "'");
    }
  }
  if (spec.kind == K::kBase64 && !Base64Decode(value)) {
    return Invalid("argument " + std::string(spec.name) + ": invalid base64 value");
  }
  return OkStatus();
}

Status CheckRequirements(const CommandLine& line) {
  std::vector<std::string> missing;
  std::map<int, std::vector<std::string_view>> groups;
  std::map<int, int> present;
  for (const OptionSpec& spec : line.command->options) {
    const bool given = line.values.contains(spec.name) || line.flags.contains(spec.name) ||
                       line.lists.contains(spec.name);
    if (spec.required && !given) missing.emplace_back(spec.name);
    if (spec.group != 0) {
      groups[spec.group].push_back(spec.name);
      present[spec.group] += given ? 1 : 0;
    }
  }
  if (!missing.empty()) {
    std::string text = "the following arguments are required: ";
    for (size_t i = 0; i < missing.size(); ++i) text += (i ? ", " : "") + missing[i];
    return Invalid(text);
  }
  for (const auto& [group, names] : groups) {
    if (present[group] == 1) continue;
    std::string text = "exactly one of ";
    for (size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + std::string(names[i]);
    return Invalid(text + " is required");
  }
  return OkStatus();
}

Status SetGlobal(GlobalOptions& global, std::string_view name, const std::string& value) {
  if (name == "--endpoint-url") global.endpoint_url = value;
  if (name == "--region") global.region = value;
  if (name == "--state-dir") global.state_dir = value;
  if (name == "--config") global.config = value;
  if (name == "--profile") global.profile = value;
  if (name == "--output" && value != "json") {
    return Invalid("argument --output: rds-volume prints JSON only");
  }
  return OkStatus();
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> kCommands = BuildCommands();
  return kCommands;
}

const CommandSpec* FindCommand(std::string_view name) {
  for (const CommandSpec& command : Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

std::optional<std::string> CommandLine::Value(std::string_view name) const {
  auto it = values.find(name);
  return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::optional<uint64_t> CommandLine::Integer(std::string_view name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  uint64_t parsed = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), parsed);
  return parsed;
}

std::optional<bool> CommandLine::Flag(std::string_view name) const {
  auto it = flags.find(name);
  return it == flags.end() ? std::nullopt : std::optional<bool>(it->second);
}

std::vector<std::string> CommandLine::List(std::string_view name) const {
  auto it = lists.find(name);
  return it == lists.end() ? std::vector<std::string>{} : it->second;
}

StatusOr<CommandLine> ParseCommandLine(std::span<const std::string> args) {
  CommandLine line;
  bool help = false;
  std::vector<std::string> unknown;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string token = args[i];
    std::optional<std::string> inline_value;
    if (const size_t eq = token.find('='); IsOption(token) && eq != std::string::npos) {
      inline_value = token.substr(eq + 1);
      token.resize(eq);
    }
    // The next argument as this option's value.
    auto take_value = [&]() -> StatusOr<std::string> {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size() || IsOption(args[i + 1])) {
        return Invalid("argument " + token + ": expected one argument");
      }
      return args[++i];
    };
    bool positive = true;
    const OptionSpec* spec = line.command != nullptr && IsOption(token)
                                 ? FindOption(*line.command, token, &positive)
                                 : nullptr;
    if (token == "help" || token == "--help" || token == "-h") {
      help = true;
    } else if (std::find(std::begin(kGlobalOptions), std::end(kGlobalOptions), token) !=
               std::end(kGlobalOptions)) {
      KMS_ASSIGN_OR_RETURN(std::string value, take_value());
      KMS_RETURN_IF_ERROR(SetGlobal(line.global, token, value));
    } else if (line.command == nullptr && !IsOption(token)) {
      line.command = FindCommand(token);
      if (line.command == nullptr) {
        return Invalid("argument command: Invalid choice '" + token +
                       "'; run 'rds-volume help' for the list of commands");
      }
    } else if (spec != nullptr) {
      if (spec->kind == K::kFlag) {
        if (inline_value) return Invalid("argument " + token + ": takes no value");
        line.flags[std::string(spec->name)] = positive;
      } else if (spec->kind == K::kList) {
        std::vector<std::string>& list = line.lists[std::string(spec->name)];
        if (inline_value) list.push_back(*inline_value);
        while (i + 1 < args.size() && !IsOption(args[i + 1])) list.push_back(args[++i]);
        if (list.empty()) return Invalid("argument " + token + ": expected at least one argument");
      } else {
        KMS_ASSIGN_OR_RETURN(std::string value, take_value());
        KMS_RETURN_IF_ERROR(CheckValue(*spec, value));
        line.values[std::string(spec->name)] = std::move(value);
      }
    } else {
      unknown.push_back(args[i]);
    }
  }
  if (help) {
    line.command = nullptr;
    return line;
  }
  if (!unknown.empty()) {
    std::string text = "Unknown options: ";
    for (size_t i = 0; i < unknown.size(); ++i) text += (i ? ", " : "") + unknown[i];
    return Invalid(text);
  }
  if (line.command == nullptr) return Invalid("the following arguments are required: command");
  KMS_RETURN_IF_ERROR(CheckRequirements(line));
  return line;
}

std::string Usage() {
  std::string out =
      "usage: rds-volume [--endpoint-url URL] [--region REGION] [--state-dir DIR]\n"
      "                  [--config FILE] [--profile NAME] <command> [options]\n\n"
      "A stand-in for Amazon RDS and EBS that encrypts volumes with kmsd the way RDS uses\n"
      "AWS KMS. Output is JSON as the AWS CLI prints it. See docs/rds-volume.md.\n\n"
      "Commands:\n";
  for (const CommandSpec& command : Commands()) {
    out += "  " + std::string(command.name) + "\n     ";
    size_t column = 5;
    for (const OptionSpec& option : command.options) {
      std::string text = std::string(option.name);
      if (!option.negation.empty()) text += " | " + std::string(option.negation);
      if (option.kind == K::kList) text += " V...";
      if (option.kind != K::kFlag && option.kind != K::kList) text += " V";
      if (!option.required) text.insert(0, "[").append("]");
      if (column + text.size() > 95) {
        out += "\n     ";
        column = 5;
      }
      out += " " + text;
      column += text.size() + 1;
    }
    out += "\n";
  }
  return out;
}

}  // namespace kms::rds::cli
