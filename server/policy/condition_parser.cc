// Parsing of a statement's Condition block (IAM User Guide, "IAM JSON policy
// elements: Condition operators").
#include <optional>
#include <set>

#include "kms/encoding.h"
#include "matching.h"
#include "parser_util.h"

namespace kms::policy::internal {
namespace {

struct OperatorInfo {
  std::string_view name;
  BaseOperator op;
  bool negated;
};

constexpr OperatorInfo kOperators[] = {
    {"StringEquals", BaseOperator::kStringEquals, false},
    {"StringNotEquals", BaseOperator::kStringEquals, true},
    {"StringEqualsIgnoreCase", BaseOperator::kStringEqualsIgnoreCase, false},
    {"StringNotEqualsIgnoreCase", BaseOperator::kStringEqualsIgnoreCase, true},
    {"StringLike", BaseOperator::kStringLike, false},
    {"StringNotLike", BaseOperator::kStringLike, true},
    {"NumericEquals", BaseOperator::kNumericEquals, false},
    {"NumericNotEquals", BaseOperator::kNumericEquals, true},
    {"NumericLessThan", BaseOperator::kNumericLessThan, false},
    {"NumericLessThanEquals", BaseOperator::kNumericLessThanEquals, false},
    {"NumericGreaterThan", BaseOperator::kNumericGreaterThan, false},
    {"NumericGreaterThanEquals", BaseOperator::kNumericGreaterThanEquals, false},
    {"DateEquals", BaseOperator::kDateEquals, false},
    {"DateNotEquals", BaseOperator::kDateEquals, true},
    {"DateLessThan", BaseOperator::kDateLessThan, false},
    {"DateLessThanEquals", BaseOperator::kDateLessThanEquals, false},
    {"DateGreaterThan", BaseOperator::kDateGreaterThan, false},
    {"DateGreaterThanEquals", BaseOperator::kDateGreaterThanEquals, false},
    {"Bool", BaseOperator::kBool, false},
    {"BinaryEquals", BaseOperator::kBinaryEquals, false},
    {"IpAddress", BaseOperator::kIpAddress, false},
    {"NotIpAddress", BaseOperator::kIpAddress, true},
    {"ArnEquals", BaseOperator::kArnLike, false},
    {"ArnLike", BaseOperator::kArnLike, false},
    {"ArnNotEquals", BaseOperator::kArnLike, true},
    {"ArnNotLike", BaseOperator::kArnLike, true},
    {"Null", BaseOperator::kNull, false},
};

// Splits "ForAnyValue:StringLikeIfExists" into its parts. Operator names are
// matched without regard to case. False for an unknown operator, and for
// NullIfExists, which IAM does not define.
bool ParseOperatorName(std::string_view name, Condition* condition) {
  constexpr std::string_view kForAny = "ForAnyValue:";
  constexpr std::string_view kForAll = "ForAllValues:";
  constexpr std::string_view kIfExists = "IfExists";
  if (StartsWithIgnoreCase(name, kForAny)) {
    condition->set = SetQualifier::kForAnyValue;
    name.remove_prefix(kForAny.size());
  } else if (StartsWithIgnoreCase(name, kForAll)) {
    condition->set = SetQualifier::kForAllValues;
    name.remove_prefix(kForAll.size());
  }
  if (name.size() > kIfExists.size() &&
      EqualsIgnoreCase(name.substr(name.size() - kIfExists.size()), kIfExists)) {
    condition->if_exists = true;
    name.remove_suffix(kIfExists.size());
  }
  for (const OperatorInfo& info : kOperators) {
    if (!EqualsIgnoreCase(info.name, name)) continue;
    if (info.op == BaseOperator::kNull && condition->if_exists) return false;
    condition->op = info.op;
    condition->negated = info.negated;
    return true;
  }
  return false;
}

// Whether policy variables may appear in this operator's values (IAM User
// Guide, "Variables and tags": string and ARN operators; the condition
// operators page adds Bool).
bool AllowsVariables(BaseOperator op) {
  return op == BaseOperator::kStringEquals || op == BaseOperator::kStringEqualsIgnoreCase ||
         op == BaseOperator::kStringLike || op == BaseOperator::kArnLike ||
         op == BaseOperator::kBool;
}

bool IsNumeric(BaseOperator op) {
  return op >= BaseOperator::kNumericEquals && op <= BaseOperator::kNumericGreaterThanEquals;
}

bool IsDate(BaseOperator op) {
  return op >= BaseOperator::kDateEquals && op <= BaseOperator::kDateGreaterThanEquals;
}

// Pre-parses one policy value. Values that do not parse for their operator
// (a bad number, date, CIDR or base64) are kept and never match.
ConditionValue ParseValue(BaseOperator op, const std::string& raw, bool variables) {
  ConditionValue value;
  value.text = ValueTemplate(raw, variables && AllowsVariables(op));
  if (IsNumeric(op)) {
    value.number = ParseNumber(raw);
  } else if (IsDate(op)) {
    value.number = ParseDate(raw);
  } else if (op == BaseOperator::kIpAddress) {
    value.ip = ParseIpRange(raw);
  } else if (op == BaseOperator::kBinaryEquals) {
    if (std::optional<Bytes> bytes = Base64Decode(raw)) {
      value.bytes = std::string(AsString(*bytes));
    }
  } else if (op == BaseOperator::kNull) {
    if (EqualsIgnoreCase(raw, "true")) value.null_means_absent = true;
    if (EqualsIgnoreCase(raw, "false")) value.null_means_absent = false;
  }
  return value;
}

// KMS rejects ForAllValues on single-valued encryption context and request tag
// keys in key policies (KMS Developer Guide, "AWS KMS condition keys", set
// operators).
Status CheckOverlyPermissive(const Condition& condition, PolicyKind kind) {
  if (kind != PolicyKind::kKeyPolicy || condition.set != SetQualifier::kForAllValues) {
    return OkStatus();
  }
  std::string_view what;
  if (StartsWithIgnoreCase(condition.key, "kms:EncryptionContext:")) {
    what = "encryption context";
  } else if (StartsWithIgnoreCase(condition.key, "aws:RequestTag/")) {
    what = "tag";
  } else {
    return OkStatus();
  }
  return Malformed(
      "OverlyPermissiveCondition: Using the ForAllValues set operator with a single-valued "
      "condition key matches requests without the specified " +
      std::string(what) + " or with an unspecified " + std::string(what) +
      ". To fix, remove ForAllValues.");
}

// One (operator, key) pair; `prototype` carries the parsed operator.
StatusOr<Condition> ParseCondition(const Condition& prototype, std::string_view key,
                                   const JsonValue& values, bool variables, PolicyKind kind) {
  Condition condition = prototype;
  condition.key = std::string(key);
  if (key.find(':') == std::string_view::npos || key.front() == ':') {
    return Malformed(std::string(kNoVendorPrefix));
  }
  KMS_RETURN_IF_ERROR(CheckOverlyPermissive(condition, kind));
  KMS_ASSIGN_OR_RETURN(std::vector<std::string> raws,
                       ReadStringList(values, "Condition", /*scalars=*/true, /*allow_empty=*/true));
  condition.values.reserve(raws.size());
  for (const std::string& raw : raws) {
    condition.values.push_back(ParseValue(condition.op, raw, variables));
    condition.has_variables =
        condition.has_variables || condition.values.back().text.has_variables();
  }
  return condition;
}

}  // namespace

StatusOr<std::vector<Condition>> ParseConditionBlock(const JsonValue& value, bool variables,
                                                     PolicyKind kind) {
  if (!value.IsObject()) return Malformed("The Condition element must be a JSON object.");
  std::vector<Condition> conditions;
  std::set<std::string_view> operators;
  for (const auto& entry : value.GetObject()) {
    const std::string_view name(entry.name.GetString(), entry.name.GetStringLength());
    if (!operators.insert(name).second) {
      return Malformed(
          "Policy contains a Condition with a duplicate operator: " + std::string(name) + ".");
    }
    Condition prototype;
    prototype.operator_name = std::string(name);
    if (!ParseOperatorName(name, &prototype)) {
      return Malformed("Policy contains an invalid condition operator: " + std::string(name) + ".");
    }
    if (!entry.value.IsObject()) {
      return Malformed("Condition operator " + std::string(name) + " must map keys to values.");
    }
    std::set<std::string_view> keys;
    for (const auto& pair : entry.value.GetObject()) {
      const std::string_view key(pair.name.GetString(), pair.name.GetStringLength());
      if (!keys.insert(key).second) {
        return Malformed("Condition operator " + std::string(name) +
                         " has a duplicate key: " + std::string(key) + ".");
      }
      KMS_ASSIGN_OR_RETURN(Condition condition,
                           ParseCondition(prototype, key, pair.value, variables, kind));
      conditions.push_back(std::move(condition));
    }
  }
  return conditions;
}

}  // namespace kms::policy::internal
