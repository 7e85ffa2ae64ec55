#include "kms/server/config/command_line.h"

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace kms::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CommandLineTest : public ::testing::Test {
 protected:
  StatusOr<CommandLine> Parse(std::vector<std::string_view> args) const {
    return ParseCommandLine(args, [this](const char* name) -> std::optional<std::string> {
      auto it = environment_.find(name);
      if (it == environment_.end()) return std::nullopt;
      return it->second;
    });
  }
  // The message of the error Parse gives for `args`.
  std::string ErrorFor(std::vector<std::string_view> args) const {
    StatusOr<CommandLine> line = Parse(std::move(args));
    EXPECT_FALSE(line.has_value());
    return line ? "" : line.error().message();
  }

  std::map<std::string, std::string> environment_;
};

TEST_F(CommandLineTest, ServesByDefaultWithTheConfigsValues) {
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line, Parse({}));
  EXPECT_EQ(line.command, Command::kServe);
  EXPECT_FALSE(line.config_path.has_value());  // ResolveConfigPath finds one
  EXPECT_FALSE(line.port.has_value());
  EXPECT_FALSE(line.data_dir.has_value());
}

TEST_F(CommandLineTest, ReadsEveryOptionInBothForms) {
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line, Parse({"serve", "--config", "c.json", "--data-dir=/d",
                                                    "--port", "0", "--port-file=/p"}));
  EXPECT_EQ(line.command, Command::kServe);
  EXPECT_EQ(line.config_path, "c.json");
  EXPECT_EQ(line.data_dir, "/d");
  EXPECT_EQ(line.port, 0);
  EXPECT_EQ(line.port_file, "/p");
}

TEST_F(CommandLineTest, PortsAreNumbersInRange) {
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line, Parse({"--port", "65535"}));
  EXPECT_EQ(line.port, 65535);
  for (std::string_view bad : {"99999", "65536", "abc", "4599x", "-1", " 80", "+80", "0x10"}) {
    EXPECT_EQ(ErrorFor({"--port", bad}),
              "--port must be a number from 0 to 65535, not '" + std::string(bad) + "'");
  }
  EXPECT_EQ(ErrorFor({"--port"}), "--port needs a value");
  EXPECT_EQ(ErrorFor({"--port="}), "--port needs a value");
}

TEST_F(CommandLineTest, NamesWhatItDoesNotKnow) {
  EXPECT_EQ(ErrorFor({"--bogus"}), "unknown option '--bogus'");
  EXPECT_EQ(ErrorFor({"-x"}), "unknown option '-x'");
  EXPECT_EQ(ErrorFor({"frobnicate"}), "unknown command 'frobnicate'");
  EXPECT_EQ(ErrorFor({"audit"}), "'kmsd audit' needs a command: verify, export, tail or report");
  EXPECT_EQ(ErrorFor({"audit", "shred"}),
            "unknown audit command 'shred' (verify, export, tail or report)");
  EXPECT_EQ(ErrorFor({"serve", "now"}), "unexpected argument 'now'");
  EXPECT_EQ(ErrorFor({"audit", "export"}), "kmsd audit export needs --out DIR");
  EXPECT_THAT(ErrorFor({"audit", "verify", "--port", "1"}),
              HasSubstr("--port is an option of kmsd (serve)"));
  EXPECT_THAT(ErrorFor({"--out", "x"}), HasSubstr("--out is an option of kmsd audit export"));
}

TEST_F(CommandLineTest, ReadsTheAuditAndPolicyTools) {
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine tail,
                           Parse({"audit", "tail", "--follow", "--filter", "outcome=denied",
                                  "--filter=key=1234", "--lines", "25"}));
  EXPECT_EQ(tail.command, Command::kAuditTail);
  EXPECT_TRUE(tail.follow);
  EXPECT_EQ(tail.filters, (std::vector<std::string>{"outcome=denied", "key=1234"}));
  EXPECT_EQ(tail.lines, 25u);
  EXPECT_EQ(ErrorFor({"audit", "tail", "--lines", "-3"}),
            "--lines must be a number from 0 to 9999999, not '-3'");
  EXPECT_EQ(ErrorFor({"audit", "tail", "--follow=yes"}), "--follow takes no value");
  EXPECT_THAT(ErrorFor({"audit", "verify", "--follow"}),
              HasSubstr("--follow is an option of kmsd audit tail"));

  KMS_ASSERT_OK_AND_ASSIGN(
      CommandLine report,
      Parse({"audit", "report", "--out", "r.html", "--since", "2h", "--account", "111122223333"}));
  EXPECT_EQ(report.command, Command::kAuditReport);
  EXPECT_EQ(report.out_dir, "r.html");
  EXPECT_EQ(report.since, "2h");
  EXPECT_EQ(report.account, "111122223333");
  EXPECT_EQ(ErrorFor({"audit", "report"}), "kmsd audit report needs --out FILE");

  KMS_ASSERT_OK_AND_ASSIGN(
      CommandLine diff, Parse({"policy", "diff", "old.json", "new.json", "--fail-on-new-access"}));
  EXPECT_EQ(diff.command, Command::kPolicyDiff);
  EXPECT_EQ(diff.policy_file, "old.json");
  EXPECT_EQ(diff.new_policy_file, "new.json");
  EXPECT_TRUE(diff.fail_on_new_access);
  EXPECT_EQ(ErrorFor({"policy", "diff", "old.json"}),
            "'kmsd policy diff' needs two key policy files: OLD NEW");
  EXPECT_EQ(ErrorFor({"policy", "diff", "a", "b", "c"}), "unexpected argument 'c'");
  EXPECT_EQ(ErrorFor({"policy", "diff", "a", ""}),
            "'kmsd policy diff' needs two key policy files: OLD NEW");
  EXPECT_EQ(ErrorFor({"policy"}), "'kmsd policy' needs a command: test, lint or diff");
}

