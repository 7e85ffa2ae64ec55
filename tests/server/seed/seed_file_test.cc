#include "kms/server/seed/seed_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace kms::seed {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kAesId = "bc436485-5092-42b8-92a3-0aa8b93536dc";
constexpr std::string_view kBacking =
    "5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9";
// local-kms's README ECC key (SEC1 PEM, P-256).
constexpr std::string_view kEcPem =
    "          -----BEGIN EC PRIVATE KEY-----\n"
    "          MHcCAQEEIMnOrUrXr8rwne7d8f01cfwmpS/w+K7jcyWmmeLDgWKaoAoGCCqGSM49\n"
    "          AwEHoUQDQgAEYNMBBZ3h1ipuph1iO5k+yLvTs94UN71quXN3f0P/tprs2Fp2FEas\n"
    "          M7m7XZ2xlDK3wcEAs1QEIoQjjwnhcptQ6A==\n"
    "          -----END EC PRIVATE KEY-----\n";

const SeedDefaults kDefaults{"111122223333", "eu-west-2"};

StatusOr<Seed> Parse(const std::string& text) { return ParseSeed(text, "seed.yaml", kDefaults); }

std::string AesSeed(std::string_view metadata_extra = "", std::string_view backing = kBacking) {
  return "Keys:\n  Symmetric:\n    Aes:\n      - Metadata:\n          KeyId: " +
         std::string(kAesId) + "\n" + std::string(metadata_extra) +
         "        BackingKeys:\n          - " + std::string(backing) + "\n";
}

TEST(SeedFileTest, ReadsAnAesKeyIntoTheDefaultAccountAndRegion) {
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed, Parse(AesSeed()));
  ASSERT_EQ(seed.keys.size(), 1u);
  const KeyRecord& key = seed.keys[0].record;
  EXPECT_EQ(key.key_id, kAesId);
  EXPECT_EQ(key.account, "111122223333");
  EXPECT_EQ(key.region, "eu-west-2");
  EXPECT_EQ(key.key_spec, "SYMMETRIC_DEFAULT");
  EXPECT_EQ(key.state, KeyState::kEnabled);
  ASSERT_EQ(seed.keys[0].materials.size(), 1u);
  EXPECT_EQ(seed.keys[0].materials[0].size(), 32u);
  EXPECT_EQ(seed.keys[0].location, "seed.yaml:4:9");  // the list item
}

TEST(SeedFileTest, ReadsTheLegacyListOfAesKeys) {
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed,
                           Parse("Keys:\n  - Metadata:\n      KeyId: " + std::string(kAesId) +
                                 "\n    BackingKeys: [" + std::string(kBacking) + "]\n"));
  ASSERT_EQ(seed.keys.size(), 1u);
  EXPECT_EQ(seed.keys[0].record.key_id, kAesId);
}

TEST(SeedFileTest, AnEmptyFileSeedsNothing) {
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed, Parse(""));
  EXPECT_TRUE(seed.keys.empty() && seed.aliases.empty() && seed.grants.empty());
}

TEST(SeedFileTest, NamesTheLineAndFieldOfAnUnknownFieldAndSuggestsTheOneMeant) {
  EXPECT_THAT(Parse(AesSeed("          description: x\n")),
              StatusIs(Code::kValidation,
                       "seed.yaml:6:11: Keys.Symmetric.Aes[0].Metadata.description: unknown field "
                       "(did you mean Description?)"));
}

TEST(SeedFileTest, RefusesABackingKeyOfTheWrongLengthWithoutQuotingIt) {
  const std::string short_key(kBacking.substr(0, 62));
  auto seed = Parse(AesSeed("", short_key));
  EXPECT_THAT(seed, StatusIs(Code::kValidation,
                             HasSubstr("BackingKeys[0]: must be 32 bytes (64 hex digits); 31 "
                                       "bytes found")));
  EXPECT_THAT(seed.error().message(), Not(HasSubstr(short_key)));
  EXPECT_THAT(Parse(AesSeed("", "zz")), StatusIs(Code::kValidation, HasSubstr("hex digits")));
}

