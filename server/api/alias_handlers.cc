// CreateAlias, UpdateAlias, DeleteAlias, ListAliases.
#include "server/api/handler_util.h"
#include "server/api/handlers.h"

namespace kms::api {
namespace {

constexpr size_t kMaxAliasesPerKey = 50;

bool IsAliasName(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != ':' && c != '/' && c != '_' && c != '-') return false;
  }
  return true;
}
constexpr StringRule kAliasNameRule{.required = true, .min_length = 1, .max_length = 256,
                                    .pattern = "^[a-zA-Z0-9:/_-]+$", .matches = IsAliasName};

// The service-level checks of an alias name a customer may create or change.
Status CheckCustomerAliasName(std::string_view name) {
  if (!name.starts_with("alias/")) {
    return Error(Code::kValidation,
                 "Alias must start with the prefix \"alias/\". Please see "
                 "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
  }
  // alias/aws/ names belong to AWS managed keys.
  if (name.starts_with("alias/aws/")) return Error(Code::kNotAuthorized);
  if (name.size() == 6) return Error(Code::kInvalidAliasName, "Alias name must not be empty after \"alias/\".");
  return OkStatus();
}

std::unexpected<Status> AliasNotFound(const Call& call, std::string_view name) {
  return Error(Code::kNotFound, "Alias " + AliasArn(call.scope.region, call.scope.account, name) + " is not found.");
}

// The target of CreateAlias/UpdateAlias: a customer managed key of the
// caller's account and region, not pending deletion.
StatusOr<keys::ResolvedKey> ResolveAliasTarget(Call& call, std::string_view target_key_id) {
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey target, ResolveKey(call, target_key_id, keys::KeyIdForms::kKeyIdOrArn));
  if (target.key->account != call.scope.account) {
    return Error(Code::kNotFound, "Key '" + target.key->Arn() + "' does not exist");
  }
  if (target.key->key_manager == KeyManager::kAws) {
    return Error(Code::kNotAuthorized);
  }
  return target;
}

void WriteAlias(JsonOut& out, const AliasRecord& alias) {
  out.StartObject().Field("AliasName", alias.alias_name).Field("AliasArn", alias.Arn());
  out.Field("TargetKeyId", alias.target_key_id);
  out.Time("CreationDate", alias.creation_date).Time("LastUpdatedDate", alias.last_updated_date);
  out.EndObject();
}

}  // namespace

StatusOr<std::string> CreateAlias(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> name = in.String("AliasName", kAliasNameRule);
  std::optional<std::string> target_id = in.String("TargetKeyId", kKeyIdRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(CheckCustomerAliasName(*name));
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey target, ResolveAliasTarget(call, *target_id));
  call.audit.AddResource(AliasArn(call.scope.region, call.scope.account, *name));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, "kms:CreateAlias", *target.key));
  KMS_RETURN_IF_ERROR(keys::CheckKeyState(*target.key, keys::KeyUse::kManage));
  KMS_RETURN_IF_ERROR(call.services.keys->store().Update([&](KeyStoreTxn& txn) -> Status {
    if (txn.GetAlias(call.scope.account, call.scope.region, *name).has_value()) {
      return Error(Code::kAlreadyExists, "An alias with the name " +
                                             AliasArn(call.scope.region, call.scope.account, *name) + " already exists");
    }
    KMS_ASSIGN_OR_RETURN(size_t count, txn.CountAliasesForKey(target.key->key_id));
    if (count >= kMaxAliasesPerKey) {
      return Error(Code::kLimitExceeded, "The number of aliases for " + target.key->Arn() + " exceeds the limit of 50.");
    }
    return txn.PutAlias(AliasRecord{call.scope.account, call.scope.region, *name, target.key->key_id, call.now, call.now});
  }));
  return std::string();
}