TEST_F(CommandLineTest, HelpAndVersionWinOverEverythingElse) {
  for (std::string_view flag : {"--help", "-h"}) {
    KMS_ASSERT_OK_AND_ASSIGN(CommandLine line, Parse({flag}));
    EXPECT_EQ(line.command, Command::kHelp);
    EXPECT_EQ(line.help_topic, "");
  }
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine audit, Parse({"audit", "--help"}));
  EXPECT_EQ(audit.help_topic, "audit");
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine config, Parse({"config", "-h"}));
  EXPECT_EQ(config.help_topic, "config");
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine version, Parse({"--port", "1", "--version"}));
  EXPECT_EQ(version.command, Command::kVersion);
}

TEST_F(CommandLineTest, HelpListsEveryOptionAndVariable) {
  const std::string help = HelpText("");
  for (std::string_view word : {"--config", "--data-dir", "--port", "--port-file", "--out",
                                "--help", "--version", "KMSD_CONFIG", "KMSD_DATA_DIR", "KMSD_PORT",
                                "KMSD_PORT_FILE", "audit verify", "audit export", "config check"}) {
    EXPECT_THAT(help, HasSubstr(word));
  }
  EXPECT_THAT(HelpText("audit"), Not(HasSubstr("--port-file")));
}

TEST_F(CommandLineTest, EnvironmentVariablesStandInForMissingOptions) {
  environment_ = {{"KMSD_CONFIG", "env.json"},
                  {"KMSD_DATA_DIR", "/env"},
                  {"KMSD_PORT", "4600"},
                  {"KMSD_PORT_FILE", ""}};
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line, Parse({}));
  EXPECT_EQ(line.config_path, "env.json");
  EXPECT_EQ(line.data_dir, "/env");
  EXPECT_EQ(line.port, 4600);
  EXPECT_FALSE(line.port_file.has_value());  // set but empty: not given
  KMS_ASSERT_OK_AND_ASSIGN(line, Parse({"--port", "4700", "--data-dir", "/flag"}));
  EXPECT_EQ(line.port, 4700);
  EXPECT_EQ(line.data_dir, "/flag");
  // Only the variables of the command at hand count.
  environment_["KMSD_PORT"] = "nope";
  EXPECT_EQ(ErrorFor({}), "KMSD_PORT must be a number from 0 to 65535, not 'nope'");
  EXPECT_THAT(Parse({"audit", "verify"}), IsOk());
}

TEST(ResolveConfigPathTest, TheGivenFileElseTheCheckoutsElseTheInstalledOne) {
  std::set<std::string> files;
  auto resolve = [&files](const std::optional<std::string>& given) {
    auto path = ResolveConfigPath(given, "/etc/kmsd/kmsd.json", [&files](const std::string& file) {
      return files.contains(file);
    });
    return path ? *path : "error: " + path.error().message();
  };
  files = {"config/kmsd.json", "/etc/kmsd/kmsd.json"};
  EXPECT_EQ(resolve("mine.json"), "mine.json");
  EXPECT_EQ(resolve(std::nullopt), "config/kmsd.json");
  files = {"/etc/kmsd/kmsd.json"};
  EXPECT_EQ(resolve(std::nullopt), "/etc/kmsd/kmsd.json");
  files = {};
  EXPECT_EQ(resolve(std::nullopt),
            "error: no config file: neither config/kmsd.json (here) nor /etc/kmsd/kmsd.json "
            "exists; give one with --config FILE or KMSD_CONFIG");
}

TEST_F(CommandLineTest, ConfigCheckTakesAFileOrTheConfigOption) {
  environment_ = {{"KMSD_CONFIG", "env.json"}};
  KMS_ASSERT_OK_AND_ASSIGN(CommandLine line, Parse({"config", "check", "mine.json"}));
  EXPECT_EQ(line.command, Command::kConfigCheck);
  EXPECT_EQ(line.config_path, "mine.json");
  KMS_ASSERT_OK_AND_ASSIGN(line, Parse({"config", "check"}));
  EXPECT_EQ(line.config_path, "env.json");
  KMS_ASSERT_OK_AND_ASSIGN(line, Parse({"config", "check", "--config", "opt.json"}));
  EXPECT_EQ(line.config_path, "opt.json");
  EXPECT_THAT(ErrorFor({"config", "check", "a.json", "--config", "b.json"}),
              HasSubstr("takes its file once"));
  EXPECT_EQ(ErrorFor({"config"}), "'kmsd config' needs a command: check");
}

}  // namespace
}  // namespace kms::config