TEST(SeedFileTest, ReadsAnHmacKeyOfItsSpecsLength) {
  const std::string hmac =
      "Keys:\n  Symmetric:\n    Hmac:\n      - Metadata:\n          KeyId: " + std::string(kAesId) +
      "\n          KeySpec: HMAC_224\n        BackingKeys: [" + std::string(56, 'a') + "]\n";
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed, Parse(hmac));
  EXPECT_EQ(seed.keys[0].record.key_usage, "GENERATE_VERIFY_MAC");
  EXPECT_EQ(seed.keys[0].materials[0].size(), 28u);
  std::string without_spec = hmac;
  without_spec.erase(without_spec.find("          KeySpec"), 27);
  EXPECT_THAT(Parse(without_spec),
              StatusIs(Code::kValidation, HasSubstr("Metadata: needs KeySpec")));
}

TEST(SeedFileTest, ReadsASec1EcKeyAndDerivesItsSpec) {
  const std::string ecc =
      "Keys:\n  Asymmetric:\n    Ecc:\n      - Metadata:\n          KeyId: " + std::string(kAesId) +
      "\n        PrivateKeyPem: |\n" + std::string(kEcPem);
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed, Parse(ecc));
  EXPECT_EQ(seed.keys[0].record.key_spec, "ECC_NIST_P256");
  EXPECT_EQ(seed.keys[0].record.key_usage, "SIGN_VERIFY");
  // Under Rsa, it is in the wrong list.
  std::string as_rsa = ecc;
  as_rsa.replace(as_rsa.find("Ecc:"), 4, "Rsa:");
  as_rsa.replace(as_rsa.find("        PrivateKeyPem"), 0, "          KeyUsage: SIGN_VERIFY\n");
  EXPECT_THAT(Parse(as_rsa),
              StatusIs(Code::kValidation, HasSubstr("holds an elliptic-curve key; it belongs under "
                                                    "Ecc")));
}

// A test key (SM2, PKCS#8), made for this test.
constexpr std::string_view kSm2Pem =
    "          -----BEGIN PRIVATE KEY-----\n"
    "          MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgxHvLwgoEjnaoxDi7\n"
    "          oHpn9c7z+XD8uUqwOVd93r4A8dOhRANCAAQ+St1NWKErEiWfW+/KhVvkL2bh8ax1\n"
    "          7CBFz5BVodR9r03psZ0sxGmetQHZIV8r2dWrP4EUGUNtpBdkHaRD80sN\n"
    "          -----END PRIVATE KEY-----\n";

TEST(SeedFileTest, AnSm2KeyIsSeededOnlyInAChinaRegion) {
  const std::string sm2 =
      "Keys:\n  Asymmetric:\n    Ecc:\n      - Metadata:\n          KeyId: " + std::string(kAesId) +
      "\n          Region: cn-north-1\n" + "        PrivateKeyPem: |\n" + std::string(kSm2Pem);
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed, Parse(sm2));
  EXPECT_EQ(seed.keys[0].record.key_spec, "SM2");
  std::string elsewhere = sm2;
  elsewhere.replace(elsewhere.find("cn-north-1"), 10, "us-east-1");
  EXPECT_THAT(Parse(elsewhere),
              StatusIs(Code::kValidation, HasSubstr("holds an SM2 key, which AWS offers only in "
                                                    "its China Regions")));
}

TEST(SeedFileTest, RefusesAPemThatIsNotAPrivateKeyWithoutQuotingIt) {
  const std::string bad =
      "Keys:\n  Asymmetric:\n    Ecc:\n      - Metadata:\n          KeyId: " + std::string(kAesId) +
      "\n        PrivateKeyPem: \"-----BEGIN EC PRIVATE KEY-----\\nsecretstuff\"\n";
  auto seed = Parse(bad);
  EXPECT_THAT(seed, StatusIs(Code::kValidation, HasSubstr("PrivateKeyPem: not an unencrypted PEM "
                                                          "private key")));
  EXPECT_THAT(seed.error().message(), Not(HasSubstr("secretstuff")));
}

TEST(SeedFileTest, APolicyWrittenAsYamlBecomesJsonAndMustBeAValidKeyPolicy) {
  const std::string policy =
      "          Policy:\n            Version: \"2012-10-17\"\n            Statement:\n"
      "              - Effect: Allow\n                Principal: {AWS: "
      "\"arn:aws:iam::111122223333:root\"}\n                Action: \"kms:*\"\n"
      "                Resource: \"*\"\n";
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed, Parse(AesSeed(policy)));
  EXPECT_EQ(seed.keys[0].record.policy,
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
            R"("Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*",)"
            R"("Resource":"*"}]})");
  EXPECT_THAT(Parse(AesSeed("          Policy: \"{}\"\n")),
              StatusIs(Code::kValidation, HasSubstr("Metadata.Policy: is not a valid key policy")));
}

