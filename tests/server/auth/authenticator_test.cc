#include "kms/server/auth/authenticator.h"

#include <gtest/gtest.h>

#include "kms/sigv4.h"
#include "testing/status_matchers.h"

namespace kms::auth {
namespace {

using ::testing::HasSubstr;

constexpr char kConfig[] = R"({
  "accounts": [{"id": "111122223333",
    "users": [{"name": "alice", "access_key_id": "AKIAALICE", "secret_access_key": "alice-secret"}],
    "roles": [{"name": "DbAdmin", "session_name": "s1", "access_key_id": "ASIAROLE",
               "secret_access_key": "role-secret", "session_token": "token-1"}]}],
  "service_principals": [
    {"service": "rds.amazonaws.com", "access_key_id": "AKIARDS", "secret_access_key": "rds-secret"},
    {"service": "ec2.amazonaws.com", "access_key_id": "AKIAEC2", "secret_access_key": "ec2-secret"}]
})";

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest() : config_(*config::ParseConfig(kConfig)), auth_(config_, clock_) {}

  // A request signed by `key`/`secret` at the fake clock's time.
  http::Request Signed(const std::string& key, const std::string& secret,
                       const std::string& region = "us-east-1",
                       std::vector<std::pair<std::string, std::string>> extra = {},
                       const std::string& token = "") {
    http::Request request;
    request.method = "POST";
    request.target = "/";
    request.body = "{}";
    request.headers = {{"Host", "127.0.0.1:4599"}, {"X-Amz-Target", "TrentService.ListKeys"}};
    for (auto& header : extra) request.headers.push_back(header);
    SignInto(request, key, secret, region, token);
    return request;
  }

  void SignInto(http::Request& request, const std::string& key, const std::string& secret,
                const std::string& region, const std::string& token = "") {
    std::vector<sigv4::Header> views;
    for (const auto& [n, v] : request.headers) views.push_back({n, v});
    auto added =
        sigv4::Sign(sigv4::RequestView{request.method, request.target, views, request.body},
                    sigv4::SigningParams{key, secret, token, region, "kms", clock_.NowMillis()});
    for (auto& header : added) request.headers.push_back(header);
  }

  // A request made by `service` on alice's behalf (DESIGN.md section 3),
  // the countersignature bound to `via_principal` (none when empty); alice
  // then presents `presented_principal` instead when it is set.
  http::Request ViaService(const std::string& via, const std::string& service_key,
                           const std::string& service_secret,
                           const std::string& via_principal = "AKIAALICE",
                           const std::string& presented_principal = "") {
    http::Request request;
    request.method = "POST";
    request.target = "/";
    request.body = "{}";
    request.headers = {{"Host", "h"}, {"X-Kmsd-Via-Service", via}};
    if (!via_principal.empty()) request.headers.emplace_back("X-Kmsd-Via-Principal", via_principal);
    SignInto(request, service_key, service_secret, "us-east-1");
    // Move the service's signature aside, keep its X-Amz-Date, sign as the user.
    std::string service_authorization;
    std::erase_if(request.headers, [&](const auto& h) {
      if (h.first == "Authorization") service_authorization = h.second;
      return h.first == "Authorization" || h.first == "X-Amz-Date";
    });
    request.headers.emplace_back("X-Kmsd-Service-Authorization", service_authorization);
    for (auto& [name, value] : request.headers) {
      if (name == "X-Kmsd-Via-Principal" && !presented_principal.empty())
        value = presented_principal;
    }
    SignInto(request, "AKIAALICE", "alice-secret", "us-east-1");
    return request;
  }

  FakeClock clock_{1700000000000};
  config::ServerConfig config_;
  Authenticator auth_;
};

TEST_F(AuthenticatorTest, MapsAKeyToItsPrincipalAndRegion) {
  KMS_ASSERT_OK_AND_ASSIGN(
      Caller caller, auth_.Authenticate(Signed("AKIAALICE", "alice-secret", "eu-west-1"), "kms"));
  EXPECT_EQ(caller.principal.arn, "arn:aws:iam::111122223333:user/alice");
  EXPECT_EQ(caller.principal.type, PrincipalType::kIamUser);
  EXPECT_EQ(caller.region, "eu-west-1");
  EXPECT_EQ(caller.access_key_id, "AKIAALICE");
  EXPECT_TRUE(caller.via_service.empty());
}

