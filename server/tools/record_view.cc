#include "record_view.h"

#include <algorithm>
#include <cstdio>

#include <rapidjson/document.h>

#include "kms/json/reader.h"

namespace kms::tools {
namespace {

using json::GetString;

// "arn:aws:iam::111122223333:user/alice" -> "111122223333:user/alice".
std::string ShortPrincipal(std::string_view arn) {
  for (std::string_view prefix : {"arn:aws:iam::", "arn:aws:sts::"}) {
    if (arn.starts_with(prefix)) return std::string(arn.substr(prefix.size()));
  }
  return std::string(arn);
}

std::string PrincipalOf(const rapidjson::Value& identity) {
  if (std::string arn = GetString(identity, "arn"); !arn.empty()) return ShortPrincipal(arn);
  if (std::string by = GetString(identity, "invokedBy"); !by.empty()) return by;
  if (std::string account = GetString(identity, "accountId"); !account.empty())
    return "account " + account;
  return "unknown";
}

// "arn:aws:kms:us-east-1:111122223333:key/1234..." -> "1234..."; an alias ARN
// -> "alias/name".
std::string KeyOf(std::string_view arn) {
  if (const size_t at = arn.find(":key/"); at != std::string_view::npos)
    return std::string(arn.substr(at + 5));
  if (const size_t at = arn.find(":alias/"); at != std::string_view::npos)
    return std::string(arn.substr(at + 1));
  return std::string(arn);
}

std::string AuthorizationLine(const rapidjson::Value& authorization) {
  std::string line = GetString(authorization, "decision");
  line.append(": ").append(GetString(authorization, "reason"));
  const std::string policy = GetString(authorization, "policy");
  const std::string statement = GetString(authorization, "statement");
  if (!policy.empty() || !statement.empty()) {
    line.append(" (").append(policy);
    if (!policy.empty() && !statement.empty()) line.append(", ");
    line.append(statement).append(")");
  }
  if (std::string delegating = GetString(authorization, "delegatingStatement"); !delegating.empty())
    line.append("; key policy delegates in ").append(delegating);
  if (std::string failed = GetString(authorization, "failedCondition"); !failed.empty())
    line.append("; first failing condition: ").append(failed);
  return line;
}

// The grant id, and who a grant is for, of the grant operations (`request`:
// the record's requestParameters, when it has them).
void ReadGrant(const rapidjson::Value& record, const rapidjson::Value* request, RecordView& view) {
  const rapidjson::Value* response = json::FindObject(record, "responseElements");
  const rapidjson::Value* additional = json::FindObject(record, "additionalEventData");
  for (const rapidjson::Value* from : {response, request, additional}) {
    if (from != nullptr && view.grant_id.empty()) view.grant_id = GetString(*from, "grantId");
  }
  if (view.operation == "CreateGrant" && request != nullptr) {
    view.detail = "to " + ShortPrincipal(GetString(*request, "granteePrincipal"));
    if (auto operations = json::FindStringList(*request, "operations")) {
      view.detail += " for";
      for (const std::string& operation : *operations) view.detail += " " + operation;
    }
  }
}

// The length of a UTF-8 sequence at text[i] that a terminal acts on rather
// than shows: a C1 control (U+0080-U+009F) or a bidirectional override or
// isolate (U+202A-U+202E, U+2066-U+2069); 0 for anything else.
size_t ControlSequenceLength(std::string_view text, size_t i) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  if (at(i) == 0xC2 && i + 1 < text.size() && at(i + 1) >= 0x80 && at(i + 1) <= 0x9F) return 2;
  if (at(i) == 0xE2 && i + 2 < text.size() &&
      ((at(i + 1) == 0x80 && at(i + 2) >= 0xAA && at(i + 2) <= 0xAE) ||
       (at(i + 1) == 0x81 && at(i + 2) >= 0xA6 && at(i + 2) <= 0xA9)))
    return 3;
  return 0;
}

}  // namespace

std::string TerminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x20 || byte == 0x7f ? 1 : ControlSequenceLength(text, i);
    if (length == 0) {
      out += text[i++];
      continue;
    }
    for (; length > 0; --length, ++i) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(text[i]));
      out += escaped;
    }
  }
  return out;
}

StatusOr<uint64_t> ForEachStored(const audit::AuditLog& log, uint64_t after, uint64_t through,
                                 const std::function<bool(const audit::AuditEntry&)>& visit) {
  while (after < through) {
    bool stopped = false;
    KMS_ASSIGN_OR_RETURN(
        const uint64_t last,
        log.ReadRecords(after, std::min<uint64_t>(kRecordsPerRead, through - after),
                        [&](uint64_t sequence, const audit::AuditEntry& entry) {
                          // Past `through` (after a gap left by pruning), or told to stop.
                          stopped = sequence > through || !visit(entry);
                          return !stopped;
                        }));
    if (last == after) break;  // nothing stored beyond
    after = std::min(last, through);
    if (stopped) break;
  }
  return after;
}

