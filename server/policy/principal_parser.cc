// Parsing of Principal and NotPrincipal (IAM User Guide, "AWS JSON policy
// elements: Principal"; KMS Developer Guide, "Key policies").
#include <array>
#include <optional>

#include "kms/text.h"
#include "parser_util.h"

namespace kms::policy::internal {
namespace {

using Kind = PrincipalEntry::Kind;

bool HasWildcardOrSpace(std::string_view text) {
  return text.find_first_of("*? \t\r\n") != std::string_view::npos;
}

bool IsPartition(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// "<kind>/<path/>name" with a non-empty name.
bool IsNamedResource(std::string_view resource, std::string_view kind) {
  if (!resource.starts_with(kind) || resource.size() == kind.size()) return false;
  return !resource.ends_with('/');
}

// "assumed-role/<role>/<session>".
bool IsSessionResource(std::string_view resource) {
  constexpr std::string_view kPrefix = "assumed-role/";
  if (!resource.starts_with(kPrefix)) return false;
  const std::string_view rest = resource.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  return slash != 0 && slash != std::string_view::npos && slash + 1 < rest.size() &&
         rest.find('/', slash + 1) == std::string_view::npos;
}

// An "AWS" principal: "*", an account id, or an IAM/STS ARN without wildcards.
std::optional<PrincipalEntry> ParseAwsPrincipal(std::string_view text) {
  if (text == "*") return PrincipalEntry{Kind::kAll, ""};
  if (IsAccountId(text)) return PrincipalEntry{Kind::kAccount, std::string(text)};
  if (!text.starts_with("arn:") || HasWildcardOrSpace(text)) return std::nullopt;
  std::array<std::string_view, 6> parts;
  size_t start = 0;
  for (size_t i = 0; i < 5; ++i) {
    const size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts[i] = text.substr(start, colon - start);
    start = colon + 1;
  }
  parts[5] = text.substr(start);
  const std::string_view service = parts[2];
  const std::string_view resource = parts[5];
  if (!IsPartition(parts[1]) || !parts[3].empty() || !IsAccountId(parts[4])) return std::nullopt;
  if (service == "iam") {
    if (resource == "root") return PrincipalEntry{Kind::kAccount, std::string(parts[4])};
    if (IsNamedResource(resource, "user/") || IsNamedResource(resource, "role/")) {
      return PrincipalEntry{Kind::kArn, std::string(text)};
    }
  } else if (service == "sts") {
    if (IsSessionResource(resource) || IsNamedResource(resource, "federated-user/")) {
      return PrincipalEntry{Kind::kArn, std::string(text)};
    }
  }
  return std::nullopt;
}

bool IsIamEntityArn(std::string_view arn) {
  const size_t last_colon = arn.rfind(':');
  const std::string_view resource = arn.substr(last_colon + 1);
  return arn.find(":iam::") != std::string_view::npos &&
         (resource.starts_with("user/") || resource.starts_with("role/"));
}

StatusOr<PrincipalEntry> ParseEntry(std::string_view type, std::string_view text,
                                    const ParseOptions& options) {
  if (type == "AWS") {
    std::optional<PrincipalEntry> entry = ParseAwsPrincipal(text);
    if (!entry) return Malformed(std::string(kInvalidPrincipals));
    if (entry->kind == Kind::kArn && IsIamEntityArn(entry->value) && options.principal_exists &&
        !options.principal_exists(entry->value)) {
      return Malformed(std::string(kInvalidPrincipals));
    }
    return *entry;
  }
  if (text.empty() || HasWildcardOrSpace(text)) return Malformed(std::string(kInvalidPrincipals));
  if (type == "Service") return PrincipalEntry{Kind::kService, std::string(text)};
  return PrincipalEntry{Kind::kFederated, std::string(text)};
}

}  // namespace

StatusOr<PrincipalSpec> ParsePrincipal(const JsonValue& value, bool negated,
                                       const ParseOptions& options) {
  PrincipalSpec spec;
  spec.present = true;
  spec.negated = negated;
  if (value.IsString()) {
    if (std::string_view(value.GetString(), value.GetStringLength()) != "*") {
      return Malformed(std::string(kInvalidPrincipals));
    }
    spec.entries.push_back(PrincipalEntry{Kind::kAll, ""});
    return spec;
  }
  if (!value.IsObject() || value.MemberCount() == 0) {
    return Malformed(std::string(kInvalidPrincipals));
  }
  std::array<bool, 3> seen{};
  for (const auto& member : value.GetObject()) {
    const std::string_view type(member.name.GetString(), member.name.GetStringLength());
    // KMS key policies accept AWS accounts, IAM principals, services and
    // federated principals; CanonicalUser is an S3 notion.
    size_t slot = 0;
    if (type == "AWS") {
      slot = 0;
    } else if (type == "Service") {
      slot = 1;
    } else if (type == "Federated") {
      slot = 2;
    } else {
      return Malformed(std::string(kInvalidPrincipals));
    }
    if (seen[slot])
      return Malformed("Policy contains a Principal with a duplicate key: " + std::string(type) +
                       ".");
    seen[slot] = true;
    auto texts = ReadStringList(member.value, "Principal", /*scalars=*/true, /*allow_empty=*/false);
    if (!texts) return Malformed(std::string(kInvalidPrincipals));
    for (const std::string& text : *texts) {
      KMS_ASSIGN_OR_RETURN(PrincipalEntry entry, ParseEntry(type, text, options));
      spec.entries.push_back(std::move(entry));
    }
  }
  return spec;
}

}  // namespace kms::policy::internal
