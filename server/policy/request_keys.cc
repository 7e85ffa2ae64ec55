#include "request_keys.h"

#include "matching.h"

namespace kms::policy::internal {
namespace {

using Values = std::optional<std::span<const std::string>>;

Values One(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return std::span<const std::string>(&value, 1);
}

// aws:PrincipalType values (IAM User Guide, "Principal key values").
const std::string& PrincipalTypeValue(PrincipalType type) {
  static const std::string kAccount = "Account";
  static const std::string kUser = "User";
  static const std::string kAssumedRole = "AssumedRole";
  static const std::string kNone;
  switch (type) {
    case PrincipalType::kRoot:
      return kAccount;
    case PrincipalType::kIamUser:
      return kUser;
    case PrincipalType::kAssumedRole:
      return kAssumedRole;
    case PrincipalType::kAwsService:
      return kNone;
  }
  return kNone;
}

}  // namespace

bool RequestKeys::HasAlternatives(std::string_view key) const {
  const ConditionValues::Entry* entry = request_.conditions.FindEntry(key);
  return entry != nullptr && entry->alternatives;
}

std::optional<std::span<const std::string>> RequestKeys::Find(std::string_view key) const {
  if (const std::vector<std::string>* values = request_.conditions.Find(key)) {
    return std::span<const std::string>(*values);
  }
  return Derived(key);
}

std::optional<std::span<const std::string>> RequestKeys::Derived(std::string_view key) const {
  const Principal& principal = request_.principal;
  if (principal.type == PrincipalType::kAwsService) return std::nullopt;
  constexpr std::string_view kTagPrefix = "aws:principaltag/";
  if (StartsWithIgnoreCase(key, kTagPrefix)) {
    const std::string_view tag = key.substr(kTagPrefix.size());
    for (const auto& [tag_key, tag_value] : principal.tags) {
      if (EqualsIgnoreCase(tag_key, tag)) return std::span<const std::string>(&tag_value, 1);
    }
    return std::nullopt;
  }
  if (EqualsIgnoreCase(key, "aws:principalarn")) return One(principal.principal_arn);
  if (EqualsIgnoreCase(key, "aws:principalaccount")) return One(principal.account);
  if (EqualsIgnoreCase(key, "aws:principaltype")) return One(PrincipalTypeValue(principal.type));
  if (EqualsIgnoreCase(key, "aws:userid")) return One(principal.principal_id);
  if (EqualsIgnoreCase(key, "aws:username")) {
    if (principal.type != PrincipalType::kIamUser) return std::nullopt;
    return One(principal.user_name);
  }
  if (EqualsIgnoreCase(key, "kms:calleraccount")) {
    if (request_.resource == "*") return std::nullopt;
    return One(principal.account);
  }
  return std::nullopt;
}

}  // namespace kms::policy::internal