TEST_F(AuthenticatorTest, RolesNeedTheirSessionToken) {
  EXPECT_THAT(auth_.Authenticate(Signed("ASIAROLE", "role-secret"), "kms"),
              StatusIs(Code::kUnrecognizedClient));
  KMS_ASSERT_OK_AND_ASSIGN(
      Caller caller,
      auth_.Authenticate(Signed("ASIAROLE", "role-secret", "us-east-1", {}, "token-1"), "kms"));
  EXPECT_EQ(caller.principal.arn, "arn:aws:sts::111122223333:assumed-role/DbAdmin/s1");
  EXPECT_EQ(caller.principal.principal_arn, "arn:aws:iam::111122223333:role/DbAdmin");
}

TEST_F(AuthenticatorTest, RefusesWhatAwsRefuses) {
  http::Request unsigned_request;
  EXPECT_THAT(auth_.Authenticate(unsigned_request, "kms"),
              StatusIs(Code::kMissingAuthenticationToken, "Missing Authentication Token"));
  EXPECT_THAT(auth_.Authenticate(Signed("AKIANOBODY", "x"), "kms"),
              StatusIs(Code::kUnrecognizedClient,
                       "The security token included in the request is invalid."));
  EXPECT_THAT(
      auth_.Authenticate(Signed("AKIAALICE", "wrong"), "kms"),
      StatusIs(Code::kInvalidSignature, HasSubstr("does not match the signature you provided")));
  EXPECT_THAT(auth_.Authenticate(Signed("AKIAALICE", "alice-secret"), "cloudtrail"),
              StatusIs(Code::kInvalidSignature,
                       "Credential should be scoped to correct service: 'cloudtrail'. "));
  http::Request tampered = Signed("AKIAALICE", "alice-secret");
  tampered.body = "{\"Limit\":1}";
  EXPECT_THAT(auth_.Authenticate(tampered, "kms"), StatusIs(Code::kInvalidSignature));
}

TEST_F(AuthenticatorTest, AllowsFiveMinutesOfSkew) {
  http::Request request = Signed("AKIAALICE", "alice-secret");
  clock_.Advance(299 * 1000);
  EXPECT_THAT(auth_.Authenticate(request, "kms"), IsOk());
  clock_.Advance(2 * 1000);
  EXPECT_THAT(auth_.Authenticate(request, "kms"),
              StatusIs(Code::kInvalidSignature,
                       "Signature expired: 20231114T221320Z is now earlier than "
                       "20231114T221321Z (20231114T221821Z - 5 min.)"));
}

TEST_F(AuthenticatorTest, ViaServiceNeedsTheServicesSignature) {
  KMS_ASSERT_OK_AND_ASSIGN(
      Caller caller,
      auth_.Authenticate(ViaService("rds.us-east-1.amazonaws.com", "AKIARDS", "rds-secret"),
                         "kms"));
  EXPECT_EQ(caller.principal.arn, "arn:aws:iam::111122223333:user/alice");
  EXPECT_EQ(caller.via_service, "rds.us-east-1.amazonaws.com");
  EXPECT_EQ(caller.invoked_by, "rds.amazonaws.com");
}

TEST_F(AuthenticatorTest, ForgedOrMismatchedServiceSignaturesAreRefused) {
  // Signed by another service's principal.
  EXPECT_THAT(
      auth_.Authenticate(ViaService("rds.us-east-1.amazonaws.com", "AKIAEC2", "ec2-secret"), "kms"),
      StatusIs(Code::kAccessDenied));
  // Signed by a user, not a service principal.
  EXPECT_THAT(auth_.Authenticate(
                  ViaService("rds.us-east-1.amazonaws.com", "AKIAALICE", "alice-secret"), "kms"),
              StatusIs(Code::kAccessDenied));
  // Wrong secret.
  EXPECT_THAT(
      auth_.Authenticate(ViaService("rds.us-east-1.amazonaws.com", "AKIARDS", "guess"), "kms"),
      StatusIs(Code::kAccessDenied));
  // A service name for another region.
  EXPECT_THAT(
      auth_.Authenticate(ViaService("rds.eu-west-1.amazonaws.com", "AKIARDS", "rds-secret"), "kms"),
      StatusIs(Code::kAccessDenied));
  // The header alone.
  EXPECT_THAT(auth_.Authenticate(Signed("AKIAALICE", "alice-secret", "us-east-1",
                                        {{"X-Kmsd-Via-Service", "rds.us-east-1.amazonaws.com"}}),
                                 "kms"),
              StatusIs(Code::kAccessDenied, HasSubstr("carries no service signature")));
  // Header changed after the service signed it.
  http::Request changed = ViaService("rds.us-east-1.amazonaws.com", "AKIARDS", "rds-secret");
  for (auto& [name, value] : changed.headers) {
    if (name == "X-Kmsd-Via-Service") value = "ec2.us-east-1.amazonaws.com";
  }
  EXPECT_FALSE(auth_.Authenticate(changed, "kms").has_value());
}

