// CreateAlias, UpdateAlias, DeleteAlias and ListAliases: the aliases of the
// caller's account and region. Thread-safe.
#ifndef KMS_SERVER_KEYS_ALIAS_SERVICE_H_
#define KMS_SERVER_KEYS_ALIAS_SERVICE_H_

#include <optional>
#include <string>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

// The most aliases one key may have (the KMS quota).
inline constexpr size_t kMaxAliasesPerKey = 50;

struct AliasRequest {  // CreateAlias and UpdateAlias
  std::string alias_name;
  std::string target_key_id;
};

struct DeleteAliasRequest {
  std::string alias_name;
};

struct ListAliasesRequest {
  std::optional<std::string> key_id;  // only the aliases of this key
  PageRequest page;                   // positions are alias names
};

class AliasService {
 public:
  explicit AliasService(const ServiceDeps& deps) : deps_(deps) {}

  // Errors, in this order: ValidationException for a name without "alias/",
  // NotAuthorizedException for alias/aws/ names, InvalidAliasNameException for
  // "alias/" alone; the target's resolution; NotFoundException for a key of
  // another account; NotAuthorizedException for an AWS managed key;
  // AccessDenied; the key state's; AlreadyExistsException; LimitExceeded past
  // kMaxAliasesPerKey.
  Status CreateAlias(CallContext& call, const AliasRequest& request);
  // Points an existing alias at another key: authorized on both keys.
  Status UpdateAlias(CallContext& call, const AliasRequest& request);
  // Authorized on the key the alias points at.
  Status DeleteAlias(CallContext& call, const DeleteAliasRequest& request);
  // By name, 50 a page unless Limit says otherwise (at most 100). A KeyId of
  // another account's key is NotFoundException: aliases are not shared.
  StatusOr<ListPage<AliasRecord>> ListAliases(CallContext& call, const ListAliasesRequest& request);

 private:
  // A customer managed key of the caller's account, for CreateAlias and UpdateAlias.
  StatusOr<ResolvedKey> ResolveTarget(CallContext& call, std::string_view target_key_id);
  // The alias of the caller's scope, named in the trace.
  StatusOr<std::shared_ptr<const AliasRecord>> FindAlias(CallContext& call,
                                                         std::string_view alias_name);

  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_ALIAS_SERVICE_H_
