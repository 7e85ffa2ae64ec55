#include "kms/server/keys/grant_service.h"

#include <algorithm>

namespace kms::keys {
namespace {

// The account of an IAM or STS principal ARN; empty for anything else.
std::string_view PrincipalAccount(std::string_view arn) {
  if (!arn.starts_with("arn:aws:iam::") && !arn.starts_with("arn:aws:sts::")) return {};
  const std::string_view rest = arn.substr(13);
  if (rest.size() < 13 || rest[12] != ':') return {};
  return rest.substr(0, 12);
}

Status CheckPrincipal(const char* member, const std::string& principal) {
  if (grants::IsGrantPrincipal(principal)) return OkStatus();
  return Error(Code::kInvalidArn,
               std::string(member) + " " + principal + " is not a valid principal ARN");
}

Status CheckConstraint(const std::optional<EncryptionContext>& context, const char* member) {
  if (!context) return OkStatus();
  if (context->size() > kMaxConstraintPairs) {
    return Error(Code::kValidation, std::string(member) + " can contain at most 8 pairs");
  }
  for (const auto& [key, value] : *context) {
    if (value.size() > kMaxConstraintValue) {
      return Error(Code::kValidation,
                   std::string(member) + " values can be at most 384 characters long");
    }
  }
  return OkStatus();
}

// A grant of the key, or InvalidGrantIdException.
StatusOr<GrantRecord> FindGrant(KeyStore& store, std::string_view key_id,
                                std::string_view grant_id) {
  KMS_ASSIGN_OR_RETURN(auto grants, store.GetGrantsForKey(key_id));
  auto it = std::find_if(grants->begin(), grants->end(),
                         [&](const GrantRecord& g) { return g.grant_id == grant_id; });
  if (it == grants->end()) return Error(Code::kInvalidGrantId);
  return *it;
}

// The request that authorizes managing the grants of `key` (CreateGrant,
// ListGrants, RevokeGrant): kms:GrantIsForAWSResource is true when the call
// comes through an AWS service.
AccessRequest GrantManagement(const CallContext& call, std::string action, const KeyRecord& key) {
  AccessRequest access;
  access.action = std::move(action);
  access.key = &key;
  access.conditions.Set("kms:GrantIsForAWSResource",
                        call.caller.via_service.empty() ? "false" : "true");
  return access;
}

// The grant CreateGrant would make (without its id).
GrantRecord ProposedGrant(const CallContext& call, const CreateGrantRequest& request,
                          const KeyRecord& key) {
  GrantRecord grant;
  grant.key_id = key.store_id();
  grant.name = request.name.value_or("");
  grant.creation_date = call.now;
  grant.grantee_principal = request.grantee_principal;
  grant.retiring_principal = request.retiring_principal.value_or("");
  grant.issuing_account = "arn:aws:iam::" + key.account + ":root";
  grant.operations = request.operations;
  grant.encryption_context_subset = request.encryption_context_subset;
  grant.encryption_context_equals = request.encryption_context_equals;
  grant.for_aws_resource = !call.caller.via_service.empty();
  return grant;
}

// "You must specify a principal in your AWS account" (ListRetirableGrants):
// one of the caller's account, or a service principal.
Status CheckRetiringPrincipalIsCallers(const CallContext& call, std::string_view principal) {
  if (grants::IsServicePrincipal(principal) || PrincipalAccount(principal) == call.scope.account)
    return OkStatus();
  return Error(Code::kAccessDenied,
               "User: " + call.caller.principal.arn +
                   " is not authorized to perform: kms:ListRetirableGrants on resource: " +
                   std::string(principal) + " because it is not a principal in your account");
}

// Who may retire a grant: its retiring principal, its grantee when the grant
// lists RetireGrant, and the account that issued it (its root, or its
// principals an IAM policy allows kms:RetireGrant).
Status CheckMayRetire(Access& access, const CallContext& call, const KeyRecord& key,
                      const GrantRecord& grant) {
  const Principal& caller = call.caller.principal;
  const bool retiring =
      !grant.retiring_principal.empty() &&
      (grant.retiring_principal == caller.arn || grant.retiring_principal == caller.principal_arn);
  const bool grantee = grants::GranteeMatches(grant, caller) &&
                       std::find(grant.operations.begin(), grant.operations.end(), "RetireGrant") !=
                           grant.operations.end();
  if (retiring || grantee) return OkStatus();
  if (caller.account == key.account) {
    if (caller.type == PrincipalType::kRoot) return OkStatus();
    policy::RequestContext context;
    context.action = "kms:RetireGrant";
    context.resource = key.Arn();
    context.principal = caller;
    policy::AuthorizationInput input;
    input.request = &context;
    input.identity_policies = access.IdentityPolicies(call.caller.identity);
    if (policy::Authorize(input).allowed) return OkStatus();
  }
  return Error(Code::kAccessDenied,
               "User: " + caller.arn +
                   " is not authorized to perform: kms:RetireGrant on resource: " + key.Arn() +
                   " because no grant or identity-based policy allows the kms:RetireGrant action");
}

}  // namespace

StatusOr<CreateGrantResult> GrantService::CreateGrant(CallContext& call,
                                                      const CreateGrantRequest& request) {
  if (request.operations.empty()) {
    return Error(Code::kValidation,
                 "1 validation error detected: Value '[]' at 'operations' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 1");
  }
  KMS_RETURN_IF_ERROR(CheckPrincipal("GranteePrincipal", request.grantee_principal));
  if (request.retiring_principal)
    KMS_RETURN_IF_ERROR(CheckPrincipal("RetiringPrincipal", *request.retiring_principal));
  KMS_RETURN_IF_ERROR(
      CheckConstraint(request.encryption_context_subset, "EncryptionContextSubset"));
  KMS_RETURN_IF_ERROR(
      CheckConstraint(request.encryption_context_equals, "EncryptionContextEquals"));

  // AWS refuses aliases here with its own error, not as an unknown key id.
  if (request.key_id.starts_with("alias/") ||
      (request.key_id.starts_with("arn:") && request.key_id.find(":alias/") != std::string::npos)) {
    return Error(Code::kInvalidArn, "Key Aliases are not supported for this operation.");
  }
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kKeyIdOrArn));
  GrantRecord grant = ProposedGrant(call, request, *key.key);

  AccessRequest access = GrantManagement(call, "kms:CreateGrant", *key.key);
  access.grant_operation = "CreateGrant";
  access.grant_tokens = &request.grant_tokens;
  access.proposed_grant = &grant;
  for (const std::string& op : grant.operations) access.conditions.Add("kms:GrantOperations", op);
  access.conditions.Set("kms:GranteePrincipal", grant.grantee_principal);
  if (request.retiring_principal)
    access.conditions.Set("kms:RetiringPrincipal", *request.retiring_principal);
  for (const auto& [type, context] :
       {std::pair{"EncryptionContextSubset", &request.encryption_context_subset},
        std::pair{"EncryptionContextEquals", &request.encryption_context_equals}}) {
    if (!*context) continue;
    access.conditions.Add("kms:GrantConstraintType", type);
    AddEncryptionContextConditions(**context, access.conditions);
  }
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  KMS_RETURN_IF_ERROR(CheckKeyState(*key.key, KeyUse::kCryptographic));
  // After authorization: the message names the key's spec and usage.
  std::string invalid;
  for (const std::string& op : request.operations) {
    if (!grants::IsValidForKey(op, key.key->key_spec, key.key->key_usage))
      invalid += (invalid.empty() ? "" : ", ") + op;
  }
  if (!invalid.empty()) {
    return Error(Code::kValidation,
                 "Grant operations " + invalid + " are not valid for a KMS key with KeySpec " +
                     key.key->key_spec + " and KeyUsage " + key.key->key_usage + ".");
  }
  if (request.dry_run) return DryRunSucceeded();

  KMS_RETURN_IF_ERROR(deps_.store.Update([&](KeyStoreTxn& txn) -> Status {
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
      return Error(Code::kLimitExceeded,
                   "The number of grants for " + key.key->Arn() + " exceeds the limit of 50000.");
    }
    grant.grant_id = grants::NewGrantId();
    return txn.PutGrant(grant);
  }));
  return CreateGrantResult{grant.grant_id,
                           deps_.grant_tokens.Issue(key.key->key_id, grant.grant_id)};
}

