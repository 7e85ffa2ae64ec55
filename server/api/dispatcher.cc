#include "dispatcher.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "errors.h"
#include "handlers.h"
#include "json_out.h"
#include "kms/server/crypto/ciphertext_blob.h"
#include "kms/server/log/log.h"
#include "kms/server/metrics/metrics.h"
#include "operational_endpoints.h"
#include "request_parameters.h"
#include "request_reader.h"

namespace kms::api {
namespace {

constexpr std::string_view kKmsTargetPrefix = "TrentService.";
// kmsd's own administrative operations (policy explanations).
constexpr std::string_view kAdminTargetPrefix = "KmsdAdmin.";
// botocore sends com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents,
// the JS SDK CloudTrail_20131101.LookupEvents.
constexpr std::string_view kCloudTrailService = "CloudTrail_20131101";

// additionalEventData: kmsd's authorization explanation (the deciding
// statement and first failing condition), then what CloudTrail itself adds.
std::string AdditionalEventData(const keys::CallTrace& trace) {
  if (!trace.decision && trace.key_material_id.empty() && trace.retired_grant_id.empty()) return {};
  const bool reencrypt = !trace.destination_key_material_id.empty();
  JsonOut out;
  out.StartObject();
  if (trace.decision) {
    const policy::Decision& decision = *trace.decision;
    out.Key("kmsdAuthorization").StartObject();
    out.Field("decision", decision.allowed ? "Allow" : "Deny");
    out.Field("reason", policy::ReasonName(decision.reason));
    if (!decision.deciding_policy.empty()) out.Field("policy", decision.deciding_policy);
    if (!decision.deciding_statement.empty()) out.Field("statement", decision.deciding_statement);
    if (!decision.delegating_statement.empty())
      out.Field("delegatingStatement", decision.delegating_statement);
    if (!decision.failed_condition.empty()) out.Field("failedCondition", decision.failed_condition);
    out.EndObject();
  }
  if (reencrypt) {
    out.Field("sourceKeyMaterialId", trace.key_material_id);
    out.Field("destinationKeyMaterialId", trace.destination_key_material_id);
  } else if (!trace.key_material_id.empty()) {
    out.Field("keyMaterialId", trace.key_material_id);
  }
  if (!trace.retired_grant_id.empty()) out.Field("grantId", trace.retired_grant_id);
  out.EndObject();
  return out.Take();
}

// What a caller is told when its record could not be stored: the log's
// condition when it is one a client can act on, nothing internal otherwise.
Status AnswerForUnrecordedCall(const Status& failure) {
  switch (failure.code()) {
    case Code::kThrottling:
      return Status(Code::kThrottling, "Rate exceeded");
    case Code::kStoreFull:
      return Status(Code::kStoreFull, "The audit log is full; see docs/limits.md");
    default:
      return Status(Code::kInternal,
                    "kmsd could not store the call's audit record, so the call had no effect; "
                    "see the server's log");
  }
}

// "Success", or the error type a response carries in its __type.
std::string_view OutcomeOf(const http::Response& response) {
  if (response.status == 200) return "Success";
  constexpr std::string_view kType = "\"__type\":\"";
  const std::string_view body = response.body;
  const size_t start = body.find(kType);
  if (start == std::string_view::npos) return "Unknown";
  const size_t from = start + kType.size();
  return body.substr(from, body.find('"', from) - from);
}

}  // namespace

http::Response JsonResponse(int status, std::string body, const std::string& request_id) {
  http::Response response;
  response.status = status;
  response.headers = {{"x-amzn-RequestId", request_id},
                      {"Content-Type", "application/x-amz-json-1.1"},
                      {"Date", FormatHttpDate(SystemClock::Get().NowMillis())}};
  response.body = std::move(body);
  return response;
}

http::Response ErrorResponse(const Status& status, const std::string& request_id) {
  return JsonResponse(HttpStatusFor(status.code()), ErrorBody(status), request_id);
}

Dispatcher::Dispatcher(const Services& services, const auth::Authenticator& authenticator,
                       audit::AuditLog* audit)
    : services_(services), authenticator_(authenticator), audit_(audit) {
  operations_ = {
      {"CreateKey", {&CreateKey, false}},
      {"DescribeKey", {&DescribeKey, true}},
      {"ListKeys", {&ListKeys, true}},
      {"UpdateKeyDescription", {&UpdateKeyDescription, false}},
      {"EnableKey", {&EnableKey, false}},
      {"DisableKey", {&DisableKey, false}},
      {"ScheduleKeyDeletion", {&ScheduleKeyDeletion, false}},
      {"CancelKeyDeletion", {&CancelKeyDeletion, false}},
      {"EnableKeyRotation", {&EnableKeyRotation, false}},
      {"DisableKeyRotation", {&DisableKeyRotation, false}},
      {"GetKeyRotationStatus", {&GetKeyRotationStatus, true}},
      {"RotateKeyOnDemand", {&RotateKeyOnDemand, false}},
      {"ListKeyRotations", {&ListKeyRotations, true}},
      {"CreateCustomKeyStore", {&CreateCustomKeyStore, false}},
      {"DescribeCustomKeyStores", {&DescribeCustomKeyStores, true}},
      {"ConnectCustomKeyStore", {&ConnectCustomKeyStore, false}},
      {"DisconnectCustomKeyStore", {&DisconnectCustomKeyStore, false}},
      {"DeleteCustomKeyStore", {&DeleteCustomKeyStore, false}},
      {"UpdateCustomKeyStore", {&UpdateCustomKeyStore, false}},
      {"GetParametersForImport", {&GetParametersForImport, false}},
      {"ImportKeyMaterial", {&ImportKeyMaterial, false}},
      {"DeleteImportedKeyMaterial", {&DeleteImportedKeyMaterial, false}},
      {"ReplicateKey", {&ReplicateKey, false}},
      {"UpdatePrimaryRegion", {&UpdatePrimaryRegion, false}},
      {"TagResource", {&TagResource, false}},
      {"UntagResource", {&UntagResource, false}},
      {"ListResourceTags", {&ListResourceTags, true}},
      {"GetKeyPolicy", {&GetKeyPolicy, true}},
      {"PutKeyPolicy", {&PutKeyPolicy, false}},
      {"ListKeyPolicies", {&ListKeyPolicies, true}},
      {"CreateAlias", {&CreateAlias, false}},
      {"UpdateAlias", {&UpdateAlias, false}},
      {"DeleteAlias", {&DeleteAlias, false}},
      {"ListAliases", {&ListAliases, true}},
      {"Encrypt", {&Encrypt, true}},
      {"Decrypt", {&Decrypt, true}},
      {"ReEncrypt", {&ReEncrypt, true}},
      {"GenerateDataKey", {&GenerateDataKey, true}},
      {"GenerateDataKeyWithoutPlaintext", {&GenerateDataKeyWithoutPlaintext, true}},
      {"GenerateRandom", {&GenerateRandom, true}},
      {"Sign", {&Sign, true}},
      {"Verify", {&Verify, true}},
      {"GetPublicKey", {&GetPublicKey, true}},
      {"DeriveSharedSecret", {&DeriveSharedSecret, true}},
      {"GenerateDataKeyPair", {&GenerateDataKeyPair, true}},
      {"GenerateDataKeyPairWithoutPlaintext", {&GenerateDataKeyPairWithoutPlaintext, true}},
      {"GenerateMac", {&GenerateMac, true}},
      {"VerifyMac", {&VerifyMac, true}},
      {"CreateGrant", {&CreateGrant, false}},
      {"ListGrants", {&ListGrants, true}},
      {"ListRetirableGrants", {&ListRetirableGrants, true}},
      {"RetireGrant", {&RetireGrant, false}},
      {"RevokeGrant", {&RevokeGrant, false}},
  };
  admin_operations_ = {
      {"ExplainAuthorization", {&ExplainAuthorization, true}},
  };
}

http::Response Dispatcher::Reject(http::Rejection rejection) {
  const std::string request_id = NewUuid();
  switch (rejection) {
    case http::Rejection::kBodyTooLarge: {
      http::Response response =
          ErrorResponse(Status(Code::kSerialization,
                               "Request body is larger than " +
                                   std::to_string(services_.config->max_body_bytes) + " bytes"),
                        request_id);
      response.status = 413;
      return response;
    }
    case http::Rejection::kHeaderTooLarge: {
      http::Response response =
          ErrorResponse(Status(Code::kSerialization, "Request header is too large"), request_id);
      response.status = 431;
      return response;
    }
    case http::Rejection::kTooManyConnections: {
      http::Response response = ErrorResponse(
          Status(Code::kThrottling, "Too many connections: kmsd serves at most " +
                                        std::to_string(services_.config->max_connections) +
                                        " at once; retry later"),
          request_id);
      response.status = 503;
      return response;
    }
    case http::Rejection::kInternalError:
      return ErrorResponse(Status(Code::kInternal, ""), request_id);
    case http::Rejection::kMalformed:
      break;
  }
  return ErrorResponse(Status(Code::kSerialization, "Malformed HTTP request"), request_id);
}

void Dispatcher::Handle(http::Request request, http::Respond respond) {
  if (std::optional<http::Response> health = AnswerHealthRequest(request, audit_); health)
    return respond(std::move(*health));
  if (std::optional<http::Response> metrics =
          AnswerMetricsRequest(request, services_.metrics, services_.config->metrics_access);
      metrics) {
    return respond(std::move(*metrics));
  }
  if (services_.metrics != nullptr || log::Enabled(log::Level::kInfo))
    respond = Observed(request, std::move(respond));
  const std::string request_id = NewUuid();
  // The API's edge: nothing thrown below gets past it. The transport answers
  // at most once, so a handler that answered before throwing is not answered
  // twice.
  try {
    Route(request, request_id, respond);
  } catch (const std::exception& e) {
    log::Error("request " + request_id + " failed: " + e.what(), {{"request_id", request_id}});
    respond(ErrorResponse(Status(Code::kInternal, ""), request_id));
  }
}

http::Respond Dispatcher::Observed(const http::Request& request, http::Respond respond) const {
  // Labels come from a fixed set: a client's made-up operation is "unknown".
  const std::string_view target = request.Header("X-Amz-Target");
  const std::string_view sent = target.substr(target.rfind('.') + 1);
  std::string_view operation = sent == "LookupEvents" ? "LookupEvents" : "unknown";
  for (const OperationTable* table : {&operations_, &admin_operations_}) {
    if (auto it = table->find(sent); it != table->end()) operation = it->first;  // a literal
  }
  metrics::Registry* registry = services_.metrics;
  if (registry != nullptr) ++registry->in_flight();
  return [registry, operation, remote = request.remote_address,
          start = std::chrono::steady_clock::now(),
          respond = std::move(respond)](http::Response response) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const std::string_view outcome = OutcomeOf(response);
    if (registry != nullptr) {
      registry->CountRequest(operation, outcome, took.count());
      --registry->in_flight();
    }
    if (log::Enabled(log::Level::kInfo)) {
      char latency[32];
      std::snprintf(latency, sizeof latency, "%.3f", took.count() * 1000);
      const std::string status = std::to_string(response.status);
      const auto or_dash = [](std::string_view s) { return s.empty() ? "-" : s; };
      log::Info("request", {{"request_id", or_dash(response.Header("x-amzn-RequestId"))},
                            {"operation", operation},
                            {"principal", or_dash(response.logged_caller)},
                            {"key", or_dash(response.logged_key)},
                            {"outcome", outcome},
                            {"status", status},
                            {"latency_ms", latency},
                            {"remote", or_dash(remote)}});
    }
    respond(std::move(response));
  };
}

