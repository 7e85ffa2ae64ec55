// The client's requests: signatures checked against sigv4::Sign and against
// the server's own Authenticator (with the example config), and the JSON of
// calls and answers through a fake transport.
#include "kms/client/kms_client.h"

#include <gtest/gtest.h>

#include "kms/encoding.h"
#include "kms/server/auth/authenticator.h"
#include "kms/server/config/config.h"
#include "kms/sigv4.h"
#include "testing/status_matchers.h"

namespace kms::client {
namespace {

using ::testing::HasSubstr;

constexpr EpochMillis kNow = 1700000000000;
constexpr std::string_view kHost = "127.0.0.1:4599";

SigningIdentities Identities() {
  SigningIdentities ids;
  ids.user = {"AKIAKMSD0ALICE000001", "kmsdAliceSecretKey000000000000000000001", ""};
  ids.service = {"AKIAKMSD0RDSSERVICE1", "kmsdRdsServiceSecretKey000000000000001", ""};
  return ids;
}

HttpRequest Build(CallAs as, const SigningIdentities& ids = Identities(),
                  std::string body = R"({"KeyId":"alias/aws/rds"})") {
  auto request = BuildKmsRequest(kHost, "us-east-1", "DescribeKey", std::move(body), as, ids, kNow);
  EXPECT_TRUE(request.has_value()) << request.error().ToString();
  return *request;
}

// The headers of `request` before the given one, as sigv4 views.
std::vector<sigv4::Header> HeadersBefore(const HttpRequest& request, std::string_view stop) {
  std::vector<sigv4::Header> out;
  for (const auto& [name, value] : request.headers) {
    if (name == stop) break;
    out.push_back(sigv4::Header{name, value});
  }
  return out;
}

std::string Expected(const HttpRequest& request, std::string_view stop, const Credentials& who) {
  const std::vector<sigv4::Header> headers = HeadersBefore(request, stop);
  for (const auto& [name, value] :
       sigv4::Sign(sigv4::RequestView{"POST", "/", headers, request.body},
                   sigv4::SigningParams{who.access_key_id, who.secret_access_key, "", "us-east-1",
                                        "kms", kNow})) {
    if (name == "Authorization") return value;
  }
  return {};
}

int Count(const HttpRequest& request, std::string_view name) {
  int n = 0;
  for (const auto& header : request.headers) n += header.first == name;
  return n;
}

class ServerAuthenticatorTest : public ::testing::Test {
 protected:
  ServerAuthenticatorTest()
      : config_(*config::LoadConfig(KMS_EXAMPLE_CONFIG)), authenticator_(config_, clock_) {}

  StatusOr<auth::Caller> Authenticate(const HttpRequest& built) {
    http::Request request;
    request.method = built.method;
    request.target = built.target;
    request.headers = built.headers;
    request.body = built.body;
    request.remote_address = "127.0.0.1";
    return authenticator_.Authenticate(request, "kms");
  }

