// The LookupEvents request and response bodies (awsJson1_1).
#include <array>
#include <cmath>
#include <string>

#include <rapidjson/document.h>

#include "kms/json/reader.h"
#include "kms/json/writer.h"
#include "kms/server/audit/audit_lookup.h"
#include "kms/text.h"

namespace kms::audit {
namespace {

using rapidjson::Value;

// 9999-12-31T23:59:59Z, the last second a CloudTrail timestamp can name.
constexpr double kMaxEpochSeconds = 253402300799.0;

constexpr std::array<std::string_view, 8> kAttributeKeyNames = {
    "EventId",      "EventName",    "ReadOnly",    "Username",
    "ResourceType", "ResourceName", "EventSource", "AccessKeyId",
};

std::unexpected<Status> WrongType(std::string_view member, std::string_view expected) {
  return Error(Code::kSerialization,
               "Member " + std::string(member) + " must be " + std::string(expected) + ".");
}

// The member `name` of `object`, or nullptr when absent or null.
const Value* FindMember(const Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

StatusOr<LookupAttribute> ParseAttribute(const Value& item) {
  if (!item.IsObject()) return WrongType("LookupAttributes", "a list of structures");
  const Value* key = FindMember(item, "AttributeKey");
  const Value* value = FindMember(item, "AttributeValue");
  if (key == nullptr) return Error(Code::kInvalidLookupAttributes, "AttributeKey is required.");
  if (value == nullptr) return Error(Code::kInvalidLookupAttributes, "AttributeValue is required.");
  if (!key->IsString()) return WrongType("AttributeKey", "a string");
  if (!value->IsString()) return WrongType("AttributeValue", "a string");
  const std::string_view name(key->GetString(), key->GetStringLength());
  const std::optional<LookupAttributeKey> parsed = ParseLookupAttributeKey(name);
  if (!parsed) {
    return Error(Code::kInvalidLookupAttributes,
                 "AttributeKey '" + SanitizeUtf8(name) +
                     "' is not valid. Valid keys are EventId, EventName, ReadOnly, Username, "
                     "ResourceType, ResourceName, EventSource and AccessKeyId.");
  }
  return LookupAttribute{*parsed, std::string(value->GetString(), value->GetStringLength())};
}

Status ParseAttributes(const Value& body, LookupEventsQuery& query) {
  const Value* list = FindMember(body, "LookupAttributes");
  if (list == nullptr) return OkStatus();
  if (!list->IsArray()) return WrongType("LookupAttributes", "a list");
  if (list->Size() > 1) {
    return Error(Code::kInvalidLookupAttributes, "LookupAttributes can contain only one item.");
  }
  if (list->Size() == 1) {
    KMS_ASSIGN_OR_RETURN(query.attribute, ParseAttribute((*list)[0]));
  }
  return OkStatus();
}

// Epoch seconds in any JSON number form; nullopt when absent.
StatusOr<std::optional<double>> ParseSeconds(const Value& body, const char* name) {
  const Value* value = FindMember(body, name);
  if (value == nullptr) return std::optional<double>();
  if (!value->IsNumber()) return WrongType(name, "a timestamp (epoch seconds)");
  const double seconds = value->GetDouble();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxEpochSeconds) {
    return Error(Code::kInvalidTimeRange,
                 std::string(name) + " is outside the range of possible values.");
  }
  return std::optional<double>(seconds);
}

// Event times are whole seconds, so bounds round inwards to whole seconds.
Status ParseTimeRange(const Value& body, LookupEventsQuery& query) {
  KMS_ASSIGN_OR_RETURN(std::optional<double> start, ParseSeconds(body, "StartTime"));
  KMS_ASSIGN_OR_RETURN(std::optional<double> end, ParseSeconds(body, "EndTime"));
  if (start && end && *start > *end) {
    return Error(Code::kInvalidTimeRange, "StartTime must not be after EndTime.");
  }
  if (start) query.start_time = static_cast<EpochMillis>(std::ceil(*start)) * 1000;
  if (end) query.end_time = static_cast<EpochMillis>(std::floor(*end)) * 1000;
  return OkStatus();
}

Status ParseMaxResults(const Value& body, LookupEventsQuery& query) {
  const Value* value = FindMember(body, "MaxResults");
  if (value == nullptr) return OkStatus();
  if (!value->IsNumber()) return WrongType("MaxResults", "an integer");
  const double number = value->GetDouble();
  if (number != std::floor(number) || number < 1 || number > kMaxLookupMaxResults) {
    return Error(Code::kInvalidMaxResults, "MaxResults must be between 1 and 50.");
  }
  query.max_results = static_cast<int>(number);
  return OkStatus();
}

Status ParseCategoryAndToken(const Value& body, LookupEventsQuery& query) {
  if (const Value* category = FindMember(body, "EventCategory")) {
    if (!category->IsString()) return WrongType("EventCategory", "a string");
    if (std::string_view(category->GetString(), category->GetStringLength()) != "insight") {
      return Error(Code::kInvalidEventCategory, "EventCategory must be 'insight'.");
    }
    query.insight_events = true;
  }
  if (const Value* token = FindMember(body, "NextToken")) {
    if (!token->IsString()) return WrongType("NextToken", "a string");
    query.next_token.assign(token->GetString(), token->GetStringLength());
  }
  return OkStatus();
}

void WriteEvent(json::Writer& writer, const LookupEvent& event) {
  writer.StartObject();
  writer.Field("EventId", event.event_id);
  writer.Field("EventName", event.event_name);
  writer.Field("ReadOnly", event.read_only ? "true" : "false");
  if (!event.access_key_id.empty()) writer.Field("AccessKeyId", event.access_key_id);
  writer.Int("EventTime", event.event_time >= 0 ? event.event_time / 1000 : 0);
  writer.Field("EventSource", event.event_source);
  if (!event.username.empty()) writer.Field("Username", event.username);
  writer.Key("Resources");
  writer.StartArray();
  for (const AuditResource& resource : event.resources) {
    writer.StartObject();
    writer.Field("ResourceType", resource.type);
    writer.Field("ResourceName", resource.name);
    writer.EndObject();
  }
  writer.EndArray();
  writer.Field("CloudTrailEvent", event.cloudtrail_event);
  writer.EndObject();
}

}  // namespace

std::string_view LookupAttributeKeyName(LookupAttributeKey key) {
  return kAttributeKeyNames[static_cast<size_t>(key)];
}

std::optional<LookupAttributeKey> ParseLookupAttributeKey(std::string_view name) {
  for (size_t i = 0; i < kAttributeKeyNames.size(); ++i) {
    if (kAttributeKeyNames[i] == name) return static_cast<LookupAttributeKey>(i);
  }
  return std::nullopt;
}

Status ValidateLookupEventsQuery(const LookupEventsQuery& query) {
  if (query.attribute) {
    const size_t length = CountCodePoints(query.attribute->value);
    if (length < 1 || length > kMaxLookupAttributeValueLength) {
      return Error(Code::kInvalidLookupAttributes,
                   "AttributeValue must be between 1 and 2000 characters long.");
    }
  }
  if (query.max_results < 1 || query.max_results > kMaxLookupMaxResults) {
    return Error(Code::kInvalidMaxResults, "MaxResults must be between 1 and 50.");
  }
  return OkStatus();
}

StatusOr<LookupEventsQuery> ParseLookupEventsRequest(std::string_view json) {
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) json = "{}";
  rapidjson::Document body;
  constexpr JsonTextLimits kLimits{.max_depth = 8, .max_members = 1000};
  if (!json::Parse(json, kLimits, &body).ok() || !body.IsObject()) {
    return Error(Code::kSerialization, "The request body is not a JSON object.");
  }
  LookupEventsQuery query;
  KMS_RETURN_IF_ERROR(ParseAttributes(body, query));
  KMS_RETURN_IF_ERROR(ParseTimeRange(body, query));
  KMS_RETURN_IF_ERROR(ParseMaxResults(body, query));
  KMS_RETURN_IF_ERROR(ParseCategoryAndToken(body, query));
  KMS_RETURN_IF_ERROR(ValidateLookupEventsQuery(query));
  return query;
}

std::string SerializeLookupEventsResponse(const LookupEventsResult& result) {
  json::Writer writer;
  writer.StartObject();
  writer.Key("Events");
  writer.StartArray();
  for (const LookupEvent& event : result.events) WriteEvent(writer, event);
  writer.EndArray();
  if (!result.next_token.empty()) writer.Field("NextToken", result.next_token);
  writer.EndObject();
  return writer.Take();
}

}  // namespace kms::audit
