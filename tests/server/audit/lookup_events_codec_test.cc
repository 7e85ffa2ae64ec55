#include <string>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "kms/server/audit/audit_lookup.h"
#include "testing/status_matchers.h"

namespace kms::audit {
namespace {

using ::testing::HasSubstr;

TEST(LookupEventsCodecTest, EmptyBodyIsTheDefaultQuery) {
  for (std::string_view body : {"", "{}", " \n"}) {
    KMS_ASSERT_OK_AND_ASSIGN(LookupEventsQuery query, ParseLookupEventsRequest(body));
    EXPECT_FALSE(query.attribute.has_value());
    EXPECT_FALSE(query.start_time.has_value());
    EXPECT_FALSE(query.end_time.has_value());
    EXPECT_FALSE(query.insight_events);
    EXPECT_EQ(query.max_results, 50);
    EXPECT_EQ(query.next_token, "");
  }
}

TEST(LookupEventsCodecTest, ParsesEveryMember) {
  KMS_ASSERT_OK_AND_ASSIGN(
      LookupEventsQuery query,
      ParseLookupEventsRequest(
          R"({"LookupAttributes":[{"AttributeKey":"ResourceName","AttributeValue":"arn:x"}],)"
          R"("StartTime":1700000000,"EndTime":1700000100,"MaxResults":7,"NextToken":"abc",)"
          R"("Unknown":{"ignored":true}})"));
  ASSERT_TRUE(query.attribute.has_value());
  EXPECT_EQ(query.attribute->key, LookupAttributeKey::kResourceName);
  EXPECT_EQ(query.attribute->value, "arn:x");
  EXPECT_EQ(query.start_time, 1700000000000);
  EXPECT_EQ(query.end_time, 1700000100000);
  EXPECT_EQ(query.max_results, 7);
  EXPECT_EQ(query.next_token, "abc");
}

TEST(LookupEventsCodecTest, EveryAttributeKeyParses) {
  for (std::string_view name : {"EventId", "EventName", "ReadOnly", "Username", "ResourceType",
                                "ResourceName", "EventSource", "AccessKeyId"}) {
    const std::string body = R"({"LookupAttributes":[{"AttributeKey":")" + std::string(name) +
                             R"(","AttributeValue":"v"}]})";
    KMS_ASSERT_OK_AND_ASSIGN(LookupEventsQuery query, ParseLookupEventsRequest(body));
    ASSERT_TRUE(query.attribute.has_value());
    EXPECT_EQ(LookupAttributeKeyName(query.attribute.value().key), name);
  }
}

TEST(LookupEventsCodecTest, TimesAcceptIntegerDecimalAndExponentForms) {
  KMS_ASSERT_OK_AND_ASSIGN(
      LookupEventsQuery query,
      ParseLookupEventsRequest(R"({"StartTime":1.7E9,"EndTime":1700000100.5})"));
  EXPECT_EQ(query.start_time, 1700000000000);
  EXPECT_EQ(query.end_time, 1700000100000);  // rounded down to the whole second
  KMS_ASSERT_OK_AND_ASSIGN(query, ParseLookupEventsRequest(R"({"StartTime":1700000000.25})"));
  EXPECT_EQ(query.start_time, 1700000001000);  // rounded up to the whole second
  KMS_ASSERT_OK_AND_ASSIGN(query, ParseLookupEventsRequest(R"({"EndTime":17e8})"));
  EXPECT_EQ(query.end_time, 1700000000000);
}

TEST(LookupEventsCodecTest, NullMembersAreAbsent) {
  KMS_ASSERT_OK_AND_ASSIGN(
      LookupEventsQuery query,
      ParseLookupEventsRequest(R"({"LookupAttributes":null,"StartTime":null,"EndTime":null,)"
                               R"("EventCategory":null,"MaxResults":null,"NextToken":null})"));
  EXPECT_FALSE(query.attribute.has_value());
  EXPECT_EQ(query.max_results, 50);
}

