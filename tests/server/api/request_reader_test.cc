#include "server/api/request_reader.h"

#include <gtest/gtest.h>

#include "server/api/errors.h"
#include "server/api/request_parameters.h"
#include "testing/status_matchers.h"

namespace kms::api {
namespace {

rapidjson::Document Parse(std::string_view json) {
  rapidjson::Document doc;
  EXPECT_THAT(ParseBody(json, &doc), IsOk());
  return doc;
}

TEST(ParseBodyTest, OnlyAJsonObjectIsABody) {
  rapidjson::Document doc;
  EXPECT_THAT(ParseBody("{}", &doc), IsOk());
  EXPECT_THAT(ParseBody("", &doc), StatusIs(Code::kSerialization, ""));
  EXPECT_THAT(ParseBody("{", &doc), StatusIs(Code::kSerialization, ""));
  EXPECT_THAT(ParseBody("{} x", &doc), StatusIs(Code::kSerialization, ""));
  EXPECT_THAT(ParseBody("[]", &doc), StatusIs(Code::kSerialization, "Start of list found where not expected"));
  EXPECT_THAT(ParseBody("7", &doc), StatusIs(Code::kSerialization, ""));
}

TEST(RequestReaderTest, ReadsTypedMembers) {
  rapidjson::Document doc = Parse(R"({"KeyId":"k","NumberOfBytes":32,"DryRun":true,
      "EncryptionContext":{"b":"2","a":"1"},"GrantTokens":["t1"],"Plaintext":"aGk="})");
  RequestReader in(doc);
  EXPECT_EQ(in.String("KeyId", StringRule{.required = true}), "k");
  EXPECT_EQ(in.Int("NumberOfBytes", IntRule{.min = 1, .max = 1024}), 32);
  EXPECT_EQ(in.Bool("DryRun"), true);
  EXPECT_EQ(in.StringMap("EncryptionContext"), (EncryptionContext{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(in.StringList("GrantTokens", ListRule{}, StringRule{}), std::vector<std::string>{"t1"});
  auto plaintext = in.SecretBlob("Plaintext", BlobRule{.sensitive = true});
  ASSERT_TRUE(plaintext.has_value());
  EXPECT_EQ(AsString(plaintext->view()), "hi");
  EXPECT_EQ(in.String("Missing", StringRule{}), std::nullopt);
  EXPECT_THAT(in.Finish(), IsOk());
}

TEST(RequestReaderTest, AccumulatesViolationsInReadOrder) {
  rapidjson::Document doc = Parse(R"({"NumberOfBytes":0,"KeySpec":"AES_512"})");
  RequestReader in(doc);
  constexpr std::array<std::string_view, 2> kSpecs = {"AES_256", "AES_128"};
  in.String("KeyId", StringRule{.required = true});
  in.Int("NumberOfBytes", IntRule{.min = 1, .max = 1024});
  in.String("KeySpec", StringRule{.enum_values = kSpecs});
  EXPECT_THAT(in.Finish(),
              StatusIs(Code::kValidation,
                       "3 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member "
                       "must not be null; Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must "
                       "have value greater than or equal to 1; Value 'AES_512' at 'keySpec' failed to satisfy "
                       "constraint: Member must satisfy enum value set: [AES_256, AES_128]"));
}

TEST(RequestReaderTest, SensitiveValuesAreNeverEchoed) {
  rapidjson::Document doc = Parse(R"({"Plaintext":""})");
  RequestReader in(doc);
  in.SecretBlob("Plaintext", BlobRule{.min_length = 1, .sensitive = true});
  EXPECT_THAT(in.Finish(), StatusIs(Code::kValidation,
                                    "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
                                    "Member must have length greater than or equal to 1"));
}

TEST(RequestReaderTest, WrongJsonTypesAreSerializationErrors) {
  rapidjson::Document doc = Parse(R"({"A":1,"B":"x","C":{},"D":[],"E":"s"})");
  RequestReader in(doc);
  in.String("A", StringRule{});
  in.Int("B", IntRule{});
  EXPECT_THAT(in.Finish(), StatusIs(Code::kSerialization, "NUMBER_VALUE can not be converted to a String"));
  RequestReader list(doc);
  list.StringList("E", ListRule{}, StringRule{});
  EXPECT_THAT(list.Finish(), StatusIs(Code::kSerialization, "Expected list or null"));
  RequestReader map(doc);
  map.StringMap("D");
  EXPECT_THAT(map.Finish(), StatusIs(Code::kSerialization, "Start of list found where not expected"));
}

TEST(RequestReaderTest, IntegersTruncateDecimalsAsCoralDoes) {
  rapidjson::Document doc = Parse(R"({"N":12.9})");
  RequestReader in(doc);
  EXPECT_EQ(in.Int("N", IntRule{}), 12);
}

TEST(RequestReaderTest, NestedTagPathsNameTheMember) {
  rapidjson::Document doc = Parse(R"({"Tags":[{"TagKey":"ok","TagValue":"v"},{"TagValue":"v"}]})");
  RequestReader in(doc);
  in.Tags("Tags", ListRule{});
  EXPECT_THAT(in.Finish(), StatusIs(Code::kValidation, "1 validation error detected: Value null at "
                                                       "'tags.2.member.tagKey' failed to satisfy constraint: "
                                                       "Member must not be null"));
}

TEST(ErrorBodyTest, ShapesFollowKms) {
  EXPECT_EQ(ErrorBody(Status(Code::kNotFound, "Invalid keyId 'x'")),
            R"({"__type":"NotFoundException","message":"Invalid keyId 'x'"})");
  EXPECT_EQ(ErrorBody(Status(Code::kInvalidCiphertext, "")), R"({"__type":"InvalidCiphertextException"})");
  EXPECT_EQ(ErrorBody(Status(Code::kAccessDenied, "User: x")), R"({"__type":"AccessDeniedException","Message":"User: x"})");
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 400);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(Code::kDependencyTimeout), 503);
}

TEST(RequestParametersTest, LowerCamelWithoutSecrets) {
  rapidjson::Document doc = Parse(R"({"KeyId":"alias/x","Plaintext":"c2VjcmV0","EncryptionContext":{"Aws:Key":"V"},
      "Constraints":{"EncryptionContextSubset":{"K":"v"}},"Tags":[{"TagKey":"a","TagValue":"b"}],"NumberOfBytes":32})");
  EXPECT_EQ(RenderRequestParameters(doc),
            R"({"keyId":"alias/x","encryptionContext":{"Aws:Key":"V"},"constraints":{"encryptionContextSubset":)"
            R"({"K":"v"}},"tags":[{"tagKey":"a","tagValue":"b"}],"numberOfBytes":32})");
  EXPECT_EQ(RenderRequestParameters(Parse("{}")), "null");
  EXPECT_EQ(RenderRequestParameters(Parse(R"({"CiphertextBlob":"eA=="})")), "null");
}

}  // namespace
}  // namespace kms::api
