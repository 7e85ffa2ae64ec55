#include "kms/server/keys/grants.h"

#include <gtest/gtest.h>

#include "kms/crypto.h"
#include "testing/status_matchers.h"

namespace kms::grants {
namespace {

GrantRecord Grant(std::vector<std::string> operations,
                  std::optional<EncryptionContext> subset = std::nullopt,
                  std::optional<EncryptionContext> equals = std::nullopt) {
  GrantRecord grant;
  grant.grant_id = NewGrantId();
  grant.key_id = "11111111-2222-4333-8444-555555555555";
  grant.grantee_principal = "arn:aws:iam::111122223333:role/Attacher";
  grant.operations = std::move(operations);
  grant.encryption_context_subset = std::move(subset);
  grant.encryption_context_equals = std::move(equals);
  return grant;
}

Principal Session(const std::string& role, const std::string& session) {
  Principal p;
  p.type = PrincipalType::kAssumedRole;
  p.account = "111122223333";
  p.arn = "arn:aws:sts::111122223333:assumed-role/" + role + "/" + session;
  p.principal_arn = "arn:aws:iam::111122223333:role/" + role;
  return p;
}

TEST(GrantsTest, SubsetConstraintNeedsEveryPairAndAllowsMore) {
  const GrantRecord grant = Grant({"Decrypt"}, EncryptionContext{{"aws:ebs:id", "vol-1"}});
  const EncryptionContext exact{{"aws:ebs:id", "vol-1"}};
  const EncryptionContext more{{"aws:ebs:id", "vol-1"}, {"aws:rds:db-id", "db-1"}};
  const EncryptionContext other{{"aws:ebs:id", "vol-2"}, {"aws:rds:db-id", "db-1"}};
  const EncryptionContext recased{{"aws:ebs:id", "VOL-1"}};
  EXPECT_TRUE(ConstraintsAllow(grant, "Decrypt", &exact));
  EXPECT_TRUE(ConstraintsAllow(grant, "Decrypt", &more));
  EXPECT_FALSE(ConstraintsAllow(grant, "Decrypt", &other));
  EXPECT_FALSE(ConstraintsAllow(grant, "Decrypt", &recased));
  EXPECT_FALSE(ConstraintsAllow(grant, "Decrypt", nullptr));
}

TEST(GrantsTest, EqualsConstraintIsExact) {
  const GrantRecord grant = Grant({"Decrypt"}, std::nullopt, EncryptionContext{{"a", "1"}});
  const EncryptionContext same{{"a", "1"}};
  const EncryptionContext more{{"a", "1"}, {"b", "2"}};
  EXPECT_TRUE(ConstraintsAllow(grant, "Decrypt", &same));
  EXPECT_FALSE(ConstraintsAllow(grant, "Decrypt", &more));
  EXPECT_FALSE(ConstraintsAllow(grant, "Decrypt", nullptr));
}

TEST(GrantsTest, ConstraintsDoNotApplyToDescribeKeyAndRetireGrant) {
  const GrantRecord grant = Grant({"DescribeKey", "RetireGrant"}, EncryptionContext{{"a", "1"}});
  EXPECT_TRUE(ConstraintsAllow(grant, "DescribeKey", nullptr));
  EXPECT_TRUE(ConstraintsAllow(grant, "RetireGrant", nullptr));
}

TEST(GrantsTest, RoleGranteeMatchesItsSessions) {
  const GrantRecord grant = Grant({"Decrypt"});
  EXPECT_TRUE(GranteeMatches(grant, Session("Attacher", "s1")));
  EXPECT_FALSE(GranteeMatches(grant, Session("Other", "s1")));
  GrantRecord session_grant = grant;
  session_grant.grantee_principal = "arn:aws:sts::111122223333:assumed-role/Attacher/s1";
  EXPECT_TRUE(GranteeMatches(session_grant, Session("Attacher", "s1")));
  EXPECT_FALSE(GranteeMatches(session_grant, Session("Attacher", "s2")));
}

TEST(GrantsTest, ChildGrantsMayOnlyNarrow) {
  const GrantRecord parent = Grant({"Decrypt", "CreateGrant"}, EncryptionContext{{"a", "1"}});
  EXPECT_TRUE(IsNoBroaderThan(Grant({"Decrypt"}, EncryptionContext{{"a", "1"}}), parent));
  EXPECT_TRUE(
      IsNoBroaderThan(Grant({"Decrypt"}, EncryptionContext{{"a", "1"}, {"b", "2"}}), parent));
  EXPECT_TRUE(
      IsNoBroaderThan(Grant({"Decrypt"}, std::nullopt, EncryptionContext{{"a", "1"}}), parent));
  EXPECT_FALSE(IsNoBroaderThan(Grant({"Decrypt"}), parent));
  EXPECT_FALSE(IsNoBroaderThan(Grant({"Encrypt"}, EncryptionContext{{"a", "1"}}), parent));
  EXPECT_FALSE(IsNoBroaderThan(Grant({"Decrypt"}, EncryptionContext{{"a", "2"}}), parent));
  const GrantRecord equals_parent =
      Grant({"Decrypt", "CreateGrant"}, std::nullopt, EncryptionContext{{"a", "1"}});
  EXPECT_TRUE(IsNoBroaderThan(Grant({"Decrypt"}, std::nullopt, EncryptionContext{{"a", "1"}}),
                              equals_parent));
  EXPECT_FALSE(IsNoBroaderThan(Grant({"Decrypt"}, EncryptionContext{{"a", "1"}}), equals_parent));
  EXPECT_TRUE(IsNoBroaderThan(Grant({"Decrypt"}), Grant({"Decrypt", "CreateGrant"})));
}

TEST(GrantsTest, SameParametersIgnoresOperationOrder) {
  GrantRecord a = Grant({"Decrypt", "Encrypt"});
  GrantRecord b = a;
  b.grant_id = NewGrantId();
  b.operations = {"Encrypt", "Decrypt"};
  EXPECT_TRUE(SameParameters(a, b));
  b.retiring_principal = "arn:aws:iam::111122223333:root";
  EXPECT_FALSE(SameParameters(a, b));
}

TEST(GrantsTest, OperationsValidForEachKeyType) {
  EXPECT_TRUE(IsValidForKey("Decrypt", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"));
  EXPECT_TRUE(IsValidForKey("GenerateDataKeyPair", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"));
  EXPECT_FALSE(IsValidForKey("Sign", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"));
  EXPECT_FALSE(IsValidForKey("GenerateMac", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"));
  EXPECT_TRUE(IsValidForKey("Sign", "ECC_NIST_P256", "SIGN_VERIFY"));
  EXPECT_TRUE(IsValidForKey("GetPublicKey", "RSA_2048", "ENCRYPT_DECRYPT"));
  EXPECT_FALSE(IsValidForKey("GenerateDataKey", "RSA_2048", "ENCRYPT_DECRYPT"));
  EXPECT_FALSE(IsValidForKey("Decrypt", "RSA_2048", "SIGN_VERIFY"));
  EXPECT_TRUE(IsValidForKey("VerifyMac", "HMAC_256", "GENERATE_VERIFY_MAC"));
  EXPECT_TRUE(IsValidForKey("DescribeKey", "HMAC_256", "GENERATE_VERIFY_MAC"));
  EXPECT_FALSE(IsValidForKey("Encrypt", "HMAC_256", "GENERATE_VERIFY_MAC"));
  EXPECT_TRUE(IsValidForKey("DeriveSharedSecret", "ECC_NIST_P384", "KEY_AGREEMENT"));
  EXPECT_EQ(AllOperations().size(), 17u);
  EXPECT_EQ(NewGrantId().size(), 64u);
}

TEST(TokenCodecTest, TokensNameTheirGrantAndCannotBeForged) {
  const TokenCodec codec(crypto::RandomSecret(32));
  const std::string grant_id = NewGrantId();
  const std::string token = codec.Issue("11111111-2222-4333-8444-555555555555", grant_id);
  EXPECT_NE(token, codec.Issue("11111111-2222-4333-8444-555555555555", grant_id));
  KMS_ASSERT_OK_AND_ASSIGN(TokenClaims claims, codec.Parse(token));
  EXPECT_EQ(claims.grant_id, grant_id);
  EXPECT_EQ(claims.key_id, "11111111-2222-4333-8444-555555555555");
  const TokenCodec other(crypto::RandomSecret(32));
  EXPECT_THAT(other.Parse(token), StatusIs(Code::kInvalidGrantToken));
  EXPECT_THAT(codec.Parse("garbage"), StatusIs(Code::kInvalidGrantToken));
  std::string tampered = token;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  EXPECT_THAT(codec.Parse(tampered), StatusIs(Code::kInvalidGrantToken));
}

}  // namespace
}  // namespace kms::grants
