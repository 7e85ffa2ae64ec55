// The typed form of a parsed policy. Internal to server/policy.
#ifndef KMS_SERVER_POLICY_POLICY_DOCUMENT_H_
#define KMS_SERVER_POLICY_POLICY_DOCUMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kms/server/policy/policy.h"
#include "matching.h"
#include "value_template.h"

namespace kms::policy::internal {

enum class Effect { kAllow, kDeny };

// One entry of a Principal or NotPrincipal element.
struct PrincipalEntry {
  enum class Kind {
    kAll,        // "*" or {"AWS": "*"}
    kAccount,    // "111122223333" or "arn:aws:iam::111122223333:root"
    kArn,        // user, role, assumed-role session or federated-user ARN
    kService,    // {"Service": "rds.amazonaws.com"}
    kFederated,  // {"Federated": ...}: never matches a kmsd caller
  };
  Kind kind = Kind::kAll;
  std::string value;  // account id, ARN or service name
};

struct PrincipalSpec {
  bool present = false;
  bool negated = false;  // NotPrincipal
  std::vector<PrincipalEntry> entries;
};

// Condition operators, without the Not/IfExists/set variations.
enum class BaseOperator {
  kStringEquals,
  kStringEqualsIgnoreCase,
  kStringLike,
  kNumericEquals,
  kNumericLessThan,
  kNumericLessThanEquals,
  kNumericGreaterThan,
  kNumericGreaterThanEquals,
  kDateEquals,
  kDateLessThan,
  kDateLessThanEquals,
  kDateGreaterThan,
  kDateGreaterThanEquals,
  kBool,
  kBinaryEquals,
  kIpAddress,
  kArnLike,  // ArnEquals and ArnLike behave identically (IAM docs)
  kNull,
};

enum class SetQualifier { kNone, kForAnyValue, kForAllValues };

// One policy value of a condition, pre-parsed for its operator family.
struct ConditionValue {
  ValueTemplate text;                     // String, Arn, Bool (raw text for all)
  std::optional<double> number;           // Numeric: the number; Date: epoch seconds
  std::optional<IpRange> ip;              // IpAddress
  std::optional<std::string> bytes;       // BinaryEquals: decoded base64
  std::optional<bool> null_means_absent;  // Null: "true" -> true
};

// One (operator, key) pair of a Condition block.
struct Condition {
  std::string operator_name;  // as written, e.g. "ForAnyValue:StringLikeIfExists"
  std::string key;            // as written, e.g. "kms:EncryptionContext:Dept"
  BaseOperator op = BaseOperator::kStringEquals;
  bool negated = false;
  bool if_exists = false;
  SetQualifier set = SetQualifier::kNone;
  bool has_variables = false;  // some value has a policy variable
  std::vector<ConditionValue> values;
};

// A resource pattern: "*" or an ARN pattern (matched per ARN component).
struct ResourcePattern {
  bool any = false;
  ValueTemplate arn;
};

struct Statement {
  std::string sid;
  size_t index = 0;
  Effect effect = Effect::kAllow;
  // KMS accepts key policy statements without Action or Resource, which then
  // have no effect (KMS API reference, PutKeyPolicy "Policy").
  bool effective = true;
  bool not_action = false;
  std::vector<std::string> actions;  // lowercased glob patterns
  bool not_resource = false;
  std::vector<ResourcePattern> resources;
  PrincipalSpec principal;
  std::vector<Condition> conditions;
};

struct PolicyDocument {
  PolicyKind kind = PolicyKind::kKeyPolicy;
  std::string version;  // "2012-10-17", "2008-10-17"
  std::string id;
  std::vector<Statement> statements;
};

}  // namespace kms::policy::internal

#endif  // KMS_SERVER_POLICY_POLICY_DOCUMENT_H_
