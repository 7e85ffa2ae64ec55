// Key policies and IAM identity policies: parsing, and the pure evaluator that
// combines the key policy, the caller's identity policies and grants into an
// authorization decision that can explain itself (DESIGN.md section 5).
//
// Semantics follow the IAM User Guide ("Policy evaluation logic", "IAM JSON
// policy elements", "Condition operators", "Variables and tags") and the KMS
// Developer Guide ("Key policies", "Default key policy", "Allowing users in
// other accounts to use a KMS key", "AWS KMS condition keys"). Each rule in
// server/policy/ names its source.
//
// Nothing here does I/O. Parsed policies are immutable and thread-safe.
#ifndef KMS_SERVER_POLICY_POLICY_H_
#define KMS_SERVER_POLICY_POLICY_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kms/principal.h"
#include "kms/status.h"

namespace kms::policy {

enum class PolicyKind {
  kKeyPolicy,       // resource-based: every statement needs Principal/NotPrincipal
  kIdentityPolicy,  // IAM policy attached to the caller: no Principal allowed
};

// The KMS key policy quota: 32 KiB.
inline constexpr size_t kMaxKeyPolicyBytes = 32768;

struct ParseOptions {
  PolicyKind kind = PolicyKind::kKeyPolicy;
  // Longest accepted document, in bytes.
  size_t max_bytes = kMaxKeyPolicyBytes;
  // Optional. Called for each IAM user and role ARN in a Principal or
  // NotPrincipal; false makes the document invalid, as KMS rejects principals
  // that do not exist ("Policy contains a statement with one or more invalid
  // principals.").
  std::function<bool(std::string_view arn)> principal_exists;
};

class Policy;

// Parses a policy document once into its immutable typed form.
// Errors:
//  - kLimitExceeded: the document is longer than options.max_bytes (KMS
//    answers LimitExceededException for an oversized key policy).
//  - kMalformedPolicyDocument, with AWS's text where known: bad JSON, unknown
//    or duplicate element, unsupported Version, missing or unknown Effect,
//    Action and NotAction together (likewise Resource/NotResource,
//    Principal/NotPrincipal), an identity-policy statement without Action or
//    Resource, a key-policy statement without a principal ("Policy contains a
//    statement with no principal."), an invalid principal ("Policy contains a
//    statement with one or more invalid principals."), a principal in an
//    identity policy ("Policy document should not specify a principal."), a
//    Resource that is neither "*" nor an ARN, an unknown condition operator,
//    a malformed condition value list, a non-alphanumeric or repeated Sid in
//    an identity policy, and ForAllValues on a single-valued
//    kms:EncryptionContext:<key> or aws:RequestTag/<key> key in a key policy
//    ("OverlyPermissiveCondition: ...").
// A key-policy statement without Action or Resource is accepted and has no
// effect, as KMS does (KMS API reference, PutKeyPolicy).
StatusOr<std::shared_ptr<const Policy>> ParsePolicy(std::string_view json,
                                                    const ParseOptions& options);

// The condition key values of one request. Key names are case-insensitive:
// they are stored lowercased, including the <key> part of
// kms:EncryptionContext:<key> and aws:PrincipalTag/<key>. Values are lists
// (single-valued keys hold one); a key that is absent is simply not stored.
// Bools are "true"/"false"; dates ISO 8601 or epoch seconds; numbers decimal
// strings; binary values raw bytes. A value type, not thread-safe to mutate.
class ConditionValues {
 public:
  struct Entry {
    std::string key;  // lowercased
    std::vector<std::string> values;
    // The values are alternative readings of one single-valued key, not a
    // set: a condition on the key must hold for each of them to let an Allow
    // statement apply, and for any of them to let a Deny statement apply.
    bool alternatives = false;
  };

  // Replaces the values of `key` with the single `value`.
  void Set(std::string_view key, std::string value);
  // Appends `value` to the values of `key` (multi-valued keys).
  void Add(std::string_view key, std::string value);
  // Makes `key` present with no values (an empty multi-valued key).
  void SetEmpty(std::string_view key);
  void Remove(std::string_view key);
  // Sets many single-valued keys at once, in O(n log n) for n pairs (Set one
  // by one costs O(n) each). Keys of `pairs` that differ only in case (two
  // encryption-context keys "Tenant" and "tenant") become one key whose values
  // are alternatives: see Entry::alternatives.
  void SetAll(std::vector<std::pair<std::string, std::string>> pairs);

  // The values of `key` (any case), or nullptr when absent. Allocation-free.
  const std::vector<std::string>* Find(std::string_view key) const;
  // The entry of `key` (any case), or nullptr when absent. Allocation-free.
  const Entry* FindEntry(std::string_view key) const;
  size_t size() const { return entries_.size(); }

  // All entries, sorted by key.
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry>::iterator LowerBound(std::string_view key);
  std::vector<Entry>::iterator FindOrInsert(std::string_view key);

