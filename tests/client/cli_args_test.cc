#include "client/cli_args.h"

#include <set>

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

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
  KMS_ASSERT_OK_AND_ASSIGN(
      CommandLine line,
      Parse({"modify-db-instance", "--db-instance-identifier", "db1", "--no-storage-encrypted"}));
  EXPECT_EQ(line.Flag("--storage-encrypted"), false);
}

TEST(CliArgsTest, ListsRunToTheNextOption) {
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line,
                           Parse({"modify-db-snapshot-attribute", "--db-snapshot-identifier", "s",
                                  "--attribute-name", "restore", "--values-to-add", "444455556666",
                                  "111122223333", "--values-to-remove", "all"}));
  EXPECT_EQ(line.List("--values-to-add"),
            (std::vector<std::string>{"444455556666", "111122223333"}));
  EXPECT_EQ(line.List("--values-to-remove"), (std::vector<std::string>{"all"}));
}

TEST(CliArgsTest, ReportsMissingRequiredOptionsLikeTheAwsCli) {
  EXPECT_THAT(Parse({"copy-db-snapshot", "--kms-key-id", "k"}),
              StatusIs(Code::kValidation,
                       "the following arguments are required: "
                       "--source-db-snapshot-identifier, "
                       "--target-db-snapshot-identifier"));
  EXPECT_THAT(Parse({"--region", "us-east-1"}),
              StatusIs(Code::kValidation, HasSubstr("required: command")));
}

TEST(CliArgsTest, RejectsUnknownCommandsAndOptions) {
  EXPECT_THAT(Parse({"create-db-volume"}),
              StatusIs(Code::kValidation, HasSubstr("Invalid choice")));
  EXPECT_THAT(Parse({"describe-db-instances", "--bogus", "x"}),
              StatusIs(Code::kValidation, "Unknown options: --bogus, x"));
  // An option of another command is unknown here.
  EXPECT_THAT(Parse({"describe-db-instances", "--kms-key-id", "k"}),
              StatusIs(Code::kValidation, HasSubstr("Unknown options")));
}

TEST(CliArgsTest, ValuesAreCheckedByKind) {
  EXPECT_THAT(
      Parse({"create-db-instance", "--db-instance-identifier", "a", "--allocated-storage", "ten"}),
      StatusIs(Code::kValidation, HasSubstr("invalid int value: 'ten'")));
  EXPECT_THAT(Parse({"write", "--db-instance-identifier", "a", "--data-base64", "!!"}),
              StatusIs(Code::kValidation, HasSubstr("invalid base64")));
  EXPECT_THAT(Parse({"create-db-instance", "--db-instance-identifier"}),
              StatusIs(Code::kValidation, HasSubstr("expected one argument")));
  EXPECT_THAT(Parse({"create-db-instance", "--db-instance-identifier", "a", "--output", "text"}),
              StatusIs(Code::kValidation, HasSubstr("JSON only")));
}

TEST(CliArgsTest, OneOfGroupsNeedExactlyOneMember) {
  EXPECT_THAT(
      Parse({"write", "--db-instance-identifier", "a"}),
      StatusIs(Code::kValidation, "exactly one of --data, --data-file, --data-base64 is required"));
  EXPECT_THAT(
      Parse({"write", "--db-instance-identifier", "a", "--db-cluster-identifier", "c", "--data",
             "x"}),
      StatusIs(Code::kValidation, HasSubstr("--db-instance-identifier, --db-cluster-identifier")));
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line, Parse({"read", "--db-cluster-identifier", "c",
                                                    "--length", "10", "--offset", "4096"}));
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

}  // namespace
}  // namespace kms::rds::cli