StatusOr<uint64_t> ForEachView(const audit::AuditLog& log, uint64_t after, uint64_t through,
                               const std::function<void(const RecordView&)>& visit,
                               const std::function<bool(const audit::AuditEntry&)>& wanted) {
  Status failure;
  KMS_ASSIGN_OR_RETURN(const uint64_t last,
                       ForEachStored(log, after, through, [&](const audit::AuditEntry& entry) {
                         if (wanted && !wanted(entry)) return true;
                         StatusOr<RecordView> view = ViewRecord(entry);
                         if (!view) {
                           failure = view.error();
                           return false;
                         }
                         visit(*view);
                         return true;
                       }));
  KMS_RETURN_IF_ERROR(failure);
  return last;
}

std::string CallerOf(const RecordView& view) {
  return view.invoked_by.empty() ? view.principal : view.principal + " via " + view.invoked_by;
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "OK";
    case Outcome::kDenied:
      return "DENIED";
    case Outcome::kError:
      return "ERROR";
  }
  return "ERROR";
}

StatusOr<RecordView> ViewRecord(const audit::AuditEntry& entry) {
  rapidjson::Document record;
  if (!json::ParseObject(entry.record_json, "audit record", &record).ok())
    return Error(Code::kInternal, "audit record " + entry.event_id + " is not a JSON object");
  RecordView view;
  view.time = entry.event_time;
  view.operation = entry.event_name;
  view.source = entry.event_source;
  view.account = entry.account_id;
  view.region = entry.region;
  if (const rapidjson::Value* identity = json::FindObject(record, "userIdentity")) {
    view.principal = PrincipalOf(*identity);
    // A service calling with its own credentials (AWSService) is the
    // principal, not a service acting for one.
    if (GetString(*identity, "type") != "AWSService")
      view.invoked_by = GetString(*identity, "invokedBy");
    if (view.invoked_by == audit::kAwsInternal) view.invoked_by.clear();
  }
  for (const audit::AuditResource& resource : entry.resources)
    view.keys.push_back(KeyOf(resource.name));
  static const rapidjson::Value kNoParameters(rapidjson::kObjectType);
  const rapidjson::Value* parameters = json::FindObject(record, "requestParameters");
  const rapidjson::Value& request = parameters != nullptr ? *parameters : kNoParameters;
  if (view.keys.empty()) view.requested_key = KeyOf(GetString(request, "keyId"));
  view.error_code = GetString(record, "errorCode");
  view.error_message = GetString(record, "errorMessage");
  if (!view.error_code.empty())
    view.outcome = view.error_code == "AccessDeniedException" ? Outcome::kDenied : Outcome::kError;
  if (const rapidjson::Value* additional = json::FindObject(record, "additionalEventData")) {
    if (const rapidjson::Value* authorization = json::FindObject(*additional, "kmsdAuthorization"))
      view.authorization = AuthorizationLine(*authorization);
  }
  if (view.operation == "CreateGrant" || view.operation == "RetireGrant" ||
      view.operation == "RevokeGrant")
    ReadGrant(record, parameters, view);
  if (view.operation == "CreateAlias" || view.operation == "UpdateAlias" ||
      view.operation == "DeleteAlias") {
    view.alias_name = GetString(request, "aliasName");
    view.alias_target = KeyOf(GetString(request, "targetKeyId"));
  }
  if (view.operation == "ScheduleKeyDeletion") {
    if (auto days = json::FindInt(request, "pendingWindowInDays"))
      view.detail = "in " + std::to_string(*days) + " days";
  }
  return view;
}

std::string TailLine(const RecordView& view) {
  auto padded = [](std::string_view text, size_t width) {
    std::string out = TerminalSafe(text);
    if (out.size() < width) out.append(width - out.size(), ' ');
    return out;
  };
  std::string line = FormatIso8601(view.time);
  line.append("  ").append(padded(CallerOf(view), 36));
  line.append("  ").append(padded(view.operation, 24));
  const std::string& key = !view.keys.empty() ? view.keys.front() : view.requested_key;
  line.append("  ").append(padded(key.empty() ? "-" : key, 36));
  line.append("  ").append(OutcomeName(view.outcome));
  if (!view.error_code.empty()) line.append(" ").append(padded(view.error_code, 0));
  return line;
}

}  // namespace kms::tools