  FakeClock clock_{kNow};
  config::ServerConfig config_;
  auth::Authenticator authenticator_;
};

TEST(BuildKmsRequestTest, UserCallsAreSignedAsSigv4SignWould) {
  const HttpRequest request = Build(CallAs::kUser);
  EXPECT_EQ(request.Header("X-Amz-Target"), "TrentService.DescribeKey");
  EXPECT_EQ(request.Header("Host"), kHost);
  EXPECT_EQ(request.Header(kViaServiceHeader), "");
  EXPECT_EQ(request.Header("Authorization"), Expected(request, "X-Amz-Date", Identities().user));
}

TEST(BuildKmsRequestTest, ViaServiceCallsCarryTheServicesSignatureOverTheViaHeader) {
  const HttpRequest request = Build(CallAs::kUserViaService);
  EXPECT_EQ(request.Header(kViaServiceHeader), "rds.us-east-1.amazonaws.com");
  const std::string_view countersignature = request.Header(kServiceAuthorizationHeader);
  EXPECT_EQ(countersignature, Expected(request, kServiceAuthorizationHeader, Identities().service));
  KMS_ASSERT_OK_AND_ASSIGN(sigv4::Authorization service,
                           sigv4::ParseAuthorization(countersignature));
  EXPECT_EQ(service.access_key_id, "AKIAKMSD0RDSSERVICE1");
  EXPECT_NE(
      std::find(service.signed_headers.begin(), service.signed_headers.end(), "x-kmsd-via-service"),
      service.signed_headers.end());
  // The countersignature is bound to the user: it signs the user's access key id.
  EXPECT_EQ(request.Header(kViaPrincipalHeader), "AKIAKMSD0ALICE000001");
  EXPECT_NE(std::find(service.signed_headers.begin(), service.signed_headers.end(),
                      "x-kmsd-via-principal"),
            service.signed_headers.end());
  // One X-Amz-Date, shared by both signatures; the user's covers the service's.
  EXPECT_EQ(Count(request, "X-Amz-Date"), 1);
  EXPECT_EQ(request.Header("X-Amz-Date"), FormatAmzDate(kNow));
  KMS_ASSERT_OK_AND_ASSIGN(sigv4::Authorization user,
                           sigv4::ParseAuthorization(request.Header("Authorization")));
  EXPECT_EQ(user.access_key_id, "AKIAKMSD0ALICE000001");
  EXPECT_NE(std::find(user.signed_headers.begin(), user.signed_headers.end(),
                      "x-kmsd-service-authorization"),
            user.signed_headers.end());
  EXPECT_EQ(request.Header("Authorization"), Expected(request, "X-Amz-Date", Identities().user));
}

TEST(BuildKmsRequestTest, ServiceCallsAreSignedByTheServiceAlone) {
  const HttpRequest request = Build(CallAs::kService);
  EXPECT_EQ(request.Header(kViaServiceHeader), "");
  EXPECT_EQ(request.Header(kViaPrincipalHeader), "");
  EXPECT_EQ(request.Header(kServiceAuthorizationHeader), "");
  EXPECT_EQ(request.Header("Authorization"), Expected(request, "X-Amz-Date", Identities().service));
}

TEST(BuildKmsRequestTest, SessionTokensAreSentAndSignedForTheUser) {
  SigningIdentities ids = Identities();
  ids.user.session_token = "token-1";
  const HttpRequest request = Build(CallAs::kUserViaService, ids);
  EXPECT_EQ(request.Header("X-Amz-Security-Token"), "token-1");
  KMS_ASSERT_OK_AND_ASSIGN(sigv4::Authorization user,
                           sigv4::ParseAuthorization(request.Header("Authorization")));
  EXPECT_NE(
      std::find(user.signed_headers.begin(), user.signed_headers.end(), "x-amz-security-token"),
      user.signed_headers.end());
}

TEST(BuildKmsRequestTest, MissingCredentialsAreRefusedBeforeSigning) {
  SigningIdentities no_service = Identities();
  no_service.service = {};
  EXPECT_THAT(
      BuildKmsRequest(kHost, "us-east-1", "Decrypt", "{}", CallAs::kService, no_service, kNow),
      StatusIs(Code::kValidation, HasSubstr("service")));
  SigningIdentities no_user = Identities();
  no_user.user = {};
  EXPECT_THAT(
      BuildKmsRequest(kHost, "us-east-1", "Decrypt", "{}", CallAs::kUserViaService, no_user, kNow),
      StatusIs(Code::kValidation, HasSubstr("user")));
  EXPECT_TRUE(
      BuildKmsRequest(kHost, "us-east-1", "Decrypt", "{}", CallAs::kService, no_user, kNow));
}

TEST_F(ServerAuthenticatorTest, AcceptsAViaServiceCallAsTheUserInvokedByRds) {
  KMS_ASSERT_OK_AND_ASSIGN(auth::Caller caller, Authenticate(Build(CallAs::kUserViaService)));
  EXPECT_EQ(caller.principal.arn, "arn:aws:iam::111122223333:user/alice");
  EXPECT_EQ(caller.via_service, "rds.us-east-1.amazonaws.com");
  EXPECT_EQ(caller.invoked_by, "rds.amazonaws.com");
  EXPECT_EQ(caller.region, "us-east-1");
}

TEST_F(ServerAuthenticatorTest, AcceptsAServiceCallAsTheRdsServicePrincipal) {
  KMS_ASSERT_OK_AND_ASSIGN(auth::Caller caller, Authenticate(Build(CallAs::kService)));
  EXPECT_EQ(caller.principal.type, PrincipalType::kAwsService);
  EXPECT_EQ(caller.principal.arn, "rds.amazonaws.com");
  EXPECT_TRUE(caller.via_service.empty());
}

TEST_F(ServerAuthenticatorTest, AcceptsAPlainUserCall) {
  KMS_ASSERT_OK_AND_ASSIGN(auth::Caller caller, Authenticate(Build(CallAs::kUser)));
  EXPECT_EQ(caller.principal.arn, "arn:aws:iam::111122223333:user/alice");
  EXPECT_TRUE(caller.invoked_by.empty());
}

TEST_F(ServerAuthenticatorTest, RefusesTamperedRequests) {
  HttpRequest body_changed = Build(CallAs::kUserViaService);
  body_changed.body = R"({"KeyId":"alias/other"})";
  EXPECT_THAT(Authenticate(body_changed), StatusIs(Code::kInvalidSignature));
  HttpRequest via_changed = Build(CallAs::kUserViaService);
  for (auto& [name, value] : via_changed.headers) {
    if (name == kViaServiceHeader) value = "ec2.us-east-1.amazonaws.com";
  }
  EXPECT_THAT(Authenticate(via_changed), StatusIs(Code::kInvalidSignature));
  SigningIdentities wrong_service = Identities();
  wrong_service.service.secret_access_key = "wrong";
  EXPECT_THAT(Authenticate(Build(CallAs::kUserViaService, wrong_service)),
              StatusIs(Code::kAccessDenied, HasSubstr("does not verify")));
}

TEST(EndpointTest, ParsesHttpUrls) {
  KMS_ASSERT_OK_AND_ASSIGN(Endpoint endpoint, ParseEndpointUrl("http://127.0.0.1:4599"));
  EXPECT_EQ(endpoint.host, "127.0.0.1");
  EXPECT_EQ(endpoint.port, "4599");
  EXPECT_EQ(endpoint.HostHeader(), "127.0.0.1:4599");
  KMS_ASSERT_OK_AND_ASSIGN(Endpoint plain, ParseEndpointUrl("http://kms.local/"));
  EXPECT_EQ(plain.port, "80");
  EXPECT_EQ(plain.HostHeader(), "kms.local");
  EXPECT_THAT(ParseEndpointUrl("https://kms.local"), StatusIs(Code::kValidation));
  EXPECT_THAT(ParseEndpointUrl("http://:80"), StatusIs(Code::kValidation));
  EXPECT_THAT(ParseEndpointUrl("http://h:port"), StatusIs(Code::kValidation));
  EXPECT_THAT(ParseEndpointUrl("http://h/path"), StatusIs(Code::kValidation));
}

TEST(ErrorTypeTest, MapsKmsErrorNamesToCodes) {
  EXPECT_EQ(CodeFromErrorType("AccessDeniedException"), Code::kAccessDenied);
  EXPECT_EQ(CodeFromErrorType("DisabledException"), Code::kDisabled);
  EXPECT_EQ(CodeFromErrorType("KMSInvalidStateException"), Code::kInvalidState);
  EXPECT_EQ(CodeFromErrorType("com.amazonaws.kms#NotFoundException"), Code::kNotFound);
  EXPECT_EQ(CodeFromErrorType("InvalidGrantTokenException:http://internal/"),
            Code::kInvalidGrantToken);
  EXPECT_EQ(CodeFromErrorType("SomethingNew"), Code::kInternal);
}

// Records requests and answers each with the next canned response.
class FakeTransport final : public HttpTransport {
 public:
  FakeTransport(std::vector<HttpRequest>* sent, std::vector<HttpResponse> answers)
      : sent_(sent), answers_(std::move(answers)) {}
  const std::string& host() const override { return host_; }
  StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    sent_->push_back(request);
    if (answers_.empty()) return Error(Code::kDependencyTimeout, "no answer");
    HttpResponse next = answers_.front();
    answers_.erase(answers_.begin());
    return next;
  }

