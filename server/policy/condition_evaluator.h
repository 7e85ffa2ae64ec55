// Evaluation of one condition (operator, key, values) against a request.
#ifndef KMS_SERVER_POLICY_CONDITION_EVALUATOR_H_
#define KMS_SERVER_POLICY_CONDITION_EVALUATOR_H_

#include <string>

#include "policy_document.h"
#include "request_keys.h"

namespace kms::policy::internal {

// Whether `condition` holds (IAM User Guide, "Condition operators" and
// "Creating a condition with multiple keys or values"):
//  - several policy values for the key are OR-ed; for a negated operator
//    (StringNotEquals, NotIpAddress, ArnNotLike, ...) the result is the NOR
//    of the positive comparisons;
//  - a key absent from the request makes the condition false, except that a
//    negated operator is then true, and ...IfExists is then true;
//  - Null "true" holds when the key is absent, "false" when it is present;
//  - ForAllValues holds when every request value matches (true when the key
//    is absent or has no values); ForAnyValue holds when at least one does
//    (false when absent or empty, unless ...IfExists and absent);
//  - a single-valued operator on a key with several request values holds when
//    any of them matches (negated: when none matches the positive test);
//  - on a key whose values are alternatives (ConditionValues::Entry), the
//    condition is evaluated once per value, as if it were the only one, and
//    holds when every evaluation does for an Allow statement (`effect`), when
//    any does for a Deny statement: no reading of an ambiguous request can
//    widen what a policy allows or escape what it denies;
//  - a policy value whose policy variable cannot be resolved matches nothing;
//  - Bool compares "true"/"false" without regard to case; Numeric and Date
//    compare parsed values, and a request value that does not parse matches
//    nothing.
// Allocation-free unless the condition has policy variables.
bool ConditionHolds(const Condition& condition, const RequestKeys& keys, Effect effect);

// Describes the condition against the request, e.g. "StringEquals
// kms:ViaService: request has no value; policy wants [rds.us-east-1.amazonaws.com]".
std::string DescribeCondition(const Condition& condition, const RequestKeys& keys);

}  // namespace kms::policy::internal

#endif  // KMS_SERVER_POLICY_CONDITION_EVALUATOR_H_
