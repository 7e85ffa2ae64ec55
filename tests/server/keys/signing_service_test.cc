#include "kms/server/keys/signing_service.h"

#include "tests/server/keys/service_test_util.h"

namespace kms::keys {
namespace {

using testing::ServiceTest;

constexpr char kBobArn[] = "arn:aws:iam::111122223333:user/bob";

class SigningServiceTest : public ServiceTest {
 protected:
  SigningService& signing() { return services_->signing; }

  Key NewKeyOf(const std::string& spec, const std::string& usage) {
    CallContext call = Context("alice");
    CreateKeyRequest request;
    request.key_spec = spec;
    request.key_usage = usage;
    StatusOr<Key> key = services_->lifecycle.CreateKey(call, request);
    EXPECT_TRUE(key.has_value()) << key.error().ToString();
    return *key;
  }

  SignRequest SignRequestFor(const Key& key, std::string_view message,
                             const std::string& algorithm = "ECDSA_SHA_256") {
    SignRequest request;
    request.key_id = key->key_id;
    request.message = SecretBytes(AsBytes(message));
    request.signing_algorithm = algorithm;
    return request;
  }
};

TEST_F(SigningServiceTest, SignaturesVerifyAndTamperedOnesDoNot) {
  const Key key = NewKeyOf("ECC_NIST_P256", "SIGN_VERIFY");
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(SignResult signed_message,
                           signing().Sign(call, SignRequestFor(key, "hello")));
  EXPECT_FALSE(call.trace.key_material_id.empty());
  VerifyRequest verify{SignRequestFor(key, "hello"), signed_message.signature};
  EXPECT_THAT(signing().Verify(call, verify), IsOk());
  verify.signed_message = SignRequestFor(key, "hellO");
  EXPECT_THAT(signing().Verify(call, verify), StatusIs(Code::kKmsInvalidSignature, ""));
}

TEST_F(SigningServiceTest, AuthorizesBeforeCheckingTheKeysUsage) {
  const Key symmetric = NewKey();
  CallContext bob = Context("bob");
  EXPECT_THAT(signing().Sign(bob, SignRequestFor(symmetric, "hello")),
              StatusIs(Code::kAccessDenied));
  CallContext alice = Context("alice");
  EXPECT_THAT(signing().Sign(alice, SignRequestFor(symmetric, "hello")),
              StatusIs(Code::kInvalidKeyUsage, symmetric->Arn() +
                                                   " key usage is ENCRYPT_DECRYPT which is not "
                                                   "valid for Sign."));
}

TEST_F(SigningServiceTest, PoliciesSeeTheAlgorithmAndMessageType) {
  const Key key = NewKeyOf("RSA_2048", "SIGN_VERIFY");
  SetDefaultPolicyPlus(key, std::string(R"({"Effect":"Allow","Principal":{"AWS":")") + kBobArn +
                                R"("},"Action":"kms:Sign","Resource":"*","Condition":)"
                                R"({"StringEquals":{"kms:SigningAlgorithm":"RSASSA_PSS_SHA_256",)"
                                R"("kms:MessageType":"RAW"}}})");
  CallContext bob = Context("bob");
  EXPECT_THAT(signing().Sign(bob, SignRequestFor(key, "m", "RSASSA_PSS_SHA_256")), IsOk());
  EXPECT_THAT(signing().Sign(bob, SignRequestFor(key, "m", "RSASSA_PSS_SHA_512")),
              StatusIs(Code::kAccessDenied));
}

TEST_F(SigningServiceTest, DigestsMustBeAsLongAsTheAlgorithmsHash) {
  const Key key = NewKeyOf("ECC_NIST_P384", "SIGN_VERIFY");
  CallContext call = Context("alice");
  SignRequest request = SignRequestFor(key, std::string(32, 'd'), "ECDSA_SHA_384");
  request.message_type = "DIGEST";
  EXPECT_THAT(signing().Sign(call, request),
              StatusIs(Code::kValidation, "Digest is invalid length for algorithm ECDSA_SHA_384."));
  request.message = SecretBytes(AsBytes(std::string(48, 'd')));
  EXPECT_THAT(signing().Sign(call, request), IsOk());
  request.dry_run = true;
  EXPECT_THAT(signing().Sign(call, request), StatusIs(Code::kDryRun));
}

TEST_F(SigningServiceTest, MacsMatchOnlyTheirMessageAndAlgorithm) {
  const Key key = NewKeyOf("HMAC_384", "GENERATE_VERIFY_MAC");
  CallContext call = Context("alice");
  MacRequest request;
  request.key_id = key->key_id;
  request.message = SecretBytes(AsBytes("payload"));
  request.mac_algorithm = "HMAC_SHA_384";
  KMS_ASSERT_OK_AND_ASSIGN(MacResult made, signing().GenerateMac(call, request));
  EXPECT_EQ(made.mac.size(), 48u);
  request.mac = made.mac;
  EXPECT_THAT(signing().VerifyMac(call, request), IsOk());
  request.message = SecretBytes(AsBytes("payloaD"));
  EXPECT_THAT(signing().VerifyMac(call, request), StatusIs(Code::kKmsInvalidMac, ""));
  request.mac_algorithm = "HMAC_SHA_256";
  EXPECT_THAT(signing().GenerateMac(call, request),
              StatusIs(Code::kInvalidKeyUsage,
                       "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_384."));
}

TEST_F(SigningServiceTest, PublicKeysOnlyForKeyPairs) {
  const Key pair = NewKeyOf("RSA_3072", "ENCRYPT_DECRYPT");
  CallContext call = Context("alice");
  KMS_ASSERT_OK_AND_ASSIGN(PublicKeyResult result,
                           signing().GetPublicKey(call, {pair->key_id, {}}));
  EXPECT_GT(result.public_key.size(), 384u);
  const Key hmac = NewKeyOf("HMAC_256", "GENERATE_VERIFY_MAC");
  EXPECT_THAT(signing().GetPublicKey(call, {hmac->key_id, {}}),
              StatusIs(Code::kUnsupportedOperation));
}

}  // namespace
}  // namespace kms::keys
