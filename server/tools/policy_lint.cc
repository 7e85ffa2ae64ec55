#include "kms/server/tools/policy_lint.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <span>

#include "kms/server/policy/policy.h"
#include "kms/server/seed/yaml_field.h"
#include "kms/text.h"
#include "policy_tools.h"

namespace kms::tools {
namespace {

using yaml::Field;

// KMS's condition keys (AWS KMS Developer Guide, "AWS KMS condition keys") and
// the global ones a key policy can use (IAM User Guide, "AWS global condition
// context keys"); lowercase. Prefixes end with ':' or '/'.
constexpr std::string_view kConditionKeys[] = {"kms:bypasspolicylockoutsafetycheck",
                                               "kms:calleraccount",
                                               "kms:customermasterkeyspec",
                                               "kms:customermasterkeyusage",
                                               "kms:datakeypairspec",
                                               "kms:encryptionalgorithm",
                                               "kms:encryptioncontextkeys",
                                               "kms:expirationmodel",
                                               "kms:grantconstrainttype",
                                               "kms:grantisforawsresource",
                                               "kms:grantoperations",
                                               "kms:granteeprincipal",
                                               "kms:keyagreementalgorithm",
                                               "kms:keyorigin",
                                               "kms:keyspec",
                                               "kms:keyusage",
                                               "kms:macalgorithm",
                                               "kms:messagetype",
                                               "kms:multiregion",
                                               "kms:multiregionkeytype",
                                               "kms:primaryregion",
                                               "kms:reencryptonsamekey",
                                               "kms:replicaregion",
                                               "kms:requestalias",
                                               "kms:resourcealiases",
                                               "kms:retiringprincipal",
                                               "kms:rotationperiodindays",
                                               "kms:schedulekeydeletionpendingwindowindays",
                                               "kms:signingalgorithm",
                                               "kms:validto",
                                               "kms:viaservice",
                                               "kms:wrappingalgorithm",
                                               "kms:wrappingkeyspec",
                                               "kms:recipientattestation:imagesha384",
                                               "aws:currenttime",
                                               "aws:epochtime",
                                               "aws:securetransport",
                                               "aws:sourceip",
                                               "aws:sourcevpc",
                                               "aws:sourcevpce",
                                               "aws:vpcsourceip",
                                               "aws:principalarn",
                                               "aws:principalaccount",
                                               "aws:principalorgid",
                                               "aws:principalorgpaths",
                                               "aws:principaltype",
                                               "aws:principalisawsservice",
                                               "aws:principalservicename",
                                               "aws:principalservicenameslist",
                                               "aws:userid",
                                               "aws:username",
                                               "aws:requestedregion",
                                               "aws:viaawsservice",
                                               "aws:calledvia",
                                               "aws:calledviafirst",
                                               "aws:calledvialast",
                                               "aws:sourcearn",
                                               "aws:sourceaccount",
                                               "aws:sourceorgid",
                                               "aws:sourceorgpaths",
                                               "aws:multifactorauthpresent",
                                               "aws:multifactorauthage",
                                               "aws:tokenissuetime",
                                               "aws:useragent",
                                               "aws:referer",
                                               "aws:tagkeys",
                                               "aws:resourceaccount",
                                               "aws:resourceorgid",
                                               "aws:resourceorgpaths",
                                               "aws:federatedprovider",
                                               "aws:sourceidentity",
                                               "aws:ec2instancesourcevpc",
                                               "aws:ec2instancesourceprivateipv4",
                                               "aws:rolesessionname"};
constexpr std::string_view kConditionKeyPrefixes[] = {
    "kms:encryptioncontext:", "kms:recipientattestation:pcr", "aws:requesttag/", "aws:resourcetag/",
    "aws:principaltag/"};

// Keys whose requests carry a set of values: a bare operator compares each
// value alone, which is rarely what is meant.
constexpr std::string_view kMultiValuedKeys[] = {"kms:encryptioncontextkeys", "kms:grantoperations",
                                                 "kms:resourcealiases", "aws:tagkeys"};

// Keys that narrow an Allow to "*" to an account, organization or principal.
constexpr std::string_view kNarrowingKeys[] = {
    "kms:calleraccount", "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths",
    "aws:principalarn",  "aws:sourceaccount",    "aws:sourcearn",      "aws:userid",
    "aws:username",      "aws:sourceorgid"};

bool Contains(std::span<const std::string_view> list, std::string_view value) {
  return std::ranges::find(list, value) != list.end();
}

bool IsKnownConditionKey(const std::string& key) {
  if (Contains(kConditionKeys, key)) return true;
  return std::ranges::any_of(kConditionKeyPrefixes, [&](std::string_view prefix) {
    return key.size() > prefix.size() && key.starts_with(prefix);
  });
}

// <service>.<region>.amazonaws.com, e.g. rds.us-east-1.amazonaws.com.
bool IsViaServiceName(std::string_view value) {
  constexpr std::string_view kSuffix = ".amazonaws.com";
  if (value.find_first_of("*?") != std::string_view::npos) return value.ends_with(kSuffix);
  if (!value.ends_with(kSuffix)) return false;
  const std::string_view name = value.substr(0, value.size() - kSuffix.size());
  const size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos ||
      name.find('.', dot + 1) != std::string_view::npos)
    return false;
  const std::string_view region = name.substr(dot + 1);
  // A region: letters and dashes, then a dash and digits (us-gov-west-1).
  const size_t last_dash = region.rfind('-');
  return last_dash != std::string_view::npos && last_dash > 2 && last_dash + 1 < region.size() &&
         std::ranges::all_of(region.substr(last_dash + 1),
                             [](char c) { return std::isdigit(c); }) &&
         std::ranges::all_of(region.substr(0, last_dash),
                             [](char c) { return std::islower(c) || c == '-'; });
}

// One condition: "ForAllValues:StringEquals" on "kms:GrantOperations".
struct ConditionUse {
  std::string op;    // as written
  std::string name;  // as written
  std::string key;   // lowercase, for comparisons
  Field where;
};

class Linter {
 public:
  explicit Linter(std::vector<LintFinding>& findings) : findings_(findings) {}