TEST(LookupEventsCodecTest, EmptyAttributeListIsNoFilter) {
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsQuery query,
                           ParseLookupEventsRequest(R"({"LookupAttributes":[]})"));
  EXPECT_FALSE(query.attribute.has_value());
}

TEST(LookupEventsCodecTest, InsightCategoryIsAccepted) {
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsQuery query,
                           ParseLookupEventsRequest(R"({"EventCategory":"insight"})"));
  EXPECT_TRUE(query.insight_events);
}

TEST(LookupEventsCodecTest, RefusesMoreThanOneAttribute) {
  EXPECT_THAT(ParseLookupEventsRequest(
                  R"({"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"a"},)"
                  R"({"AttributeKey":"Username","AttributeValue":"b"}]})"),
              StatusIs(Code::kInvalidLookupAttributes, HasSubstr("only one")));
}

TEST(LookupEventsCodecTest, RefusesUnknownOrMissingAttributeKey) {
  EXPECT_THAT(ParseLookupEventsRequest(
                  R"({"LookupAttributes":[{"AttributeKey":"eventname","AttributeValue":"a"}]})"),
              StatusIs(Code::kInvalidLookupAttributes, HasSubstr("'eventname' is not valid")));
  EXPECT_THAT(ParseLookupEventsRequest(R"({"LookupAttributes":[{"AttributeValue":"a"}]})"),
              StatusIs(Code::kInvalidLookupAttributes, "AttributeKey is required."));
  EXPECT_THAT(ParseLookupEventsRequest(R"({"LookupAttributes":[{"AttributeKey":"EventName"}]})"),
              StatusIs(Code::kInvalidLookupAttributes, "AttributeValue is required."));
}

TEST(LookupEventsCodecTest, AttributeValueMustBe1To2000Characters) {
  auto body = [](const std::string& value) {
    return R"({"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":")" + value +
           R"("}]})";
  };
  EXPECT_THAT(ParseLookupEventsRequest(body("")), StatusIs(Code::kInvalidLookupAttributes));
  EXPECT_THAT(ParseLookupEventsRequest(body(std::string(2001, 'a'))),
              StatusIs(Code::kInvalidLookupAttributes));
  EXPECT_TRUE(ParseLookupEventsRequest(body(std::string(2000, 'a'))).has_value());
  std::string two_thousand_euros;
  for (int i = 0; i < 2000; ++i) two_thousand_euros += "\xE2\x82\xAC";  // characters, not bytes
  EXPECT_TRUE(ParseLookupEventsRequest(body(two_thousand_euros)).has_value());
}

TEST(LookupEventsCodecTest, RefusesStartAfterEnd) {
  EXPECT_THAT(ParseLookupEventsRequest(R"({"StartTime":1700000001,"EndTime":1700000000})"),
              StatusIs(Code::kInvalidTimeRange, "StartTime must not be after EndTime."));
  EXPECT_TRUE(
      ParseLookupEventsRequest(R"({"StartTime":1700000000,"EndTime":1700000000})").has_value());
}

TEST(LookupEventsCodecTest, RefusesTimesOutsideThePossibleRange) {
  EXPECT_THAT(ParseLookupEventsRequest(R"({"StartTime":-1})"), StatusIs(Code::kInvalidTimeRange));
  EXPECT_THAT(ParseLookupEventsRequest(R"({"EndTime":1e300})"), StatusIs(Code::kInvalidTimeRange));
}

