#include <string>
#include <string_view>

#include "audit_record.h"
#include "kms/json/reader.h"
#include "kms/json/writer.h"
#include "kms/server/audit/audit_event.h"
#include "kms/text.h"

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
  if (event.service_event) return kAwsInternal;
  if (!event.invoked_by.empty()) return event.invoked_by;
  if (event.principal.type == PrincipalType::kAwsService) return event.principal.arn;
  return {};
}

Status CheckFragment(std::string_view name, std::string_view fragment) {
  if (fragment.empty() || json::IsWellFormed(fragment)) return OkStatus();
  return Error(Code::kInternal, "audit: " + std::string(name) + " is not well-formed JSON");
}

void WriteRawMember(json::Writer& writer, std::string_view name, std::string_view fragment) {
  if (fragment.empty()) fragment = "null";
  writer.Key(name).Raw(fragment);
}

void WriteSessionContext(json::Writer& writer, const CloudTrailEvent& event) {
  const Principal& principal = event.principal;
  const EpochMillis created =
      event.session_creation_time != 0 ? event.session_creation_time : event.event_time;
  writer.Key("sessionContext");
  writer.StartObject();
  writer.Key("sessionIssuer");
  writer.StartObject();
  writer.Field("type", "Role");
  writer.Field("principalId", RoleIdOf(principal.principal_id));
  writer.Field("arn", principal.principal_arn);
  writer.Field("accountId", principal.account);
  writer.Field("userName", principal.user_name);
  writer.EndObject();
  writer.Key("attributes");
  writer.StartObject();
  writer.Field("creationDate", FormatIso8601(created));
  writer.Field("mfaAuthenticated", "false");
  writer.EndObject();
  writer.EndObject();
}

void WriteUserIdentity(json::Writer& writer, const CloudTrailEvent& event) {
  const Principal& principal = event.principal;
  const std::string_view invoked_by = EffectiveInvokedBy(event);
  writer.Key("userIdentity");
  writer.StartObject();
  if (event.service_event) {
    writer.Field("accountId", event.recipient_account_id);
    writer.Field("invokedBy", invoked_by);
    writer.EndObject();
    return;
  }
  writer.Field("type", PrincipalTypeName(principal.type));
  if (principal.type != PrincipalType::kAwsService) {
    writer.Field("principalId", principal.principal_id);
    writer.Field("arn", principal.arn);
    writer.Field("accountId", principal.account);
    if (!event.access_key_id.empty()) writer.Field("accessKeyId", event.access_key_id);
    if (principal.type == PrincipalType::kIamUser) {
      writer.Field("userName", principal.user_name);
    }
    if (principal.type == PrincipalType::kAssumedRole) WriteSessionContext(writer, event);
  }
  if (!invoked_by.empty()) writer.Field("invokedBy", invoked_by);
  writer.EndObject();
}

void WriteResources(json::Writer& writer, const CloudTrailEvent& event) {
  writer.Key("resources");
  writer.StartArray();
  for (const std::string& arn : event.resource_arns) {
    writer.StartObject();
    const std::string_view account = AccountOfArn(arn);
    writer.Field("accountId", account.empty() ? event.recipient_account_id : account);
    writer.Field("type", kKmsKeyResourceType);
    writer.Field("ARN", arn);
    writer.EndObject();
  }
  writer.EndArray();
}

void WriteTlsDetails(json::Writer& writer, const TlsDetails& tls) {
  writer.Key("tlsDetails");
  writer.StartObject();
  writer.Field("tlsVersion", tls.tls_version);
  writer.Field("cipherSuite", tls.cipher_suite);
  writer.Field("clientProvidedHostHeader", tls.client_provided_host_header);
  writer.EndObject();
}

// The members from eventTime to additionalEventData.
void WriteCallMembers(json::Writer& writer, const CloudTrailEvent& event) {
  const std::string_view invoked_by = EffectiveInvokedBy(event);
  writer.Field("eventTime", FormatIso8601(event.event_time));
  writer.Field("eventSource", event.event_source);
  writer.Field("eventName", event.event_name);
  writer.Field("awsRegion", event.region);
  writer.Field("sourceIPAddress",
               invoked_by.empty() ? std::string_view(event.source_ip_address) : invoked_by);
  writer.Field("userAgent",
               TruncateUtf8(invoked_by.empty() ? std::string_view(event.user_agent) : invoked_by,
                            kMaxRecordedText));
  if (!event.error_code.empty()) {
    writer.Field("errorCode", event.error_code);
    if (!event.error_message.empty()) {
      writer.Field("errorMessage", TruncateUtf8(event.error_message, kMaxRecordedText));
    }
  }
  WriteRawMember(writer, "requestParameters", event.request_parameters);
  WriteRawMember(writer, "responseElements", event.response_elements);
  if (!event.additional_event_data.empty()) {
    WriteRawMember(writer, "additionalEventData", event.additional_event_data);
  }
}

Status CheckFragments(const CloudTrailEvent& event) {
  KMS_RETURN_IF_ERROR(CheckFragment("requestParameters", event.request_parameters));
  KMS_RETURN_IF_ERROR(CheckFragment("responseElements", event.response_elements));
  return CheckFragment("additionalEventData", event.additional_event_data);
}

}  // namespace

StatusOr<std::string> BuildCloudTrailRecord(const CloudTrailEvent& event) {
  KMS_RETURN_IF_ERROR(CheckFragments(event));
  // A GenerateDataKey record takes about 1.3 KB.
  json::Writer writer(/*capacity=*/2048);
  writer.StartObject();
  writer.Field("eventVersion", kEventVersion);
  WriteUserIdentity(writer, event);
  WriteCallMembers(writer, event);
  if (!event.service_event) writer.Field("requestID", event.request_id);
  writer.Field("eventID", event.event_id);
  writer.Key("readOnly");
  writer.Bool(event.read_only);
  if (!event.resource_arns.empty()) WriteResources(writer, event);
  writer.Field("eventType", event.service_event ? "AwsServiceEvent" : "AwsApiCall");
  writer.Key("managementEvent");
  writer.Bool(true);
  writer.Field("recipientAccountId", event.recipient_account_id);
  writer.Field("eventCategory", "Management");
  if (event.tls_details) WriteTlsDetails(writer, *event.tls_details);
  writer.EndObject();
  return writer.Take();
}

StatusOr<AuditEntry> MakeAuditEntry(const CloudTrailEvent& event) {
  KMS_RETURN_IF_ERROR(CheckFragments(event));
  AuditEntry entry = LookupAttributesOf(event);
  entry.compact_event = EncodeCompactEvent(event);
  return entry;
}

AuditEntry LookupAttributesOf(const CloudTrailEvent& event) {
  AuditEntry entry;
  entry.event_id = event.event_id;
  entry.event_name = event.event_name;
  entry.event_source = event.event_source;
  entry.event_time = event.event_time;
  entry.read_only = event.read_only;
  if (!event.service_event) {
    entry.username = LookupUsername(event.principal);
    entry.access_key_id = event.access_key_id;
  }
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
