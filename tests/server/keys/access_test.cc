#include "kms/server/keys/access.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::keys {
namespace {

constexpr char kConfig[] = R"({
  "accounts": [{"id": "111122223333",
    "users": [{"name": "alice", "access_key_id": "AKIAALICE", "secret_access_key": "s",
               "policies": {"all": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}}}]}]
})";

constexpr char kAllowAlice[] = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
  "Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:*","Resource":"*",
  "Condition":{"StringEquals":{"kms:EncryptionContext:tenant":"A"}}}]})";

// A grant authority that allows everything.
class AllowingGrants final : public GrantAuthority {
 public:
  std::optional<std::string> FindAllowingGrant(const Principal&, const AccessRequest&) override {
    return "grant g";
  }
  Status ValidateTokens(const std::vector<std::string>&) override { return OkStatus(); }
};

class AccessTest : public ::testing::Test {
 protected:
  AccessTest() : config_(*config::ParseConfig(kConfig)) {
    store_ = std::move(*OpenLmdbKeyStore({dir_.Sub("keys"), 1 << 20}));
    access_ = std::move(*Access::Create(config_, *store_));
    caller_.identity = &config_.identities.front();
    caller_.principal = caller_.identity->principal;
    caller_.region = "us-east-1";
    key_.key_id = "1234abcd-12ab-34cd-56ef-1234567890ab";
    key_.account = "111122223333";
    key_.region = "us-east-1";
  }

  policy::Decision Decide(const EncryptionContext& context) {
    AccessRequest request;
    request.action = "kms:Decrypt";
    request.key = &key_;
    request.grant_operation = "Decrypt";
    request.encryption_context = &context;
    AddEncryptionContextConditions(context, request.conditions);
    return access_->Evaluate(caller_, 0, request);
  }

  testing::TempDir dir_;
  config::ServerConfig config_;
  std::unique_ptr<KeyStore> store_;
  std::unique_ptr<Access> access_;
  auth::Caller caller_;
  KeyRecord key_;
};

TEST_F(AccessTest, AnUnreadableKeyPolicyDeniesEverythingGrantsIncluded) {
  AllowingGrants grants;
  access_->set_grant_authority(&grants);
  key_.policy = "{not a policy";
  const policy::Decision decision = Decide({});
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.reason, policy::Decision::Reason::kKeyPolicyUnreadable);
  EXPECT_THAT(decision.Explain(), ::testing::HasSubstr("stored policy cannot be read"));
  // Asked again (now from the cache), still denied.
  EXPECT_FALSE(Decide({}).allowed);
  // A readable policy is evaluated again at once.
  key_.policy = kAllowAlice;
  access_->set_grant_authority(nullptr);
  EXPECT_TRUE(Decide({{"tenant", "A"}}).allowed);
}

TEST_F(AccessTest, ContextKeysDifferingOnlyInCaseCannotWidenAnAllow) {
  key_.policy = kAllowAlice;
  EXPECT_TRUE(Decide({{"tenant", "A"}}).allowed);
  EXPECT_TRUE(Decide({{"Tenant", "A"}}).allowed);  // the key part is case-insensitive
  EXPECT_FALSE(Decide({{"Tenant", "B"}, {"tenant", "A"}}).allowed);
  EXPECT_FALSE(Decide({{"Tenant", "A"}, {"tenant", "B"}}).allowed);
  EXPECT_TRUE(Decide({{"Tenant", "A"}, {"tenant", "A"}}).allowed);
}

TEST_F(AccessTest, ContextKeysDifferingOnlyInCaseCannotEscapeADeny) {
  key_.policy = R"({"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
     "Action":"kms:*","Resource":"*"},
    {"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*",
     "Condition":{"StringEquals":{"kms:EncryptionContext:tenant":"B"}}}]})";
  EXPECT_TRUE(Decide({{"tenant", "A"}}).allowed);
  EXPECT_FALSE(Decide({{"tenant", "B"}}).allowed);
  EXPECT_FALSE(Decide({{"Tenant", "B"}, {"tenant", "A"}}).allowed);
  EXPECT_FALSE(Decide({{"Tenant", "A"}, {"tenant", "B"}}).allowed);
}

}  // namespace
}  // namespace kms::keys
