// KmsdAdmin.ExplainAuthorization: evaluates a hypothetical request against a
// key's policy, the principal's IAM policies and the key's grants, without
// performing it, and says which statement decided and which condition failed.
// For policy conformance testing; only config auth.admin_principals may call it.
#include "server/api/handler_util.h"
#include "server/api/handlers.h"

namespace kms::api {
namespace {

// The caller the explanation is for: a configured identity (by its ARN or its
// role ARN) or a service principal (by name).
StatusOr<auth::Caller> HypotheticalCaller(const Call& call, const std::string& principal_arn) {
  auth::Caller caller;
  caller.region = call.caller.region;
  for (const config::Identity& identity : call.services.config->identities) {
    if (identity.principal.arn == principal_arn || identity.principal.principal_arn == principal_arn) {
      caller.identity = &identity;
      caller.principal = identity.principal;
      caller.access_key_id = identity.access_key_id;
      return caller;
    }
  }
  for (const config::ServicePrincipal& service : call.services.config->service_principals) {
    if (service.service == principal_arn) {
      caller.principal.type = PrincipalType::kAwsService;
      caller.principal.arn = caller.principal.principal_arn = caller.principal.principal_id = service.service;
      return caller;
    }
  }
  return Error(Code::kNotFound, "No configured principal " + principal_arn);
}

}  // namespace

StatusOr<std::string> ExplainAuthorization(Call& call, const rapidjson::Value& body) {
  const auto& admins = call.services.config->admin_principals;
  if (std::find(admins.begin(), admins.end(), call.caller.principal.arn) == admins.end()) {
    return Error(Code::kAccessDenied, "User: " + call.caller.principal.arn +
                                          " is not authorized to perform: kmsd:ExplainAuthorization (not in "
                                          "auth.admin_principals)");
  }
  RequestReader in(body);
  std::optional<std::string> action = in.String("Action", StringRule{.required = true, .min_length = 1, .max_length = 128});
  std::optional<std::string> key_id = in.String("KeyId", kOptionalKeyIdRule);
  std::optional<std::string> principal = in.String("Principal", StringRule{.min_length = 1, .max_length = 2048});
  std::optional<EncryptionContext> context = in.StringMap("EncryptionContext");
  std::optional<std::string> via_service = in.String("ViaService", StringRule{.min_length = 1, .max_length = 256});
  std::optional<std::string> source_ip = in.String("SourceIp", StringRule{.min_length = 1, .max_length = 64});
  const rapidjson::Value* extra = in.Structure("Conditions");
  KMS_RETURN_IF_ERROR(in.Finish());

  auth::Caller caller = call.caller;
  if (principal) {
    KMS_ASSIGN_OR_RETURN(caller, HypotheticalCaller(call, *principal));
  }
  caller.via_service = via_service.value_or("");
  caller.source_ip = source_ip.value_or(call.caller.source_ip);
  const keys::Scope scope{caller.principal.account, caller.region};

  AccessRequest request;
  request.action = *action;
  std::shared_ptr<const KeyRecord> key;
  if (key_id) {
    KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, call.services.keys->Resolve(scope, *key_id, keys::KeyIdForms::kAny));
    key = resolved.key;
    request.key = key.get();
    if (!resolved.alias_name.empty()) request.conditions.Set("kms:RequestAlias", resolved.alias_name);
  }
  if (action->starts_with("kms:")) request.grant_operation = action->substr(4);
  if (context) {
    request.encryption_context = &*context;
    AddEncryptionContextConditions(*context, request.conditions);
  }
  if (extra != nullptr) {
    for (const auto& m : extra->GetObject()) {
      const std::string name(m.name.GetString(), m.name.GetStringLength());
      if (m.value.IsString()) request.conditions.Add(name, m.value.GetString());
      if (!m.value.IsArray()) continue;
      for (const auto& v : m.value.GetArray()) {
        if (v.IsString()) request.conditions.Add(name, v.GetString());
      }
    }
  }
  policy::RequestContext evaluated;
  const policy::Decision decision = call.services.access->Evaluate(caller, call.now, request, nullptr, &evaluated);
  JsonOut out;
  out.StartObject().Field("Decision", decision.allowed ? "Allow" : "Deny");
  out.Field("Reason", policy::ReasonName(decision.reason));
  out.Field("Principal", caller.principal.arn).Field("Action", *action).Field("Resource", evaluated.resource);
  if (!decision.deciding_policy.empty()) out.Field("Policy", decision.deciding_policy);
  if (!decision.deciding_statement.empty()) out.Field("Statement", decision.deciding_statement);
  if (!decision.delegating_statement.empty()) out.Field("DelegatingStatement", decision.delegating_statement);
  if (!decision.failed_condition.empty()) out.Field("FailedCondition", decision.failed_condition);
  out.Field("Explanation", decision.Explain());
  if (!decision.allowed) out.Field("AccessDeniedMessage", policy::AccessDeniedMessage(evaluated, decision));
  out.EndObject();
  return out.Take();
}

}  // namespace kms::api