 private:
  std::string host_ = "kms.test:4599";
  std::vector<HttpRequest>* sent_;
  std::vector<HttpResponse> answers_;
};

class KmsClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<KmsApi> Client(std::vector<HttpResponse> answers) {
    return NewKmsClient(std::make_unique<FakeTransport>(&sent_, std::move(answers)), Identities(),
                        clock_);
  }
  FakeClock clock_{kNow};
  std::vector<HttpRequest> sent_;
};

TEST_F(KmsClientTest, GenerateDataKeySendsTheContextAndDecodesTheKey) {
  const Bytes plaintext(64, 7);
  auto kms = Client(
      {{200, R"({"CiphertextBlob":")" + Base64Encode(Bytes{1, 2, 3}) + R"(","Plaintext":")" +
                 Base64Encode(plaintext) + R"(","KeyId":"arn:aws:kms:us-east-1:1:key/k"})"}});
  KMS_ASSERT_OK_AND_ASSIGN(
      DataKey key, kms->GenerateDataKey(CallTarget{CallAs::kUserViaService, "eu-west-1"}, "alias/x",
                                        64, {{"aws:rds:db-id", "db-1"}, {"aws:ebs:id", "vol-1"}}));
  EXPECT_EQ(key.ciphertext_blob, (Bytes{1, 2, 3}));
  EXPECT_EQ(key.plaintext, SecretBytes(plaintext));
  EXPECT_EQ(key.key_arn, "arn:aws:kms:us-east-1:1:key/k");
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].Header("Host"), "kms.test:4599");
  EXPECT_EQ(sent_[0].Header(kViaServiceHeader), "rds.eu-west-1.amazonaws.com");
  EXPECT_THAT(sent_[0].Header("Authorization"), HasSubstr("/eu-west-1/kms/aws4_request"));
  EXPECT_EQ(sent_[0].body, R"({"KeyId":"alias/x","NumberOfBytes":64,"EncryptionContext":)"
                           R"({"aws:ebs:id":"vol-1","aws:rds:db-id":"db-1"}})");
}