TEST(LookupEventsCodecTest, MaxResultsMustBeAnIntegerFrom1To50) {
  for (std::string_view body : {R"({"MaxResults":0})", R"({"MaxResults":51})",
                                R"({"MaxResults":-3})", R"({"MaxResults":2.5})"}) {
    EXPECT_THAT(ParseLookupEventsRequest(body),
                StatusIs(Code::kInvalidMaxResults, "MaxResults must be between 1 and 50."))
        << body;
  }
  KMS_ASSERT_OK_AND_ASSIGN(LookupEventsQuery query,
                           ParseLookupEventsRequest(R"({"MaxResults":1})"));
  EXPECT_EQ(query.max_results, 1);
  KMS_ASSERT_OK_AND_ASSIGN(query, ParseLookupEventsRequest(R"({"MaxResults":5E1})"));
  EXPECT_EQ(query.max_results, 50);
}

TEST(LookupEventsCodecTest, RefusesOtherEventCategories) {
  EXPECT_THAT(ParseLookupEventsRequest(R"({"EventCategory":"Management"})"),
              StatusIs(Code::kInvalidEventCategory));
  EXPECT_THAT(ParseLookupEventsRequest(R"({"EventCategory":"Insight"})"),
              StatusIs(Code::kInvalidEventCategory));
}

TEST(LookupEventsCodecTest, WrongJsonTypesAreSerializationErrors) {
  for (std::string_view body :
       {"[]", "not json", R"({"LookupAttributes":{}})", R"({"LookupAttributes":["x"]})",
        R"({"LookupAttributes":[{"AttributeKey":1,"AttributeValue":"a"}]})",
        R"({"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":true}]})",
        R"({"StartTime":"2023-11-14"})", R"({"MaxResults":"5"})", R"({"EventCategory":1})",
        R"({"NextToken":5})"}) {
    EXPECT_THAT(ParseLookupEventsRequest(body), StatusIs(Code::kSerialization)) << body;
  }
}

TEST(LookupEventsCodecTest, ValidateChecksTypedQueries) {
  LookupEventsQuery query;
  EXPECT_THAT(ValidateLookupEventsQuery(query), IsOk());
  query.max_results = 0;
  EXPECT_THAT(ValidateLookupEventsQuery(query), StatusIs(Code::kInvalidMaxResults));
  query.max_results = 10;
  query.attribute = LookupAttribute{LookupAttributeKey::kUsername, ""};
  EXPECT_THAT(ValidateLookupEventsQuery(query), StatusIs(Code::kInvalidLookupAttributes));
}

TEST(LookupEventsCodecTest, SerializesResponseAsTheModelSays) {
  LookupEventsResult result;
  LookupEvent event;
  event.event_id = "id-1";
  event.event_name = "Encrypt";
  event.read_only = true;
  event.access_key_id = "AKIA1";
  event.event_time = 1700000000999;
  event.event_source = "kms.amazonaws.com";
  event.username = "alice";
  event.resources = {{"AWS::KMS::Key", "arn:k"}};
  event.cloudtrail_event = R"({"eventVersion":"1.11"})";
  result.events.push_back(event);
  event.access_key_id.clear();
  event.username.clear();
  event.read_only = false;
  event.resources.clear();
  result.events.push_back(event);
  result.next_token = "tok";
  EXPECT_EQ(
      SerializeLookupEventsResponse(result),
      R"({"Events":[{"EventId":"id-1","EventName":"Encrypt","ReadOnly":"true",)"
      R"("AccessKeyId":"AKIA1","EventTime":1700000000,"EventSource":"kms.amazonaws.com",)"
      R"("Username":"alice","Resources":[{"ResourceType":"AWS::KMS::Key","ResourceName":"arn:k"}],)"
      R"("CloudTrailEvent":"{\"eventVersion\":\"1.11\"}"},)"
      R"({"EventId":"id-1","EventName":"Encrypt","ReadOnly":"false","EventTime":1700000000,)"
      R"("EventSource":"kms.amazonaws.com","Resources":[],)"
      R"("CloudTrailEvent":"{\"eventVersion\":\"1.11\"}"}],"NextToken":"tok"})");
  EXPECT_EQ(SerializeLookupEventsResponse(LookupEventsResult()), R"({"Events":[]})");
}

}  // namespace
}  // namespace kms::audit
