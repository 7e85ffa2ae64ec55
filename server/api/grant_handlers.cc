// Codecs of CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and
// RevokeGrant (keys::GrantService).
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {
namespace {

bool IsPrincipalText(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("_+=,.@:/-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}
bool IsGrantName(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != ':' && c != '/' && c != '_' &&
        c != '-')
      return false;
  }
  return true;
}
constexpr StringRule kPrincipalRule{
    .min_length = 1, .max_length = 256, .pattern = "^[\\w+=,.@:/-]+$", .matches = IsPrincipalText};
constexpr StringRule kGrantIdRule{.min_length = 1, .max_length = 128};

void WriteGrant(JsonOut& out, const keys::ListedGrant& listed) {
  const GrantRecord& grant = listed.grant;
  out.StartObject().Field("KeyId", listed.key_arn).Field("GrantId", grant.grant_id);
  if (!grant.name.empty()) out.Field("Name", grant.name);
  out.Time("CreationDate", grant.creation_date).Field("GranteePrincipal", grant.grantee_principal);
  if (!grant.retiring_principal.empty()) out.Field("RetiringPrincipal", grant.retiring_principal);
  out.Field("IssuingAccount", grant.issuing_account);
  out.Key("Operations").StartArray();
  for (const std::string& op : grant.operations) out.String(op);
  out.EndArray();
  if (grant.encryption_context_subset || grant.encryption_context_equals) {
    out.Key("Constraints").StartObject();
    if (grant.encryption_context_subset)
      out.StringMap("EncryptionContextSubset", *grant.encryption_context_subset);
    if (grant.encryption_context_equals)
      out.StringMap("EncryptionContextEquals", *grant.encryption_context_equals);
    out.EndObject();
  }
  out.EndObject();
}

std::string GrantPageResponse(const keys::ListPage<keys::ListedGrant>& page) {
  JsonOut out;
  out.StartObject().Key("Grants").StartArray();
  for (const keys::ListedGrant& grant : page.items) WriteGrant(out, grant);
  out.EndArray();
  WritePaging(out, page.next);
  out.EndObject();
  return out.Take();
}

}  // namespace

StatusOr<std::string> CreateGrant(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::CreateGrantRequest request;
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  StringRule grantee_rule = kPrincipalRule;
  grantee_rule.required = true;
  std::optional<std::string> grantee = in.String("GranteePrincipal", grantee_rule);
  request.retiring_principal = in.String("RetiringPrincipal", kPrincipalRule);
  StringRule operation_rule;
  operation_rule.enum_values = grants::AllOperations();
  std::optional<std::vector<std::string>> operations =
      in.StringList("Operations", ListRule{.required = true}, operation_rule);
  if (const rapidjson::Value* constraints = in.Structure("Constraints")) {
    RequestReader nested = in.Nested(*constraints, "constraints");
    request.encryption_context_subset = nested.StringMap("EncryptionContextSubset");
    request.encryption_context_equals = nested.StringMap("EncryptionContextEquals");
    KMS_RETURN_IF_ERROR(nested.Finish());
  }
  request.grant_tokens = ReadGrantTokens(in);
  request.name = in.String("Name", StringRule{.min_length = 1,
                                              .max_length = 256,
                                              .pattern = "^[a-zA-Z0-9:/_-]+$",
                                              .matches = IsGrantName});
  request.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  request.key_id = *key_id;
  request.grantee_principal = *grantee;
  request.operations = *operations;
  KMS_ASSIGN_OR_RETURN(keys::CreateGrantResult result,
                       call.operations().grants.CreateGrant(call.context, request));
  call.audit.response_elements = "{\"grantId\":\"" + result.grant_id + "\"}";
  JsonOut out;
  out.StartObject()
      .Field("GrantToken", result.grant_token)
      .Field("GrantId", result.grant_id)
      .EndObject();
  return out.Take();
}

StatusOr<std::string> ListGrants(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  const PageInput page_input = ReadPageInput(in);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> grant_id = in.String("GrantId", kGrantIdRule);
  std::optional<std::string> grantee = in.String("GranteePrincipal", kPrincipalRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::PageRequest page_request, ToPageRequest(page_input));
  KMS_ASSIGN_OR_RETURN(auto page, call.operations().grants.ListGrants(
                                      call.context, {*key_id, grant_id, grantee, page_request}));
  return GrantPageResponse(page);
}

StatusOr<std::string> ListRetirableGrants(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  const PageInput page_input = ReadPageInput(in);
  StringRule principal_rule = kPrincipalRule;
  principal_rule.required = true;
  std::optional<std::string> principal = in.String("RetiringPrincipal", principal_rule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(keys::PageRequest page_request, ToPageRequest(page_input));
  KMS_ASSIGN_OR_RETURN(auto page, call.operations().grants.ListRetirableGrants(
                                      call.context, {*principal, page_request}));
  return GrantPageResponse(page);
}

StatusOr<std::string> RetireGrant(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::RetireGrantRequest request;
  request.grant_token = in.String("GrantToken", StringRule{.min_length = 1, .max_length = 8192});
  request.key_id = in.String("KeyId", kOptionalKeyIdRule);
  request.grant_id = in.String("GrantId", kGrantIdRule);
  request.dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(call.operations().grants.RetireGrant(call.context, request));
  return std::string();
}

StatusOr<std::string> RevokeGrant(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  StringRule grant_rule = kGrantIdRule;
  grant_rule.required = true;
  std::optional<std::string> grant_id = in.String("GrantId", grant_rule);
  const bool dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(
      call.operations().grants.RevokeGrant(call.context, {*key_id, *grant_id, dry_run}));
  return std::string();
}

}  // namespace kms::api
