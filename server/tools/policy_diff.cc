#include "kms/server/tools/policy_diff.h"

#include <algorithm>
#include <map>
#include <set>

#include <rapidjson/document.h>

#include "kms/json/reader.h"
#include "kms/text.h"
#include "offline_kms.h"
#include "policy_tools.h"

namespace kms::tools {
namespace {

constexpr std::string_view kRegion = "us-east-1";
// The account no policy names: what anybody else gets.
constexpr std::string_view kOutsideAccount = "999999999999";
// A value no condition names.
constexpr std::string_view kOutsideValue = "kmsd-diff-outside";
// Up to this many condition cases, every combination of the values is tried;
// beyond, each value alone.
constexpr size_t kMaxCombinations = 64;
// What a principal of another account is assumed to be allowed by its own IAM
// policies: everything, so that the key policy alone decides.
constexpr std::string_view kAllowAllKms =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]})";

// Condition keys that describe the caller: set by the principal, not by the
// request, so the principals stand for them (those that name principals or
// accounts add them to the principals tried: kPrincipalNamingKeys).
constexpr std::string_view kCallerKeys[] = {"aws:principaltype",
                                            "aws:userid",
                                            "aws:username",
                                            "aws:principalorgid",
                                            "aws:principalorgpaths",
                                            "aws:principalisawsservice",
                                            "aws:principalservicename",
                                            "aws:principalservicenamelist"};
// Condition keys whose values name principals or accounts.
constexpr std::string_view kPrincipalNamingKeys[] = {"aws:principalarn", "aws:principalaccount",
                                                     "kms:calleraccount"};

// The values one condition key is compared with, in either policy.
struct Dimension {
  std::string name;  // as first written
  std::set<std::string> values;
};

// What a policy names: principals, services and condition values.
struct PolicyFacts {
  std::set<std::string> principals;  // AWS principals as written, "*" left out
  std::set<std::string> services;
  std::map<std::string, Dimension> conditions;  // by lowercased key
};

std::vector<std::string> Texts(const rapidjson::Value& value) {
  std::vector<std::string> out;
  auto add = [&](const rapidjson::Value& item) {
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
    if (item.IsBool()) out.emplace_back(item.GetBool() ? "true" : "false");
    if (item.IsInt64()) out.push_back(std::to_string(item.GetInt64()));
  };
  if (value.IsArray()) {
    for (const rapidjson::Value& item : value.GetArray()) add(item);
  } else {
    add(value);
  }
  return out;
}

void ReadStatement(const rapidjson::Value& statement, PolicyFacts& facts) {
  if (!statement.IsObject()) return;
  for (const char* member : {"Principal", "NotPrincipal"}) {
    const auto principal = statement.FindMember(member);
    if (principal == statement.MemberEnd() || !principal->value.IsObject()) continue;
    for (const auto& [kind, names] : principal->value.GetObject()) {
      for (std::string& name : Texts(names)) {
        if (name == "*") continue;
        (std::string_view(kind.GetString()) == "Service" ? facts.services : facts.principals)
            .insert(std::move(name));
      }
    }
  }
  const auto condition = statement.FindMember("Condition");
  if (condition == statement.MemberEnd() || !condition->value.IsObject()) return;
  for (const auto& [op, keys] : condition->value.GetObject()) {
    if (!keys.IsObject()) continue;
    for (const auto& [key, values] : keys.GetObject()) {
      const std::string name(key.GetString(), key.GetStringLength());
      const std::string lowered = ToLower(name);
      if (std::ranges::find(kPrincipalNamingKeys, lowered) != std::end(kPrincipalNamingKeys)) {
        for (std::string& value : Texts(values)) facts.principals.insert(std::move(value));
        continue;
      }
      if (std::ranges::find(kCallerKeys, lowered) != std::end(kCallerKeys) ||
          lowered.starts_with("aws:principaltag/"))
        continue;
      Dimension& dimension = facts.conditions[lowered];
      if (dimension.name.empty()) dimension.name = name;
      for (std::string& value : Texts(values)) dimension.values.insert(std::move(value));
    }
  }
}

