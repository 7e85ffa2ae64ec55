#include "statement_matcher.h"

#include <string>
#include <vector>

#include "matching.h"

namespace kms::policy::internal {
namespace {

using Kind = PrincipalEntry::Kind;

PrincipalScope EntryScope(const PrincipalEntry& entry, const Principal& caller) {
  const bool is_service = caller.type == PrincipalType::kAwsService;
  switch (entry.kind) {
    case Kind::kAll:
      return PrincipalScope::kDirect;
    case Kind::kAccount:
      if (is_service || caller.account.empty() || caller.account != entry.value) break;
      return caller.type == PrincipalType::kRoot ? PrincipalScope::kDirect
                                                 : PrincipalScope::kAccount;
    case Kind::kArn:
      if (is_service) break;
      if ((!caller.principal_arn.empty() && entry.value == caller.principal_arn) ||
          (!caller.arn.empty() && entry.value == caller.arn)) {
        return PrincipalScope::kDirect;
      }
      break;
    case Kind::kService:
      if (is_service && entry.value == caller.arn) return PrincipalScope::kDirect;
      break;
    case Kind::kFederated:
      break;
  }
  return PrincipalScope::kNone;
}

// Whether one identity of the caller is listed: `kind` is kAccount, kArn or
// kService, naming the identity's form.
bool Listed(const PrincipalSpec& spec, Kind kind, const std::string& value) {
  for (const PrincipalEntry& entry : spec.entries) {
    if (entry.kind == Kind::kAll) return true;
    if (entry.kind == kind && entry.value == value) return true;
  }
  return false;
}

// NotPrincipal: the statement applies unless every identity is listed.
PrincipalScope NotPrincipalScope(const PrincipalSpec& spec, const Principal& caller) {
  bool all_listed = false;
  switch (caller.type) {
    case PrincipalType::kAwsService:
      all_listed = Listed(spec, Kind::kService, caller.arn);
      break;
    case PrincipalType::kRoot:
      all_listed = Listed(spec, Kind::kAccount, caller.account);
      break;
    case PrincipalType::kIamUser:
      all_listed = Listed(spec, Kind::kAccount, caller.account) &&
                   Listed(spec, Kind::kArn, caller.principal_arn);
      break;
    case PrincipalType::kAssumedRole:
      all_listed = Listed(spec, Kind::kAccount, caller.account) &&
                   Listed(spec, Kind::kArn, caller.principal_arn) &&
                   Listed(spec, Kind::kArn, caller.arn);
      break;
  }
  return all_listed ? PrincipalScope::kNone : PrincipalScope::kDirect;
}

bool PatternMatches(const ResourcePattern& pattern, const RequestKeys& keys) {
  if (pattern.any) return true;
  const std::string& resource = keys.request().resource;
  if (!pattern.arn.has_variables()) {
    return ArnMatch(pattern.arn.text(), resource, pattern.arn.literal_mask());
  }
  std::string text;
  std::vector<uint8_t> mask;
  return pattern.arn.Resolve(keys, &text, &mask) && ArnMatch(text, resource, mask);
}

}  // namespace

bool ActionMatches(const Statement& statement, std::string_view action) {
  bool listed = false;
  for (const std::string& pattern : statement.actions) {
    if (GlobMatch(pattern, action, /*ignore_case=*/true)) {
      listed = true;
      break;
    }
  }
  return listed != statement.not_action;
}

bool ResourceMatches(const Statement& statement, const RequestKeys& keys) {
  bool listed = false;
  for (const ResourcePattern& pattern : statement.resources) {
    if (PatternMatches(pattern, keys)) {
      listed = true;
      break;
    }
  }
  return listed != statement.not_resource;
}

PrincipalScope PrincipalScopeFor(const PrincipalSpec& spec, const Principal& caller) {
  if (!spec.present) return PrincipalScope::kDirect;  // identity policy
  if (spec.negated) return NotPrincipalScope(spec, caller);
  PrincipalScope best = PrincipalScope::kNone;
  for (const PrincipalEntry& entry : spec.entries) {
    const PrincipalScope scope = EntryScope(entry, caller);
    if (scope > best) best = scope;
    if (best == PrincipalScope::kDirect) break;
  }
  return best;
}

}  // namespace kms::policy::internal