TEST(SeedFileTest, AnchorsCannotMakeAPolicyHuge) {
  // Each S<i> names S<i-1> twice: 2^29 items if expanded.
  std::string nested = "          Policy:\n            Statement: &s0 [1, 2]\n";
  for (int i = 1; i < 30; ++i)
    nested += "            S" + std::to_string(i) + ": &s" + std::to_string(i) + " [*s" +
              std::to_string(i - 1) + ", *s" + std::to_string(i - 1) + "]\n";
  EXPECT_THAT(Parse(AesSeed(nested)),
              StatusIs(Code::kValidation, HasSubstr("is longer than 32768 bytes")));
}

TEST(SeedFileTest, AnAnchorThatNamesItselfIsAnErrorNotACrash) {
  // Found by seed_file_fuzz: yaml-cpp makes a cycle of `S2: &s1 [*s1]`.
  EXPECT_THAT(Parse(AesSeed("          Policy:\n            S1: &s1 [1]\n"
                            "            S2: &s1 [*s1, *s1]\n")),
              StatusIs(Code::kValidation, HasSubstr("nests deeper than 32 levels")));
}

TEST(SeedFileTest, DeepNestingIsAnErrorNotACrash) {
  EXPECT_THAT(Parse(std::string(20000, '[')), StatusIs(Code::kValidation, HasSubstr("seed.yaml")));
}

TEST(SeedFileTest, NextKeyRotationTurnsRotationOn) {
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed, Parse(AesSeed() + "        NextKeyRotation: "
                                                        "\"2019-09-12T15:19:21+00:00\"\n"));
  EXPECT_TRUE(seed.keys[0].record.rotation_enabled);
  EXPECT_EQ(seed.keys[0].record.next_rotation_date, 1568301561000);
  EXPECT_THAT(Parse(AesSeed() + "        NextKeyRotation: soon\n"),
              StatusIs(Code::kValidation, HasSubstr("must be an ISO 8601 date")));
}

TEST(SeedFileTest, StateTagsAndPlacementFromKmsdsForm) {
  KMS_ASSERT_OK_AND_ASSIGN(
      Seed seed, Parse(AesSeed("          Account: \"444455556666\"\n          Region: us-west-2\n"
                               "          KeyState: PendingDeletion\n"
                               "          PendingWindowInDays: 7\n"
                               "          Tags: [{TagKey: a, TagValue: b}]\n")));
  const KeyRecord& key = seed.keys[0].record;
  EXPECT_EQ(key.account, "444455556666");
  EXPECT_EQ(key.region, "us-west-2");
  EXPECT_EQ(key.state, KeyState::kPendingDeletion);
  EXPECT_EQ(key.pending_window_days, 7);
  EXPECT_EQ(key.tags, (std::vector<Tag>{{"a", "b"}}));
  EXPECT_THAT(Parse(AesSeed("          PendingWindowInDays: 7\n")),
              StatusIs(Code::kValidation, HasSubstr("needs KeyState: PendingDeletion")));
  EXPECT_THAT(Parse(AesSeed("          MultiRegion: true\n")),
              StatusIs(Code::kValidation, HasSubstr("must be a multi-Region key id")));
}

std::string MultiRegionSeed(std::string_view extra) {
  return "Keys:\n  Symmetric:\n    Aes:\n      - Metadata:\n"
         "          KeyId: mrk-0123456789abcdef0123456789abcdef\n"
         "          MultiRegion: true\n" +
         std::string(extra) + "        BackingKeys:\n          - " + std::string(kBacking) + "\n";
}

