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
  EXPECT_THAT(ParseBody("[]", &doc),
              StatusIs(Code::kSerialization, "Start of list found where not expected"));
  EXPECT_THAT(ParseBody("7", &doc), StatusIs(Code::kSerialization, ""));
}

TEST(ParseBodyTest, RefusesDeepWideAndNonUtf8BodiesLikeMalformedJson) {
  rapidjson::Document doc;
  EXPECT_THAT(ParseBody("{\"KeyId\":" + std::string(100000, '['), &doc),
              StatusIs(Code::kSerialization, ""));
  EXPECT_THAT(ParseBody("{\"a\":" + std::string(31, '[') + std::string(31, ']') + "}", &doc),
              IsOk());
  EXPECT_THAT(ParseBody("{\"a\":" + std::string(32, '[') + std::string(32, ']') + "}", &doc),
              StatusIs(Code::kSerialization, ""));
  std::string wide = "{";
  for (int i = 0; i < 1001; ++i) {
    if (i > 0) wide += ',';
    wide.append("\"k").append(std::to_string(i)).append("\":\"v\"");
  }
  EXPECT_THAT(ParseBody(wide + "}", &doc), StatusIs(Code::kSerialization, ""));
  EXPECT_THAT(ParseBody("{\"x\":\"\xff\"}", &doc), StatusIs(Code::kSerialization, ""));
  EXPECT_THAT(ParseBody(R"({"x":"\udc00"})", &doc), StatusIs(Code::kSerialization, ""));
}

TEST(RequestReaderTest, EncryptionContextsAreBounded) {
  std::string map = "{";
  for (int i = 0; i < 82; ++i) {
    if (i > 0) map += ',';
    map.append("\"k").append(std::to_string(100 + i)).append("\":\"").append(96, 'v').append("\"");
  }
  map += "}";  // 82 * (4 + 96) = 8200 bytes
  rapidjson::Document doc = Parse(R"({"EncryptionContext":)" + map + "}");
  RequestReader in(doc);
  EXPECT_TRUE(in.StringMap("EncryptionContext").has_value());
  EXPECT_THAT(in.Finish(),
              StatusIs(Code::kValidation, ::testing::StartsWith("Invalid EncryptionContext")));
  // Model violations are reported first.
  rapidjson::Document both = Parse(R"({"KeyId":"","EncryptionContext":)" + map + "}");
  RequestReader again(both);
  again.String("KeyId", StringRule{.min_length = 1});
  again.StringMap("EncryptionContext");
  EXPECT_THAT(again.Finish(),
              StatusIs(Code::kValidation, ::testing::HasSubstr("1 validation error detected")));
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
  EXPECT_THAT(
      in.Finish(),
      StatusIs(
          Code::kValidation,
          "3 validation errors detected: Value null at 'keyId' failed to satisfy constraint: "
          "Member "
          "must not be null; Value '0' at 'numberOfBytes' failed to satisfy constraint: Member "
          "must "
          "have value greater than or equal to 1; Value 'AES_512' at 'keySpec' failed to satisfy "
          "constraint: Member must satisfy enum value set: [AES_256, AES_128]"));
}

TEST(RequestReaderTest, SensitiveValuesAreNeverEchoed) {
  rapidjson::Document doc = Parse(R"({"Plaintext":""})");
  RequestReader in(doc);
  in.SecretBlob("Plaintext", BlobRule{.min_length = 1, .sensitive = true});
  EXPECT_THAT(
      in.Finish(),
      StatusIs(Code::kValidation,
               "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
               "Member must have length greater than or equal to 1"));
}

TEST(RequestReaderTest, WrongJsonTypesAreSerializationErrors) {
  rapidjson::Document doc = Parse(R"({"A":1,"B":"x","C":{},"D":[],"E":"s"})");
  RequestReader in(doc);
  in.String("A", StringRule{});
  in.Int("B", IntRule{});
  EXPECT_THAT(in.Finish(),
              StatusIs(Code::kSerialization, "NUMBER_VALUE can not be converted to a String"));
  RequestReader list(doc);
  list.StringList("E", ListRule{}, StringRule{});
  EXPECT_THAT(list.Finish(), StatusIs(Code::kSerialization, "Expected list or null"));
  RequestReader map(doc);
  map.StringMap("D");
  EXPECT_THAT(map.Finish(),
              StatusIs(Code::kSerialization, "Start of list found where not expected"));
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
  EXPECT_THAT(in.Finish(), StatusIs(Code::kValidation,
                                    "1 validation error detected: Value null at "
                                    "'tags.2.member.tagKey' failed to satisfy constraint: "
                                    "Member must not be null"));
}

