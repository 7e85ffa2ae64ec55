// Fuzz target for the policy parser and evaluator: parses the input as a key
// policy and as an identity policy and, when one parses, evaluates it against
// fixed requests, checking the evaluator's invariants. Must never crash, hang
// or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kms/server/policy/policy.h"
#include "kms/status.h"

namespace {

using kms::policy::AuthorizationInput;
using kms::policy::Decision;
using kms::policy::NamedPolicy;
using kms::policy::ParseOptions;
using kms::policy::Policy;
using kms::policy::PolicyEvaluation;
using kms::policy::PolicyKind;
using kms::policy::RequestContext;

constexpr char kKeyArn[] =
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

RequestContext UserRequest() {
  RequestContext request;
  request.action = "kms:Decrypt";
  request.resource = kKeyArn;
  request.principal = {kms::PrincipalType::kIamUser,
                       "111122223333",
                       "arn:aws:iam::111122223333:user/alice",
                       "arn:aws:iam::111122223333:user/alice",
                       "AIDAALICE",
                       "alice",
                       "",
                       {{"team", "blue"}}};
  request.conditions.Set("kms:ViaService", "rds.us-east-1.amazonaws.com");
  request.conditions.Set("kms:EncryptionContext:department", "Finance");
  request.conditions.Add("kms:EncryptionContextKeys", "department");
  request.conditions.Add("kms:EncryptionContextKeys", "project");
  request.conditions.Set("aws:SourceIp", "203.0.113.7");
  request.conditions.Set("aws:CurrentTime", "2024-06-01T12:00:00Z");
  request.conditions.Set("aws:SecureTransport", "true");
  request.conditions.Set("kms:GrantIsForAWSResource", "true");
  request.conditions.Set("aws:SourceArn", "arn:aws:rds:us-east-1:111122223333:db:mydb");
  request.conditions.Set("kms:ScheduleKeyDeletionPendingWindowInDays", "7");
  request.conditions.SetEmpty("aws:TagKeys");
  return request;
}

RequestContext SessionRequest() {
  RequestContext request;
  request.action = "kms:GenerateDataKeyWithoutPlaintext";
  request.resource = kKeyArn;
  request.principal = {kms::PrincipalType::kAssumedRole,
                       "444455556666",
                       "arn:aws:sts::444455556666:assumed-role/Ops/s",
                       "arn:aws:iam::444455556666:role/Ops",
                       "AROAOPS:s",
                       "Ops",
                       "s",
                       {}};
  return request;
}

RequestContext ServiceRequest() {
  RequestContext request;
  request.action = "kms:CreateGrant";
  request.resource = kKeyArn;
  request.principal = {
      kms::PrincipalType::kAwsService, "", "rds.amazonaws.com", "", "", "", "", {}};
  return request;
}

void CheckEvaluation(const Policy& policy, const PolicyEvaluation& evaluation) {
  const size_t count = policy.statement_count();
  KMS_CHECK(evaluation.deny_statement == PolicyEvaluation::kNone ||
            evaluation.deny_statement < count);
  KMS_CHECK(evaluation.allow_statement == PolicyEvaluation::kNone ||
            evaluation.allow_statement < count);
  KMS_CHECK(evaluation.closest_statement == PolicyEvaluation::kNone ||
            evaluation.closest_statement < count);
  KMS_CHECK(evaluation.allowed() == (evaluation.allow_scope != kms::policy::PrincipalScope::kNone));
}

void Exercise(const std::shared_ptr<const Policy>& policy, const RequestContext& request) {
  const PolicyEvaluation evaluation = policy->Evaluate(request);
  CheckEvaluation(*policy, evaluation);
  for (size_t i = 0; i < policy->statement_count(); ++i) {
    (void)policy->StatementName(i);
    (void)policy->ExplainFailedCondition(i, request);
  }
  AuthorizationInput input;
  input.request = &request;
  if (policy->kind() == PolicyKind::kKeyPolicy) {
    input.key_account = "111122223333";
    input.key_policy = policy;
  } else {
    input.identity_policies.push_back(NamedPolicy{"fuzzed", policy});
  }
  const Decision decision = kms::policy::Authorize(input);
  KMS_CHECK(!decision.Explain().empty());
  KMS_CHECK(decision.allowed == kms::policy::AccessDeniedMessage(request, decision).empty());
}

void ParseAndExercise(std::string_view json, PolicyKind kind) {
  ParseOptions options;
  options.kind = kind;
  auto policy = kms::policy::ParsePolicy(json, options);
  if (!policy) {
    KMS_CHECK(policy.error().code() == kms::Code::kMalformedPolicyDocument ||
              policy.error().code() == kms::Code::kLimitExceeded);
    KMS_CHECK(!policy.error().message().empty());
    return;
  }
  KMS_CHECK((*policy)->kind() == kind);
  static const std::vector<RequestContext> kRequests = {UserRequest(), SessionRequest(),
                                                        ServiceRequest()};
  for (const RequestContext& request : kRequests) Exercise(*policy, request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  ParseAndExercise(json, PolicyKind::kKeyPolicy);
  ParseAndExercise(json, PolicyKind::kIdentityPolicy);
  return 0;
}
