// ParsePolicy: JSON text -> PolicyDocument (IAM User Guide, "Grammar of the
// IAM JSON policy language"; KMS Developer Guide, "Key policies").
#include <array>
#include <set>

#include <rapidjson/error/en.h>

#include "kms/json_text.h"
#include "parser_util.h"

namespace kms::policy {
namespace internal {
namespace {

constexpr std::string_view kVersion2012 = "2012-10-17";
constexpr std::string_view kVersion2008 = "2008-10-17";

std::string_view AsView(const JsonValue& value) {
  return std::string_view(value.GetString(), value.GetStringLength());
}

// Tracks the elements of one JSON object against a fixed list of names, so
// that unknown and repeated elements are rejected ("Individual elements must
// not contain multiple instances of the same key", IAM grammar notes).
template <size_t N>
class ElementSet {
 public:
  explicit ElementSet(const std::array<std::string_view, N>& names) : names_(names) {}

  // The index of `name`, or an error for an unknown or repeated element.
  StatusOr<size_t> Add(std::string_view name, std::string_view where) {
    for (size_t i = 0; i < N; ++i) {
      if (names_[i] != name) continue;
      if (values_[i] != nullptr) {
        return Malformed(std::string(where) +
                         " contains a duplicate element: " + std::string(name) + ".");
      }
      return i;
    }
    return Malformed(std::string(where) + " contains an unknown element: " + std::string(name) +
                     ".");
  }
  void Set(size_t i, const JsonValue* value) { values_[i] = value; }
  const JsonValue* Get(size_t i) const { return values_[i]; }