TEST(ErrorBodyTest, ShapesFollowKms) {
  EXPECT_EQ(ErrorBody(Status(Code::kNotFound, "Invalid keyId 'x'")),
            R"({"__type":"NotFoundException","message":"Invalid keyId 'x'"})");
  EXPECT_EQ(ErrorBody(Status(Code::kInvalidCiphertext, "")),
            R"({"__type":"InvalidCiphertextException"})");
  EXPECT_EQ(ErrorBody(Status(Code::kAccessDenied, "User: x")),
            R"({"__type":"AccessDeniedException","Message":"User: x"})");
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 400);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(Code::kDependencyTimeout), 503);
  EXPECT_EQ(HttpStatusFor(Code::kStoreFull), 500);
  // Echoed header bytes that are not UTF-8 still make a UTF-8 body.
  EXPECT_EQ(
      ErrorBody(Status(Code::kIncompleteSignature, "Authorization=\xff")),
      "{\"__type\":\"IncompleteSignatureException\",\"message\":\"Authorization=\xEF\xBF\xBD\"}");
}

TEST(RequestParametersTest, LowerCamelWithoutSecrets) {
  rapidjson::Document doc =
      Parse(R"({"KeyId":"alias/x","Plaintext":"c2VjcmV0","EncryptionContext":{"Aws:Key":"V"},
      "GrantTokens":["t"],"NumberOfBytes":32})");
  EXPECT_EQ(RenderRequestParameters("GenerateDataKey", doc),
            R"({"keyId":"alias/x","numberOfBytes":32,"encryptionContext":{"Aws:Key":"V"}})");
  doc = Parse(
      R"({"KeyId":"k","GranteePrincipal":"p","Constraints":{"EncryptionContextSubset":{"K":"v"}},
      "Operations":["Decrypt"]})");
  EXPECT_EQ(RenderRequestParameters("CreateGrant", doc),
            R"({"keyId":"k","granteePrincipal":"p","operations":["Decrypt"],)"
            R"("constraints":{"encryptionContextSubset":{"K":"v"}}})");
  doc = Parse(R"({"KeyId":"k","Tags":[{"TagKey":"a","TagValue":"b"}]})");
  EXPECT_EQ(RenderRequestParameters("TagResource", doc),
            R"({"keyId":"k","tags":[{"tagKey":"a","tagValue":"b"}]})");
  EXPECT_EQ(RenderRequestParameters("Encrypt", Parse("{}")), "null");
  EXPECT_EQ(RenderRequestParameters("Decrypt", Parse(R"({"CiphertextBlob":"eA=="})")), "null");
  EXPECT_EQ(RenderRequestParameters("GenerateRandom", Parse(R"({"NumberOfBytes":8})")), "null");
}

TEST(RequestParametersTest, RecordsOnlyTheModelsMembersOfTheirTypes) {
  rapidjson::Document doc =
      Parse(R"({"KeyId":{"a":[1,2]},"Description":"d","x":"\u00ff","Extra":{"y":1}})");
  EXPECT_EQ(RenderRequestParameters("UpdateKeyDescription", doc), R"({"description":"d"})");
  EXPECT_EQ(RenderRequestParameters("NoSuchOperation", doc), "null");
}

TEST(RequestParametersTest, BoundsEveryValue) {
  const std::string long_id(5000, 'k');
  const std::string rendered = RenderRequestParameters(
      "UpdateKeyDescription", Parse(R"({"KeyId":")" + long_id + R"(","Description":"d"})"));
  EXPECT_EQ(rendered, R"({"keyId":")" + std::string(2048, 'k') + R"(...","description":"d"})");
  std::string context = "{";
  for (int i = 0; i < 900; ++i) {
    if (i > 0) context += ',';
    context.append("\"k").append(std::to_string(i)).append("\":\"").append(20, 'v').append("\"");
  }
  context += "}";
  const std::string with_context =
      RenderRequestParameters("Encrypt", Parse(R"({"EncryptionContext":)" + context + "}"));
  EXPECT_LT(with_context.size(), kMaxEncryptionContextBytes + 6 * 900);
  EXPECT_GT(with_context.size(), kMaxEncryptionContextBytes);
  std::string tags = "[";
  for (int i = 0; i < 200; ++i) {
    if (i > 0) tags += ',';
    tags.append(R"({"TagKey":"k","TagValue":"v"})");
  }
  tags += "]";
  const std::string with_tags =
      RenderRequestParameters("TagResource", Parse(R"({"Tags":)" + tags + "}"));
  EXPECT_EQ(std::count(with_tags.begin(), with_tags.end(), '{'), 51);
  // A cut never splits a UTF-8 sequence.
  const std::string description = std::string(8191, 'd') + "\xC3\xA9";
  EXPECT_EQ(RenderRequestParameters("UpdateKeyDescription",
                                    Parse(R"({"Description":")" + description + R"("})")),
            R"({"description":")" + std::string(8191, 'd') + R"(..."})");
}

}  // namespace
}  // namespace kms::api
