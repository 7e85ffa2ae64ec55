#include "kms/server/keys/access.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>

namespace kms::keys {
namespace {

// Condition key names are case-insensitive, so is this search.
bool MentionsResourceAliases(std::string_view document) {
  constexpr std::string_view kKey = "kms:resourcealiases";
  auto it =
      std::search(document.begin(), document.end(), kKey.begin(), kKey.end(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != document.end();
}

}  // namespace

void AddEncryptionContextConditions(const EncryptionContext& context,
                                    policy::ConditionValues& values, std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(context.size());
  for (const auto& [key, value] : context) pairs.emplace_back(std::string(prefix) + key, value);
  values.SetAll(std::move(pairs));
  const std::string keys_key = std::string(prefix.substr(0, prefix.size() - 1)) + "Keys";
  for (const auto& [key, value] : context) values.Add(keys_key, key);
}

StatusOr<std::unique_ptr<Access>> Access::Create(const config::ServerConfig& config,
                                                 KeyStore& store) {
  std::unique_ptr<Access> access(new Access(config, store));
  for (const config::Identity& identity : config.identities) {
    auto& parsed = access->identity_policies_[&identity];
    for (const config::IdentityPolicy& named : identity.policies) {
      policy::ParseOptions options;
      options.kind = policy::PolicyKind::kIdentityPolicy;
      options.max_bytes = 131072;
      auto doc = policy::ParsePolicy(named.document, options);
      if (!doc) {
        return Error(Code::kValidation, "config: IAM policy " + named.name + " of " +
                                            identity.principal.arn + ": " + doc.error().message());
      }
      parsed.push_back(policy::NamedPolicy{named.name, std::move(*doc)});
      access->identity_mentions_aliases_[&identity] |= MentionsResourceAliases(named.document);
    }
  }
  return access;
}

const std::vector<policy::NamedPolicy>& Access::IdentityPolicies(
    const config::Identity* identity) const {
  static const std::vector<policy::NamedPolicy> kNone;
  if (identity == nullptr) return kNone;
  auto it = identity_policies_.find(identity);
  return it == identity_policies_.end() ? kNone : it->second;
}

bool Access::PrincipalExists(std::string_view arn) const {
  // arn:aws:iam::<account>:user/<path/>name | role/<path/>name
  if (!arn.starts_with("arn:aws:iam::") || arn.size() < 26) return true;
  const std::string account(arn.substr(13, 12));
  bool configured = false;
  for (const std::string& a : config_.accounts) configured |= a == account;
  if (!configured) return true;  // an account kmsd does not model: nothing to check against
  for (const config::Identity& identity : config_.identities) {
    if (identity.principal.principal_arn == arn) return true;
  }
  return false;
}

StatusOr<std::shared_ptr<const policy::Policy>> Access::ParseKeyPolicy(
    std::string_view document) const {
  policy::ParseOptions options;
  options.kind = policy::PolicyKind::kKeyPolicy;
  options.max_bytes = policy::kMaxKeyPolicyBytes;
  options.principal_exists = [this](std::string_view arn) { return PrincipalExists(arn); };
  // Over the 32 KB quota: LimitExceededException, as the KMS API reference says.
  return policy::ParsePolicy(document, options);
}

StatusOr<Access::ParsedKeyPolicy> Access::KeyPolicy(const KeyRecord& key) {
  {
    std::shared_lock lock(cache_mu_);
    auto it = key_policies_.find(key.store_id());
    if (it != key_policies_.end() && it->second.text == key.policy) {
      const CachedPolicy& cached = it->second;
      if (cached.parsed.policy == nullptr) return Error(Code::kInternal, cached.parse_error);
      return cached.parsed;
    }
  }
  policy::ParseOptions options;
  options.kind = policy::PolicyKind::kKeyPolicy;
  options.max_bytes = SIZE_MAX;  // stored policies were checked when they were set
  auto parsed = policy::ParsePolicy(key.policy, options);
  if (!parsed) {
    // Logged once per policy text: the failure is cached like a policy.
    std::fprintf(
        stderr,
        "kmsd: the stored key policy of %s does not parse (%s); denying every request on the key\n",
        key.Arn().c_str(), parsed.error().message().c_str());
    CachedPolicy failed{key.policy, ParsedKeyPolicy{},
                        "the stored key policy does not parse: " + parsed.error().message()};
    std::unique_lock lock(cache_mu_);
    key_policies_[key.store_id()] = failed;
    return Error(Code::kInternal, failed.parse_error);
  }
  const ParsedKeyPolicy fresh{*parsed, MentionsResourceAliases(key.policy)};
  std::unique_lock lock(cache_mu_);
  key_policies_[key.store_id()] = CachedPolicy{key.policy, fresh, ""};
  return fresh;
}

void Access::AddCommonConditions(const auth::Caller& caller, EpochMillis now, const KeyRecord* key,
                                 bool with_aliases, policy::ConditionValues& values) {
  values.Set("aws:CurrentTime", FormatIso8601(now));
  values.Set("aws:EpochTime", std::to_string(now / 1000));
  values.Set("aws:SecureTransport", caller.secure_transport ? "true" : "false");
  values.Set("aws:RequestedRegion", caller.region);
  values.Set("aws:ViaAWSService", caller.via_service.empty() ? "false" : "true");
  if (!caller.via_service.empty()) {
    values.Set("kms:ViaService", caller.via_service);
  } else if (!caller.source_ip.empty()) {
    // For calls made by a service, aws:SourceIp would be the service's address.
    values.Set("aws:SourceIp", caller.source_ip);
  }
  if (key == nullptr) return;
  values.Set("kms:KeySpec", key->key_spec);
  values.Set("kms:KeyUsage", key->key_usage);
  values.Set("kms:KeyOrigin", key->origin);
  values.Set("kms:MultiRegion", key->multi_region ? "true" : "false");
  if (key->multi_region)
    values.Set("kms:MultiRegionKeyType", std::string(MultiRegionKeyType(*key)));
  std::vector<std::pair<std::string, std::string>> tags;
  tags.reserve(key->tags.size());
  for (const Tag& tag : key->tags) tags.emplace_back("aws:ResourceTag/" + tag.key, tag.value);
  values.SetAll(std::move(tags));
  if (!with_aliases) return;
  if (auto aliases = store_.ListAliasesForKey(key->store_id()); aliases.has_value()) {
    for (const AliasRecord& alias : *aliases) values.Add("kms:ResourceAliases", alias.alias_name);
  }
}

policy::Decision Access::Evaluate(const auth::Caller& caller, EpochMillis now,
                                  AccessRequest& request,
                                  std::shared_ptr<const policy::Policy> key_policy,
                                  policy::RequestContext* context_out) {
  policy::AuthorizationInput input;
  bool with_aliases = key_policy != nullptr;  // an override's text is unknown: assume it may
  if (caller.identity != nullptr) {
    auto it = identity_mentions_aliases_.find(caller.identity);
    with_aliases |= it != identity_mentions_aliases_.end() && it->second;
  }
  std::optional<Status> unreadable_policy;
  if (request.key != nullptr) {
    input.key_account = request.key->account;
    if (key_policy == nullptr) {
      auto stored = KeyPolicy(*request.key);
      if (stored) {
        key_policy = stored->policy;
        with_aliases |= stored->mentions_resource_aliases;
      } else {
        unreadable_policy = stored.error();
      }
    }
    input.key_policy = key_policy;
  }
  policy::RequestContext context;
  context.action = request.action;
  context.resource = request.key != nullptr ? request.key->Arn()
                                            : (request.resource.empty() ? "*" : request.resource);
  context.principal = caller.principal;
  context.conditions = std::move(request.conditions);
  AddCommonConditions(caller, now, request.key, with_aliases, context.conditions);
  input.request = &context;
  input.identity_policies = IdentityPolicies(caller.identity);
  // Fail closed: a key whose policy cannot be read allows nothing, not even
  // through grants or IAM policies (its policy might deny the request).
  policy::Decision decision;
  if (unreadable_policy) {
    decision.reason = policy::Decision::Reason::kKeyPolicyUnreadable;
    decision.deciding_policy = "key policy";
    decision.failed_condition = unreadable_policy->message();
    if (context_out != nullptr) *context_out = std::move(context);
    return decision;
  }
  if (grants_ != nullptr && request.key != nullptr && !request.grant_operation.empty()) {
    input.grant_allows = grants_->FindAllowingGrant(caller.principal, request);
  }
  decision = policy::Authorize(input);
  if (context_out != nullptr) *context_out = std::move(context);
  return decision;
}

Status Access::Authorize(CallContext& call, AccessRequest request) {
  if (grants_ != nullptr && request.grant_tokens != nullptr && !request.grant_tokens->empty()) {
    KMS_RETURN_IF_ERROR(grants_->ValidateTokens(*request.grant_tokens));
  }
  policy::RequestContext context;
  policy::Decision decision = Evaluate(call.caller, call.now, request, nullptr, &context);
  // Several authorizations in one call (ReEncrypt): the last decides.
  call.trace.decision = decision;
  if (decision.allowed) return OkStatus();
  return Error(Code::kAccessDenied, policy::AccessDeniedMessage(context, decision));
}

}  // namespace kms::keys