void Dispatcher::Route(const http::Request& request, const std::string& request_id,
                       http::Respond respond) {
  const std::string_view target = request.Header("X-Amz-Target");
  const size_t dot = target.rfind('.');
  const std::string_view service = target.substr(0, dot == std::string_view::npos ? 0 : dot);
  const std::string_view operation =
      dot == std::string_view::npos ? target : target.substr(dot + 1);
  if (service.ends_with(kCloudTrailService) && operation == "LookupEvents") {
    return HandleLookupEvents(request, request_id, std::move(respond));
  }
  if (target.starts_with(kKmsTargetPrefix)) {
    return HandleKms(request, operation, operations_, request_id, std::move(respond));
  }
  if (target.starts_with(kAdminTargetPrefix)) {
    return HandleKms(request, operation, admin_operations_, request_id, std::move(respond));
  }
  // Unknown targets are refused after authentication, as AWS does.
  auto caller = authenticator_.Authenticate(request, "kms");
  respond(ErrorResponse(caller ? Status(Code::kUnknownOperation, "") : caller.error(), request_id));
}

void Dispatcher::HandleKms(const http::Request& request, std::string_view operation,
                           const OperationTable& table, const std::string& request_id,
                           http::Respond respond) {
  auto caller = authenticator_.Authenticate(request, "kms");
  if (!caller) return respond(ErrorResponse(caller.error(), request_id));
  auto op = table.find(operation);
  if (op == table.end())
    return respond(ErrorResponse(Status(Code::kUnknownOperation, ""), request_id));
  // No effect without its record: refuse while the log has no room.
  if (Status writable = AuditWritable(); !writable.ok())
    return respond(ErrorResponse(writable, request_id));

  Call call{services_, NewContext(*caller), {}};
  // No effect without its record: what the call changes waits for it.
  std::unique_ptr<CallChanges> changes = call.operations().CollectChanges();
  rapidjson::Document body;
  Status parsed = ParseBody(request.body, &body);
  StatusOr<std::string> result = parsed.ok() ? op->second.run(call, body) : std::unexpected(parsed);
  if (!Records()) {
    return CommitThenRespond(std::move(result), request_id, std::move(changes),
                             call.context.caller.principal.arn, call.context.trace.resources,
                             std::move(respond));
  }

  audit::CloudTrailEvent event = EventFor(call, operation, request_id);
  event.request_parameters =
      call.audit.request_parameters
          ? *call.audit.request_parameters
          : (parsed.ok() ? RenderRequestParameters(operation, body) : "null");
  event.response_elements =
      call.audit.response_elements.empty() || !result ? "null" : call.audit.response_elements;
  event.read_only = op->second.read_only;
  std::vector<audit::CloudTrailEvent> other_regions;
  for (AuditNotes::OtherRegionEvent& note : call.audit.other_regions) {
    audit::CloudTrailEvent& other = other_regions.emplace_back(event);
    other.event_name = std::move(note.event_name);
    other.region = std::move(note.region);
    other.request_parameters = std::move(note.request_parameters);
    other.response_elements =
        note.response_elements.empty() ? "null" : std::move(note.response_elements);
    other.resource_arns = std::move(note.resource_arns);
    other.invoked_by = "kms.amazonaws.com";
    other.additional_event_data.clear();
  }
  RecordThenRespond(std::move(event), std::move(result), request_id, std::move(changes),
                    std::move(respond), std::move(other_regions));
}