StatusOr<PolicyFacts> ReadFacts(std::string_view text, std::string_view name) {
  rapidjson::Document policy;
  KMS_RETURN_IF_ERROR(json::ParseObject(text, name, &policy));
  PolicyFacts facts;
  const rapidjson::Value& root = policy;
  if (const auto statements = root.FindMember("Statement"); statements != root.MemberEnd()) {
    if (statements->value.IsArray()) {
      for (const rapidjson::Value& statement : statements->value.GetArray())
        ReadStatement(statement, facts);
    } else {
      ReadStatement(statements->value, facts);
    }
  }
  return facts;
}

// A value that a wildcard pattern matches: each '*' and '?' becomes "x".
std::string Instance(std::string_view pattern) {
  std::string out(pattern);
  std::ranges::replace(out, '*', 'x');
  std::ranges::replace(out, '?', 'x');
  return out;
}

// The values tried for one key: each the policies name (wildcards
// instantiated), then one outside them all.
std::vector<std::string> ValuesToTry(const std::string& lowered, const Dimension& dimension) {
  std::vector<std::string> values;
  values.reserve(dimension.values.size() + 2);
  for (const std::string& value : dimension.values) values.push_back(Instance(value));
  if (std::ranges::all_of(dimension.values,
                          [](const std::string& v) { return v == "true" || v == "false"; })) {
    for (std::string_view b : {"true", "false"})
      if (std::ranges::find(values, b) == values.end()) values.emplace_back(b);
    return values;
  }
  if (std::ranges::all_of(dimension.values,
                          [](const std::string& v) { return IsAsciiDigits(v); })) {
    // Ten times the longest number, plus one: above every number named.
    const auto longest = std::ranges::max(dimension.values, {}, &std::string::size);
    values.push_back(longest + "1");
    return values;
  }
  if (lowered == "kms:viaservice") {
    values.emplace_back("kmsd-outside.us-east-1.amazonaws.com");
  } else if (lowered == "aws:sourceip") {
    values.emplace_back("203.0.113.7");
  } else {
    values.emplace_back(kOutsideValue);
  }
  return values;
}

// One set of condition values for a request; absent keys are left out.
struct Case {
  std::vector<std::pair<std::string, std::string>> values;  // name as written, value
};

std::vector<Case> Cases(const std::map<std::string, Dimension>& conditions) {
  std::vector<std::pair<std::string, std::vector<std::string>>> dimensions;
  size_t combinations = 1;
  for (const auto& [lowered, dimension] : conditions) {
    dimensions.emplace_back(dimension.name, ValuesToTry(lowered, dimension));
    combinations =
        std::min(kMaxCombinations + 1, combinations * (dimensions.back().second.size() + 1));
  }
  std::vector<Case> cases(1);  // none set
  if (combinations <= kMaxCombinations) {
    for (const auto& [name, values] : dimensions) {
      std::vector<Case> extended;
      for (const Case& base : cases) {
        extended.push_back(base);
        for (const std::string& value : values) {
          Case with = base;
          with.values.emplace_back(name, value);
          extended.push_back(std::move(with));
        }
      }
      cases = std::move(extended);
    }
    return cases;
  }
  for (const auto& [name, values] : dimensions) {
    for (const std::string& value : values) cases.push_back({{{name, value}}});
  }
  return cases;
}

std::string Describe(const Case& c) {
  if (c.values.empty()) return "with no condition values";
  std::string text = "when ";
  for (size_t i = 0; i < c.values.size(); ++i) {
    if (i > 0) text += ", ";
    text += c.values[i].first + "=" + c.values[i].second;
  }
  return text;
}

keys::ExplainRequest RequestFor(const std::string& principal, std::string_view action,
                                const Case& c, const std::string& key_arn) {
  keys::ExplainRequest request;
  request.principal = principal;
  request.action = "kms:" + std::string(action);
  request.key_id = key_arn;
  for (const auto& [name, value] : c.values) {
    const std::string lowered = ToLower(name);
    if (lowered == "kms:viaservice") {
      request.via_service = value;
    } else if (lowered == "aws:sourceip") {
      request.source_ip = value.substr(0, value.find('/'));
    } else if (lowered.starts_with("kms:encryptioncontext:")) {
      if (!request.encryption_context) request.encryption_context.emplace();
      (*request
            .encryption_context)[name.substr(std::string_view("kms:encryptioncontext:").size())] =
          value;
    } else if (lowered == "kms:encryptioncontextkeys") {
      if (!request.encryption_context) request.encryption_context.emplace();
      request.encryption_context->try_emplace(value, "v");
    } else {
      request.conditions[name].push_back(value);
    }
  }
  return request;
}

