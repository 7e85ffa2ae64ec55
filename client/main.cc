// rds-volume: a stand-in for Amazon RDS and EBS that encrypts volumes with
// kmsd the way RDS uses AWS KMS (docs/rds-volume.md).
//
//   rds-volume [--endpoint-url URL] [--region R] [--state-dir DIR] [--config FILE]
//              <command> [options]
//
// Exit codes as the AWS CLI's: 0 success, 252 bad command line, 253 missing
// configuration or credentials, 254 an error answer (RDS's or KMS's), 255
// any other failure (kmsd unreachable, local state).
#include <cstdio>
#include <string>
#include <vector>

#include "cli_args.h"
#include "cli_config.h"
#include "commands.h"
#include "kms/client/kms_client.h"
#include "kms/client/rds_ids.h"
#include "kms/client/rds_service.h"
#include "kms/client/rds_state.h"
#include "kms/json/reader.h"
#include "kms/json/writer.h"

namespace kms::rds::cli {
namespace {

constexpr int kExitUsage = 252;
constexpr int kExitConfiguration = 253;
constexpr int kExitServiceError = 254;
constexpr int kExitFailure = 255;

int UsageError(const std::string& message) {
  std::fprintf(stderr, "%s\nusage: rds-volume [options] <command> [parameters]\n%s\n",
               "To see help text, you can run: rds-volume help", message.c_str());
  return kExitUsage;
}

int Fatal(int code, const std::string& message) {
  std::fprintf(stderr, "\n%s\n", message.c_str());
  return code;
}

int ReportError(const CommandSpec& command, const RdsError& error) {
  if (error.is_service_error()) {
    std::fprintf(stderr, "\nAn error occurred (%s) when calling the %s operation: %s\n",
                 std::string(RdsErrorName(error.code())).c_str(),
                 std::string(command.operation).c_str(), error.message().c_str());
    return kExitServiceError;
  }
  return Fatal(
      error.code() == RdsErrorCode::kMissingCredentials ? kExitConfiguration : kExitFailure,
      error.message());
}

void Print(const CommandOutput& output) {
  if (output.is_raw) {
    std::fwrite(output.raw.data(), 1, output.raw.size(), stdout);
  } else {
    const std::string text = json::Pretty(output.json) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  std::fflush(stdout);
}

int Run(const std::vector<std::string>& args) {
  auto line = ParseCommandLine(args);
  if (!line) return UsageError("rds-volume: error: " + line.error().message());
  if (line->command == nullptr) {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  const Environment env = ProcessEnvironment();
  const GlobalOptions& global = line->global;
  const std::optional<std::string> region = ResolveRegion(env, global.region, global.profile);
  if (!region) {
    return Fatal(kExitConfiguration,
                 "You must specify a region. You can also configure your region by setting "
                 "AWS_REGION or in ~/.aws/config.");
  }
  if (!IsRegionName(*region)) {
    return UsageError("Provided region_name '" + *region + "' doesn't match a supported format.");
  }
  auto config = LoadClientConfig(env, global.config);
  if (!config) return Fatal(kExitConfiguration, config.error().message());
  auto user = LoadUserCredentials(env, global.profile);
  if (!user) return Fatal(kExitConfiguration, user.error().message());
  const std::string endpoint_url = ResolveEndpoint(env, global.endpoint_url, *config);
  auto endpoint = client::ParseEndpointUrl(endpoint_url);
  if (!endpoint) return UsageError("Bad value for --endpoint-url: " + endpoint.error().message());

  auto store = StateStore::Open(ResolveStateDir(env, global.state_dir));
  if (!store) return Fatal(kExitFailure, store.error().message());
  auto lock = store->Lock();
  if (!lock) return Fatal(kExitFailure, lock.error().message());

  client::SigningIdentities identities;
  identities.user = *user;
  if (*config) {
    identities.service = (*config)->service;
    identities.service_name = (*config)->service_name;
  }
  const CredentialsPresent present{!identities.user.empty(), !identities.service.empty()};
  auto kms = client::NewKmsClient(client::NewHttpTransport(*endpoint), std::move(identities),
                                  SystemClock::Get());
  RdsService service(*region, *kms, *store, SystemClock::Get(), present);
  auto output = RunCommand(service, *line);
  if (!output) return ReportError(*line->command, output.error());
  Print(*output);
  return 0;
}

}  // namespace
}  // namespace kms::rds::cli

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return kms::rds::cli::Run(args);
}