void Dispatcher::HandleLookupEvents(const http::Request& request, const std::string& request_id,
                                    http::Respond respond) {
  auto caller = authenticator_.Authenticate(request, "cloudtrail");
  if (!caller) return respond(ErrorResponse(caller.error(), request_id));
  if (Status writable = AuditWritable(); !writable.ok())
    return respond(ErrorResponse(writable, request_id));
  Call call{services_, NewContext(*caller), {}};
  Status allowed = call.operations().AuthorizeAction(call.context, "cloudtrail:LookupEvents");
  StatusOr<std::string> result = std::unexpected(allowed);
  if (allowed.ok()) {
    result = audit_ == nullptr
                 ? StatusOr<std::string>("{\"Events\":[]}")
                 : audit_->HandleLookupEvents(
                       request.body, audit::LookupScope{caller->principal.account, caller->region},
                       call.context.now);
  }
  if (!Records()) {
    return CommitThenRespond(std::move(result), request_id, nullptr, caller->principal.arn, {},
                             std::move(respond));
  }
  // CloudTrail records its own management calls too.
  audit::CloudTrailEvent event = EventFor(call, "LookupEvents", request_id);
  event.event_source = std::string(audit::kCloudTrailEventSource);
  rapidjson::Document body;
  event.request_parameters =
      ParseBody(request.body, &body).ok() ? RenderRequestParameters("LookupEvents", body) : "null";
  event.response_elements = "null";
  event.read_only = true;
  RecordThenRespond(std::move(event), std::move(result), request_id, nullptr, std::move(respond));
}