// An identity for a principal a policy names that the config does not have.
config::Identity NamedIdentity(const std::string& arn, std::string_view key_account, size_t n) {
  config::Identity identity;
  char access_key[24];
  std::snprintf(access_key, sizeof access_key, "AKIAKMSDDIFF%08zu", n);
  identity.access_key_id = access_key;
  Principal& p = identity.principal;
  p.account = PrincipalAccount(arn);
  const std::string resource = arn.substr(arn.find(':', arn.find(p.account)) + 1);
  p.arn = p.principal_arn = arn;
  p.principal_id = "AIDAKMSDDIFF" + std::to_string(n);
  if (resource == "root") {
    p.type = PrincipalType::kRoot;
    p.principal_id = p.account;
  } else if (resource.starts_with("role/") || resource.starts_with("assumed-role/")) {
    const std::vector<std::string_view> parts = Split(resource, '/');
    const std::string role(parts.size() > 1 ? parts[1] : "role");
    p.type = PrincipalType::kAssumedRole;
    p.user_name = role;
    p.session_name = parts.size() > 2 && resource.starts_with("assumed-role/")
                         ? std::string(parts[2])
                         : "kmsd-policy-diff";
    p.arn = "arn:aws:sts::" + p.account + ":assumed-role/" + role + "/" + p.session_name;
    if (resource.starts_with("assumed-role/"))
      p.principal_arn = "arn:aws:iam::" + p.account + ":role/" + role;
    p.principal_id = "AROAKMSDDIFF" + std::to_string(n) + ":" + p.session_name;
  } else {
    p.type = PrincipalType::kIamUser;
    p.user_name = resource.substr(resource.rfind('/') + 1);
  }
  if (p.account != key_account)
    identity.policies.push_back({"AllowKms", std::string(kAllowAllKms)});
  return identity;
}

bool Configured(const config::ServerConfig& config, std::string_view arn) {
  return std::ranges::any_of(config.identities, [&](const config::Identity& identity) {
    return identity.principal.arn == arn || identity.principal.principal_arn == arn;
  });
}

// The config with an identity for each principal and account the policies
// name, each config account's root and an outside user, and each service.
config::ServerConfig PrincipalsToTry(const config::ServerConfig& base, std::string_view account,
                                     const PolicyFacts& old_facts, const PolicyFacts& new_facts) {
  config::ServerConfig config = base;
  std::set<std::string> named;
  for (const PolicyFacts* facts : {&old_facts, &new_facts}) {
    for (const std::string& principal : facts->principals) {
      if (IsAccountId(principal)) {
        named.insert("arn:aws:iam::" + principal + ":root");
      } else if (!PrincipalAccount(principal).empty()) {
        named.insert(Instance(principal));
      }
    }
    for (const std::string& service : facts->services) {
      if (std::ranges::none_of(config.service_principals,
                               [&](const auto& s) { return s.service == service; }))
        config.service_principals.push_back({service, "", ""});
    }
  }
  for (const std::string& id : base.accounts) named.insert("arn:aws:iam::" + id + ":root");
  named.insert("arn:aws:iam::" + std::string(kOutsideAccount) + ":user/kmsd-outsider");
  for (const std::string& arn : named) {
    if (!Configured(config, arn))
      config.identities.push_back(NamedIdentity(arn, account, config.identities.size()));
  }
  return config;
}

// The key both policies are put on.
KeyRecord DiffKey(std::string_view account) {
  KeyRecord key;
  key.key_id = std::string(kExampleKeyId);
  key.account = std::string(account);
  key.region = std::string(kRegion);
  return key;
}

StatusOr<std::unique_ptr<OfflineKms>> KmsWithPolicy(const config::ServerConfig& config,
                                                    KeyRecord key, std::string_view policy,
                                                    std::string_view name) {
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<OfflineKms> kms, OfflineKms::Create(config));
  key.policy = std::string(policy);
  KMS_RETURN_IF_ERROR(kms->AddKey(key, {}, {}, name));
  return kms;
}

}  // namespace