StatusOr<std::string> UpdateAlias(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> name = in.String("AliasName", kAliasNameRule);
  std::optional<std::string> target_id = in.String("TargetKeyId", kKeyIdRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(CheckCustomerAliasName(*name));
  auto alias = call.services.keys->store().GetAlias(call.scope.account, call.scope.region, *name);
  if (!alias) return alias.error().code() == Code::kNotFound ? AliasNotFound(call, *name) : std::unexpected(alias.error());
  call.audit.AddResource((*alias)->Arn());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey old_target,
                       ResolveKey(call, (*alias)->target_key_id, keys::KeyIdForms::kKeyIdOrArn));
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey target, ResolveAliasTarget(call, *target_id));
  // UpdateAlias needs permission on both the current and the new target key.
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, "kms:UpdateAlias", *old_target.key));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, "kms:UpdateAlias", *target.key));
  KMS_RETURN_IF_ERROR(keys::CheckKeyState(*target.key, keys::KeyUse::kManage));
  KMS_RETURN_IF_ERROR(call.services.keys->store().Update([&](KeyStoreTxn& txn) -> Status {
    KMS_ASSIGN_OR_RETURN(AliasRecord current, txn.GetAlias(call.scope.account, call.scope.region, *name));
    if (current.target_key_id != target.key->key_id) {
      KMS_ASSIGN_OR_RETURN(size_t count, txn.CountAliasesForKey(target.key->key_id));
      if (count >= kMaxAliasesPerKey) {
        return Error(Code::kLimitExceeded, "The number of aliases for " + target.key->Arn() + " exceeds the limit of 50.");
      }
    }
    current.target_key_id = target.key->key_id;
    current.last_updated_date = call.now;
    return txn.PutAlias(current);
  }));
  return std::string();
}

StatusOr<std::string> DeleteAlias(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> name = in.String("AliasName", kAliasNameRule);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(CheckCustomerAliasName(*name));
  auto alias = call.services.keys->store().GetAlias(call.scope.account, call.scope.region, *name);
  if (!alias) return alias.error().code() == Code::kNotFound ? AliasNotFound(call, *name) : std::unexpected(alias.error());
  call.audit.AddResource((*alias)->Arn());
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey target, ResolveKey(call, (*alias)->target_key_id, keys::KeyIdForms::kKeyIdOrArn));
  KMS_RETURN_IF_ERROR(AuthorizeKey(call, "kms:DeleteAlias", *target.key));
  KMS_RETURN_IF_ERROR(call.services.keys->store().Update([&](KeyStoreTxn& txn) {
    return txn.DeleteAlias(call.scope.account, call.scope.region, *name);
  }));
  return std::string();
}

StatusOr<std::string> ListAliases(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  std::optional<std::string> key_id = in.String("KeyId", kOptionalKeyIdRule);
  const PageRequest page_request = ReadPageRequest(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(const std::string after, page_request.Position());
  AccessRequest request;
  request.action = "kms:ListAliases";
  KMS_RETURN_IF_ERROR(call.services.access->Authorize(call, std::move(request)));
  const size_t page_size = page_request.Size(50, 100);
  Page<AliasRecord> page;
  if (key_id) {
    // Only the caller's own keys: ListAliases is not a cross-account operation.
    KMS_ASSIGN_OR_RETURN(keys::ResolvedKey key,
                         call.services.keys->Resolve(call.scope, *key_id, keys::KeyIdForms::kKeyIdOrArn));
    if (key.key->account != call.scope.account) {
      return Error(Code::kNotFound, "Key '" + key.key->Arn() + "' does not exist");
    }
    KMS_ASSIGN_OR_RETURN(std::vector<AliasRecord> all, call.services.keys->store().ListAliasesForKey(key.key->key_id));
    for (AliasRecord& alias : all) {
      if (!after.empty() && alias.alias_name <= after) continue;
      if (page.items.size() == page_size) {
        page.next_marker = page.items.back().alias_name;
        break;
      }
      page.items.push_back(std::move(alias));
    }
  } else {
    KMS_ASSIGN_OR_RETURN(page, call.services.keys->store().ListAliases(call.scope.account, call.scope.region, after, page_size));
  }
  JsonOut out;
  out.StartObject().Key("Aliases").StartArray();
  for (const AliasRecord& alias : page.items) WriteAlias(out, alias);
  out.EndArray();
  WritePaging(out, page.next_marker);
  out.EndObject();
  return out.Take();
}

}  // namespace kms::api
