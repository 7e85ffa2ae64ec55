// CloudTrail records for KMS calls: the pure builder the API layer uses to turn
// one call (allowed, denied or failed) into the JSON record that AuditLog stores,
// together with the attributes LookupEvents filters on.
#ifndef KMS_SERVER_AUDIT_AUDIT_EVENT_H_
#define KMS_SERVER_AUDIT_AUDIT_EVENT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kms/clock.h"
#include "kms/principal.h"
#include "kms/status.h"

namespace kms::audit {

inline constexpr std::string_view kKmsEventSource = "kms.amazonaws.com";
// eventSource of the records of CloudTrail's own calls (LookupEvents).
inline constexpr std::string_view kCloudTrailEventSource = "cloudtrail.amazonaws.com";
inline constexpr std::string_view kKmsKeyResourceType = "AWS::KMS::Key";
// invokedBy, sourceIPAddress and userAgent of a service event.
inline constexpr std::string_view kAwsInternal = "AWS Internal";
// The most bytes of an errorMessage or userAgent a record keeps (a validation
// message echoes the caller's values; a User-Agent is the caller's to choose):
// longer ones are cut, ending in "...", as CloudTrail cuts fields.
inline constexpr size_t kMaxRecordedText = 1024;

// The record's tlsDetails, when the API layer knows them.
struct TlsDetails {
  std::string tls_version;                  // "TLSv1.3"
  std::string cipher_suite;                 // "TLS_AES_128_GCM_SHA256"
  std::string client_provided_host_header;  // "kms.us-east-1.amazonaws.com"
};

// Everything a CloudTrail record says about one call. The API layer guarantees
// that nothing here holds plaintext, key material or ciphertext blobs.
struct CloudTrailEvent {
  std::string event_name;  // the operation, "GenerateDataKey"
  std::string event_source = std::string(kKmsEventSource);
  std::string region;  // awsRegion, from the SigV4 credential scope
  EpochMillis event_time = 0;
  Principal principal;
  std::string access_key_id;
  std::string source_ip_address;
  std::string user_agent;
  // The service that made the call on the principal's behalf, as
  // userIdentity.invokedBy shows it ("rds.amazonaws.com"); empty for direct
  // calls. When set, sourceIPAddress and userAgent are this name, as AWS writes
  // them. See InvokedByFromViaService().
  std::string invoked_by;
  // sessionContext.attributes.creationDate of an assumed-role session; the
  // event time when 0.
  EpochMillis session_creation_time = 0;
  // Serialized JSON values, copied into the record unchanged. Empty means null.
  std::string request_parameters;
  std::string response_elements;
  // Serialized JSON value; the member is left out when empty.
  std::string additional_event_data;
  // Both empty on success; on failure the exception name and its message.
  std::string error_code;
  std::string error_message;
  std::string request_id;  // the response's x-amzn-RequestId
  std::string event_id;    // a fresh UUID per record
  bool read_only = false;
  std::vector<std::string> resource_arns;  // key ARNs the call touched
  std::string recipient_account_id;        // the account whose log holds the record
  // An AwsServiceEvent: a change KMS made by itself (the maintenance sweep's
  // deletions and rotations), with userIdentity {accountId, invokedBy "AWS
  // Internal"}, no principal, access key or request id.
  bool service_event = false;
  std::optional<TlsDetails> tls_details;
};

// A resource as LookupEvents reports it.
struct AuditResource {
  std::string type;  // "AWS::KMS::Key"
  std::string name;  // the key ARN

  friend bool operator==(const AuditResource&, const AuditResource&) = default;
};

// One record as AuditLog stores it: the CloudTrail JSON plus the attributes
// that LookupEvents filters on and returns. account_id and region scope the
// record: LookupEvents shows it only to callers of that account and region.
struct AuditEntry {
  // The CloudTrail JSON. An entry that MakeAuditEntry made holds the event in
  // `compact_event` instead, and leaves this empty: the JSON is rendered from
  // it when the record is read (AuditLog's readers always fill this in).
  std::string record_json;
  // The call's CloudTrailEvent in the stored compact form (audit_record.h),
  // or empty when `record_json` is the record.
  std::string compact_event;
  std::string event_id;
  std::string event_name;
  std::string event_source;
  EpochMillis event_time = 0;
  bool read_only = false;
  std::string username;
  std::string access_key_id;
  std::string account_id;  // recipientAccountId
  std::string region;      // awsRegion
  std::vector<AuditResource> resources;

  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

// The CloudTrail JSON record of `event`, members in AWS's order (eventVersion
// "1.11", userIdentity, eventTime, ..., eventCategory "Management"; resources
// only when the call named keys, tlsDetails only when given). Strings
// are escaped by a JSON writer; bytes that are not UTF-8 become U+FFFD. The
// JSON fragments are copied unchanged; kInternal if one is not well-formed
// JSON (a bug in the caller, never client input).
StatusOr<std::string> BuildCloudTrailRecord(const CloudTrailEvent& event);

// The record of `event` and its lookup attributes, ready for AuditLog::Append:
// the event in its compact form (rendered to JSON when read, which is cheaper
// than rendering each call's). Errors as BuildCloudTrailRecord: the JSON
// fragments are checked now, so that every stored record renders.
StatusOr<AuditEntry> MakeAuditEntry(const CloudTrailEvent& event);

// The lookup attributes of `event`'s record: an AuditEntry with neither its
// JSON nor its compact event.
AuditEntry LookupAttributesOf(const CloudTrailEvent& event);

// userIdentity.invokedBy for a kms:ViaService value:
// "rds.us-east-1.amazonaws.com" -> "rds.amazonaws.com". Other names unchanged.
std::string InvokedByFromViaService(std::string_view via_service);

// LookupEvents' Username for a principal: the user name of an IAM user, the
// session name of an assumed role, "root" for the account root, the service
// name of a service principal.
std::string LookupUsername(const Principal& principal);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_EVENT_H_
