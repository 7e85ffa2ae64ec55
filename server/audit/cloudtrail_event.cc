#include <string>
#include <string_view>

#include "kms/audit_event.h"
#include "server/audit/json_util.h"

namespace kms::audit {
namespace {

constexpr std::string_view kEventVersion = "1.11";
constexpr std::string_view kAmazonAwsSuffix = ".amazonaws.com";

// The account field of "arn:partition:service:region:account:resource", or
// empty when `arn` has no such field.
std::string_view AccountOfArn(std::string_view arn) {
  size_t start = 0;
  for (int field = 0; field < 4; ++field) {
    start = arn.find(':', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  const size_t end = arn.find(':', start);
  if (end == std::string_view::npos) return {};
  return arn.substr(start, end - start);
}

// "AROAEXAMPLE" of an assumed role's principal id "AROAEXAMPLE:session".
std::string_view RoleIdOf(std::string_view principal_id) {
  return principal_id.substr(0, principal_id.find(':'));
}

// The service that made the call, if any: the explicit invoked_by, or the
// principal itself when it is a service.
std::string_view EffectiveInvokedBy(const CloudTrailEvent& event) {
  if (!event.invoked_by.empty()) return event.invoked_by;
  if (event.principal.type == PrincipalType::kAwsService) return event.principal.arn;
  return {};
}

Status CheckFragment(std::string_view name, std::string_view fragment) {
  if (fragment.empty() || IsWellFormedJson(fragment)) return OkStatus();
  return Error(Code::kInternal, "audit: " + std::string(name) + " is not well-formed JSON");
}

void WriteRawMember(JsonWriter& writer, std::string_view name, std::string_view fragment) {
  if (fragment.empty()) fragment = "null";
  writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  writer.RawValue(fragment.data(), fragment.size(), rapidjson::kObjectType);
}

void WriteSessionContext(JsonWriter& writer, const CloudTrailEvent& event) {
  const Principal& principal = event.principal;
  const EpochMillis created =
      event.session_creation_time != 0 ? event.session_creation_time : event.event_time;
  writer.Key("sessionContext");
  writer.StartObject();
  writer.Key("sessionIssuer");
  writer.StartObject();
  WriteMember(writer, "type", "Role");
  WriteMember(writer, "principalId", RoleIdOf(principal.principal_id));
  WriteMember(writer, "arn", principal.principal_arn);
  WriteMember(writer, "accountId", principal.account);
  WriteMember(writer, "userName", principal.user_name);
  writer.EndObject();
  writer.Key("attributes");
  writer.StartObject();
  WriteMember(writer, "creationDate", FormatIso8601(created));
  WriteMember(writer, "mfaAuthenticated", "false");
  writer.EndObject();
  writer.EndObject();
}

void WriteUserIdentity(JsonWriter& writer, const CloudTrailEvent& event) {
  const Principal& principal = event.principal;
  const std::string_view invoked_by = EffectiveInvokedBy(event);
  writer.Key("userIdentity");
  writer.StartObject();
  WriteMember(writer, "type", PrincipalTypeName(principal.type));
  if (principal.type != PrincipalType::kAwsService) {
    WriteMember(writer, "principalId", principal.principal_id);
    WriteMember(writer, "arn", principal.arn);
    WriteMember(writer, "accountId", principal.account);
    if (!event.access_key_id.empty()) WriteMember(writer, "accessKeyId", event.access_key_id);
    if (principal.type == PrincipalType::kIamUser) {
      WriteMember(writer, "userName", principal.user_name);
    }
    if (principal.type == PrincipalType::kAssumedRole) WriteSessionContext(writer, event);
  }
  if (!invoked_by.empty()) WriteMember(writer, "invokedBy", invoked_by);
  writer.EndObject();
}

void WriteResources(JsonWriter& writer, const CloudTrailEvent& event) {
  writer.Key("resources");
  writer.StartArray();
  for (const std::string& arn : event.resource_arns) {
    writer.StartObject();
    const std::string_view account = AccountOfArn(arn);
    WriteMember(writer, "accountId", account.empty() ? event.recipient_account_id : account);
    WriteMember(writer, "type", kKmsKeyResourceType);
    WriteMember(writer, "ARN", arn);
    writer.EndObject();
  }
  writer.EndArray();
}

void WriteTlsDetails(JsonWriter& writer, const TlsDetails& tls) {
  writer.Key("tlsDetails");
  writer.StartObject();
  WriteMember(writer, "tlsVersion", tls.tls_version);
  WriteMember(writer, "cipherSuite", tls.cipher_suite);
  WriteMember(writer, "clientProvidedHostHeader", tls.client_provided_host_header);
  writer.EndObject();
}

// The members from eventTime to additionalEventData.
void WriteCallMembers(JsonWriter& writer, const CloudTrailEvent& event) {
  const std::string_view invoked_by = EffectiveInvokedBy(event);
  WriteMember(writer, "eventTime", FormatIso8601(event.event_time));
  WriteMember(writer, "eventSource", event.event_source);
  WriteMember(writer, "eventName", event.event_name);
  WriteMember(writer, "awsRegion", event.region);
  WriteMember(writer, "sourceIPAddress",
              invoked_by.empty() ? std::string_view(event.source_ip_address) : invoked_by);
  WriteMember(writer, "userAgent",
              TruncateUtf8(invoked_by.empty() ? std::string_view(event.user_agent) : invoked_by, kMaxRecordedText));
  if (!event.error_code.empty()) {
    WriteMember(writer, "errorCode", event.error_code);
    if (!event.error_message.empty()) {
      WriteMember(writer, "errorMessage", TruncateUtf8(event.error_message, kMaxRecordedText));
    }
  }
  WriteRawMember(writer, "requestParameters", event.request_parameters);
  WriteRawMember(writer, "responseElements", event.response_elements);
  if (!event.additional_event_data.empty()) {
    WriteRawMember(writer, "additionalEventData", event.additional_event_data);
  }
}

}  // namespace

StatusOr<std::string> BuildCloudTrailRecord(const CloudTrailEvent& event) {
  KMS_RETURN_IF_ERROR(CheckFragment("requestParameters", event.request_parameters));
  KMS_RETURN_IF_ERROR(CheckFragment("responseElements", event.response_elements));
  KMS_RETURN_IF_ERROR(CheckFragment("additionalEventData", event.additional_event_data));

  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  WriteMember(writer, "eventVersion", kEventVersion);
  WriteUserIdentity(writer, event);
  WriteCallMembers(writer, event);
  WriteMember(writer, "requestID", event.request_id);
  WriteMember(writer, "eventID", event.event_id);
  writer.Key("readOnly");
  writer.Bool(event.read_only);
  if (!event.resource_arns.empty()) WriteResources(writer, event);
  WriteMember(writer, "eventType", "AwsApiCall");
  writer.Key("managementEvent");
  writer.Bool(true);
  WriteMember(writer, "recipientAccountId", event.recipient_account_id);
  WriteMember(writer, "eventCategory", "Management");
  if (event.tls_details) WriteTlsDetails(writer, *event.tls_details);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

StatusOr<AuditEntry> MakeAuditEntry(const CloudTrailEvent& event) {
  AuditEntry entry;
  KMS_ASSIGN_OR_RETURN(entry.record_json, BuildCloudTrailRecord(event));
  entry.event_id = event.event_id;
  entry.event_name = event.event_name;
  entry.event_source = event.event_source;
  entry.event_time = event.event_time;
  entry.read_only = event.read_only;
  entry.username = LookupUsername(event.principal);
  entry.access_key_id = event.access_key_id;
  entry.account_id = event.recipient_account_id;
  entry.region = event.region;
  for (const std::string& arn : event.resource_arns) {
    entry.resources.push_back({std::string(kKmsKeyResourceType), arn});
  }
  return entry;
}

std::string InvokedByFromViaService(std::string_view via_service) {
  if (!via_service.ends_with(kAmazonAwsSuffix)) return std::string(via_service);
  const std::string_view host = via_service.substr(0, via_service.size() - kAmazonAwsSuffix.size());
  const size_t dot = host.find('.');
  if (dot == std::string_view::npos) return std::string(via_service);
  return std::string(host.substr(0, dot)) + std::string(kAmazonAwsSuffix);
}

std::string LookupUsername(const Principal& principal) {
  switch (principal.type) {
    case PrincipalType::kIamUser:
      return principal.user_name;
    case PrincipalType::kAssumedRole:
      return principal.session_name;
    case PrincipalType::kRoot:
      return "root";
    case PrincipalType::kAwsService:
      return principal.arn;
  }
  return principal.user_name;
}

}  // namespace kms::audit
