// Codec of KmsdAdmin.ExplainAuthorization (keys::ExplainService).
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {

StatusOr<std::string> ExplainAuthorization(Call& call, const rapidjson::Value& body) {
  keys::ExplainService& explain = call.operations().explain;
  // Only administrators learn even what the request lacks.
  KMS_RETURN_IF_ERROR(explain.CheckAdmin(call.context));
  RequestReader in(body);
  keys::ExplainRequest request;
  std::optional<std::string> action =
      in.String("Action", StringRule{.required = true, .min_length = 1, .max_length = 128});
  request.key_id = in.String("KeyId", kOptionalKeyIdRule);
  request.principal = in.String("Principal", StringRule{.min_length = 1, .max_length = 2048});
  request.encryption_context = in.StringMap("EncryptionContext");
  request.via_service = in.String("ViaService", StringRule{.min_length = 1, .max_length = 256});
  request.source_ip = in.String("SourceIp", StringRule{.min_length = 1, .max_length = 64});
  const rapidjson::Value* extra = in.Structure("Conditions");
  KMS_RETURN_IF_ERROR(in.Finish());
  request.action = *action;
  if (extra != nullptr) {
    for (const auto& m : extra->GetObject()) {
      std::vector<std::string>& values =
          request.conditions[std::string(m.name.GetString(), m.name.GetStringLength())];
      if (m.value.IsString()) values.emplace_back(m.value.GetString(), m.value.GetStringLength());
      if (!m.value.IsArray()) continue;
      for (const auto& v : m.value.GetArray()) {
        if (v.IsString()) values.emplace_back(v.GetString(), v.GetStringLength());
      }
    }
  }
  KMS_ASSIGN_OR_RETURN(keys::Explanation explanation, explain.Explain(call.context, request));
  const policy::Decision& decision = explanation.decision;
  JsonOut out;
  out.StartObject().Field("Decision", decision.allowed ? "Allow" : "Deny");
  out.Field("Reason", policy::ReasonName(decision.reason));
  out.Field("Principal", explanation.evaluated.principal.arn).Field("Action", request.action);
  out.Field("Resource", explanation.evaluated.resource);
  if (!decision.deciding_policy.empty()) out.Field("Policy", decision.deciding_policy);
  if (!decision.deciding_statement.empty()) out.Field("Statement", decision.deciding_statement);
  if (!decision.delegating_statement.empty())
    out.Field("DelegatingStatement", decision.delegating_statement);
  if (!decision.failed_condition.empty()) out.Field("FailedCondition", decision.failed_condition);
  out.Field("Explanation", decision.Explain());
  if (!decision.allowed)
    out.Field("AccessDeniedMessage", policy::AccessDeniedMessage(explanation.evaluated, decision));
  out.EndObject();
  return out.Take();
}

}  // namespace kms::api
