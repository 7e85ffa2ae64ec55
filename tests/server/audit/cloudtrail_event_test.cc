#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "kms/server/audit/audit_event.h"
#include "server/audit/audit_record.h"
#include "testing/status_matchers.h"
#include "tests/server/audit/audit_test_util.h"

namespace kms::audit {
namespace {

using testing::kAccount;
using testing::KeyArn;
using testing::SampleEvent;

EpochMillis Time(std::string_view iso) {
  EpochMillis t = 0;
  EXPECT_TRUE(ParseIso8601(iso, &t));
  return t;
}

std::vector<std::string> MemberNames(const rapidjson::Value& object) {
  std::vector<std::string> names;
  for (const auto& member : object.GetObject()) names.emplace_back(member.name.GetString());
  return names;
}

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return doc;
}

TEST(CloudTrailEventTest, IamUserRecordIsExactlyAwsShape) {
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(SampleEvent()));
  EXPECT_EQ(
      record,
      R"({"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEalice",)"
      R"("arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333",)"
      R"("accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":"2023-11-14T22:13:20Z",)"
      R"("eventSource":"kms.amazonaws.com","eventName":"GenerateDataKey","awsRegion":"us-east-1",)"
      R"("sourceIPAddress":"192.0.2.10","userAgent":"aws-cli/2.15.0",)"
      R"("requestParameters":{"keyId":"alias/app","keySpec":"AES_256"},"responseElements":null,)"
      R"("requestID":"e0eb83e3-63bc-11e4-bc2b-4198b6150d5c",)"
      R"("eventID":"a9dea4f9-8395-46c0-942c-f509c02c2b71","readOnly":true,)"
      R"("resources":[{"accountId":"111122223333","type":"AWS::KMS::Key",)"
      R"("ARN":"arn:aws:kms:us-east-1:111122223333:key/k1"}],"eventType":"AwsApiCall",)"
      R"("managementEvent":true,"recipientAccountId":"111122223333",)"
      R"("eventCategory":"Management"})");
}

// The sweep's deletion of a key, as AWS's DeleteKey example (ct-delete-key)
// shows it: no principal, "AWS Internal", an AwsServiceEvent, no requestID.
TEST(CloudTrailEventTest, ServiceEventIsAwsInternal) {
  CloudTrailEvent event;
  event.service_event = true;
  event.event_name = "DeleteKey";
  event.region = "us-east-1";
  event.event_time = Time("2020-07-31T00:07:00Z");
  event.event_id = "b25f9cda-74e1-4458-847b-4972a0bf9668";
  event.recipient_account_id = kAccount;
  event.resource_arns = {KeyArn("k1")};
  event.response_elements = R"({"keyId":")" + KeyArn("k1") + R"("})";
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(event));
  EXPECT_EQ(
      record,
      R"({"eventVersion":"1.11","userIdentity":{"accountId":"111122223333",)"
      R"("invokedBy":"AWS Internal"},"eventTime":"2020-07-31T00:07:00Z",)"
      R"("eventSource":"kms.amazonaws.com","eventName":"DeleteKey","awsRegion":"us-east-1",)"
      R"("sourceIPAddress":"AWS Internal","userAgent":"AWS Internal","requestParameters":null,)"
      R"("responseElements":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/k1"},)"
      R"("eventID":"b25f9cda-74e1-4458-847b-4972a0bf9668","readOnly":false,)"
      R"("resources":[{"accountId":"111122223333","type":"AWS::KMS::Key",)"
      R"("ARN":"arn:aws:kms:us-east-1:111122223333:key/k1"}],"eventType":"AwsServiceEvent",)"
      R"("managementEvent":true,"recipientAccountId":"111122223333",)"
      R"("eventCategory":"Management"})");
  KMS_ASSERT_OK_AND_ASSIGN(AuditEntry entry, MakeAuditEntry(event));
  EXPECT_EQ(entry.username, "");
  EXPECT_EQ(entry.access_key_id, "");
}

