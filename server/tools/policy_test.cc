#include "kms/server/tools/policy_test.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "kms/server/keys/grants.h"
#include "kms/server/keys/key_service.h"
#include "kms/server/keys/key_specs.h"
#include "kms/server/policy/policy.h"
#include "kms/server/seed/yaml_field.h"
#include "kms/text.h"
#include "offline_kms.h"
#include "policy_tools.h"

namespace kms::tools {
namespace {

using yaml::Field;

constexpr size_t kMaxFileBytes = size_t{4} << 20;
constexpr std::string_view kMultiRegionKeyId = "mrk-1234abcd12ab34cd56ef1234567890ab";

struct TestCase {
  std::string name;
  std::string expect;
  keys::ExplainRequest request;
  // Set when the principal is of another account than the key and the
  // action is not one other accounts may use.
  std::optional<std::string> not_cross_account;
};

struct TestKey {
  KeyRecord record;  // without versions
  std::vector<std::string> aliases;
  std::vector<GrantRecord> grants;
};

struct TestFile {
  std::map<std::string, TestKey> keys;  // by the file's name for each
  std::map<std::string, std::vector<config::IdentityPolicy>> identity_policies;
  std::vector<TestCase> cases;
};

// Reads a test file (docs/policy-test.md).
class Reader {
 public:
  Reader(std::filesystem::path dir, const config::ServerConfig& config)
      : dir_(std::move(dir)), config_(config) {}

  TestFile Read(const Field& root) {
    root.OnlyMembers({"keys", "identity_policies", "cases"});
    for (const auto& [name, key] : root.Required("keys").Members()) ReadKey(name, key);
    if (std::optional<Field> f = root.Member("identity_policies")) ReadIdentityPolicies(*f);
    const Field cases = root.Required("cases");
    for (const Field& item : cases.Items()) ReadCase(item);
    if (file_.cases.empty()) cases.Fail("has no cases");
    return std::move(file_);
  }

 private:
  // A policy given inline (a YAML mapping, or JSON text).
  static std::string ReadPolicy(const Field& field) {
    if (field.IsMap()) return field.Json(policy::kMaxKeyPolicyBytes);
    return field.Text();
  }

  // A policy in a file, relative to the test file.
  std::string PolicyFile(const Field& field) const {
    std::filesystem::path path = field.Text();
    if (path.is_relative()) path = dir_ / path;
    auto text = yaml::ReadTextFile(path.string(), policy::kMaxKeyPolicyBytes, "policy file");
    if (!text) field.Fail(text.error().message());
    return *text;
  }

  // A key id of the file's own: the key's position in its last digits.
  std::string NewKeyId(bool multi_region) const {
    std::string id(multi_region ? kMultiRegionKeyId : kExampleKeyId);
    const std::string number = std::to_string(file_.keys.size());
    id.replace(id.size() - number.size(), number.size(), number);
    return id;
  }

  void ReadKey(const std::string& name, const Field& field) {
    field.OnlyMembers({"id", "account", "region", "spec", "usage", "origin", "multi_region",
                       "description", "tags", "aliases", "policy", "policy_file", "managed",
                       "grants"});
    TestKey test_key;
    KeyRecord& key = test_key.record;
    key.account = config_.accounts.empty() ? "111122223333" : config_.accounts.front();
    key.region = "us-east-1";
    if (std::optional<Field> f = field.Member("account")) key.account = f->Text();
    if (std::optional<Field> f = field.Member("region")) key.region = f->Text();
    if (std::optional<Field> f = field.Member("spec")) key.key_spec = f->Text();
    const auto usages = keys::UsagesOf(key.key_spec);
    if (usages.empty()) field.Required("spec").Fail("is not a key spec kmsd has");
    key.key_usage = std::string(usages.front());
    if (std::optional<Field> f = field.Member("usage")) {
      key.key_usage = f->Text();
      if (std::ranges::find(usages, key.key_usage) == usages.end())
        f->Fail("is not a usage of a " + key.key_spec + " key");
    }
    if (std::optional<Field> f = field.Member("origin"))
      key.origin = f->OneOf({"AWS_KMS", "EXTERNAL"});
    if (std::optional<Field> f = field.Member("multi_region"); f && f->Bool())
      key.multi_region = MultiRegionSet{key.region, {}};
    key.key_id = NewKeyId(key.multi_region.has_value());
    if (std::optional<Field> f = field.Member("id")) {
      key.key_id = f->Text();
      if (IsMultiRegionKeyId(key.key_id) != key.multi_region.has_value())
        f->Fail("an mrk- id is for (and only for) a key with multi_region: true");
    }
    if (std::optional<Field> f = field.Member("description")) key.description = f->Text();
    if (std::optional<Field> f = field.Member("tags"))
      for (auto& [tag, value] : f->StringMap()) key.tags.push_back({tag, value});
    if (std::optional<Field> f = field.Member("aliases")) test_key.aliases = f->Texts();
    if (std::optional<Field> f = field.Member("managed")) ReadManaged(*f, test_key);
    if (std::optional<Field> f = field.Member("policy")) key.policy = ReadPolicy(*f);
    if (std::optional<Field> f = field.Member("policy_file")) key.policy = PolicyFile(*f);
    if (key.policy.empty()) key.policy = keys::DefaultKeyPolicy(key.account);
    if (std::optional<Field> f = field.Member("grants"))
      for (const Field& item : f->Items()) test_key.grants.push_back(ReadGrant(item, key));
    file_.keys.emplace(name, std::move(test_key));
  }