  void Statement(const Field& statement) {
    const std::optional<Field> effect = statement.Member("Effect");
    const bool allow = effect && effect->node().IsScalar() && effect->Text() == "Allow";
    for (const char* element : {"Action", "NotAction"}) {
      if (std::optional<Field> actions = statement.Member(element))
        for (const Field& action : Values(*actions)) Action(action);
    }
    std::vector<ConditionUse> conditions;
    if (std::optional<Field> block = statement.Member("Condition"); block && block->IsMap()) {
      for (const auto& [op, keys] : block->Members()) {
        if (!keys.IsMap()) continue;
        for (const auto& [key, values] : keys.Members()) {
          conditions.push_back({op, key, ToLower(key), values});
          if (ToLower(key) == "kms:viaservice")
            for (const Field& value : Values(values)) ViaService(value);
        }
      }
    }
    for (const ConditionUse& use : conditions) Condition(use, allow, conditions);
    if (allow && IsPublic(statement) &&
        std::ranges::none_of(conditions, [](const ConditionUse& use) {
          return Contains(kNarrowingKeys, use.key);
        })) {
      Report(statement.Required("Principal"), "public-principal",
             "this statement allows any principal of any account",
             "narrow it with a condition on kms:CallerAccount or aws:PrincipalAccount (or "
             "aws:PrincipalOrgID), or name the principals");
    }
  }

  void Report(const Field& where, std::string rule, std::string message, std::string fix) {
    findings_.push_back({where.Location(), std::move(rule), std::move(message), std::move(fix)});
  }

 private:
  static std::vector<Field> Values(const Field& field) {
    if (field.IsSequence()) return field.Items();
    return {field};
  }

  static bool IsPublic(const Field& statement) {
    std::optional<Field> principal = statement.Member("Principal");
    if (!principal) return false;
    if (principal->node().IsScalar()) return principal->Text() == "*";
    std::optional<Field> aws = principal->Member("AWS");
    if (!aws) return false;
    return std::ranges::any_of(Values(*aws), [](const Field& value) {
      return value.node().IsScalar() && value.Text() == "*";
    });
  }

  void Action(const Field& action) {
    if (!action.node().IsScalar()) return;
    const std::string text = action.Text();
    if (text == "*") return;
    if (!ToLower(text).starts_with("kms:")) {
      Report(action, "unknown-action", "'" + text + "' is not a KMS action",
             "a key policy governs kms: actions only; write the kms: action it is meant for");
      return;
    }
    const std::string_view name = std::string_view(text).substr(4);
    if (std::ranges::any_of(kKmsActions, [&](std::string_view known) {
          return policy::ActionPatternMatches(text, "kms:" + std::string(known));
        }))
      return;
    std::string hint;
    for (std::string_view known : kKmsActions) {
      if (ToLower(known) == ToLower(name)) hint = "kms:" + std::string(known);
    }
    Report(action, "unknown-action", "'" + text + "' matches no KMS action",
           hint.empty() ? "see the KMS actions in the Service Authorization Reference"
                        : "write " + hint);
  }

