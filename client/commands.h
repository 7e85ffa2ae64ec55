// rds-volume's commands: each turns a parsed command line into an
// RdsService request and the answer into the AWS CLI's JSON. Internal to
// client/.
#ifndef KMS_CLIENT_COMMANDS_H_
#define KMS_CLIENT_COMMANDS_H_

#include <string>

#include "cli_args.h"
#include "kms/bytes.h"
#include "kms/client/rds_service.h"

namespace kms::rds::cli {

// What a command prints: JSON, or the raw bytes `read` returns.
struct CommandOutput {
  std::string json;
  bool is_raw = false;
  SecretBytes raw;
};

// Runs `line` (whose command is set) against `service`. Errors are RDS's;
// reading --data-file or writing --output-file fails with kLocal.
RdsResult<CommandOutput> RunCommand(RdsService& service, const CommandLine& line);

}  // namespace kms::rds::cli

#endif  // KMS_CLIENT_COMMANDS_H_