TEST(SeedFileTest, MultiRegionKeysWithTheirReplicaRegions) {
  KMS_ASSERT_OK_AND_ASSIGN(
      Seed seed, Parse(MultiRegionSeed("          ReplicaRegions: [us-west-2, ap-south-1]\n") +
                       "Aliases:\n  - AliasName: alias/mr\n"
                       "    TargetKeyId: mrk-0123456789abcdef0123456789abcdef\n"
                       "    Region: us-west-2\n"));
  const KeyRecord& key = seed.keys[0].record;
  ASSERT_TRUE(key.multi_region.has_value());
  EXPECT_EQ(key.multi_region->primary_region, "eu-west-2");
  EXPECT_EQ(key.multi_region->replica_regions,
            (std::vector<std::string>{"us-west-2", "ap-south-1"}));
  EXPECT_EQ(seed.aliases[0].record.region, "us-west-2");
  EXPECT_THAT(Parse(MultiRegionSeed("          ReplicaRegions: [eu-west-2]\n")),
              StatusIs(Code::kValidation, HasSubstr("already has a key in eu-west-2")));
  EXPECT_THAT(Parse(MultiRegionSeed("          ReplicaRegions: [us-west-2, us-west-2]\n")),
              StatusIs(Code::kValidation, HasSubstr("already has a key in us-west-2")));
  EXPECT_THAT(Parse(MultiRegionSeed("          ReplicaRegions: [us-west-2]\n"
                                    "          KeyState: PendingDeletion\n")),
              StatusIs(Code::kValidation, HasSubstr("waits for their deletion")));
  EXPECT_THAT(Parse(AesSeed("          ReplicaRegions: [us-west-2]\n")),
              StatusIs(Code::kValidation, HasSubstr("ReplicaRegions: needs MultiRegion: true")));
  std::string single_id = MultiRegionSeed("");
  single_id.replace(single_id.find("          MultiRegion: true\n"), 28, "");
  EXPECT_THAT(Parse(single_id), StatusIs(Code::kValidation, HasSubstr("needs MultiRegion: true")));
  EXPECT_THAT(Parse(MultiRegionSeed("") + "Aliases:\n  - AliasName: alias/mr\n"
                                          "    TargetKeyId: mrk-0123456789abcdef0123456789abcdef\n"
                                          "    Region: us-west-2\n"),
              StatusIs(Code::kValidation, HasSubstr("not in the alias's")));
}

TEST(SeedFileTest, AliasesFollowTheirKeyAndMustNotDisagreeWithIt) {
  const std::string alias =
      "Aliases:\n  - AliasName: alias/a\n    TargetKeyId: " + std::string(kAesId) + "\n";
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed, Parse(AesSeed("          Region: us-west-2\n") + alias));
  EXPECT_EQ(seed.aliases[0].record.region, "us-west-2");
  EXPECT_THAT(Parse(AesSeed() + alias + "    Region: us-east-1\n"),
              StatusIs(Code::kValidation, HasSubstr("is in 111122223333 eu-west-2, not in the "
                                                    "alias's 111122223333 us-east-1")));
  EXPECT_THAT(Parse(AesSeed() + "Aliases:\n  - AliasName: alias/aws/rds\n    TargetKeyId: " +
                    std::string(kAesId) + "\n"),
              StatusIs(Code::kValidation, HasSubstr("reserved")));
}

TEST(SeedFileTest, GrantsNameASeededKeyAndOperationsThatFitIt) {
  const std::string grant = "Grants:\n  - KeyId: " + std::string(kAesId) +
                            "\n    GranteePrincipal: arn:aws:iam::111122223333:user/bob\n"
                            "    Operations: [";
  KMS_ASSERT_OK_AND_ASSIGN(Seed seed, Parse(AesSeed() + grant + "Encrypt, Decrypt]\n"));
  EXPECT_EQ(seed.grants[0].record.operations, (std::vector<std::string>{"Encrypt", "Decrypt"}));
  EXPECT_THAT(Parse(AesSeed() + grant + "Sign]\n"),
              StatusIs(Code::kValidation, HasSubstr("Sign does not apply to a SYMMETRIC_DEFAULT")));
  EXPECT_THAT(Parse(AesSeed() + grant + "Fly]\n"),
              StatusIs(Code::kValidation, HasSubstr("is not a grant operation")));
  std::string other = AesSeed() + grant + "Encrypt]\n";
  other.replace(other.find("KeyId: " + std::string(kAesId), other.find("Grants")), 7 + 36,
                "KeyId: 99999999-5092-42b8-92a3-0aa8b93536dc");
  EXPECT_THAT(Parse(other), StatusIs(Code::kValidation, HasSubstr("is not seeded by this file")));
}

TEST(SeedFileTest, ADuplicateKeyIdIsRefused) {
  const std::string twice = AesSeed() +
                            "      - Metadata:\n          KeyId: " + std::string(kAesId) +
                            "\n        BackingKeys: [" + std::string(kBacking) + "]\n";
  // The second entry is indented under Aes: it is the list's second key.
  EXPECT_THAT(ParseSeed(twice.substr(0, twice.size()), "s.yaml", kDefaults),
              StatusIs(Code::kValidation, HasSubstr("is seeded twice")));
}

}  // namespace
}  // namespace kms::seed