// The composite GenerateDataKey-by-RDS example of kms-wire-protocol.md section 8.
TEST(CloudTrailEventTest, AssumedRoleInvokedByServiceMatchesReferenceExample) {
  CloudTrailEvent e;
  e.event_name = "GenerateDataKey";
  e.region = "us-east-1";
  e.event_time = Time("2025-05-20T20:46:16Z");
  e.principal = testing::TestRole();
  e.access_key_id = "ASIAEXAMPLE";
  e.session_creation_time = Time("2025-05-20T20:40:00Z");
  e.invoked_by = InvokedByFromViaService("rds.us-east-1.amazonaws.com");
  e.source_ip_address = "10.0.0.1";  // replaced by the service name
  e.user_agent = "aws-sdk-go";
  const std::string arn = KeyArn("1234abcd-12ab-34cd-56ef-1234567890ab");
  e.request_parameters = R"({"keyId":")" + arn +
                         R"(","keySpec":"AES_256",)"
                         R"("encryptionContext":{"aws:rds:db-id":"db-CQYSMDPBRZ7BPMH7Y3RTDG5QY"}})";
  e.response_elements = "null";
  e.request_id = "e0eb83e3-63bc-11e4-bc2b-4198b6150d5c";
  e.event_id = "a9dea4f9-8395-46c0-942c-f509c02c2b71";
  e.read_only = true;
  e.resource_arns = {arn};
  e.recipient_account_id = kAccount;

  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  EXPECT_EQ(
      record,
      R"({"eventVersion":"1.11","userIdentity":{"type":"AssumedRole",)"
      R"("principalId":"AROAEXAMPLE:dbadmin",)"
      R"("arn":"arn:aws:sts::111122223333:assumed-role/DbAdmin/dbadmin",)"
      R"("accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",)"
      R"("sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE",)"
      R"("arn":"arn:aws:iam::111122223333:role/DbAdmin",)"
      R"("accountId":"111122223333","userName":"DbAdmin"},)"
      R"("attributes":{"creationDate":"2025-05-20T20:40:00Z","mfaAuthenticated":"false"}},)"
      R"("invokedBy":"rds.amazonaws.com"},)"
      R"("eventTime":"2025-05-20T20:46:16Z","eventSource":"kms.amazonaws.com",)"
      R"("eventName":"GenerateDataKey","awsRegion":"us-east-1",)"
      R"("sourceIPAddress":"rds.amazonaws.com","userAgent":"rds.amazonaws.com",)"
      R"("requestParameters":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-)"
      R"(56ef-1234567890ab","keySpec":"AES_256",)"
      R"("encryptionContext":{"aws:rds:db-id":"db-CQYSMDPBRZ7BPMH7Y3RTDG5QY"}},)"
      R"("responseElements":null,)"
      R"("requestID":"e0eb83e3-63bc-11e4-bc2b-4198b6150d5c",)"
      R"("eventID":"a9dea4f9-8395-46c0-942c-f509c02c2b71","readOnly":true,)"
      R"("resources":[{"accountId":"111122223333","type":"AWS::KMS::Key",)"
      R"("ARN":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}],)"
      R"("eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333",)"
      R"("eventCategory":"Management"})");
}

TEST(CloudTrailEventTest, AssumedRoleSessionDateDefaultsToEventTime) {
  CloudTrailEvent e = SampleEvent();
  e.principal = testing::TestRole();
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  rapidjson::Document doc = Parse(record);
  EXPECT_STREQ(doc["userIdentity"]["sessionContext"]["attributes"]["creationDate"].GetString(),
               "2023-11-14T22:13:20Z");
  EXPECT_FALSE(doc["userIdentity"].HasMember("userName"));
  EXPECT_FALSE(doc["userIdentity"].HasMember("invokedBy"));
}

TEST(CloudTrailEventTest, ServicePrincipalIsInvokedByItself) {
  CloudTrailEvent e = SampleEvent();
  e.principal = testing::TestService();
  e.access_key_id.clear();
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  rapidjson::Document doc = Parse(record);
  EXPECT_EQ(MemberNames(doc["userIdentity"]), (std::vector<std::string>{"type", "invokedBy"}));
  EXPECT_STREQ(doc["userIdentity"]["type"].GetString(), "AWSService");
  EXPECT_STREQ(doc["userIdentity"]["invokedBy"].GetString(), "rds.amazonaws.com");
  EXPECT_STREQ(doc["sourceIPAddress"].GetString(), "rds.amazonaws.com");
  EXPECT_STREQ(doc["userAgent"].GetString(), "rds.amazonaws.com");
}

