#include <set>

#include <gtest/gtest.h>

#include "kms/client/rds_ids.h"

namespace kms::rds {
namespace {

TEST(IdsTest, ResourceIdsHaveRdsShape) {
  const std::string db = NewDbResourceId();
  EXPECT_EQ(db.size(), 3u + 26u);
  EXPECT_TRUE(db.starts_with("db-"));
  EXPECT_TRUE(IsDbResourceId(db)) << db;
  const std::string cluster = NewClusterResourceId();
  EXPECT_EQ(cluster.size(), 8u + 26u);
  EXPECT_TRUE(IsClusterResourceId(cluster)) << cluster;
  EXPECT_FALSE(IsDbResourceId(cluster));
  for (char c : db.substr(3)) EXPECT_TRUE(std::isupper(c) || std::isdigit(c)) << db;
}

TEST(IdsTest, VolumeIdsAreSeventeenHexDigits) {
  const std::string volume = NewVolumeId();
  EXPECT_EQ(volume.size(), 4u + 17u);
  EXPECT_TRUE(IsVolumeId(volume)) << volume;
  for (char c : volume.substr(4)) EXPECT_TRUE(std::isdigit(c) || (c >= 'a' && c <= 'f')) << volume;
}

TEST(IdsTest, IdsAreUniqueAndUseTheWholeAlphabet) {
  std::set<std::string> seen;
  std::set<char> characters;
  for (int i = 0; i < 500; ++i) {
    const std::string id = NewDbResourceId();
    EXPECT_TRUE(seen.insert(id).second);
    characters.insert(id.begin() + 3, id.end());
    EXPECT_TRUE(seen.insert(NewVolumeId()).second);
  }
  EXPECT_EQ(characters.size(), 36u);
}

TEST(IdsTest, ValidatorsRejectNearMisses) {
  EXPECT_FALSE(IsDbResourceId("db-abcdefghijklmnopqrstuvwxyz"));  // lowercase
  EXPECT_FALSE(IsDbResourceId("db-ABC"));
  EXPECT_FALSE(IsVolumeId("vol-0123456789ABCDEF0"));  // uppercase hex
  EXPECT_FALSE(IsVolumeId("vol-0123456789abcdef"));   // 16 digits
  EXPECT_FALSE(IsVolumeId("../vol-0123456789abcde"));
}

TEST(IdsTest, IdentifiersFollowRdsRules) {
  EXPECT_TRUE(IsValidIdentifier("mydb"));
  EXPECT_TRUE(IsValidIdentifier("My-DB-1"));
  EXPECT_TRUE(IsValidIdentifier(std::string(63, 'a')));
  EXPECT_FALSE(IsValidIdentifier(std::string(64, 'a')));
  EXPECT_FALSE(IsValidIdentifier(""));
  EXPECT_FALSE(IsValidIdentifier("1db"));
  EXPECT_FALSE(IsValidIdentifier("db-"));
  EXPECT_FALSE(IsValidIdentifier("d--b"));
  EXPECT_FALSE(IsValidIdentifier("d_b"));
  EXPECT_FALSE(IsValidIdentifier("a/b"));
  EXPECT_FALSE(IsValidIdentifier(".."));
  EXPECT_EQ(CanonicalIdentifier("My-DB"), "my-db");
}

TEST(IdsTest, RegionNamesHaveAwsShape) {
  EXPECT_TRUE(IsRegionName("us-east-1"));
  EXPECT_TRUE(IsRegionName("us-gov-west-1"));
  EXPECT_TRUE(IsRegionName("ap-southeast-10"));
  EXPECT_FALSE(IsRegionName("us-east"));
  EXPECT_FALSE(IsRegionName("US-EAST-1"));
  EXPECT_FALSE(IsRegionName("../etc-1"));
  EXPECT_FALSE(IsRegionName("us--east-1"));
  EXPECT_FALSE(IsRegionName(""));
}

TEST(IdsTest, AccountIdsAreTwelveDigits) {
  EXPECT_TRUE(IsAccountId("444455556666"));
  EXPECT_FALSE(IsAccountId("44445555666"));
  EXPECT_FALSE(IsAccountId("44445555666a"));
  EXPECT_FALSE(IsAccountId("all"));
}

}  // namespace
}  // namespace kms::rds