  std::vector<Entry> entries_;
};

// One request to authorize. When a key below is absent from `conditions`,
// the evaluator derives it from `principal`: aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username (IAM users
// only), aws:PrincipalTag/<key>, and kms:CallerAccount when `resource` is a key.
struct RequestContext {
  std::string action;  // "kms:Decrypt"; matched case-insensitively
  // The key ARN, or "*" for actions without a key (CreateKey, ListKeys,
  // ListAliases, GenerateRandom, ListRetirableGrants, ...).
  std::string resource;
  Principal principal;
  ConditionValues conditions;
};

// How a statement's Principal matched the caller.
enum class PrincipalScope {
  kNone,
  // Only through the caller's account (bare account id or
  // arn:aws:iam::<account>:root) while the caller is not that root: the key
  // policy delegates to the account's IAM policies.
  kAccount,
  // The caller itself: its user ARN, its role ARN (for the role's sessions),
  // its session ARN, its service name, "*", or the account root when the
  // caller is that root. Identity-policy statements always match kDirect.
  kDirect,
};

// The result of evaluating one policy against one request. Indices are
// statement positions in the document.
struct PolicyEvaluation {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t deny_statement = kNone;   // first matching Deny statement
  size_t allow_statement = kNone;  // first matching Allow with the widest scope
  PrincipalScope allow_scope = PrincipalScope::kNone;
  // First Allow statement whose action, resource and principal matched but a
  // condition did not (for explanations).
  size_t closest_statement = kNone;

  bool denied() const { return deny_statement != kNone; }
  bool allowed() const { return allow_statement != kNone; }
};

namespace internal {
struct PolicyDocument;
}  // namespace internal

// An immutable parsed policy. Share as std::shared_ptr<const Policy>.
// Thread-safe: all methods are const and touch no shared mutable state.
class Policy {
 public:
  ~Policy();
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  PolicyKind kind() const;
  const std::string& version() const;
  size_t statement_count() const;
  // The statement's Sid, or "Statement[<index>]" when it has none.
  std::string StatementName(size_t index) const;

  // Evaluates this policy alone. Allocation-free unless a policy variable
  // has to be substituted.
  PolicyEvaluation Evaluate(const RequestContext& request) const;

  // The first condition of statement `index` that fails for `request`, in
  // words, e.g. "StringEquals kms:ViaService: request has no value; policy
  // wants [rds.us-east-1.amazonaws.com]"; empty when all conditions hold.
  std::string ExplainFailedCondition(size_t index, const RequestContext& request) const;

  const internal::PolicyDocument& document() const { return *document_; }

 private:
  friend StatusOr<std::shared_ptr<const Policy>> ParsePolicy(std::string_view, const ParseOptions&);
  explicit Policy(std::unique_ptr<const internal::PolicyDocument> document);

  std::unique_ptr<const internal::PolicyDocument> document_;
};

struct NamedPolicy {
  std::string name;  // e.g. the IAM policy name
  std::shared_ptr<const Policy> policy;
};

struct AuthorizationInput {
  const RequestContext* request = nullptr;  // required
  std::string key_account;  // account that owns the key; "" for actions without a key
  // The key's policy; null for actions without a key (then IAM policies alone decide).
  std::shared_ptr<const Policy> key_policy;
  std::vector<NamedPolicy> identity_policies;  // empty for service principals and root
  // Set by the grants module when a grant allows this request, e.g. "grant 1a2b...".
  std::optional<std::string> grant_allows;
};

struct Decision {
  enum class Reason {
    kAllowedByKeyPolicy,       // the key policy names the caller
    kAllowedByIdentityPolicy,  // an IAM policy allows, and the key policy allows the
                               // caller's account (or there is no key)
    kAllowedByGrant,
    kAllowedAsAccountRoot,  // root, for an action without a key
    kExplicitDenyInKeyPolicy,
    kExplicitDenyInIdentityPolicy,
    kNoKeyPolicyAllow,       // implicit deny: the key policy allows neither caller nor account
    kNoIdentityPolicyAllow,  // implicit deny: no IAM policy allows
    // The key's stored policy cannot be read: nothing may allow a request on
    // the key (its policy might deny it), so every one is denied.
    kKeyPolicyUnreadable,
  };

  bool allowed = false;
  Reason reason = Reason::kNoKeyPolicyAllow;
  // "key policy", the IAM policy's name, or the grant; for implicit denies the
  // policy of the closest statement (empty when none came close).
  std::string deciding_policy;
  std::string deciding_statement;  // Sid or "Statement[i]"; empty for grants
  // For kAllowedByIdentityPolicy on a key: the key policy statement that
  // allowed the caller's account.
  std::string delegating_statement;
  // For implicit denies: the first failing condition of the closest statement.
  std::string failed_condition;

  // One line for audit records and the debugging endpoint.
  std::string Explain() const;
};

std::string_view ReasonName(Decision::Reason reason);  // "ExplicitDenyInKeyPolicy", ...

// Whether an Action or NotAction entry ("kms:Describe*") covers `action`
// ("kms:DescribeKey"), as the evaluator matches them: '*' and '?'
// wildcards, case-insensitive.
bool ActionPatternMatches(std::string_view pattern, std::string_view action);

// Decides one request (see authorizer.cc for each rule and its source). Pure.
Decision Authorize(const AuthorizationInput& input);

// The AccessDeniedException message AWS gives for a denied decision, e.g.
// "User: arn:aws:iam::111122223333:user/alice is not authorized to perform:
// kms:Decrypt on resource: arn:aws:kms:...:key/... because no resource-based
// policy allows the kms:Decrypt action"; "on resource: *" for actions without
// a key. Empty for an allowed decision.
std::string AccessDeniedMessage(const RequestContext& request, const Decision& decision);

}  // namespace kms::policy

#endif  // KMS_SERVER_POLICY_POLICY_H_
