// Shared pieces of the policy parser. Internal to server/policy; the only
// place besides the .cc files that sees RapidJSON.
#ifndef KMS_SERVER_POLICY_PARSER_UTIL_H_
#define KMS_SERVER_POLICY_PARSER_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "kms/server/policy/policy.h"
#include "kms/status.h"
#include "policy_document.h"

namespace kms::policy::internal {

using JsonValue = rapidjson::Value;

// AWS's texts (seen in KMS and IAM error responses).
inline constexpr std::string_view kInvalidPrincipals =
    "Policy contains a statement with one or more invalid principals.";
inline constexpr std::string_view kNoPrincipal = "Policy contains a statement with no principal.";
inline constexpr std::string_view kPrincipalInIdentityPolicy =
    "Policy document should not specify a principal.";
inline constexpr std::string_view kNoVendorPrefix =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";

// A kMalformedPolicyDocument error.
std::unexpected<Status> Malformed(std::string message);

// The element's value as a list of strings: a string, or an array of strings.
// With `scalars`, JSON numbers and booleans count as strings too (condition
// values, IAM User Guide "Grammar": condition_value is a string, number or
// Boolean). An empty array is accepted only with `allow_empty`.
StatusOr<std::vector<std::string>> ReadStringList(const JsonValue& value, std::string_view element,
                                                  bool scalars, bool allow_empty);

// Principal or NotPrincipal of a key-policy statement.
StatusOr<PrincipalSpec> ParsePrincipal(const JsonValue& value, bool negated,
                                       const ParseOptions& options);

// A statement's Condition block. `variables`: the document's Version allows
// policy variables.
StatusOr<std::vector<Condition>> ParseConditionBlock(const JsonValue& value, bool variables,
                                                     PolicyKind kind);

}  // namespace kms::policy::internal

#endif  // KMS_SERVER_POLICY_PARSER_UTIL_H_
