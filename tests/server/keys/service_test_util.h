// A complete stack of KMS operation services over a temporary key store, for
// service-level unit tests (no JSON, no sockets).
//
// Accounts and principals (kServiceTestConfig):
//   111122223333: root; alice (IAM policy: kms:* and cloudtrail:*, and an
//     auth.admin_principal); bob (no IAM policy); role DbAdmin, session
//     dbadmin (IAM policy: kms:*)
//   444455556666: carol (IAM policy: kms:*)
//   service principal rds.amazonaws.com
// Keys created with the default key policy let the account's IAM policies
// decide, so alice, dbadmin and the root may use them and bob may not.
#ifndef KMS_TESTS_SERVER_KEYS_SERVICE_TEST_UTIL_H_
#define KMS_TESTS_SERVER_KEYS_SERVICE_TEST_UTIL_H_

#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "kms/clock.h"
#include "kms/server/config/config.h"
#include "kms/server/keys/grant_authority.h"
#include "kms/server/keys/grants.h"
#include "kms/server/keys/key_service.h"
#include "kms/server/keys/services.h"
#include "kms/server/store/key_store.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace kms::keys::testing {

inline constexpr char kAccount[] = "111122223333";
inline constexpr char kOtherAccount[] = "444455556666";
inline constexpr char kRegion[] = "us-east-1";

inline constexpr char kOtherRegion[] = "eu-west-1";
inline constexpr char kUnknownKeyId[] = "1234abcd-12ab-34cd-56ef-1234567890ab";

// A key policy document with the given statements.
inline std::string PolicyWith(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

// Key policy statements. Alice administers the key directly (not through IAM).
inline constexpr char kAliceAdmin[] =
    R"({"Sid":"AliceAdmin","Effect":"Allow",)"
    R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},)"
    R"("Action":"kms:*","Resource":"*"})";
// The account delegates to IAM, as in the default policy.
inline constexpr char kAccountDelegates[] =
    R"({"Sid":"Enable IAM User Permissions","Effect":"Allow",)"
    R"("Principal":{"AWS":"arn:aws:iam::111122223333:root"},)"
    R"("Action":"kms:*","Resource":"*"})";
// Carol's account may do anything its IAM policies allow.
inline constexpr char kCarolsAccountMayDoAnything[] =
    R"({"Sid":"CarolsAccount","Effect":"Allow",)"
    R"("Principal":{"AWS":"arn:aws:iam::444455556666:root"},)"
    R"("Action":"kms:*","Resource":"*"})";