TEST_F(AuthenticatorTest, ServiceSignaturesAreBoundToTheCallingUser) {
  EXPECT_THAT(auth_.Authenticate(
                  ViaService("rds.us-east-1.amazonaws.com", "AKIARDS", "rds-secret", ""), "kms"),
              StatusIs(Code::kAccessDenied, HasSubstr("carries no X-Kmsd-Via-Principal header")));
  // A countersignature made for another user's call.
  EXPECT_THAT(
      auth_.Authenticate(
          ViaService("rds.us-east-1.amazonaws.com", "AKIARDS", "rds-secret", "ASIAROLE"), "kms"),
      StatusIs(Code::kAccessDenied, HasSubstr("made for another caller")));
  // Alice reuses that countersignature and names herself.
  EXPECT_THAT(auth_.Authenticate(ViaService("rds.us-east-1.amazonaws.com", "AKIARDS", "rds-secret",
                                            "ASIAROLE", "AKIAALICE"),
                                 "kms"),
              StatusIs(Code::kAccessDenied, HasSubstr("does not verify")));
  // The header added after the service signed, so its signature does not cover it.
  http::Request request;
  request.method = "POST";
  request.target = "/";
  request.body = "{}";
  request.headers = {{"Host", "h"}, {"X-Kmsd-Via-Service", "rds.us-east-1.amazonaws.com"}};
  SignInto(request, "AKIARDS", "rds-secret", "us-east-1");
  std::string service_authorization;
  std::erase_if(request.headers, [&](const auto& h) {
    if (h.first == "Authorization") service_authorization = h.second;
    return h.first == "Authorization" || h.first == "X-Amz-Date";
  });
  request.headers.emplace_back("X-Kmsd-Service-Authorization", service_authorization);
  request.headers.emplace_back("X-Kmsd-Via-Principal", "AKIAALICE");
  SignInto(request, "AKIAALICE", "alice-secret", "us-east-1");
  EXPECT_THAT(
      auth_.Authenticate(request, "kms"),
      StatusIs(Code::kAccessDenied, HasSubstr("does not sign the x-kmsd-via-principal header")));
}

TEST_F(AuthenticatorTest, SignaturesMustCoverTheHostAndTheDate) {
  http::Request request = Signed("AKIAALICE", "alice-secret");
  for (auto& [name, value] : request.headers) {
    if (name == "Authorization") value.replace(value.find("host;"), 5, "");
  }
  EXPECT_THAT(
      auth_.Authenticate(request, "kms"),
      StatusIs(Code::kInvalidSignature,
               "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."));
  request = Signed("AKIAALICE", "alice-secret");
  for (auto& [name, value] : request.headers) {
    if (name == "Authorization") value.replace(value.find(";x-amz-date"), 11, "");
  }
  EXPECT_THAT(auth_.Authenticate(request, "kms"),
              StatusIs(Code::kInvalidSignature,
                       "'x-amz-date' must be a 'SignedHeader' in the AWS Authorization."));
}

TEST_F(AuthenticatorTest, RefusesUnboundedCredentialScopes) {
  const std::string long_region = "ab-" + std::string(600, 'c') + "-1";
  EXPECT_THAT(auth_.Authenticate(Signed("AKIAALICE", "alice-secret", long_region), "kms"),
              StatusIs(Code::kInvalidSignature, "Credential should be scoped to a valid region. "));
  EXPECT_THAT(auth_.Authenticate(Signed(std::string(129, 'A'), "x"), "kms"),
              StatusIs(Code::kUnrecognizedClient));
  EXPECT_THAT(auth_.Authenticate(Signed("AKIA-NOT-A-WORD", "x"), "kms"),
              StatusIs(Code::kUnrecognizedClient));
}