StatusOr<PolicyDiff> DiffKeyPolicies(std::string_view old_policy, std::string_view new_policy,
                                     std::string_view account, const config::ServerConfig& base) {
  KMS_ASSIGN_OR_RETURN(const PolicyFacts old_facts, ReadFacts(old_policy, "OLD"));
  KMS_ASSIGN_OR_RETURN(const PolicyFacts new_facts, ReadFacts(new_policy, "NEW"));
  const config::ServerConfig config = PrincipalsToTry(base, account, old_facts, new_facts);
  const KeyRecord key = DiffKey(account);
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<OfflineKms> before,
                       KmsWithPolicy(config, key, old_policy, "OLD"));
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<OfflineKms> after,
                       KmsWithPolicy(config, key, new_policy, "NEW"));

  std::map<std::string, Dimension> conditions = old_facts.conditions;
  for (const auto& [lowered, dimension] : new_facts.conditions) {
    Dimension& merged = conditions[lowered];
    if (merged.name.empty()) merged.name = dimension.name;
    merged.values.insert(dimension.values.begin(), dimension.values.end());
  }
  const std::vector<Case> cases = Cases(conditions);
  // Each identity once, by the ARN its calls carry (an assumed role's session).
  std::vector<std::string> principals;
  for (const config::Identity& identity : config.identities) {
    if (std::ranges::find(principals, identity.principal.arn) == principals.end())
      principals.push_back(identity.principal.arn);
  }
  for (const config::ServicePrincipal& service : config.service_principals)
    principals.push_back(service.service);
  const std::string key_arn = key.Arn();

  PolicyDiff diff;
  diff.principals = principals.size();
  diff.cases = cases.size();
  for (std::string_view action : kKmsActions) {
    if (IsKeylessAction("kms:" + std::string(action))) continue;
    ++diff.actions;
    for (const std::string& principal : principals) {
      if (IsNotFoundToOtherAccount(principal, account, "kms:" + std::string(action))) continue;
      for (const Case& c : cases) {
        const keys::ExplainRequest request = RequestFor(principal, action, c, key_arn);
        KMS_ASSIGN_OR_RETURN(const keys::Explanation was, before->Explain(request, key.region));
        KMS_ASSIGN_OR_RETURN(const keys::Explanation now, after->Explain(request, key.region));
        ++diff.requests;
        if (was.decision.allowed == now.decision.allowed) continue;
        DecisionChange change{principal, request.action, Describe(c), DecisionName(was.decision),
                              DecisionName(now.decision)};
        (now.decision.allowed ? diff.gains : diff.losses).push_back(std::move(change));
      }
    }
  }
  return diff;
}

std::string FormatPolicyDiff(const PolicyDiff& diff) {
  std::string out;
  auto group = [&](const std::vector<DecisionChange>& changes, std::string_view heading) {
    if (changes.empty()) return;
    out.append(heading).append("\n");
    // principal -> action -> the cases that change
    std::map<std::string, std::map<std::string, std::vector<std::string>>> by_principal;
    for (const DecisionChange& change : changes)
      by_principal[change.principal][change.action].push_back(change.when);
    for (const auto& [principal, actions] : by_principal) {
      out.append("  ").append(principal).append("\n");
      for (const auto& [action, whens] : actions) {
        std::string line = "    " + action;
        line.append(line.size() < 46 ? 46 - line.size() : 1, ' ');
        if (whens.size() == diff.cases) {
          line += "in every case tried";
        } else {
          constexpr size_t kShown = 3;
          for (size_t i = 0; i < whens.size() && i < kShown; ++i)
            line += (i ? "; " : "") + whens[i];
          if (whens.size() > kShown)
            line += "; and " + std::to_string(whens.size() - kShown) + " more cases";
        }
        out.append(line).append("\n");
      }
    }
  };
  group(diff.gains, "Newly allowed (NEW grants what OLD did not):");
  group(diff.losses, "Newly denied (NEW takes away what OLD allowed):");
  if (diff.gains.empty() && diff.losses.empty()) out += "No request's decision changes.\n";
  out += std::to_string(diff.gains.size()) + " requests newly allowed, " +
         std::to_string(diff.losses.size()) + " newly denied, of " + std::to_string(diff.requests) +
         " decided under each policy (" + std::to_string(diff.principals) + " principals, " +
         std::to_string(diff.actions) + " actions, " + std::to_string(diff.cases) +
         " condition cases).\n";
  return out;
}

}  // namespace kms::tools