inline constexpr char kServiceTestConfig[] = R"({
  "auth": {"admin_principals": ["arn:aws:iam::111122223333:user/alice"]},
  "accounts": [
    {"id": "111122223333",
     "root": {"access_key_id": "AKIAROOT", "secret_access_key": "s"},
     "users": [
       {"name": "alice", "access_key_id": "AKIAALICE", "secret_access_key": "s",
        "policies": {"admin": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["kms:*", "cloudtrail:*"], "Resource": "*"}]}}},
       {"name": "bob", "access_key_id": "AKIABOB", "secret_access_key": "s"}],
     "roles": [
       {"name": "DbAdmin", "session_name": "dbadmin", "access_key_id": "ASIADBADMIN",
        "secret_access_key": "s",
        "policies": {"kms": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}}}]},
    {"id": "444455556666",
     "users": [
       {"name": "carol", "access_key_id": "AKIACAROL", "secret_access_key": "s",
        "policies": {"kms": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}}}]}],
  "service_principals": [
    {"service": "rds.amazonaws.com", "access_key_id": "AKIARDS", "secret_access_key": "s"}]
})";

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : config_(*config::ParseConfig(kServiceTestConfig)) {
    store_ = std::move(*OpenLmdbKeyStore({dir_.Sub("keys"), 64 << 20}));
    keys_ = std::make_unique<KeyService>(*store_,
                                         std::move(*RootKey::LoadOrCreate(dir_.Sub("root.key"))),
                                         clock_, AwsManagedKeyTemplates(), config_.accounts);
    access_ = std::move(*Access::Create(config_, *store_));
    tokens_ = std::make_unique<grants::TokenCodec>(keys_->root_key().Derive("grant tokens"));
    grant_authority_ = std::make_unique<StoredGrantAuthority>(*store_, *tokens_);
    access_->set_grant_authority(grant_authority_.get());
    services_ =
        std::make_unique<Services>(ServiceDeps{*keys_, *store_, *access_, *tokens_, config_});
  }

  // The caller `who` ("alice", "bob", "dbadmin", "root", "carol", or
  // "rds.amazonaws.com" for the service principal calling as itself) in
  // `region`; kept for the test's lifetime.
  const auth::Caller& Caller(const std::string& who, const std::string& region = kRegion) {
    auto [it, inserted] = callers_.try_emplace(who + "@" + region);
    auth::Caller& caller = it->second;
    if (!inserted) return caller;
    caller.region = region;
    caller.source_ip = "192.0.2.1";
    for (const config::Identity& identity : config_.identities) {
      const Principal& p = identity.principal;
      if (p.user_name == who || p.session_name == who ||
          (who == "root" && p.type == PrincipalType::kRoot)) {
        caller.identity = &identity;
        caller.principal = p;
        caller.access_key_id = identity.access_key_id;
        return caller;
      }
    }
    EXPECT_EQ(who, "rds.amazonaws.com") << "no such principal in the test config";
    caller.principal.type = PrincipalType::kAwsService;
    caller.principal.arn = caller.principal.principal_arn = caller.principal.principal_id = who;
    return caller;
  }

  // A context for one call by `who`, at the fake clock's time.
  CallContext Context(const std::string& who, const std::string& region = kRegion) {
    const auth::Caller& caller = Caller(who, region);
    return CallContext{caller, Scope{caller.principal.account, region}, clock_.NowMillis(), {}};
  }

  // A new customer managed key of alice's account (default key policy).
  Key NewKey(const std::string& description = "test key") {
    CallContext call = Context("alice");
    CreateKeyRequest request;
    request.description = description;
    StatusOr<Key> key = services_->lifecycle.CreateKey(call, request);
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    return *key;
  }

  // Alice disables `key`, schedules its deletion, or looks up her account's
  // aws/rds key (creating it on first use).
  void Disable(const Key& key) {
    CallContext call = Context("alice");
    ASSERT_THAT(services_->lifecycle.DisableKey(call, {key->key_id}), IsOk());
  }

  void ScheduleDeletion(const Key& key, int64_t days = 7) {
    CallContext call = Context("alice");
    ASSERT_THAT(services_->lifecycle.ScheduleKeyDeletion(call, {key->key_id, days}), IsOk());
  }

  // Alice replaces the key's policy with `policy`, bypassing the lockout
  // safety check.
  void SetPolicy(const Key& key, const std::string& policy) {
    PutPolicy(key, policy, /*bypass_lockout_check=*/true);
  }

  // Alice replaces the key's policy with the default statement, which lets
  // the account's IAM policies decide, plus `statements`.
  void SetDefaultPolicyPlus(const Key& key, const std::string& statements) {
    PutPolicy(key, PolicyWith(std::string(kAccountDelegates) + "," + statements),
              /*bypass_lockout_check=*/false);
  }

  void PutPolicy(const Key& key, const std::string& policy, bool bypass_lockout_check) {
    CallContext call = Context("alice");
    PutKeyPolicyRequest request;
    request.key_id = key->key_id;
    request.policy = policy;
    request.bypass_policy_lockout_safety_check = bypass_lockout_check;
    ASSERT_THAT(services_->key_policies.PutKeyPolicy(call, request), IsOk());
  }

  // A new key whose policy also lets carol's account use it.
  Key KeySharedWithCarol() {
    Key key = NewKey();
    SetPolicy(key, PolicyWith(std::string(kAccountDelegates) + "," + kCarolsAccountMayDoAnything));
    return key;
  }

  Key RdsManagedKey() {
    CallContext call = Context("alice");
    StatusOr<Key> key = services_->lifecycle.DescribeKey(call, {"alias/aws/rds"});
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    return key.value_or(nullptr);
  }

  kms::testing::TempDir dir_;
  FakeClock clock_{1700000000000};
  config::ServerConfig config_;
  std::unique_ptr<KeyStore> store_;
  std::unique_ptr<KeyService> keys_;
  std::unique_ptr<Access> access_;
  std::unique_ptr<grants::TokenCodec> tokens_;
  std::unique_ptr<StoredGrantAuthority> grant_authority_;
  std::unique_ptr<Services> services_;
  std::map<std::string, auth::Caller> callers_;
};

}  // namespace kms::keys::testing

#endif  // KMS_TESTS_SERVER_KEYS_SERVICE_TEST_UTIL_H_