StatusOr<ListPage<ListedGrant>> GrantService::ListGrants(CallContext& call,
                                                         const ListGrantsRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(
      deps_.access.Authorize(call, GrantManagement(call, "kms:ListGrants", *key.key)));
  KMS_ASSIGN_OR_RETURN(auto all, deps_.store.GetGrantsForKey(key.key->store_id()));
  std::vector<const GrantRecord*> grants;
  for (const GrantRecord& grant : *all) {
    if (request.grant_id && grant.grant_id != *request.grant_id) continue;
    if (request.grantee_principal && grant.grantee_principal != *request.grantee_principal)
      continue;
    grants.push_back(&grant);
  }
  if (request.grant_id && grants.empty()) return Error(Code::kInvalidGrantId);
  const std::string& after = request.page.after;
  auto first = grants.begin();
  if (!after.empty()) {
    first = std::find_if(grants.begin(), grants.end(),
                         [&](const GrantRecord* g) { return g->grant_id == after; });
    if (first == grants.end()) return request.page.InvalidMarker();
    ++first;
  }
  const size_t limit = request.page.Size(50, 100);
  const auto last = grants.end() - first > static_cast<ptrdiff_t>(limit)
                        ? first + static_cast<ptrdiff_t>(limit)
                        : grants.end();
  ListPage<ListedGrant> page;
  for (auto it = first; it != last; ++it) page.items.push_back(ListedGrant{**it, key.key->Arn()});
  if (last != grants.end() && last != first) page.next = (*(last - 1))->grant_id;
  return page;
}

