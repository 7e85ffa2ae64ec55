#include "client/cli_args.h"

#include <gtest/gtest.h>

#include "client/atomic_file.h"
#include "client/cli_config.h"
#include "kms/config.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::rds::cli {
namespace {

using ::testing::HasSubstr;

StatusOr<CommandLine> Parse(std::vector<std::string> args) { return ParseCommandLine(args); }

TEST(CliArgsTest, ParsesACommandWithValuesFlagsAndGlobalOptionsAnywhere) {
  KMS_ASSERT_OK_AND_ASSIGN(
      CommandLine line,
      Parse({"--region", "eu-west-1", "create-db-instance", "--db-instance-identifier", "db1",
             "--storage-encrypted", "--kms-key-id=alias/app", "--endpoint-url",
             "http://127.0.0.1:1234", "--allocated-storage", "5"}));
  ASSERT_NE(line.command, nullptr);
  EXPECT_EQ(line.command->name, "create-db-instance");
  EXPECT_EQ(line.command->operation, "CreateDBInstance");
  EXPECT_EQ(line.global.region, "eu-west-1");
  EXPECT_EQ(line.global.endpoint_url, "http://127.0.0.1:1234");
  EXPECT_EQ(line.Value("--db-instance-identifier"), "db1");
  EXPECT_EQ(line.Value("--kms-key-id"), "alias/app");
  EXPECT_EQ(line.Flag("--storage-encrypted"), true);
  EXPECT_EQ(line.Integer("--allocated-storage"), 5u);
  EXPECT_EQ(line.Value("--engine"), std::nullopt);
}

TEST(CliArgsTest, NegatedFlagsAreFalse) {
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line, Parse({"modify-db-instance", "--db-instance-identifier",
                                                    "db1", "--no-storage-encrypted"}));
  EXPECT_EQ(line.Flag("--storage-encrypted"), false);
}

TEST(CliArgsTest, ListsRunToTheNextOption) {
  KMS_ASSERT_OK_AND_ASSIGN(
      CommandLine line,
      Parse({"modify-db-snapshot-attribute", "--db-snapshot-identifier", "s",
             "--attribute-name", "restore", "--values-to-add", "444455556666", "111122223333",
             "--values-to-remove", "all"}));
  EXPECT_EQ(line.List("--values-to-add"), (std::vector<std::string>{"444455556666", "111122223333"}));
  EXPECT_EQ(line.List("--values-to-remove"), (std::vector<std::string>{"all"}));
}

TEST(CliArgsTest, ReportsMissingRequiredOptionsLikeTheAwsCli) {
  EXPECT_THAT(Parse({"copy-db-snapshot", "--kms-key-id", "k"}),
              StatusIs(Code::kValidation, "the following arguments are required: "
                                          "--source-db-snapshot-identifier, "
                                          "--target-db-snapshot-identifier"));
  EXPECT_THAT(Parse({"--region", "us-east-1"}),
              StatusIs(Code::kValidation, HasSubstr("required: command")));
}

TEST(CliArgsTest, RejectsUnknownCommandsAndOptions) {
  EXPECT_THAT(Parse({"create-db-volume"}), StatusIs(Code::kValidation, HasSubstr("Invalid choice")));
  EXPECT_THAT(Parse({"describe-db-instances", "--bogus", "x"}),
              StatusIs(Code::kValidation, "Unknown options: --bogus, x"));
  // An option of another command is unknown here.
  EXPECT_THAT(Parse({"describe-db-instances", "--kms-key-id", "k"}),
              StatusIs(Code::kValidation, HasSubstr("Unknown options")));
}

TEST(CliArgsTest, ValuesAreCheckedByKind) {
  EXPECT_THAT(Parse({"create-db-instance", "--db-instance-identifier", "a", "--allocated-storage",
                     "ten"}),
              StatusIs(Code::kValidation, HasSubstr("invalid int value: 'ten'")));
  EXPECT_THAT(Parse({"write", "--db-instance-identifier", "a", "--data-base64", "!!"}),
              StatusIs(Code::kValidation, HasSubstr("invalid base64")));
  EXPECT_THAT(Parse({"create-db-instance", "--db-instance-identifier"}),
              StatusIs(Code::kValidation, HasSubstr("expected one argument")));
  EXPECT_THAT(Parse({"create-db-instance", "--db-instance-identifier", "a", "--output", "text"}),
              StatusIs(Code::kValidation, HasSubstr("JSON only")));
}

TEST(CliArgsTest, OneOfGroupsNeedExactlyOneMember) {
  EXPECT_THAT(Parse({"write", "--db-instance-identifier", "a"}),
              StatusIs(Code::kValidation,
                       "exactly one of --data, --data-file, --data-base64 is required"));
  EXPECT_THAT(Parse({"write", "--db-instance-identifier", "a", "--db-cluster-identifier", "c",
                     "--data", "x"}),
              StatusIs(Code::kValidation, HasSubstr("--db-instance-identifier, --db-cluster-identifier")));
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line,
                           Parse({"read", "--db-cluster-identifier", "c", "--length", "10",
                                  "--offset", "4096"}));
  EXPECT_EQ(line.Integer("--offset"), 4096u);
}

TEST(CliArgsTest, HelpWinsOverEverythingElse) {
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line, Parse({"create-db-instance", "help"}));
  EXPECT_EQ(line.command, nullptr);
  EXPECT_THAT(Usage(), HasSubstr("restore-db-cluster-from-snapshot"));
}

