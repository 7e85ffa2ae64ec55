#include "kms/server/keys/grant_authority.h"

#include <string>

#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::keys {
namespace {

constexpr char kKeyId[] = "1234abcd-12ab-34cd-56ef-1234567890ab";
constexpr char kAlice[] = "arn:aws:iam::111122223333:user/alice";
constexpr char kBob[] = "arn:aws:iam::111122223333:user/bob";

class GrantAuthorityTest : public ::testing::Test {
 protected:
  GrantAuthorityTest()
      : tokens_(SecretBytes(32)),
        store_(std::move(*OpenLmdbKeyStore({dir_.Sub("keys"), 16 << 20}))),
        authority_(*store_, tokens_) {
    key_.key_id = kKeyId;
    key_.account = "111122223333";
    key_.region = "us-east-1";
    alice_.type = PrincipalType::kIamUser;
    alice_.arn = kAlice;
    alice_.principal_arn = kAlice;
  }

  void AddGrant(const std::string& id, const std::string& grantee,
                std::vector<std::string> operations) {
    GrantRecord grant;
    grant.grant_id = id;
    grant.key_id = kKeyId;
    grant.grantee_principal = grantee;
    grant.operations = std::move(operations);
    ASSERT_THAT(store_->Update([&](KeyStoreTxn& txn) { return txn.PutGrant(grant); }), IsOk());
  }

  void TearDownGrants() {
    auto grants = store_->GetGrantsForKey(kKeyId);
    ASSERT_TRUE(grants.has_value());
    for (const GrantRecord& grant : **grants) {
      ASSERT_THAT(
          store_->Update([&](KeyStoreTxn& txn) { return txn.DeleteGrant(kKeyId, grant.grant_id); }),
          IsOk());
    }
  }

  std::optional<std::string> Find(const std::string& operation) {
    AccessRequest request;
    request.key = &key_;
    request.grant_operation = operation;
    return authority_.FindAllowingGrant(alice_, request);
  }

  testing::TempDir dir_;
  grants::TokenCodec tokens_;
  std::unique_ptr<KeyStore> store_;
  StoredGrantAuthority authority_;
  KeyRecord key_;
  Principal alice_;
};

// A key with few grants is scanned; one with many is looked up by grantee.
// Either way the first allowing grant of the caller, in the key's order, wins.
TEST_F(GrantAuthorityTest, FindsTheCallersFirstAllowingGrantAmongFewOrMany) {
  for (const int others : {3, 500}) {
    SCOPED_TRACE(others);
    TearDownGrants();
    for (int i = 0; i < others; ++i) AddGrant("b" + std::to_string(1000 + i), kBob, {"Decrypt"});
    EXPECT_EQ(Find("Decrypt"), std::nullopt);  // bob's grants are not alice's
    AddGrant("c2", kAlice, {"Encrypt"});
    AddGrant("c1", kAlice, {"Decrypt", "Encrypt"});
    AddGrant("c3", kAlice, {"Decrypt"});
    EXPECT_EQ(Find("Decrypt"), "grant c1");
    EXPECT_EQ(Find("Encrypt"), "grant c1");
    EXPECT_EQ(Find("GenerateDataKey"), std::nullopt);
    // A new snapshot after a change is seen at once.
    ASSERT_THAT(store_->Update([&](KeyStoreTxn& txn) { return txn.DeleteGrant(kKeyId, "c1"); }),
                IsOk());
    EXPECT_EQ(Find("Decrypt"), "grant c3");
    EXPECT_EQ(Find("Encrypt"), "grant c2");
  }
}

}  // namespace
}  // namespace kms::keys
