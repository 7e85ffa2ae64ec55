#include "kms/server/keys/explain_service.h"

#include <algorithm>

namespace kms::keys {
namespace {

// The caller the explanation is for: a configured identity (by its ARN or its
// role ARN) or a service principal (by name).
StatusOr<auth::Caller> HypotheticalCaller(const config::ServerConfig& config,
                                          const auth::Caller& asking,
                                          const std::string& principal_arn) {
  auth::Caller caller;
  caller.region = asking.region;
  for (const config::Identity& identity : config.identities) {
    if (identity.principal.arn == principal_arn ||
        identity.principal.principal_arn == principal_arn) {
      caller.identity = &identity;
      caller.principal = identity.principal;
      caller.access_key_id = identity.access_key_id;
      return caller;
    }
  }
  for (const config::ServicePrincipal& service : config.service_principals) {
    if (service.service == principal_arn) {
      caller.principal.type = PrincipalType::kAwsService;
      caller.principal.arn = caller.principal.principal_arn = caller.principal.principal_id =
          service.service;
      return caller;
    }
  }
  return Error(Code::kNotFound, "No configured principal " + principal_arn);
}

// The condition keys the operation itself would set that the request left
// out: the encryption algorithm of the symmetric operations (which default
// to SYMMETRIC_DEFAULT) and whether a grant operation is made for an AWS
// service.
void AddOperationDefaults(const ExplainRequest& request, const KeyRecord* key,
                          policy::ConditionValues& values) {
  const auto given = [&](std::string_view name) {
    return request.conditions.contains(std::string(name));
  };
  static constexpr std::string_view kSymmetric[] = {
      "kms:Encrypt",         "kms:Decrypt",
      "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",   "kms:ReEncryptTo"};
  if (key != nullptr && key->key_spec == "SYMMETRIC_DEFAULT" &&
      std::ranges::find(kSymmetric, request.action) != std::end(kSymmetric) &&
      !given("kms:EncryptionAlgorithm"))
    values.Set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
  static constexpr std::string_view kGrantManagement[] = {"kms:CreateGrant", "kms:ListGrants",
                                                          "kms:RevokeGrant"};
  if (std::ranges::find(kGrantManagement, request.action) != std::end(kGrantManagement) &&
      !given("kms:GrantIsForAWSResource"))
    values.Set("kms:GrantIsForAWSResource", request.via_service ? "true" : "false");
}

}  // namespace

Status ExplainService::CheckAdmin(const CallContext& call) const {
  const auto& admins = deps_.config.admin_principals;
  if (std::find(admins.begin(), admins.end(), call.caller.principal.arn) != admins.end())
    return OkStatus();
  return Error(Code::kAccessDenied,
               "User: " + call.caller.principal.arn +
                   " is not authorized to perform: kmsd:ExplainAuthorization (not in "
                   "auth.admin_principals)");
}

StatusOr<Explanation> ExplainService::Explain(CallContext& call, const ExplainRequest& request) {
  KMS_RETURN_IF_ERROR(CheckAdmin(call));
  auth::Caller caller = call.caller;
  if (request.principal) {
    KMS_ASSIGN_OR_RETURN(caller, HypotheticalCaller(deps_.config, call.caller, *request.principal));
  }
  caller.via_service = request.via_service.value_or("");
  caller.source_ip = request.source_ip.value_or(call.caller.source_ip);
  const Scope scope{caller.principal.account, caller.region};

  AccessRequest access;
  access.action = request.action;
  std::shared_ptr<const KeyRecord> key;
  if (request.key_id) {
    // An explanation performs nothing: a managed key not yet created is
    // evaluated as the key it would be, and stays uncreated.
    KMS_ASSIGN_OR_RETURN(
        ResolvedKey resolved,
        deps_.keys.Resolve(scope, *request.key_id, KeyIdForms::kAny, ManagedKeyCreation::kPreview));
    key = resolved.key;
    access.key = key.get();
    if (!resolved.alias_name.empty())
      access.conditions.Set("kms:RequestAlias", resolved.alias_name);
  }
  if (request.action.starts_with("kms:")) access.grant_operation = request.action.substr(4);
  if (request.encryption_context) {
    access.encryption_context = &*request.encryption_context;
    AddEncryptionContextConditions(*request.encryption_context, access.conditions);
  }
  for (const auto& [name, values] : request.conditions) {
    for (const std::string& value : values) access.conditions.Add(name, value);
  }
  AddOperationDefaults(request, key.get(), access.conditions);
  Explanation explanation;
  explanation.decision =
      deps_.access.Evaluate(caller, call.now, access, nullptr, &explanation.evaluated);
  return explanation;
}

}  // namespace kms::keys