TEST(CliArgsTest, EveryCommandIsUniqueAndHasAnOperation) {
  std::set<std::string_view> names;
  for (const CommandSpec& command : Commands()) {
    EXPECT_TRUE(names.insert(command.name).second) << command.name;
    EXPECT_FALSE(command.operation.empty());
    EXPECT_EQ(FindCommand(command.name), &command);
  }
}

Environment FakeEnvironment(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(CliConfigTest, ParsesIniFiles) {
  const Ini ini = ParseIni("# comment\n[default]\naws_access_key_id = AKIA1 \n\n"
                           "[profile dev]\r\nregion=eu-west-1\n; other\nbroken line\n");
  EXPECT_EQ(ini.at("default").at("aws_access_key_id"), "AKIA1");
  EXPECT_EQ(ini.at("profile dev").at("region"), "eu-west-1");
  EXPECT_EQ(ini.at("profile dev").size(), 1u);
}

TEST(CliConfigTest, UserCredentialsComeFromTheEnvironmentFirst) {
  KMS_ASSERT_OK_AND_ASSIGN(client::Credentials credentials,
                           LoadUserCredentials(FakeEnvironment({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                                                {"AWS_SECRET_ACCESS_KEY", "s"},
                                                                {"AWS_SESSION_TOKEN", "t"},
                                                                {"HOME", "/nonexistent"}}),
                                               std::nullopt));
  EXPECT_EQ(credentials.access_key_id, "AKIAENV");
  EXPECT_EQ(credentials.session_token, "t");
}

TEST(CliConfigTest, UserCredentialsComeFromTheProfileOfTheSharedFile) {
  testing::TempDir dir;
  ASSERT_THAT(MakeDirectories(dir.Sub(".aws")), IsOk());
  ASSERT_THAT(WriteFileAtomically(dir.Sub(".aws/credentials"),
                                  "[default]\naws_access_key_id=AKIADEF\naws_secret_access_key=d\n"
                                  "[bob]\naws_access_key_id=AKIABOB\naws_secret_access_key=b\n"),
              IsOk());
  ASSERT_THAT(WriteFileAtomically(dir.Sub(".aws/config"), "[profile bob]\nregion=ap-south-1\n"),
              IsOk());
  const Environment env = FakeEnvironment({{"HOME", dir.path()}});
  EXPECT_EQ(LoadUserCredentials(env, std::nullopt)->access_key_id, "AKIADEF");
  EXPECT_EQ(LoadUserCredentials(env, "bob")->access_key_id, "AKIABOB");
  const Environment with_profile = FakeEnvironment({{"HOME", dir.path()}, {"AWS_PROFILE", "bob"}});
  EXPECT_EQ(LoadUserCredentials(with_profile, std::nullopt)->access_key_id, "AKIABOB");
  EXPECT_EQ(ResolveRegion(with_profile, std::nullopt, std::nullopt), "ap-south-1");
  EXPECT_EQ(ResolveRegion(with_profile, "us-east-2", std::nullopt), "us-east-2");
  EXPECT_THAT(LoadUserCredentials(env, "nobody"), StatusIs(Code::kValidation, HasSubstr("nobody")));
  KMS_ASSERT_OK_AND_ASSIGN(client::Credentials none,
                           LoadUserCredentials(FakeEnvironment({{"HOME", "/nonexistent"}}), std::nullopt));
  EXPECT_TRUE(none.empty());
}

TEST(CliConfigTest, TheExampleConfigMatchesTheServersServicePrincipal) {
  KMS_ASSERT_OK_AND_ASSIGN(std::string text, ReadFile(KMS_RDS_VOLUME_CONFIG));
  KMS_ASSERT_OK_AND_ASSIGN(ClientConfig config, ParseClientConfig(text));
  KMS_ASSERT_OK_AND_ASSIGN(config::ServerConfig server, config::LoadConfig(KMS_EXAMPLE_CONFIG));
  ASSERT_EQ(server.service_principals.size(), 1u);
  EXPECT_EQ(server.service_principals[0].service, config.service_name + ".amazonaws.com");
  EXPECT_EQ(server.service_principals[0].access_key_id, config.service.access_key_id);
  EXPECT_EQ(server.service_principals[0].secret_access_key, config.service.secret_access_key);
}

TEST(CliConfigTest, RejectsIncompleteConfigs) {
  EXPECT_THAT(ParseClientConfig("{}"), StatusIs(Code::kValidation, HasSubstr("service_principal")));
  EXPECT_THAT(ParseClientConfig(R"({"service_principal": {"access_key_id": "A"}})"),
              StatusIs(Code::kValidation));
  EXPECT_THAT(ParseClientConfig(R"({"service_principal": {"access_key_id": "A",
                                  "secret_access_key": "s", "service": "rds"}})"),
              StatusIs(Code::kValidation));
}

TEST(CliConfigTest, EndpointAndStateDirectoryPrecedence) {
  const Environment env = FakeEnvironment({{"HOME", "/home/u"}, {"AWS_ENDPOINT_URL", "http://e:1"}});
  EXPECT_EQ(ResolveEndpoint(env, "http://flag:2", std::nullopt), "http://flag:2");
  EXPECT_EQ(ResolveEndpoint(env, std::nullopt, std::nullopt), "http://e:1");
  EXPECT_EQ(ResolveEndpoint(FakeEnvironment({}), std::nullopt, std::nullopt),
            "http://127.0.0.1:4599");
  EXPECT_EQ(ResolveStateDir(env, std::nullopt), "/home/u/.rds-volume");
  EXPECT_EQ(ResolveStateDir(FakeEnvironment({{"RDS_VOLUME_STATE", "/s"}}), std::nullopt), "/s");
}

}  // namespace
}  // namespace kms::rds::cli