StatusOr<ListPage<ListedGrant>> GrantService::ListRetirableGrants(
    CallContext& call, const ListRetirableGrantsRequest& request) {
  // "The authorized resource in ListRetirableGrants calls is the retiring
  // principal specified in the request" (KMS API reference).
  AccessRequest access;
  access.action = "kms:ListRetirableGrants";
  access.resource = request.retiring_principal;
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  KMS_RETURN_IF_ERROR(CheckRetiringPrincipalIsCallers(call, request.retiring_principal));
  KMS_ASSIGN_OR_RETURN(
      auto stored, deps_.store.ListRetirableGrants(request.retiring_principal, request.page.after,
                                                   request.page.Size(50, 100)));
  ListPage<ListedGrant> page;
  for (GrantRecord& grant : stored.items) {
    auto key = deps_.store.GetKey(grant.key_id);
    // The grants of the request's region, on keys of any account: another
    // account may name the caller's principal as retiring principal.
    if (!key || (*key)->region != call.scope.region) continue;
    page.items.push_back(ListedGrant{std::move(grant), (*key)->Arn()});
  }
  page.next = std::move(stored.next_marker);
  return page;
}

Status GrantService::RetireGrant(CallContext& call, const RetireGrantRequest& request) {
  std::string key_id, grant_id;
  if (request.grant_token) {
    KMS_ASSIGN_OR_RETURN(grants::TokenClaims claims,
                         deps_.grant_tokens.Parse(*request.grant_token));
    // A multi-Region key's grant is one replica's: the one in this region.
    key_id = KeyStoreId(claims.key_id, call.scope.region);
    grant_id = claims.grant_id;
  } else if (request.key_id && request.grant_id) {
    KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                         ResolveKey(deps_.keys, call, *request.key_id, KeyIdForms::kKeyIdOrArn));
    key_id = key.key->store_id();
    grant_id = *request.grant_id;
  } else {
    return Error(Code::kValidation, "Grant token OR (grant ID, key ID) must be specified");
  }
  call.trace.retired_grant_id = grant_id;
  auto key = deps_.store.GetKey(key_id);
  if (!key)
    return key.error().code() == Code::kNotFound ? Error(Code::kInvalidGrantId)
                                                 : std::unexpected(key.error());
  call.trace.AddResource((*key)->Arn());
  KMS_ASSIGN_OR_RETURN(const GrantRecord grant, FindGrant(deps_.store, key_id, grant_id));
  KMS_RETURN_IF_ERROR(CheckMayRetire(deps_.access, call, **key, grant));
  if (request.dry_run) return DryRunSucceeded();
  return deps_.store.Update([&](KeyStoreTxn& txn) { return txn.DeleteGrant(key_id, grant_id); });
}

Status GrantService::RevokeGrant(CallContext& call, const RevokeGrantRequest& request) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       ResolveKey(deps_.keys, call, request.key_id, KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(
      deps_.access.Authorize(call, GrantManagement(call, "kms:RevokeGrant", *key.key)));
  KMS_RETURN_IF_ERROR(FindGrant(deps_.store, key.key->store_id(), request.grant_id));
  if (request.dry_run) return DryRunSucceeded();
  return deps_.store.Update(
      [&](KeyStoreTxn& txn) { return txn.DeleteGrant(key.key->store_id(), request.grant_id); });
}

}  // namespace kms::keys
