// `kmsd policy test`: key-policy test cases run offline, with the server's
// own services and evaluator, against one key (its policy, tags, aliases and
// grants) and the config's principals (their IAM policies, which the file may
// replace). The file format is in docs/policy-test.md; an example is
// policies/examples/policy-test.yaml.
#ifndef KMS_SERVER_TOOLS_POLICY_TEST_H_
#define KMS_SERVER_TOOLS_POLICY_TEST_H_

#include <ostream>
#include <string>
#include <vector>

#include "kms/server/config/config.h"
#include "kms/status.h"

namespace kms::tools {

// One case's outcome.
struct PolicyCaseResult {
  std::string name;
  std::string expected;     // "allow", "deny" or "explicit-deny"
  std::string decision;     // "allow", "deny" (no statement allows) or "explicit-deny"
  bool matched = false;     // "deny" expects any denial
  std::string explanation;  // the deciding statement, or the first failing condition
};

struct PolicyTestReport {
  std::string file;
  std::vector<PolicyCaseResult> cases;
  size_t failures() const;
};

// Runs the test file `path` (YAML or JSON) with `config`'s principals.
// kValidation naming the file, line, column and field for a wrong file; the
// config's own errors for identity policies the file replaces.
StatusOr<PolicyTestReport> RunPolicyTest(const std::string& path,
                                         const config::ServerConfig& config);

// Reads a test file's text without running it: OK, or the error
// RunPolicyTest would give for the file (policy files it names are read
// relative to `file`'s directory).
Status CheckPolicyTestFile(std::string_view text, const std::string& file,
                           const config::ServerConfig& config);

// The report as a table, one line per case, then a summary line.
void PrintPolicyTestReport(const PolicyTestReport& report, std::ostream& out);
// The report as JUnit XML (one testsuite, a testcase per case).
std::string PolicyTestJunit(const PolicyTestReport& report);

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_POLICY_TEST_H_
