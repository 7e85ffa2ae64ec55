// CloudTrail LookupEvents: the typed query, its result, and the JSON codec for
// the awsJson1_1 request and response bodies (botocore cloudtrail 2013-11-01).
#ifndef KMS_SERVER_AUDIT_AUDIT_LOOKUP_H_
#define KMS_SERVER_AUDIT_AUDIT_LOOKUP_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kms/clock.h"
#include "kms/server/audit/audit_event.h"
#include "kms/status.h"

namespace kms::audit {

inline constexpr int kDefaultLookupMaxResults = 50;
inline constexpr int kMaxLookupMaxResults = 50;
inline constexpr size_t kMaxLookupAttributeValueLength = 2000;  // characters

// The LookupAttributeKey enum, in the model's order.
enum class LookupAttributeKey {
  kEventId,
  kEventName,
  kReadOnly,
  kUsername,
  kResourceType,
  kResourceName,
  kEventSource,
  kAccessKeyId,
};

// "EventId", ... as on the wire.
std::string_view LookupAttributeKeyName(LookupAttributeKey key);
// The key named `name` (exact, case-sensitive), or nullopt.
std::optional<LookupAttributeKey> ParseLookupAttributeKey(std::string_view name);

struct LookupAttribute {
  LookupAttributeKey key = LookupAttributeKey::kEventName;
  std::string value;  // matched exactly; ReadOnly matches "true" or "false"

  friend bool operator==(const LookupAttribute&, const LookupAttribute&) = default;
};

// Whose events a caller sees: CloudTrail shows an account's events of one
// region. Filled by the API layer from the caller, never from the request.
struct LookupScope {
  std::string account_id;
  std::string region;
};

struct LookupEventsQuery {
  std::optional<LookupAttribute> attribute;
  // Inclusive bounds on the event time. Event times count in whole seconds, as
  // eventTime shows them. A start after the end matches nothing (the parser
  // refuses StartTime after EndTime).
  std::optional<EpochMillis> start_time;
  std::optional<EpochMillis> end_time;
  // EventCategory "insight": kmsd records no Insights events, so the result is
  // always empty.
  bool insight_events = false;
  int max_results = kDefaultLookupMaxResults;
  // From a previous result of the same scope and the same attribute, times and
  // category; MaxResults may change between pages.
  std::string next_token;
};

// One LookupEvents Event.
struct LookupEvent {
  std::string event_id;
  std::string event_name;
  bool read_only = false;
  std::string access_key_id;
  EpochMillis event_time = 0;
  std::string event_source;
  std::string username;
  std::vector<AuditResource> resources;
  std::string cloudtrail_event;  // the stored JSON record
};

struct LookupEventsResult {
  std::vector<LookupEvent> events;  // newest first
  std::string next_token;           // empty on the last page
};

// Checks a typed query as the service does: kInvalidLookupAttributes for an
// attribute value of fewer than 1 or more than 2000 characters,
// kInvalidMaxResults unless 1 <= max_results <= 50. Used by
// ParseLookupEventsRequest and by AuditLog::LookupEvents.
Status ValidateLookupEventsQuery(const LookupEventsQuery& query);

// Parses a LookupEvents request body (an empty body is `{}`). Members:
// LookupAttributes (at most one {AttributeKey, AttributeValue}), StartTime and
// EndTime (epoch seconds: integer, decimal or exponent form; rounded inwards to
// whole seconds), EventCategory, MaxResults, NextToken; null members are absent
// and unknown members are ignored. Errors:
//   kSerialization            body is not a JSON object, or a member has the wrong JSON type;
//   kInvalidLookupAttributes  more than one attribute, a missing or unknown
//                             AttributeKey, a missing or over-long AttributeValue;
//   kInvalidTimeRange         StartTime after EndTime, or a time outside years 1970..9999;
//   kInvalidMaxResults        MaxResults not an integer in 1..50;
//   kInvalidEventCategory     EventCategory other than "insight".
// The NextToken is checked later, by AuditLog::LookupEvents.
StatusOr<LookupEventsQuery> ParseLookupEventsRequest(std::string_view json);

// The response body {"Events":[...],"NextToken"?}: ReadOnly as "true"/"false",
// EventTime in epoch seconds, CloudTrailEvent as a JSON string. Empty
// AccessKeyId and Username are left out.
std::string SerializeLookupEventsResponse(const LookupEventsResult& result);

}  // namespace kms::audit

#endif  // KMS_SERVER_AUDIT_AUDIT_LOOKUP_H_
