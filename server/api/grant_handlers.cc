// CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant.
#include "server/api/handler_util.h"
#include "server/api/handlers.h"

namespace kms::api {
namespace {

constexpr size_t kMaxGrantsPerKey = 50000;
constexpr size_t kMaxConstraintPairs = 8;
constexpr size_t kMaxConstraintValue = 384;

bool IsPrincipalText(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("_+=,.@:/-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}
bool IsGrantName(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != ':' && c != '/' && c != '_' && c != '-') return false;
  }
  return true;
}
constexpr StringRule kPrincipalRule{.min_length = 1, .max_length = 256, .pattern = "^[\\w+=,.@:/-]+$",
                                    .matches = IsPrincipalText};
constexpr StringRule kGrantIdRule{.min_length = 1, .max_length = 128};

// The account of an IAM or STS principal ARN; empty for anything else.
std::string_view PrincipalAccount(std::string_view arn) {
  if (!arn.starts_with("arn:aws:iam::") && !arn.starts_with("arn:aws:sts::")) return {};
  const std::string_view rest = arn.substr(13);
  if (rest.size() < 13 || rest[12] != ':') return {};
  return rest.substr(0, 12);
}

// A grantee or retiring principal: an IAM principal ARN or a service principal.
bool IsPrincipalArn(std::string_view p) {
  if (p.ends_with(".amazonaws.com") && p.find(':') == std::string_view::npos) return true;
  const bool iam = p.starts_with("arn:aws:iam::"), sts = p.starts_with("arn:aws:sts::");
  if (!iam && !sts) return false;
  std::string_view rest = p.substr(13);
  if (rest.size() < 14 || rest[12] != ':') return false;
  for (size_t i = 0; i < 12; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return false;
  }
  rest = rest.substr(13);
  if (iam) return rest == "root" || (rest.starts_with("user/") && rest.size() > 5) || (rest.starts_with("role/") && rest.size() > 5);
  return rest.starts_with("assumed-role/") && rest.find('/', 13) != std::string_view::npos;
}

Status CheckPrincipal(const char* member, const std::string& principal) {
  if (IsPrincipalArn(principal)) return OkStatus();
  return Error(Code::kInvalidArn, std::string(member) + " " + principal + " is not a valid principal ARN");
}

std::optional<EncryptionContext> ReadConstraint(RequestReader& in, const char* member) {
  return in.StringMap(member);
}

Status CheckConstraint(const std::optional<EncryptionContext>& context, const char* member) {
  if (!context) return OkStatus();
  if (context->size() > kMaxConstraintPairs) {
    return Error(Code::kValidation, std::string(member) + " can contain at most 8 pairs");
  }
  for (const auto& [key, value] : *context) {
    if (value.size() > kMaxConstraintValue) {
      return Error(Code::kValidation, std::string(member) + " values can be at most 384 characters long");
    }
  }
  return OkStatus();
}

void WriteConstraints(JsonOut& out, const GrantRecord& grant, bool lower_camel) {
  if (!grant.encryption_context_subset && !grant.encryption_context_equals) return;
  out.Key(lower_camel ? "constraints" : "Constraints").StartObject();
  if (grant.encryption_context_subset) {
    out.Context(lower_camel ? "encryptionContextSubset" : "EncryptionContextSubset", *grant.encryption_context_subset);
  }
  if (grant.encryption_context_equals) {
    out.Context(lower_camel ? "encryptionContextEquals" : "EncryptionContextEquals", *grant.encryption_context_equals);
  }
  out.EndObject();
}

void WriteGrant(JsonOut& out, const GrantRecord& grant, const std::string& key_arn) {
  out.StartObject().Field("KeyId", key_arn).Field("GrantId", grant.grant_id);
  if (!grant.name.empty()) out.Field("Name", grant.name);
  out.Time("CreationDate", grant.creation_date).Field("GranteePrincipal", grant.grantee_principal);
  if (!grant.retiring_principal.empty()) out.Field("RetiringPrincipal", grant.retiring_principal);
  out.Field("IssuingAccount", grant.issuing_account);
  out.Key("Operations").StartArray();
  for (const std::string& op : grant.operations) out.String(op);
  out.EndArray();
  WriteConstraints(out, grant, false);
  out.EndObject();
}

// The page of one key's `grants` after grant id `after`, at most `limit` long.
std::string WriteGrantPage(const std::vector<GrantRecord>& grants, const std::string& after, size_t limit,
                           const std::string& key_arn) {
  auto first = grants.begin();
  if (!after.empty()) {
    first = std::find_if(grants.begin(), grants.end(), [&](const GrantRecord& g) { return g.grant_id == after; });
    if (first != grants.end()) ++first;
  }
  const auto last = grants.end() - first > static_cast<ptrdiff_t>(limit) ? first + static_cast<ptrdiff_t>(limit)
                                                                          : grants.end();
  JsonOut out;
  out.StartObject().Key("Grants").StartArray();
  for (auto it = first; it != last; ++it) WriteGrant(out, *it, key_arn);
  out.EndArray();
  WritePaging(out, last != grants.end() && last != first ? (last - 1)->grant_id : "");
  out.EndObject();
  return out.Take();
}

// A grant of the key, or InvalidGrantIdException.
StatusOr<GrantRecord> FindGrant(KeyStore& store, std::string_view key_id, std::string_view grant_id) {
  KMS_ASSIGN_OR_RETURN(auto grants, store.GetGrantsForKey(key_id));
  auto it = std::find_if(grants->begin(), grants->end(), [&](const GrantRecord& g) { return g.grant_id == grant_id; });
  if (it == grants->end()) return Error(Code::kInvalidGrantId);
  return *it;
}

std::unexpected<Status> UnknownGrant() { return Error(Code::kInvalidGrantId); }

}  // namespace

StatusOr<std::string> CreateGrant(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  StringRule grantee_rule = kPrincipalRule;
  grantee_rule.required = true;
  std::optional<std::string> grantee = in.String("GranteePrincipal", grantee_rule);
  std::optional<std::string> retiring = in.String("RetiringPrincipal", kPrincipalRule);
  StringRule operation_rule;
  operation_rule.enum_values = grants::AllOperations();
  std::optional<std::vector<std::string>> operations =
      in.StringList("Operations", ListRule{.required = true}, operation_rule);
  std::optional<EncryptionContext> subset, equals;
  if (const rapidjson::Value* constraints = in.Structure("Constraints")) {
    RequestReader nested = in.Nested(*constraints, "constraints");
    subset = ReadConstraint(nested, "EncryptionContextSubset");
    equals = ReadConstraint(nested, "EncryptionContextEquals");
    KMS_RETURN_IF_ERROR(nested.Finish());
  }
  std::vector<std::string> tokens =
      in.StringList("GrantTokens", kGrantTokensList, kGrantTokenRule).value_or(std::vector<std::string>{});
  std::optional<std::string> name = in.String(
      "Name", StringRule{.min_length = 1, .max_length = 256, .pattern = "^[a-zA-Z0-9:/_-]+$", .matches = IsGrantName});
  const bool dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  if (operations->empty()) {
    return Error(Code::kValidation, "1 validation error detected: Value '[]' at 'operations' failed to satisfy "
                                    "constraint: Member must have length greater than or equal to 1");
  }
  KMS_RETURN_IF_ERROR(CheckPrincipal("GranteePrincipal", *grantee));
  if (retiring) KMS_RETURN_IF_ERROR(CheckPrincipal("RetiringPrincipal", *retiring));
  KMS_RETURN_IF_ERROR(CheckConstraint(subset, "EncryptionContextSubset"));
  KMS_RETURN_IF_ERROR(CheckConstraint(equals, "EncryptionContextEquals"));

  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey key, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  std::string invalid;
  for (const std::string& op : *operations) {
    if (!grants::IsValidForSymmetricKey(op)) invalid += (invalid.empty() ? "" : ", ") + op;
  }
  if (!invalid.empty()) {
    return Error(Code::kValidation, "Grant operations " + invalid + " are not valid for a KMS key with KeySpec " +
                                        key.key->key_spec + " and KeyUsage " + key.key->key_usage + ".");
  }

  GrantRecord grant;
  grant.key_id = key.key->key_id;
  grant.name = name.value_or("");
  grant.creation_date = call.now;
  grant.grantee_principal = *grantee;
  grant.retiring_principal = retiring.value_or("");
  grant.issuing_account = "arn:aws:iam::" + key.key->account + ":root";
  grant.operations = *operations;
  grant.encryption_context_subset = subset;
  grant.encryption_context_equals = equals;
  grant.for_aws_resource = !call.caller.via_service.empty();

  AccessRequest request;
  request.action = "kms:CreateGrant";
  request.key = key.key.get();
  request.grant_operation = "CreateGrant";
  request.grant_tokens = &tokens;
  request.proposed_grant = &grant;
  for (const std::string& op : grant.operations) request.conditions.Add("kms:GrantOperations", op);
  request.conditions.Set("kms:GranteePrincipal", grant.grantee_principal);
  if (retiring) request.conditions.Set("kms:RetiringPrincipal", *retiring);
  request.conditions.Set("kms:GrantIsForAWSResource", grant.for_aws_resource ? "true" : "false");
  for (const auto& [type, context] : {std::pair{"EncryptionContextSubset", &subset}, std::pair{"EncryptionContextEquals", &equals}}) {
    if (!*context) continue;
    request.conditions.Add("kms:GrantConstraintType", type);
    AddEncryptionContextConditions(**context, request.conditions);
  }
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_RETURN_IF_ERROR(keys::CheckKeyState(*key.key, keys::KeyUse::kCryptographic));
  if (dry_run) return DryRunSucceeded();

  KMS_RETURN_IF_ERROR(call.services.keys->store().Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(std::vector<GrantRecord> existing, txn.ListGrantsForKey(grant.key_id));
    if (!grant.name.empty()) {
      for (const GrantRecord& other : existing) {
        // The same Name with the same parameters is the same grant.
        if (grants::SameParameters(other, grant)) {
          grant = other;
          return OkStatus();
        }
      }
    }
    if (existing.size() >= kMaxGrantsPerKey) {
      return Error(Code::kLimitExceeded, "The number of grants for " + key.key->Arn() + " exceeds the limit of 50000.");
    }
    grant.grant_id = grants::NewGrantId();
    return txn.PutGrant(grant);
  }));
  call.audit.response_elements = "{\"grantId\":\"" + grant.grant_id + "\"}";
  JsonOut out;
  out.StartObject().Field("GrantToken", call.services.grant_tokens->Issue(grant.key_id, grant.grant_id));
  out.Field("GrantId", grant.grant_id).EndObject();
  return out.Take();
}