  // An AWS managed key (managed: alias/aws/rds), with the policy AWS gives it.
  static void ReadManaged(const Field& field, TestKey& test_key) {
    const std::string alias = field.Text();
    KeyRecord& key = test_key.record;
    for (const keys::ManagedKeyTemplate& tmpl : keys::AwsManagedKeyTemplates()) {
      if (tmpl.alias_name != alias) continue;
      key.key_manager = KeyManager::kAws;
      key.description = tmpl.description;
      key.policy = keys::InstantiatePolicyTemplate(tmpl.policy_template, key.account, key.region);
      test_key.aliases.push_back(alias);
      return;
    }
    field.Fail("is not an AWS managed key kmsd has (alias/aws/rds)");
  }

  void ReadIdentityPolicies(const Field& field) {
    for (const auto& member : field.Members()) {
      // Named copies: lambdas cannot capture structured bindings in C++20.
      const std::string& principal = member.first;
      const Field& policies = member.second;
      const bool configured = std::ranges::any_of(config_.identities, [&](const auto& identity) {
        return identity.principal.arn == principal || identity.principal.principal_arn == principal;
      });
      if (!configured) policies.Fail("is not a principal of the config");
      std::vector<config::IdentityPolicy>& out = file_.identity_policies[principal];
      for (const auto& [name, document] : policies.Members())
        out.push_back({name, ReadPolicy(document)});
    }
  }

  static GrantRecord ReadGrant(const Field& item, const KeyRecord& key) {
    item.OnlyMembers({"grantee", "operations", "retiring", "name", "constraints"});
    GrantRecord grant;
    grant.grant_id = grants::NewGrantId();
    grant.key_id = key.store_id();
    grant.issuing_account = "arn:aws:iam::" + key.account + ":root";
    const Field grantee = item.Required("grantee");
    grant.grantee_principal = grantee.Text();
    if (!grants::IsGrantPrincipal(grant.grantee_principal))
      grantee.Fail("is not a principal ARN or service principal");
    if (std::optional<Field> f = item.Member("retiring")) grant.retiring_principal = f->Text();
    if (std::optional<Field> f = item.Member("name")) grant.name = f->Text();
    for (const Field& op : item.Required("operations").Items()) {
      const std::string name = op.Text();
      if (!grants::IsValidForKey(name, key.key_spec, key.key_usage))
        op.Fail(name + " is not a grant operation of this key");
      grant.operations.push_back(name);
    }
    if (std::optional<Field> f = item.Member("constraints")) {
      f->OnlyMembers({"encryption_context_subset", "encryption_context_equals"});
      if (std::optional<Field> c = f->Member("encryption_context_subset"))
        grant.encryption_context_subset = Context(*c);
      if (std::optional<Field> c = f->Member("encryption_context_equals"))
        grant.encryption_context_equals = Context(*c);
    }
    return grant;
  }

  static EncryptionContext Context(const Field& field) {
    EncryptionContext context;
    for (auto& [name, value] : field.StringMap()) context[name] = value;
    return context;
  }

  void ReadCase(const Field& item) {
    item.OnlyMembers({"name", "key", "principal", "action", "encryption_context", "via_service",
                      "source_ip", "conditions", "expect"});
    TestCase test;
    test.name = "case " + std::to_string(file_.cases.size() + 1);
    if (std::optional<Field> f = item.Member("name")) test.name = f->Text();
    keys::ExplainRequest& request = test.request;
    request.principal = item.Required("principal").Text();
    const Field action = item.Required("action");
    request.action = action.Text();
    if (!request.action.starts_with("kms:")) action.Fail("must be a KMS action like kms:Decrypt");
    if (!IsKeylessAction(request.action)) {
      // The file's only key, or the one the case names.
      std::optional<Field> named = item.Member("key");
      if (!named && file_.keys.size() != 1) item.Fail("needs key: one of the file's keys");
      auto key = named ? file_.keys.find(named->Text()) : file_.keys.begin();
      if (key == file_.keys.end()) named->Fail("is not one of the file's keys");
      const KeyRecord& record = key->second.record;
      request.key_id = record.Arn();
      if (IsNotFoundToOtherAccount(*request.principal, record.account, request.action))
        test.not_cross_account = "DENY: " + request.action +
                                 " is not for other accounts: the key is in " + record.account +
                                 " (NotFoundException)";
    }
    if (std::optional<Field> f = item.Member("encryption_context"))
      request.encryption_context = Context(*f);
    if (std::optional<Field> f = item.Member("via_service")) request.via_service = f->Text();
    if (std::optional<Field> f = item.Member("source_ip")) request.source_ip = f->Text();
    if (std::optional<Field> f = item.Member("conditions")) {
      for (const auto& [name, values] : f->Members()) request.conditions[name] = values.Texts();
    }
    test.expect = item.Required("expect").OneOf({"allow", "deny", "explicit-deny"});
    file_.cases.push_back(std::move(test));
  }