  void ViaService(const Field& value) {
    if (!value.node().IsScalar() || IsViaServiceName(value.Text())) return;
    const std::string text = value.Text();
    std::string fix = "name the service with its region, e.g. rds.us-east-1.amazonaws.com";
    if (text.ends_with(".amazonaws.com") && text.find('.') == text.rfind(".amazonaws.com"))
      fix = "this is the service principal's name; kms:ViaService is " +
            text.substr(0, text.find('.')) + ".<region>.amazonaws.com";
    Report(value, "via-service", "'" + text + "' is not a kms:ViaService value", fix);
  }

  void Condition(const ConditionUse& use, bool allow, const std::vector<ConditionUse>& all) {
    const std::string op = ToLower(use.op);
    if (!IsKnownConditionKey(use.key)) {
      Report(use.where, "unknown-condition-key", "'" + use.name + "' is not a condition key of KMS",
             "check its spelling against the KMS and global condition keys");
    }
    const bool set_operator = op.starts_with("forallvalues:") || op.starts_with("foranyvalue:");
    if (Contains(kMultiValuedKeys, use.key) && !set_operator && op != "null") {
      Report(use.where, "set-operator",
             use.name + " has a set of values; " + use.op + " compares them one at a time",
             "write ForAnyValue:" + use.op + " (one value must match) or ForAllValues:" + use.op +
                 " (every value must match)");
    }
    if (allow && op.starts_with("forallvalues:")) {
      const bool present_checked = std::ranges::any_of(all, [&](const ConditionUse& other) {
        return other.key == use.key && ToLower(other.op) == "null";
      });
      if (!present_checked) {
        Report(use.where, "vacuous-for-all-values",
               "ForAllValues holds for a request without " + use.name +
                   ", so this Allow also allows such requests",
               "add \"Null\": {\"" + use.name + "\": \"false\"} to the condition");
      }
    }
  }

  std::vector<LintFinding>& findings_;
};

// Whether the account's root user could call PutKeyPolicy under `policy`.
bool RootMayChangePolicy(const std::shared_ptr<const policy::Policy>& policy,
                         std::string_view account) {
  policy::RequestContext request;
  request.action = "kms:PutKeyPolicy";
  request.resource = "arn:aws:kms:us-east-1:" + std::string(account) + ":key/lint";
  request.principal.type = PrincipalType::kRoot;
  request.principal.account = std::string(account);
  request.principal.arn = request.principal.principal_arn =
      "arn:aws:iam::" + std::string(account) + ":root";
  request.principal.principal_id = std::string(account);
  policy::AuthorizationInput input;
  input.request = &request;
  input.key_account = std::string(account);
  input.key_policy = policy;
  return policy::Authorize(input).allowed;
}

}  // namespace

StatusOr<std::vector<LintFinding>> LintKeyPolicy(std::string_view text, const std::string& file,
                                                 std::string_view account) {
  policy::ParseOptions options;
  options.kind = policy::PolicyKind::kKeyPolicy;
  options.max_bytes = policy::kMaxKeyPolicyBytes;
  auto parsed = policy::ParsePolicy(text, options);
  if (!parsed) return Error(Code::kValidation, file + ": " + parsed.error().message());
  std::vector<LintFinding> findings;
  Linter linter(findings);
  KMS_RETURN_IF_ERROR(yaml::ReadYaml<bool>(text, file, [&](const Field& root) {
    const Field statements = root.Required("Statement");
    for (const Field& statement :
         statements.IsSequence() ? statements.Items() : std::vector<Field>{statements})
      linter.Statement(statement);
    // AWS managed keys' policies (Id "auto-<service>-<n>") are not meant to
    // be changed by anybody.
    const std::optional<Field> id = root.Member("Id");
    const bool aws_managed = id && id->node().IsScalar() && id->Text().starts_with("auto-");
    if (!aws_managed && !RootMayChangePolicy(*parsed, account)) {
      linter.Report(statements, "lockout",
                    "the root user of " + std::string(account) +
                        " could not change this policy again (kms:PutKeyPolicy): nobody could",
                    "allow kms:* (or at least kms:PutKeyPolicy) to arn:aws:iam::" +
                        std::string(account) + ":root, as the default key policy does");
    }
    return true;
  }));
  return findings;
}

std::string FormatLintFindings(const std::vector<LintFinding>& findings) {
  std::string out;
  for (const LintFinding& finding : findings) {
    out.append(finding.location).append(": ").append(finding.rule).append(": ");
    out.append(finding.message).append(". Fix: ").append(finding.fix).append(".\n");
  }
  return out;
}

}  // namespace kms::tools