TEST(PermissiveAuthenticatorTest, ChecksKnownKeysAndServiceSignatures) {
  std::string json = kConfig;
  json.insert(json.rfind('}'),
              R"(, "auth": {"mode": "permissive", "permissive_access_key_id": "AKIAALICE"})");
  const config::ServerConfig config = *config::ParseConfig(json);
  FakeClock clock{1700000000000};
  Authenticator auth(config, clock);
  const auto sign = [&](const std::string& key, const std::string& secret) {
    http::Request request;
    request.method = "POST";
    request.target = "/";
    request.headers = {{"Host", "h"}};
    std::vector<sigv4::Header> views;
    for (const auto& [n, v] : request.headers) views.push_back({n, v});
    for (auto& header : sigv4::Sign(
             sigv4::RequestView{request.method, request.target, views, request.body},
             sigv4::SigningParams{key, secret, "", "us-east-1", "kms", clock.NowMillis()})) {
      request.headers.push_back(header);
    }
    return request;
  };
  // Unknown keys act as the default identity, whatever they sign with.
  KMS_ASSERT_OK_AND_ASSIGN(Caller caller, auth.Authenticate(sign("test", "test"), "kms"));
  EXPECT_EQ(caller.principal.arn, "arn:aws:iam::111122223333:user/alice");
  // A known key must sign with its secret: alice's and an admin's alike.
  EXPECT_THAT(auth.Authenticate(sign("AKIAALICE", "guess"), "kms"),
              StatusIs(Code::kInvalidSignature));
  EXPECT_THAT(auth.Authenticate(sign("ASIAROLE", "role-secret"), "kms"),
              StatusIs(Code::kUnrecognizedClient));
  EXPECT_THAT(auth.Authenticate(sign("AKIARDS", "guess"), "kms"),
              StatusIs(Code::kInvalidSignature));
}

TEST(RegionNameTest, AcceptsAwsRegionShapes) {
  for (const char* region :
       {"us-east-1", "eu-west-3", "us-gov-west-1", "ap-southeast-2", "cn-north-1"}) {
    EXPECT_TRUE(IsValidRegionName(region)) << region;
  }
  for (const char* region :
       {"", "us", "useast1", "us-east-", "US-EAST-1", "us_east_1", "u-east-1", "us--east-1"}) {
    EXPECT_FALSE(IsValidRegionName(region)) << region;
  }
  EXPECT_TRUE(IsValidRegionName("ab-" + std::string(kMaxRegionNameLength - 5, 'c') + "-1"));
  EXPECT_FALSE(IsValidRegionName("ab-" + std::string(kMaxRegionNameLength - 4, 'c') + "-1"));
}

TEST(ConfigTest, RefusesInconsistentConfigs) {
  EXPECT_THAT(config::ParseConfig("{"), StatusIs(Code::kValidation));
  EXPECT_THAT(config::ParseConfig(R"({"accounts":[{"id":"123"}]})"), StatusIs(Code::kValidation));
  EXPECT_THAT(config::ParseConfig(R"({"accounts":[{"id":"111122223333","users":[
      {"name":"a","access_key_id":"K","secret_access_key":"s"},
      {"name":"b","access_key_id":"K","secret_access_key":"t"}]}]})"),
              StatusIs(Code::kValidation, HasSubstr("used twice")));
  EXPECT_THAT(config::ParseConfig(R"({"auth":{"mode":"open"}})"), StatusIs(Code::kValidation));
  EXPECT_THAT(config::ParseConfig(R"({"server":{"port":70000}})"), StatusIs(Code::kValidation));
  EXPECT_THAT(config::ParseConfig(R"({"accounts":[{"id":"111122223333","users":[
      {"name":"a","access_key_id":"AKIA/1","secret_access_key":"s"}]}]})"),
              StatusIs(Code::kValidation, HasSubstr("access_key_id must be 1 to 128 letters")));
}

TEST(ConfigTest, ExampleConfigLoads) {
  KMS_ASSERT_OK_AND_ASSIGN(config::ServerConfig config, config::LoadConfig(KMS_EXAMPLE_CONFIG));
  EXPECT_EQ(config.port, 4599);
  EXPECT_GE(config.identities.size(), 5u);
  EXPECT_EQ(config.service_principals.at(0).service, "rds.amazonaws.com");
}

}  // namespace
}  // namespace kms::auth
