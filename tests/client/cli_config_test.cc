#include "client/cli_config.h"

#include <gtest/gtest.h>

#include "client/atomic_file.h"
#include "kms/server/config/config.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::rds::cli {
namespace {

using ::testing::HasSubstr;

Environment FakeEnvironment(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(CliConfigTest, ParsesIniFiles) {
  const Ini ini = ParseIni(
      "# comment\n[default]\naws_access_key_id = AKIA1 \n\n"
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
  KMS_ASSERT_OK_AND_ASSIGN(
      client::Credentials none,
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
  const Environment env =
      FakeEnvironment({{"HOME", "/home/u"}, {"AWS_ENDPOINT_URL", "http://e:1"}});
  EXPECT_EQ(ResolveEndpoint(env, "http://flag:2", std::nullopt), "http://flag:2");
  EXPECT_EQ(ResolveEndpoint(env, std::nullopt, std::nullopt), "http://e:1");
  EXPECT_EQ(ResolveEndpoint(FakeEnvironment({}), std::nullopt, std::nullopt),
            "http://127.0.0.1:4599");
  EXPECT_EQ(ResolveStateDir(env, std::nullopt), "/home/u/.rds-volume");
  EXPECT_EQ(ResolveStateDir(FakeEnvironment({{"RDS_VOLUME_STATE", "/s"}}), std::nullopt), "/s");
}

}  // namespace
}  // namespace kms::rds::cli