bool Dispatcher::Records() const { return audit_ != nullptr && audit_->Stores(); }

Status Dispatcher::AuditWritable() const {
  return audit_ == nullptr ? OkStatus() : audit_->CheckWritable();
}

keys::CallContext Dispatcher::NewContext(const auth::Caller& caller) const {
  return keys::CallContext{caller,
                           keys::Scope{caller.principal.account, caller.region},
                           services_.clock->NowMillis(),
                           {}};
}

audit::CloudTrailEvent Dispatcher::EventFor(const Call& call, std::string_view operation,
                                            const std::string& request_id) const {
  const auth::Caller& caller = call.context.caller;
  audit::CloudTrailEvent event;
  event.event_name = std::string(operation);
  event.region = caller.region;
  event.event_time = call.context.now;
  event.principal = caller.principal;
  event.access_key_id = caller.access_key_id;
  event.source_ip_address = caller.source_ip;
  event.user_agent = caller.user_agent;
  event.invoked_by = caller.invoked_by;
  event.additional_event_data = AdditionalEventData(call.context.trace);
  event.request_id = request_id;
  event.resource_arns = call.context.trace.resources;
  return event;
}

// The accounts whose logs get the call's record: the caller's and, as
// CloudTrail delivers cross-account KMS events, each other account whose key
// the call used. A service principal calling as itself has no account; its
// record goes to the key owner only.
namespace {
std::vector<std::string> RecipientAccounts(const audit::CloudTrailEvent& event) {
  std::vector<std::string> accounts;
  if (!event.principal.account.empty()) accounts.push_back(event.principal.account);
  for (const std::string& arn : event.resource_arns) {
    // arn:aws:kms:<region>:<account>:<resource>; 13 is where the region starts.
    const size_t region_end = arn.find(':', 12);
    if (region_end == std::string::npos || arn.size() < region_end + 14) continue;
    const std::string account = arn.substr(region_end + 1, 12);
    if (std::find(accounts.begin(), accounts.end(), account) == accounts.end())
      accounts.push_back(account);
  }
  return accounts;
}

// `respond`, naming the call's caller and (first) key in the request log's
// line when that line is written.
http::Respond NamingTheCall(http::Respond respond, const std::string& caller,
                            const std::vector<std::string>& resources) {
  if (!log::Enabled(log::Level::kInfo)) return respond;
  return [respond = std::move(respond), caller,
          key = resources.empty() ? std::string() : resources.front()](http::Response response) {
    response.logged_caller = caller;
    response.logged_key = key;
    respond(std::move(response));
  };
}
}  // namespace

