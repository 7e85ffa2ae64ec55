#include "condition_evaluator.h"

#include <span>
#include <string_view>
#include <vector>

#include "matching.h"

namespace kms::policy::internal {
namespace {

// The policy values of one condition as text, with variables substituted for
// this request when the condition has any.
class PolicyTexts {
 public:
  PolicyTexts(const Condition& condition, const RequestKeys& keys) : condition_(condition) {
    if (!condition.has_variables) return;
    const size_t n = condition.values.size();
    texts_.resize(n);
    masks_.resize(n);
    resolved_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      resolved_[i] = condition.values[i].text.Resolve(keys, &texts_[i], &masks_[i]);
    }
  }

  bool resolved(size_t i) const { return !condition_.has_variables || resolved_[i]; }
  std::string_view text(size_t i) const {
    return condition_.has_variables ? std::string_view(texts_[i])
                                    : condition_.values[i].text.text();
  }
  std::span<const uint8_t> mask(size_t i) const {
    return condition_.has_variables ? std::span<const uint8_t>(masks_[i])
                                    : condition_.values[i].text.literal_mask();
  }

 private:
  const Condition& condition_;
  std::vector<std::string> texts_;
  std::vector<std::vector<uint8_t>> masks_;
  std::vector<bool> resolved_;
};

bool CompareNumbers(BaseOperator op, double request, double policy) {
  switch (op) {
    case BaseOperator::kNumericEquals:
    case BaseOperator::kDateEquals:
      return request == policy;
    case BaseOperator::kNumericLessThan:
    case BaseOperator::kDateLessThan:
      return request < policy;
    case BaseOperator::kNumericLessThanEquals:
    case BaseOperator::kDateLessThanEquals:
      return request <= policy;
    case BaseOperator::kNumericGreaterThan:
    case BaseOperator::kDateGreaterThan:
      return request > policy;
    case BaseOperator::kNumericGreaterThanEquals:
    case BaseOperator::kDateGreaterThanEquals:
      return request >= policy;
    default:
      return false;
  }
}

bool IsDateOperator(BaseOperator op) {
  return op >= BaseOperator::kDateEquals && op <= BaseOperator::kDateGreaterThanEquals;
}

// The positive (non-negated) comparison of one request value with policy value i.
bool CompareOne(const Condition& condition, const PolicyTexts& texts, size_t i,
                std::string_view request) {
  const ConditionValue& value = condition.values[i];
  switch (condition.op) {
    case BaseOperator::kStringEquals:
      return texts.text(i) == request;
    case BaseOperator::kStringEqualsIgnoreCase:
      return EqualsIgnoreCase(texts.text(i), request);
    case BaseOperator::kStringLike:
      return GlobMatch(texts.text(i), request, /*ignore_case=*/false, texts.mask(i));
    case BaseOperator::kBool:
      return EqualsIgnoreCase(texts.text(i), request);
    case BaseOperator::kArnLike:
      return ArnMatch(texts.text(i), request, texts.mask(i));
    case BaseOperator::kBinaryEquals:
      return value.bytes && *value.bytes == request;
    case BaseOperator::kIpAddress:
      return value.ip && IpInRange(*value.ip, request);
    case BaseOperator::kNull:
      return false;
    default:
      break;
  }
  if (!value.number) return false;
  const std::optional<double> parsed =
      IsDateOperator(condition.op) ? ParseDate(request) : ParseNumber(request);
  return parsed && CompareNumbers(condition.op, *parsed, *value.number);
}

// OR over the policy values; unresolvable values match nothing.
bool AnyPolicyValueMatches(const Condition& condition, const PolicyTexts& texts,
                           std::string_view request) {
  for (size_t i = 0; i < condition.values.size(); ++i) {
    if (texts.resolved(i) && CompareOne(condition, texts, i, request)) return true;
  }
  return false;
}

// One request value against the operator, negation included.
bool RequestValueMatches(const Condition& condition, const PolicyTexts& texts,
                         std::string_view request) {
  return AnyPolicyValueMatches(condition, texts, request) != condition.negated;
}

bool NullHolds(const Condition& condition, const RequestKeys& keys) {
  const auto values = keys.Find(condition.key);
  const bool absent = !values || values->empty();
  for (const ConditionValue& value : condition.values) {
    if (value.null_means_absent && *value.null_means_absent == absent) return true;
  }
  return false;
}

bool SetHolds(const Condition& condition, const PolicyTexts& texts,
              std::optional<std::span<const std::string>> values) {
  if (condition.set == SetQualifier::kForAllValues) {
    if (!values) return true;
    for (const std::string& value : *values) {
      if (!RequestValueMatches(condition, texts, value)) return false;
    }
    return true;
  }
  if (!values) return condition.if_exists;
  for (const std::string& value : *values) {
    if (RequestValueMatches(condition, texts, value)) return true;
  }
  return false;
}

bool SingleHolds(const Condition& condition, const PolicyTexts& texts,
                 std::span<const std::string> values) {
  bool any_positive = false;
  for (const std::string& value : values) {
    if (AnyPolicyValueMatches(condition, texts, value)) {
      any_positive = true;
      break;
    }
  }
  return any_positive != condition.negated;
}

void AppendList(std::string* out, std::span<const std::string> items) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->append(", ");
    out->append(items[i]);
  }
  out->push_back(']');
}

bool HoldsFor(const Condition& condition, const PolicyTexts& texts,
              std::optional<std::span<const std::string>> values) {
  if (condition.set != SetQualifier::kNone) return SetHolds(condition, texts, values);
  if (!values || values->empty()) return condition.if_exists || condition.negated;
  return SingleHolds(condition, texts, *values);
}

}  // namespace

bool ConditionHolds(const Condition& condition, const RequestKeys& keys, Effect effect) {
  if (condition.op == BaseOperator::kNull) return NullHolds(condition, keys);
  const PolicyTexts texts(condition, keys);
  const auto values = keys.Find(condition.key);
  if (values && values->size() > 1 && keys.HasAlternatives(condition.key)) {
    // Each alternative is tried as the key's only value: an Allow needs all
    // of them to hold, a Deny any one.
    const bool need_all = effect == Effect::kAllow;
    for (const std::string& value : *values) {
      if (HoldsFor(condition, texts, std::span<const std::string>(&value, 1)) != need_all)
        return !need_all;
    }
    return need_all;
  }
  return HoldsFor(condition, texts, values);
}

std::string DescribeCondition(const Condition& condition, const RequestKeys& keys) {
  std::string out = condition.operator_name + " " + condition.key + ": request has ";
  const auto values = keys.Find(condition.key);
  if (!values) {
    out.append("no value");
  } else {
    AppendList(&out, *values);
  }
  out.append("; policy wants ");
  std::vector<std::string> wanted;
  const PolicyTexts texts(condition, keys);
  for (size_t i = 0; i < condition.values.size(); ++i) {
    if (!condition.has_variables) {
      wanted.push_back(condition.values[i].text.raw());
    } else if (texts.resolved(i)) {
      wanted.emplace_back(texts.text(i));
    } else {
      wanted.push_back(condition.values[i].text.raw() + " (unresolved)");
    }
  }
  AppendList(&out, wanted);
  return out;
}

}  // namespace kms::policy::internal
