// KmsdAdmin.ExplainAuthorization: evaluates a hypothetical request against a
// key's policy, the principal's IAM policies and the key's grants, without
// performing it, and says which statement decided and which condition
// failed. For policy conformance testing; only the config's
// auth.admin_principals may call it. Thread-safe.
#ifndef KMS_SERVER_KEYS_EXPLAIN_SERVICE_H_
#define KMS_SERVER_KEYS_EXPLAIN_SERVICE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

struct ExplainRequest {
  std::string action;                 // "kms:Decrypt"
  std::optional<std::string> key_id;  // any KeyId form
  std::optional<std::string>
      principal;  // a configured identity's ARN or role ARN, or a service name
  std::optional<EncryptionContext> encryption_context;
  std::optional<std::string> via_service;
  std::optional<std::string> source_ip;
  // Further condition keys and their values. Those the operation sets itself
  // (kms:EncryptionAlgorithm SYMMETRIC_DEFAULT of the symmetric operations,
  // kms:GrantIsForAWSResource of the grant operations) default as it would.
  std::map<std::string, std::vector<std::string>> conditions;
};

struct Explanation {
  policy::Decision decision;
  policy::RequestContext evaluated;  // the request as evaluated
};

class ExplainService {
 public:
  explicit ExplainService(const ServiceDeps& deps) : deps_(deps) {}

  // AccessDenied unless the caller is one of auth.admin_principals.
  Status CheckAdmin(const CallContext& call) const;
  // NotFoundException "No configured principal <arn>" for an unknown
  // principal; the key's resolution (in the principal's scope).
  StatusOr<Explanation> Explain(CallContext& call, const ExplainRequest& request);

 private:
  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_EXPLAIN_SERVICE_H_
