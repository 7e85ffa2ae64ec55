#include "kms/server/keys/alias_service.h"

namespace kms::keys {
namespace {

// The checks of an alias name a customer may create or change.
Status CheckCustomerAliasName(std::string_view name) {
  if (!name.starts_with("alias/")) {
    return Error(Code::kValidation,
                 "Alias must start with the prefix \"alias/\". Please see "
                 "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
  }
  // alias/aws/ names belong to AWS managed keys.
  if (name.starts_with("alias/aws/")) return Error(Code::kNotAuthorized);
  if (name.size() == 6)
    return Error(Code::kInvalidAliasName, "Alias name must not be empty after \"alias/\".");
  return OkStatus();
}

std::unexpected<Status> AliasLimitExceeded(const KeyRecord& key) {
  return Error(Code::kLimitExceeded,
               "The number of aliases for " + key.Arn() + " exceeds the limit of 50.");
}

}  // namespace

StatusOr<ResolvedKey> AliasService::ResolveTarget(CallContext& call,
                                                  std::string_view target_key_id) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey target,
                       ResolveKey(deps_.keys, call, target_key_id, KeyIdForms::kKeyIdOrArn));
  if (target.key->account != call.scope.account) {
    return Error(Code::kNotFound, "Key '" + target.key->Arn() + "' does not exist");
  }
  if (target.key->key_manager == KeyManager::kAws) return Error(Code::kNotAuthorized);
  return target;
}

StatusOr<std::shared_ptr<const AliasRecord>> AliasService::FindAlias(CallContext& call,
                                                                     std::string_view alias_name) {
  auto alias = deps_.store.GetAlias(call.scope.account, call.scope.region, alias_name);
  if (!alias) {
    if (alias.error().code() != Code::kNotFound) return std::unexpected(alias.error());
    return Error(
        Code::kNotFound,
        "Alias " + AliasArn(call.scope.region, call.scope.account, alias_name) + " is not found.");
  }
  call.trace.AddResource((*alias)->Arn());
  return *alias;
}

Status AliasService::CreateAlias(CallContext& call, const AliasRequest& request) {
  KMS_RETURN_IF_ERROR(CheckCustomerAliasName(request.alias_name));
  KMS_ASSIGN_OR_RETURN(ResolvedKey target, ResolveTarget(call, request.target_key_id));
  const std::string alias_arn = AliasArn(call.scope.region, call.scope.account, request.alias_name);
  call.trace.AddResource(alias_arn);
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:CreateAlias", *target.key));
  KMS_RETURN_IF_ERROR(CheckKeyState(*target.key, KeyUse::kManage));
  return deps_.store.Update([&](KeyStoreTxn& txn) -> Status {
    if (txn.GetAlias(call.scope.account, call.scope.region, request.alias_name).has_value()) {
      return Error(Code::kAlreadyExists, "An alias with the name " + alias_arn + " already exists");
    }
    KMS_ASSIGN_OR_RETURN(size_t count, txn.CountAliasesForKey(target.key->store_id()));
    if (count >= kMaxAliasesPerKey) return AliasLimitExceeded(*target.key);
    return txn.PutAlias(AliasRecord{call.scope.account, call.scope.region, request.alias_name,
                                    target.key->key_id, call.now, call.now});
  });
}

Status AliasService::UpdateAlias(CallContext& call, const AliasRequest& request) {
  KMS_RETURN_IF_ERROR(CheckCustomerAliasName(request.alias_name));
  KMS_ASSIGN_OR_RETURN(auto alias, FindAlias(call, request.alias_name));
  // CloudTrail names the alias and its new target only.
  KMS_ASSIGN_OR_RETURN(ResolvedKey old_target, deps_.keys.Resolve(call.scope, alias->target_key_id,
                                                                  KeyIdForms::kKeyIdOrArn));
  KMS_ASSIGN_OR_RETURN(ResolvedKey target, ResolveTarget(call, request.target_key_id));
  // UpdateAlias needs permission on both the current and the new target key.
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:UpdateAlias", *old_target.key));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:UpdateAlias", *target.key));
  KMS_RETURN_IF_ERROR(CheckKeyState(*target.key, KeyUse::kManage));
  return deps_.store.Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(AliasRecord current,
                         txn.GetAlias(call.scope.account, call.scope.region, request.alias_name));
    if (current.target_key_id != target.key->key_id) {
      KMS_ASSIGN_OR_RETURN(size_t count, txn.CountAliasesForKey(target.key->store_id()));
      if (count >= kMaxAliasesPerKey) return AliasLimitExceeded(*target.key);
    }
    current.target_key_id = target.key->key_id;
    current.last_updated_date = call.now;
    return txn.PutAlias(current);
  });
}

Status AliasService::DeleteAlias(CallContext& call, const DeleteAliasRequest& request) {
  KMS_RETURN_IF_ERROR(CheckCustomerAliasName(request.alias_name));
  KMS_ASSIGN_OR_RETURN(auto alias, FindAlias(call, request.alias_name));
  KMS_ASSIGN_OR_RETURN(ResolvedKey target,
                       ResolveKey(deps_.keys, call, alias->target_key_id, KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(deps_.access, call, "kms:DeleteAlias", *target.key));
  return deps_.store.Update([&](KeyStoreTxn& txn) {
    return txn.DeleteAlias(call.scope.account, call.scope.region, request.alias_name);
  });
}

StatusOr<ListPage<AliasRecord>> AliasService::ListAliases(CallContext& call,
                                                          const ListAliasesRequest& request) {
  AccessRequest access;
  access.action = "kms:ListAliases";
  KMS_RETURN_IF_ERROR(deps_.access.Authorize(call, std::move(access)));
  const size_t page_size = request.page.Size(50, 100);
  const std::string& after = request.page.after;
  if (!request.key_id) {
    KMS_ASSIGN_OR_RETURN(auto page, deps_.store.ListAliases(call.scope.account, call.scope.region,
                                                            after, page_size));
    return ListPage<AliasRecord>{std::move(page.items), std::move(page.next_marker)};
  }
  // Only the caller's own keys (not named in the record: ListAliases is not
  // a cross-account operation).
  KMS_ASSIGN_OR_RETURN(ResolvedKey key,
                       deps_.keys.Resolve(call.scope, *request.key_id, KeyIdForms::kKeyIdOrArn));
  if (key.key->account != call.scope.account) {
    return Error(Code::kNotFound, "Key '" + key.key->Arn() + "' does not exist");
  }
  KMS_ASSIGN_OR_RETURN(std::vector<AliasRecord> all,
                       deps_.store.ListAliasesForKey(key.key->store_id()));
  ListPage<AliasRecord> page;
  for (AliasRecord& alias : all) {
    if (!after.empty() && alias.alias_name <= after) continue;
    if (page.items.size() == page_size) {
      page.next = page.items.back().alias_name;
      break;
    }
    page.items.push_back(std::move(alias));
  }
  return page;
}

}  // namespace kms::keys