TEST_F(KmsClientTest, CreateGrantSendsTheConstraint) {
  auto kms = Client({{200, R"({"GrantId":"g1","GrantToken":"t1"})"}});
  GrantRequest request{"arn:k",     "rds.amazonaws.com",       "rds.amazonaws.com",
                       {"Decrypt"}, {{"aws:ebs:id", "vol-1"}}, "n"};
  KMS_ASSERT_OK_AND_ASSIGN(
      Grant grant, kms->CreateGrant(CallTarget{CallAs::kUserViaService, "us-east-1"}, request));
  EXPECT_EQ(grant.grant_id, "g1");
  EXPECT_EQ(grant.grant_token, "t1");
  EXPECT_EQ(
      sent_[0].body,
      R"({"KeyId":"arn:k","GranteePrincipal":"rds.amazonaws.com","RetiringPrincipal":)"
      R"("rds.amazonaws.com","Operations":["Decrypt"],"Constraints":{"EncryptionContextSubset":)"
      R"({"aws:ebs:id":"vol-1"}},"Name":"n"})");
}

TEST_F(KmsClientTest, RetireGrantPrefersTheToken) {
  auto kms = Client({{200, ""}, {200, "{}"}});
  ASSERT_THAT(
      kms->RetireGrant(CallTarget{CallAs::kService, "us-east-1"}, Grant{"g", "tok"}, "arn:k"),
      IsOk());
  ASSERT_THAT(kms->RetireGrant(CallTarget{CallAs::kService, "us-east-1"}, Grant{"g", ""}, "arn:k"),
              IsOk());
  EXPECT_EQ(sent_[0].body, R"({"GrantToken":"tok"})");
  EXPECT_EQ(sent_[1].body, R"({"KeyId":"arn:k","GrantId":"g"})");
  EXPECT_EQ(sent_[0].Header(kServiceAuthorizationHeader), "");
}

TEST_F(KmsClientTest, KmsErrorsBecomeStatusesWithKmsMessages) {
  auto kms =
      Client({{400, R"({"__type":"AccessDeniedException","Message":"User: x is not authorized"})"},
              {400, R"({"__type":"DisabledException","message":"arn is disabled."})"},
              {500, "<html>"}});
  const CallTarget target{CallAs::kService, "us-east-1"};
  EXPECT_THAT(kms->Decrypt(target, Bytes{1}, {}),
              StatusIs(Code::kAccessDenied, "User: x is not authorized"));
  EXPECT_THAT(kms->Decrypt(target, Bytes{1}, {}), StatusIs(Code::kDisabled, "arn is disabled."));
  EXPECT_THAT(kms->Decrypt(target, Bytes{1}, {}), StatusIs(Code::kInternal));
  EXPECT_THAT(kms->Decrypt(target, Bytes{1}, {}), StatusIs(Code::kDependencyTimeout));
}

TEST_F(KmsClientTest, AnswersWithoutTheExpectedMembersAreInternalErrors) {
  auto kms = Client({{200, "{}"}, {200, R"({"KeyMetadata":{"Arn":"a","KeyState":"Enabled"}})"}});
  EXPECT_THAT(kms->Encrypt(CallTarget{CallAs::kUser, "us-east-1"}, "k", SecretBytes(Bytes{1}), {}),
              StatusIs(Code::kInternal, HasSubstr("CiphertextBlob")));
  KMS_ASSERT_OK_AND_ASSIGN(KeyDescription key,
                           kms->DescribeKey(CallTarget{CallAs::kUser, "us-east-1"}, "k"));
  EXPECT_EQ(key.arn, "a");
  EXPECT_EQ(key.key_state, "Enabled");
}

}  // namespace
}  // namespace kms::client