TEST(CloudTrailEventTest, RootIdentityHasNoUserName) {
  CloudTrailEvent e = SampleEvent();
  e.principal = testing::TestRoot();
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  rapidjson::Document doc = Parse(record);
  EXPECT_EQ(MemberNames(doc["userIdentity"]),
            (std::vector<std::string>{"type", "principalId", "arn", "accountId", "accessKeyId"}));
  EXPECT_STREQ(doc["userIdentity"]["type"].GetString(), "Root");
}

TEST(CloudTrailEventTest, ErrorRecordPlacesErrorAfterUserAgent) {
  CloudTrailEvent e = SampleEvent();
  e.event_name = "Decrypt";
  e.error_code = "IncorrectKeyException";
  e.error_message =
      "The key ID in the request does not identify a CMK that can perform this operation.";
  e.additional_event_data = R"({"keyMaterialId":"00ff"})";
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  rapidjson::Document doc = Parse(record);
  EXPECT_EQ(MemberNames(doc),
            (std::vector<std::string>{
                "eventVersion",        "userIdentity", "eventTime",         "eventSource",
                "eventName",           "awsRegion",    "sourceIPAddress",   "userAgent",
                "errorCode",           "errorMessage", "requestParameters", "responseElements",
                "additionalEventData", "requestID",    "eventID",           "readOnly",
                "resources",           "eventType",    "managementEvent",   "recipientAccountId",
                "eventCategory"}));
  EXPECT_STREQ(doc["errorCode"].GetString(), "IncorrectKeyException");
  EXPECT_TRUE(doc["responseElements"].IsNull());
}

TEST(CloudTrailEventTest, CallerChosenTextIsBounded) {
  CloudTrailEvent e = SampleEvent();
  e.error_code = "ValidationException";
  e.error_message =
      "1 validation error detected: Value '" + std::string(200000, 'd') + "' at 'description'";
  e.user_agent = std::string(10000, 'u');
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  rapidjson::Document doc = Parse(record);
  EXPECT_EQ(doc["errorMessage"].GetStringLength(), kMaxRecordedText + 3);
  EXPECT_TRUE(std::string_view(doc["errorMessage"].GetString()).ends_with("ddd..."));
  EXPECT_EQ(doc["userAgent"].GetStringLength(), kMaxRecordedText + 3);
  EXPECT_LT(record.size(), 4096u);
}

TEST(CloudTrailEventTest, ErrorWithoutMessageHasNoErrorMessage) {
  CloudTrailEvent e = SampleEvent();
  e.error_code = "InvalidCiphertextException";
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  rapidjson::Document doc = Parse(record);
  EXPECT_TRUE(doc.HasMember("errorCode"));
  EXPECT_FALSE(doc.HasMember("errorMessage"));
}

TEST(CloudTrailEventTest, CallWithoutResourcesOrFragmentsWritesNulls) {
  CloudTrailEvent e = SampleEvent();
  e.event_name = "ListKeys";
  e.resource_arns.clear();
  e.request_parameters.clear();
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  rapidjson::Document doc = Parse(record);
  EXPECT_FALSE(doc.HasMember("resources"));
  EXPECT_TRUE(doc["requestParameters"].IsNull());
  EXPECT_FALSE(doc.HasMember("additionalEventData"));
}

TEST(CloudTrailEventTest, LookupEventsCallUsesCloudTrailSource) {
  CloudTrailEvent e = SampleEvent();
  e.event_source = std::string(kCloudTrailEventSource);
  e.event_name = "LookupEvents";
  e.resource_arns.clear();
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  EXPECT_STREQ(Parse(record)["eventSource"].GetString(), "cloudtrail.amazonaws.com");
}

TEST(CloudTrailEventTest, TlsDetailsComeLast) {
  CloudTrailEvent e = SampleEvent();
  e.tls_details = TlsDetails{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "kms.us-east-1.amazonaws.com"};
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  rapidjson::Document doc = Parse(record);
  EXPECT_EQ(MemberNames(doc).back(), "tlsDetails");
  EXPECT_EQ(MemberNames(doc["tlsDetails"]),
            (std::vector<std::string>{"tlsVersion", "cipherSuite", "clientProvidedHostHeader"}));
}