StatusOr<std::string> ListGrants(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  const PageRequest page_request = ReadPageRequest(in);
  std::optional<std::string> key_id = in.String("KeyId", kKeyIdRule);
  std::optional<std::string> grant_id = in.String("GrantId", kGrantIdRule);
  std::optional<std::string> grantee = in.String("GranteePrincipal", kPrincipalRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(const std::string after, page_request.Position());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey key, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  AccessRequest request;
  request.action = "kms:ListGrants";
  request.key = key.key.get();
  request.conditions.Set("kms:GrantIsForAWSResource", call.caller.via_service.empty() ? "false" : "true");
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_ASSIGN_OR_RETURN(auto all, call.services.keys->store().GetGrantsForKey(key.key->key_id));
  std::vector<GrantRecord> grants;
  for (const GrantRecord& grant : *all) {
    if (grant_id && grant.grant_id != *grant_id) continue;
    if (grantee && grant.grantee_principal != *grantee) continue;
    grants.push_back(grant);
  }
  if (grant_id && grants.empty()) return UnknownGrant();
  if (!after.empty() && std::none_of(grants.begin(), grants.end(), [&](const GrantRecord& g) { return g.grant_id == after; })) {
    return Error(Code::kInvalidMarker, "Invalid marker: " + *page_request.marker);
  }
  return WriteGrantPage(grants, after, page_request.Size(50, 100), key.key->Arn());
}

namespace {

// "You must specify a principal in your AWS account" (ListRetirableGrants):
// an IAM principal of the caller's account, an AWS service principal, or,
// for a service principal calling as itself, itself.
Status CheckRetiringPrincipalIsCallers(const Call& call, std::string_view principal) {
  const bool service = principal.ends_with(".amazonaws.com") && principal.find(':') == std::string_view::npos;
  if (call.scope.account.empty() ? principal == call.caller.principal.arn
                                 : service || PrincipalAccount(principal) == call.scope.account) {
    return OkStatus();
  }
  return Error(Code::kAccessDenied, "User: " + call.caller.principal.arn +
                                        " is not authorized to perform: kms:ListRetirableGrants on resource: " +
                                        std::string(principal) + " because it is not a principal in your account");
}

}  // namespace

StatusOr<std::string> ListRetirableGrants(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  const PageRequest page_request = ReadPageRequest(in);
  StringRule principal_rule = kPrincipalRule;
  principal_rule.required = true;
  std::optional<std::string> principal = in.String("RetiringPrincipal", principal_rule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(const std::string after, page_request.Position());
  AccessRequest request;
  request.action = "kms:ListRetirableGrants";
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_RETURN_IF_ERROR(CheckRetiringPrincipalIsCallers(call, *principal));
  KMS_ASSIGN_OR_RETURN(auto page, call.services.keys->store().ListRetirableGrants(*principal, after,
                                                                                   page_request.Size(50, 100)));
  JsonOut out;
  out.StartObject().Key("Grants").StartArray();
  for (const GrantRecord& grant : page.items) {
    auto key = call.services.keys->store().GetKey(grant.key_id);
    // The grants of the caller's account and region only.
    if (!key || (*key)->region != call.scope.region) continue;
    if (!call.scope.account.empty() && (*key)->account != call.scope.account) continue;
    WriteGrant(out, grant, (*key)->Arn());
  }
  out.EndArray();
  WritePaging(out, page.next_marker);
  out.EndObject();
  return out.Take();
}

namespace {

// Who may retire a grant: its retiring principal, its grantee when the grant
// lists RetireGrant, and the account that issued it (its root, or its
// principals an IAM policy allows kms:RetireGrant).
Status CheckMayRetire(Call& call, const KeyRecord& key, const GrantRecord& grant) {
  const Principal& caller = call.caller.principal;
  const bool retiring = !grant.retiring_principal.empty() &&
                        (grant.retiring_principal == caller.arn || grant.retiring_principal == caller.principal_arn);
  const bool grantee = grants::GranteeMatches(grant, caller) &&
                       std::find(grant.operations.begin(), grant.operations.end(), "RetireGrant") != grant.operations.end();
  if (retiring || grantee) return OkStatus();
  if (caller.account == key.account) {
    if (caller.type == PrincipalType::kRoot) return OkStatus();
    policy::RequestContext context;
    context.action = "kms:RetireGrant";
    context.resource = key.Arn();
    context.principal = caller;
    policy::AuthorizationInput input;
    input.request = &context;
    input.identity_policies = call.services.access->IdentityPolicies(call.caller.identity);
    if (policy::Authorize(input).allowed) return OkStatus();
  }
  return Error(Code::kAccessDenied, "User: " + caller.arn + " is not authorized to perform: kms:RetireGrant on resource: " +
                                        key.Arn() + " because no grant or identity-based policy allows the kms:RetireGrant action");
}

}  // namespace

StatusOr<std::string> RetireGrant(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> token = in.String("GrantToken", StringRule{.min_length = 1, .max_length = 8192});
  std::optional<std::string> key_id = in.String("KeyId", kOptionalKeyIdRule);
  std::optional<std::string> grant_id = in.String("GrantId", kGrantIdRule);
  const bool dry_run = in.Bool("DryRun").value_or(false);
  KMS_RETURN_IF_ERROR(in.Finish());
  // CloudTrail records RetireGrant with null requestParameters and the grant
  // id in additionalEventData.
  call.audit.request_parameters = "null";
  std::string target_key, target_grant;
  if (token) {
    KMS_ASSIGN_OR_RETURN(grants::TokenClaims claims, call.services.grant_tokens->Parse(*token));
    target_key = claims.key_id;
    target_grant = claims.grant_id;
  } else if (key_id && grant_id) {
    KMS_ASSIGN_OR_RETURN(keys::ResolvedKey key, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
    target_key = key.key->key_id;
    target_grant = *grant_id;
  } else {
    return Error(Code::kValidation, "Grant token OR (grant ID, key ID) must be specified");
  }
  call.audit.SetAdditional("grantId", "\"" + target_grant + "\"");
  auto key = call.services.keys->store().GetKey(target_key);
  if (!key) return key.error().code() == Code::kNotFound ? UnknownGrant() : std::unexpected(key.error());
  call.audit.AddResource((*key)->Arn());
  KMS_ASSIGN_OR_RETURN(const GrantRecord grant, FindGrant(call.services.keys->store(), target_key, target_grant));
  KMS_RETURN_IF_ERROR(CheckMayRetire(call, **key, grant));
  if (dry_run) return DryRunSucceeded();
  KMS_RETURN_IF_ERROR(call.services.keys->store().Update([&](KeyStoreTxn& txn) { return txn.DeleteGrant(target_key, target_grant); }));
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
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey key, ResolveKey(call, *key_id, keys::KeyIdForms::kKeyIdOrArn));
  AccessRequest request;
  request.action = "kms:RevokeGrant";
  request.key = key.key.get();
  request.conditions.Set("kms:GrantIsForAWSResource", call.caller.via_service.empty() ? "false" : "true");
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  KMS_RETURN_IF_ERROR(FindGrant(call.services.keys->store(), key.key->key_id, *grant_id));
  if (dry_run) return DryRunSucceeded();
  KMS_RETURN_IF_ERROR(call.services.keys->store().Update([&](KeyStoreTxn& txn) { return txn.DeleteGrant(key.key->key_id, *grant_id); }));
  return std::string();
}

}  // namespace kms::api
