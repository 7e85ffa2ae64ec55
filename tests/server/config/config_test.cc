// Config errors a person can act on: the file, line and column, the field.
#include "kms/server/config/config.h"

#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::config {
namespace {

using ::testing::HasSubstr;

std::string ErrorFor(std::string_view json) {
  StatusOr<ServerConfig> config = ParseConfig(json);
  EXPECT_FALSE(config.has_value());
  return config ? "" : config.error().message();
}

TEST(ConfigTest, TheShippedConfigLoads) {
  KMS_ASSERT_OK_AND_ASSIGN(ServerConfig config,
                           LoadConfig(std::string(KMS_SOURCE_DIR) + "/config/kmsd.json"));
  EXPECT_EQ(config.max_map_size_mb, 65536u);
  EXPECT_FALSE(config.accounts.empty());
}

TEST(ConfigTest, InvalidJsonIsPlacedByLineAndColumn) {
  EXPECT_EQ(ErrorFor("{\n  \"server\": {\n    \"port\": 1\n    \"threads\": 2}\n}"),
            "config: line 4, column 5: invalid JSON: Missing a comma or '}' after an object "
            "member.");
  EXPECT_EQ(ErrorFor(""), "config: line 1, column 1: invalid JSON: The document is empty.");
}

TEST(ConfigTest, AnUnknownFieldIsRefusedWithTheNearestKnownName) {
  EXPECT_EQ(ErrorFor("{\"server\": {\n  \"prot\": 4599}}"),
            "config: line 2, column 3: server.prot is not a known field (did you mean "
            "server.port?)");
  EXPECT_EQ(ErrorFor("{\"colour\": 1}"), "config: line 1, column 2: colour is not a known field");
  EXPECT_EQ(ErrorFor(R"({"accounts": [{"id": "111122223333",
    "users": [{"nmae": "x"}]}]})"),
            "config: line 2, column 16: accounts[0].users[0].nmae is not a known field (did you "
            "mean accounts[0].users[0].name?)");
}

TEST(ConfigTest, PolicyAndTagNamesAreTheUsersOwn) {
  EXPECT_THAT(ParseConfig(R"({"accounts": [{"id": "111122223333", "users": [
    {"name": "u", "access_key_id": "AKIA1", "secret_access_key": "s",
     "policies": {"AnyName": {"Version": "2012-10-17", "Statement": []}},
     "tags": {"any-tag": "v"}}]}]})"),
              IsOk());
}

TEST(ConfigTest, AWrongValueIsPlacedAtItsField) {
  EXPECT_EQ(ErrorFor("{\"server\": {\"port\": 99999}}"),
            "config: line 1, column 13: server.port must be an integer in [0, 65535]");
  EXPECT_EQ(ErrorFor(R"({"accounts": [
  {"id": "111122223333"},
  {"id": "12"}]})"),
            "config: line 3, column 4: accounts[1].id must be a 12-digit account id");
}

TEST(ConfigTest, LoadConfigNamesTheFile) {
  testing::TempDir dir;
  EXPECT_EQ(LoadConfig(dir.path()).error().message(),
            dir.path() + ": is a directory, not a config file");
  EXPECT_EQ(LoadConfig(dir.Sub("missing.json")).error().message(),
            dir.Sub("missing.json") + ": cannot open the config file: No such file or directory");
  std::ofstream(dir.Sub("bad.json")) << "{\"server\": {\"prot\": 1}}";
  EXPECT_THAT(LoadConfig(dir.Sub("bad.json")).error().message(),
              HasSubstr(dir.Sub("bad.json") + ": line 1, column 13: server.prot"));
}

}  // namespace
}  // namespace kms::config
