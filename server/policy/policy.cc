// Evaluation of one parsed policy (IAM User Guide, "Policy evaluation logic").
#include "kms/server/policy/policy.h"

#include <string>

#include "condition_evaluator.h"
#include "matching.h"
#include "policy_document.h"
#include "request_keys.h"
#include "statement_matcher.h"

namespace kms::policy {
namespace {

using internal::Condition;
using internal::Effect;
using internal::RequestKeys;
using internal::Statement;

// All operators of a Condition block are AND-ed, and so are all keys within
// one operator (IAM User Guide, "Creating a condition with multiple keys or
// values"); each (operator, key) pair is one Condition here.
const Condition* FirstFailingCondition(const Statement& statement, const RequestKeys& keys) {
  for (const Condition& condition : statement.conditions) {
    if (!internal::ConditionHolds(condition, keys, statement.effect)) return &condition;
  }
  return nullptr;
}

}  // namespace

Policy::Policy(std::unique_ptr<const internal::PolicyDocument> document)
    : document_(std::move(document)) {}

Policy::~Policy() = default;

PolicyKind Policy::kind() const { return document_->kind; }

const std::string& Policy::version() const { return document_->version; }

size_t Policy::statement_count() const { return document_->statements.size(); }

std::string Policy::StatementName(size_t index) const {
  if (index >= document_->statements.size()) return {};
  const std::string& sid = document_->statements[index].sid;
  if (!sid.empty()) return sid;
  return "Statement[" + std::to_string(index) + "]";
}

// A statement applies when its action, principal, resource and every
// condition match. A matching Deny decides at once: an explicit deny
// overrides any allow.
PolicyEvaluation Policy::Evaluate(const RequestContext& request) const {
  const RequestKeys keys(request);
  PolicyEvaluation result;
  for (const Statement& statement : document_->statements) {
    if (!statement.effective || !internal::ActionMatches(statement, request.action)) continue;
    const PrincipalScope scope =
        internal::PrincipalScopeFor(statement.principal, request.principal);
    if (scope == PrincipalScope::kNone) continue;
    if (!internal::ResourceMatches(statement, keys)) continue;
    const bool allow = statement.effect == Effect::kAllow;
    if (FirstFailingCondition(statement, keys) != nullptr) {
      if (allow && result.closest_statement == PolicyEvaluation::kNone) {
        result.closest_statement = statement.index;
      }
      continue;
    }
    if (!allow) {
      result.deny_statement = statement.index;
      return result;
    }
    if (scope > result.allow_scope) {
      result.allow_scope = scope;
      result.allow_statement = statement.index;
    }
  }
  return result;
}

std::string Policy::ExplainFailedCondition(size_t index, const RequestContext& request) const {
  if (index >= document_->statements.size()) return {};
  const RequestKeys keys(request);
  const Condition* failed = FirstFailingCondition(document_->statements[index], keys);
  return failed == nullptr ? std::string() : internal::DescribeCondition(*failed, keys);
}

bool ActionPatternMatches(std::string_view pattern, std::string_view action) {
  return internal::GlobMatch(pattern, action, /*ignore_case=*/true);
}

}  // namespace kms::policy