  std::filesystem::path dir_;
  const config::ServerConfig& config_;
  TestFile file_;
};

}  // namespace

size_t PolicyTestReport::failures() const {
  return static_cast<size_t>(std::ranges::count(cases, false, &PolicyCaseResult::matched));
}

namespace {

StatusOr<TestFile> ReadTestFile(std::string_view text, const std::string& path,
                                const config::ServerConfig& config) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  return yaml::ReadYaml<TestFile>(
      text, path, [&](const Field& root) { return Reader(dir, config).Read(root); });
}

}  // namespace

Status CheckPolicyTestFile(std::string_view text, const std::string& file,
                           const config::ServerConfig& config) {
  auto read = ReadTestFile(text, file, config);
  return read ? OkStatus() : read.error();
}

StatusOr<PolicyTestReport> RunPolicyTest(const std::string& path,
                                         const config::ServerConfig& server_config) {
  KMS_ASSIGN_OR_RETURN(std::string text, yaml::ReadTextFile(path, kMaxFileBytes, "test file"));
  KMS_ASSIGN_OR_RETURN(TestFile file, ReadTestFile(text, path, server_config));

  // The server's services over a scratch store, with the file's keys.
  config::ServerConfig config = server_config;
  for (config::Identity& identity : config.identities) {
    for (const std::string* name : {&identity.principal.arn, &identity.principal.principal_arn}) {
      if (auto it = file.identity_policies.find(*name); it != file.identity_policies.end())
        identity.policies = it->second;
    }
  }
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<OfflineKms> kms, OfflineKms::Create(std::move(config)));
  for (auto& [name, test_key] : file.keys) {
    std::string where = path;
    where.append(": keys.").append(name).append(".policy");
    KMS_RETURN_IF_ERROR(kms->AddKey(test_key.record, test_key.aliases, test_key.grants, where));
  }

  PolicyTestReport report;
  report.file = path;
  for (const TestCase& test : file.cases) {
    // Asked in the key's region (keyless actions: the first key's).
    std::string region = file.keys.begin()->second.record.region;
    for (const auto& [name, test_key] : file.keys) {
      if (test.request.key_id == test_key.record.Arn()) region = test_key.record.region;
    }
    auto explained = kms->Explain(test.request, region);
    if (!explained)
      return Error(Code::kValidation,
                   std::string(path).append(": ").append(test.name).append(": ").append(
                       explained.error().message()));
    PolicyCaseResult result;
    result.name = test.name;
    result.expected = test.expect;
    result.decision = test.not_cross_account ? "deny" : DecisionName(explained->decision);
    result.matched = test.expect == result.decision ||
                     (test.expect == "deny" && result.decision == "explicit-deny");
    result.explanation = test.not_cross_account.value_or(explained->decision.Explain());
    report.cases.push_back(std::move(result));
  }
  return report;
}

void PrintPolicyTestReport(const PolicyTestReport& report, std::ostream& out) {
  for (const PolicyCaseResult& result : report.cases) {
    out << (result.matched ? "PASS  " : "FAIL  ") << result.name << "\n      expected "
        << result.expected << ", got " << result.decision << ": " << result.explanation << "\n";
  }
  out << report.cases.size() << " cases: " << report.cases.size() - report.failures() << " passed, "
      << report.failures() << " failed (" << report.file << ")\n";
}

std::string PolicyTestJunit(const PolicyTestReport& report) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<testsuite name=\"kmsd policy test\" tests=\"" + std::to_string(report.cases.size()) +
         "\" failures=\"" + std::to_string(report.failures()) + "\">\n";
  for (const PolicyCaseResult& result : report.cases) {
    xml += "  <testcase classname=\"" + EscapeMarkup(report.file) + "\" name=\"" +
           EscapeMarkup(result.name) + "\">";
    if (!result.matched) {
      xml += "<failure message=\"expected " + result.expected + ", got " + result.decision + "\">" +
             EscapeMarkup(result.explanation) + "</failure>";
    } else {
      xml += "<system-out>" + EscapeMarkup(result.explanation) + "</system-out>";
    }
    xml += "</testcase>\n";
  }
  xml += "</testsuite>\n";
  return xml;
}

}  // namespace kms::tools