 private:
  const std::array<std::string_view, N>& names_;
  std::array<const JsonValue*, N> values_{};
};

template <size_t N>
StatusOr<ElementSet<N>> CollectElements(const JsonValue& object,
                                        const std::array<std::string_view, N>& names,
                                        std::string_view where) {
  ElementSet<N> elements(names);
  for (const auto& member : object.GetObject()) {
    KMS_ASSIGN_OR_RETURN(size_t index, elements.Add(AsView(member.name), where));
    elements.Set(index, &member.value);
  }
  return elements;
}

enum StatementElement : size_t {
  kSid,
  kEffect,
  kPrincipal,
  kNotPrincipal,
  kAction,
  kNotAction,
  kResource,
  kNotResource,
  kCondition,
  kStatementElementCount,
};
constexpr std::array<std::string_view, kStatementElementCount> kStatementElements = {
    "Sid",       "Effect",   "Principal",   "NotPrincipal", "Action",
    "NotAction", "Resource", "NotResource", "Condition"};

struct StatementContext {
  const ParseOptions& options;
  bool variables;
  size_t index;
};

// Picks X or NotX; both is an error.
StatusOr<const JsonValue*> PickPair(const ElementSet<kStatementElementCount>& elements,
                                    size_t positive, size_t negative, bool* negated) {
  const JsonValue* yes = elements.Get(positive);
  const JsonValue* no = elements.Get(negative);
  if (yes != nullptr && no != nullptr) {
    return Malformed("Policy contains a statement with both " +
                     std::string(kStatementElements[positive]) + " and " +
                     std::string(kStatementElements[negative]) + ".");
  }
  *negated = no != nullptr;
  return yes != nullptr ? yes : no;
}

Status ParseEffect(const JsonValue* value, Statement* statement) {
  if (value == nullptr) return Malformed("Policy contains a statement with no Effect.");
  const std::string_view effect = value->IsString() ? AsView(*value) : std::string_view();
  if (effect == "Allow") {
    statement->effect = Effect::kAllow;
  } else if (effect == "Deny") {
    statement->effect = Effect::kDeny;
  } else {
    return Malformed("Policy contains a statement with an invalid Effect: " + std::string(effect) +
                     ". Use Allow or Deny.");
  }
  return OkStatus();
}

Status ParseActions(const JsonValue& value, Statement* statement) {
  KMS_ASSIGN_OR_RETURN(std::vector<std::string> actions,
                       ReadStringList(value, "Action", /*scalars=*/false, /*allow_empty=*/false));
  for (const std::string& action : actions) {
    if (action != "*" && (action.find(':') == std::string::npos || action.front() == ':')) {
      return Malformed(std::string(kNoVendorPrefix));
    }
    statement->actions.push_back(ToLower(action));
  }
  return OkStatus();
}

Status ParseResources(const JsonValue& value, bool variables, Statement* statement) {
  KMS_ASSIGN_OR_RETURN(std::vector<std::string> resources,
                       ReadStringList(value, "Resource", /*scalars=*/false, /*allow_empty=*/false));
  for (const std::string& resource : resources) {
    if (resource == "*") {
      statement->resources.push_back(ResourcePattern{true, ValueTemplate()});
    } else if (resource.starts_with("arn:")) {
      statement->resources.push_back(ResourcePattern{false, ValueTemplate(resource, variables)});
    } else {
      return Malformed("Resource " + resource + " must be in ARN format or \"*\".");
    }
  }
  return OkStatus();
}

Status ParsePrincipalElement(const ElementSet<kStatementElementCount>& elements,
                             const StatementContext& context, Statement* statement) {
  bool negated = false;
  KMS_ASSIGN_OR_RETURN(const JsonValue* value,
                       PickPair(elements, kPrincipal, kNotPrincipal, &negated));
  if (context.options.kind == PolicyKind::kIdentityPolicy) {
    if (value != nullptr) return Malformed(std::string(kPrincipalInIdentityPolicy));
    return OkStatus();
  }
  // KMS: "Each statement in the key policy must contain one or more principals."
  if (value == nullptr) return Malformed(std::string(kNoPrincipal));
  KMS_ASSIGN_OR_RETURN(statement->principal, ParsePrincipal(*value, negated, context.options));
  return OkStatus();
}

// Action and Resource. IAM rejects identity policies without them; KMS
// accepts key policy statements without them, which then have no effect.
Status ParseTargets(const ElementSet<kStatementElementCount>& elements,
                    const StatementContext& context, Statement* statement) {
  const bool identity = context.options.kind == PolicyKind::kIdentityPolicy;
  KMS_ASSIGN_OR_RETURN(const JsonValue* actions,
                       PickPair(elements, kAction, kNotAction, &statement->not_action));
  KMS_ASSIGN_OR_RETURN(const JsonValue* resources,
                       PickPair(elements, kResource, kNotResource, &statement->not_resource));
  if (actions == nullptr) {
    if (identity) return Malformed("Policy statement must contain actions.");
    statement->effective = false;
  } else {
    KMS_RETURN_IF_ERROR(ParseActions(*actions, statement));
  }
  if (resources == nullptr) {
    if (identity) return Malformed("Policy statement must contain resources.");
    statement->effective = false;
  } else {
    KMS_RETURN_IF_ERROR(ParseResources(*resources, context.variables, statement));
  }
  return OkStatus();
}

// IAM allows only alphanumeric Sids in identity policies (IAM User Guide,
// "Grammar", sid_string); resource policies such as key policies allow more.
Status CheckSid(std::string_view sid, PolicyKind kind) {
  if (kind != PolicyKind::kIdentityPolicy) return OkStatus();
  for (char c : sid) {
    const bool alphanumeric =
        (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alphanumeric) {
      return Malformed(
          "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
          "regular expression [0-9A-Za-z]*");
    }
  }
  return OkStatus();
}

StatusOr<Statement> ParseStatement(const JsonValue& value, const StatementContext& context) {
  if (!value.IsObject()) return Malformed("Each policy statement must be a JSON object.");
  KMS_ASSIGN_OR_RETURN(auto elements,
                       CollectElements(value, kStatementElements, "Policy statement"));
  Statement statement;
  statement.index = context.index;
  if (const JsonValue* sid = elements.Get(kSid)) {
    if (!sid->IsString()) return Malformed("The Sid element must be a string.");
    statement.sid = std::string(AsView(*sid));
  }
  KMS_RETURN_IF_ERROR(ParseEffect(elements.Get(kEffect), &statement));
  KMS_RETURN_IF_ERROR(ParsePrincipalElement(elements, context, &statement));
  KMS_RETURN_IF_ERROR(CheckSid(statement.sid, context.options.kind));
  KMS_RETURN_IF_ERROR(ParseTargets(elements, context, &statement));
  if (const JsonValue* condition = elements.Get(kCondition)) {
    KMS_ASSIGN_OR_RETURN(statement.conditions,
                         ParseConditionBlock(*condition, context.variables, context.options.kind));
  }
  return statement;
}

enum DocumentElement : size_t { kVersion, kId, kStatement, kDocumentElementCount };
constexpr std::array<std::string_view, kDocumentElementCount> kDocumentElements = {"Version", "Id",
                                                                                   "Statement"};

// Version: "2012-10-17" or "2008-10-17"; absent means 2008-10-17, where
// policy variables are plain text (IAM User Guide, "Version").
Status ParseVersion(const JsonValue* value, PolicyDocument* document) {
  document->version = std::string(kVersion2008);
  if (value == nullptr) return OkStatus();
  const std::string_view version = value->IsString() ? AsView(*value) : std::string_view();
  if (version != kVersion2012 && version != kVersion2008) {
    return Malformed("Policy document has an unsupported Version: " + std::string(version) +
                     ". Use \"2012-10-17\".");
  }
  document->version = std::string(version);
  return OkStatus();
}

// IAM rejects repeated Sids within one identity policy.
Status CheckUniqueSids(const PolicyDocument& document) {
  if (document.kind != PolicyKind::kIdentityPolicy) return OkStatus();
  std::set<std::string_view> sids;
  for (const Statement& statement : document.statements) {
    if (!statement.sid.empty() && !sids.insert(statement.sid).second) {
      return Malformed("Statement IDs (SID) in a single policy must be unique.");
    }
  }
  return OkStatus();
}

Status ParseStatements(const JsonValue* value, const ParseOptions& options,
                       PolicyDocument* document) {
  if (value == nullptr) return Malformed("Policy document must contain a Statement element.");
  const bool variables = document->version == kVersion2012;
  if (value->IsObject()) {
    KMS_ASSIGN_OR_RETURN(Statement statement,
                         ParseStatement(*value, StatementContext{options, variables, 0}));
    document->statements.push_back(std::move(statement));
    return OkStatus();
  }
  if (!value->IsArray()) return Malformed("The Statement element must be an object or an array.");
  for (const JsonValue& item : value->GetArray()) {
    const StatementContext context{options, variables, document->statements.size()};
    KMS_ASSIGN_OR_RETURN(Statement statement, ParseStatement(item, context));
    document->statements.push_back(std::move(statement));
  }
  return CheckUniqueSids(*document);
}

StatusOr<std::unique_ptr<PolicyDocument>> ParseDocument(const JsonValue& root,
                                                        const ParseOptions& options) {
  if (!root.IsObject()) return Malformed("Policy document must be a JSON object.");
  KMS_ASSIGN_OR_RETURN(auto elements, CollectElements(root, kDocumentElements, "Policy document"));
  auto document = std::make_unique<PolicyDocument>();
  document->kind = options.kind;
  KMS_RETURN_IF_ERROR(ParseVersion(elements.Get(kVersion), document.get()));
  if (const JsonValue* id = elements.Get(kId)) {
    if (!id->IsString()) return Malformed("The Id element must be a string.");
    document->id = std::string(AsView(*id));
  }
  KMS_RETURN_IF_ERROR(ParseStatements(elements.Get(kStatement), options, document.get()));
  return document;
}

}  // namespace

std::unexpected<Status> Malformed(std::string message) {
  return Error(Code::kMalformedPolicyDocument, std::move(message));
}

StatusOr<std::vector<std::string>> ReadStringList(const JsonValue& value, std::string_view element,
                                                  bool scalars, bool allow_empty) {
  auto read_one = [&](const JsonValue& item) -> StatusOr<std::string> {
    if (item.IsString()) return std::string(AsView(item));
    if (scalars && item.IsBool()) return std::string(item.GetBool() ? "true" : "false");
    return Malformed("The " + std::string(element) +
                     " element must be a string or an array of strings.");
  };
  std::vector<std::string> out;
  if (!value.IsArray()) {
    KMS_ASSIGN_OR_RETURN(std::string one, read_one(value));
    out.push_back(std::move(one));
    return out;
  }
  if (value.Empty() && !allow_empty) {
    return Malformed("The " + std::string(element) + " element must not be an empty list.");
  }
  out.reserve(value.Size());
  for (const JsonValue& item : value.GetArray()) {
    KMS_ASSIGN_OR_RETURN(std::string one, read_one(item));
    out.push_back(std::move(one));
  }
  return out;
}

}  // namespace internal

StatusOr<std::shared_ptr<const Policy>> ParsePolicy(std::string_view json,
                                                    const ParseOptions& options) {
  if (json.size() > options.max_bytes) {
    return Error(Code::kLimitExceeded, "Policy document is " + std::to_string(json.size()) +
                                           " bytes; the limit is " +
                                           std::to_string(options.max_bytes) + " bytes.");
  }
  // Numbers are kept as their text: condition values compare as strings.
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                              rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseValidateEncodingFlag;
  // The policy grammar nests five levels; deeper text is malformed, and never
  // reaches the recursive walk of the document.
  constexpr JsonTextLimits kLimits{.max_depth = 32};
  switch (CheckJsonText(json, kLimits)) {
    case JsonTextProblem::kNone:
      break;
    case JsonTextProblem::kInvalidUtf8:
      return internal::Malformed("Policy document is not valid JSON: it is not well-formed UTF-8.");
    default:
      return internal::Malformed("Policy document is not valid JSON: it nests deeper than " +
                                 std::to_string(kLimits.max_depth) + " levels.");
  }
  rapidjson::Document root;
  root.Parse<kFlags>(json.data(), json.size());
  if (root.HasParseError()) {
    return internal::Malformed("Policy document is not valid JSON: " +
                               std::string(rapidjson::GetParseError_En(root.GetParseError())) +
                               " (at byte " + std::to_string(root.GetErrorOffset()) + ").");
  }
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<internal::PolicyDocument> document,
                       internal::ParseDocument(root, options));
  return std::shared_ptr<const Policy>(new Policy(std::move(document)));
}

}  // namespace kms::policy
