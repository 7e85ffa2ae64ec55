// Authorization of KMS calls: builds the policy request context (principal,
// action, key, condition keys from the request), evaluates the key policy,
// the caller's IAM policies and grants, and records the decision in the
// call's trace. Thread-safe.
#ifndef KMS_SERVER_KEYS_ACCESS_H_
#define KMS_SERVER_KEYS_ACCESS_H_

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kms/server/config/config.h"
#include "kms/server/keys/call.h"
#include "kms/server/policy/policy.h"
#include "kms/server/store/key_record.h"
#include "kms/server/store/key_store.h"

namespace kms::keys {

// What one call asks to do.
struct AccessRequest {
  std::string action;              // "kms:Decrypt"
  const KeyRecord* key = nullptr;  // null for actions without a key
  // The resource of an action without a key; "*" when empty
  // (ListRetirableGrants authorizes on the retiring principal).
  std::string resource;
  // The grant operation that would allow this call ("Decrypt",
  // "ReEncryptFrom", ...); empty when grants cannot allow it.
  std::string grant_operation;
  const EncryptionContext* encryption_context = nullptr;  // for grant constraints
  const std::vector<std::string>* grant_tokens = nullptr;
  // CreateGrant: the grant being created, which a grant may only narrow.
  const GrantRecord* proposed_grant = nullptr;
  // Operation-specific condition keys (kms:EncryptionContext:*, kms:RequestAlias, ...).
  policy::ConditionValues conditions;
};

// Decides whether a grant allows a request; implemented by the grants module.
class GrantAuthority {
 public:
  virtual ~GrantAuthority() = default;
  // A description of the grant that allows `request` for `principal` ("grant
  // <id>"), or nullopt.
  virtual std::optional<std::string> FindAllowingGrant(const Principal& principal,
                                                       const AccessRequest& request) = 0;
  // InvalidGrantTokenException unless every token is one this server issued.
  virtual Status ValidateTokens(const std::vector<std::string>& tokens) = 0;
};

class Access {
 public:
  // Parses every identity policy of the config; kValidation naming the
  // identity and policy when one does not parse.
  static StatusOr<std::unique_ptr<Access>> Create(const config::ServerConfig& config,
                                                  KeyStore& store);

  void set_grant_authority(GrantAuthority* grants) { grants_ = grants; }

  // OK, or AccessDeniedException with AWS's text. Records the decision in
  // call.trace.
  Status Authorize(CallContext& call, AccessRequest request);

  // Evaluates without side effects (the explain facility and the policy
  // lockout check). `key_policy` overrides the key's stored policy when set.
  policy::Decision Evaluate(const auth::Caller& caller, EpochMillis now, AccessRequest& request,
                            std::shared_ptr<const policy::Policy> key_policy = nullptr,
                            policy::RequestContext* context_out = nullptr);

  // Parses a key policy as PutKeyPolicy/CreateKey do (principals of the
  // configured accounts must exist). MalformedPolicyDocumentException.
  StatusOr<std::shared_ptr<const policy::Policy>> ParseKeyPolicy(std::string_view document) const;

  const std::vector<policy::NamedPolicy>& IdentityPolicies(const config::Identity* identity) const;

 private:
  Access(const config::ServerConfig& config, KeyStore& store) : config_(config), store_(store) {}
  struct ParsedKeyPolicy {
    std::shared_ptr<const policy::Policy> policy;  // null when the text does not parse
    bool mentions_resource_aliases = false;
  };
  struct CachedPolicy {
    std::string text;
    ParsedKeyPolicy parsed;
    std::string parse_error;
  };
  // The key's parsed policy; kInternal (cached, logged once) when the stored
  // text does not parse.
  StatusOr<ParsedKeyPolicy> KeyPolicy(const KeyRecord& key);
  // `with_aliases`: also fill kms:ResourceAliases, which costs a store read.
  void AddCommonConditions(const auth::Caller& caller, EpochMillis now, const KeyRecord* key,
                           bool with_aliases, policy::ConditionValues& values);
  bool PrincipalExists(std::string_view arn) const;

  const config::ServerConfig& config_;
  KeyStore& store_;
  GrantAuthority* grants_ = nullptr;
  std::unordered_map<const config::Identity*, std::vector<policy::NamedPolicy>> identity_policies_;
  // Identities with an IAM policy that mentions kms:ResourceAliases.
  std::unordered_map<const config::Identity*, bool> identity_mentions_aliases_;

  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, CachedPolicy> key_policies_;
};

// Adds kms:EncryptionContext:<key> for each pair and kms:EncryptionContextKeys.
void AddEncryptionContextConditions(const EncryptionContext& context,
                                    policy::ConditionValues& values,
                                    std::string_view prefix = "kms:EncryptionContext:");

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_ACCESS_H_