void Dispatcher::CommitThenRespond(StatusOr<std::string> result, const std::string& request_id,
                                   std::unique_ptr<CallChanges> changes, const std::string& caller,
                                   const std::vector<std::string>& resources,
                                   http::Respond respond) const {
  respond = NamingTheCall(std::move(respond), caller, resources);
  if (!result) return respond(ErrorResponse(result.error(), request_id));  // changes nothing
  const Status committed = changes != nullptr ? changes->Commit() : OkStatus();
  changes.reset();
  if (committed.ok()) return respond(JsonResponse(200, std::move(*result), request_id));
  log::Error("request " + request_id + " changed nothing: " + committed.ToString(),
             {{"request_id", request_id}});
  respond(ErrorResponse(Status(committed.code(), ""), request_id));
}

void Dispatcher::RecordThenRespond(audit::CloudTrailEvent event, StatusOr<std::string> result,
                                   const std::string& request_id,
                                   std::unique_ptr<CallChanges> changes, http::Respond respond,
                                   std::vector<audit::CloudTrailEvent> other_regions) {
  respond = NamingTheCall(std::move(respond), event.principal.arn, event.resource_arns);
  http::Response response = result ? JsonResponse(200, std::move(*result), request_id)
                                   : ErrorResponse(result.error(), request_id);
  if (!result) {
    event.error_code = std::string(CodeName(result.error().code()));
    event.error_message = result.error().message();
    changes.reset();  // a failed call changes nothing
    other_regions.clear();
  }
  std::vector<audit::AuditEntry> entries;
  other_regions.insert(other_regions.begin(), std::move(event));
  for (audit::CloudTrailEvent& each : other_regions) {
    for (const std::string& account : RecipientAccounts(each)) {
      each.recipient_account_id = account;
      each.event_id = NewTimeOrderedUuid(each.event_time);
      auto entry = audit::MakeAuditEntry(each);
      if (!entry) {
        changes.reset();
        return respond(ErrorResponse(entry.error(), request_id));
      }
      entries.push_back(std::move(*entry));
    }
  }
  if (changes != nullptr && changes->txn() != nullptr) {
    // The changes and their record commit together, or neither does.
    Status stored = entries.empty()
                        ? Status(Code::kInternal, "a change with no account to record it for")
                        : audit_->AppendInTransaction(*changes->txn(), entries);
    if (stored.ok()) stored = changes->Commit();
    changes.reset();
    if (!stored.ok()) {
      log::Error("request " + request_id +
                     " changed nothing: its record was not stored: " + stored.ToString(),
                 {{"request_id", request_id}});
      return respond(ErrorResponse(AnswerForUnrecordedCall(stored), request_id));
    }
    return respond(std::move(response));
  }
  changes.reset();
  if (entries.empty()) return respond(std::move(response));

  // Answer once every copy is durable; a failed copy withholds the answer.
  struct Pending {
    std::mutex mu;
    size_t remaining;
    Status failure;
    http::Respond respond;
    http::Response response;
  };
  auto pending = std::make_shared<Pending>();
  pending->remaining = entries.size();
  pending->respond = std::move(respond);
  pending->response = std::move(response);
  for (audit::AuditEntry& entry : entries) {
    audit_->Append(std::move(entry), [pending, request_id](const Status& durable) {
      std::unique_lock lock(pending->mu);
      if (!durable.ok() && pending->failure.ok()) pending->failure = durable;
      if (--pending->remaining > 0) return;
      lock.unlock();
      if (pending->failure.ok()) return pending->respond(std::move(pending->response));
      // The answer is withheld: a call is only answered once it is on record.
      pending->respond(ErrorResponse(AnswerForUnrecordedCall(pending->failure), request_id));
    });
  }
}

std::unique_ptr<http::Handler> NewEndpoint(const Services& services,
                                           const auth::Authenticator& authenticator,
                                           audit::AuditLog* audit) {
  return std::make_unique<Dispatcher>(services, authenticator, audit);
}

}  // namespace kms::api