// The API layer decides what the fragments hold; the builder must neither
// drop nor reformat anything in them.
TEST(CloudTrailEventTest, FragmentsPassThroughUnchanged) {
  CloudTrailEvent e = SampleEvent();
  e.request_parameters = R"( { "keyId" : "k",  "encryptionContext":{"b":"2","a":"1"} } )";
  e.response_elements = R"({"grantId":"0123"})";
  e.additional_event_data = R"([1, 2.50, "x"])";
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  EXPECT_NE(
      record.find(
          R"("requestParameters": { "keyId" : "k",  "encryptionContext":{"b":"2","a":"1"} } ,)"),
      std::string::npos)
      << record;
  EXPECT_NE(record.find(R"("responseElements":{"grantId":"0123"},)"), std::string::npos);
  EXPECT_NE(record.find(R"("additionalEventData":[1, 2.50, "x"],)"), std::string::npos);
  Parse(record);
}

TEST(CloudTrailEventTest, MalformedFragmentIsAnInternalError) {
  for (std::string bad : std::vector<std::string>{"{", R"({"a":1} {"b":2})", "nul", "\"\xff\""}) {
    CloudTrailEvent e = SampleEvent();
    e.request_parameters = bad;
    EXPECT_THAT(BuildCloudTrailRecord(e), StatusIs(Code::kInternal)) << bad;
  }
}

TEST(CloudTrailEventTest, EscapesStringsAndReplacesInvalidUtf8) {
  CloudTrailEvent e = SampleEvent();
  e.user_agent = "quote\" backslash\\ newline\n nul" + std::string(1, '\0') + " bad\xC3(";
  e.error_code = "X";
  e.error_message = "caf\xC3\xA9 \xF0\x9F\x94\x91 \xED\xA0\x80";  // é, a key emoji, a surrogate
  KMS_ASSERT_OK_AND_ASSIGN(std::string record, BuildCloudTrailRecord(e));
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(record.c_str(), record.size());
  ASSERT_FALSE(doc.HasParseError());
  const std::string agent(doc["userAgent"].GetString(), doc["userAgent"].GetStringLength());
  EXPECT_EQ(agent,
            "quote\" backslash\\ newline\n nul" + std::string(1, '\0') + " bad\xEF\xBF\xBD(");
  EXPECT_STREQ(doc["errorMessage"].GetString(),
               "caf\xC3\xA9 \xF0\x9F\x94\x91 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(CloudTrailEventTest, MakeAuditEntryFillsLookupAttributes) {
  CloudTrailEvent e = SampleEvent();
  e.principal = testing::TestRole();
  KMS_ASSERT_OK_AND_ASSIGN(AuditEntry entry, MakeAuditEntry(e));
  // The JSON is rendered when the record is read (StoredRecordTest).
  EXPECT_EQ(entry.record_json, "");
  EXPECT_EQ(entry.compact_event, EncodeCompactEvent(e));
  EXPECT_EQ(entry.event_id, e.event_id);
  EXPECT_EQ(entry.event_name, "GenerateDataKey");
  EXPECT_EQ(entry.event_source, "kms.amazonaws.com");
  EXPECT_EQ(entry.event_time, e.event_time);
  EXPECT_TRUE(entry.read_only);
  EXPECT_EQ(entry.username, "dbadmin");
  EXPECT_EQ(entry.access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(entry.account_id, kAccount);
  EXPECT_EQ(entry.region, "us-east-1");
  EXPECT_EQ(entry.resources, (std::vector<AuditResource>{{"AWS::KMS::Key", KeyArn("k1")}}));
}

TEST(CloudTrailEventTest, InvokedByDropsTheRegion) {
  EXPECT_EQ(InvokedByFromViaService("rds.us-east-1.amazonaws.com"), "rds.amazonaws.com");
  EXPECT_EQ(InvokedByFromViaService("secretsmanager.eu-west-3.amazonaws.com"),
            "secretsmanager.amazonaws.com");
  EXPECT_EQ(InvokedByFromViaService("rds.amazonaws.com"), "rds.amazonaws.com");
  EXPECT_EQ(InvokedByFromViaService("example.com"), "example.com");
}

TEST(CloudTrailEventTest, LookupUsernamePerPrincipalType) {
  EXPECT_EQ(LookupUsername(testing::TestUser("bob")), "bob");
  EXPECT_EQ(LookupUsername(testing::TestRole()), "dbadmin");
  EXPECT_EQ(LookupUsername(testing::TestRoot()), "root");
  EXPECT_EQ(LookupUsername(testing::TestService()), "rds.amazonaws.com");
}

}  // namespace
}  // namespace kms::audit
