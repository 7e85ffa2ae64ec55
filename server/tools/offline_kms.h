// The server's own key service and evaluator over a scratch key store, for
// the tools that decide requests offline (`kmsd policy test`, `kmsd policy
// diff`): no server, no data directory. Internal to server/tools.
#ifndef KMS_SERVER_TOOLS_OFFLINE_KMS_H_
#define KMS_SERVER_TOOLS_OFFLINE_KMS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kms/server/config/config.h"
#include "kms/server/keys/explain_service.h"
#include "kms/server/keys/grant_authority.h"
#include "kms/server/keys/grants.h"
#include "kms/server/keys/key_service.h"
#include "kms/status.h"

namespace kms::tools {

class OfflineKms {
 public:
  // Evaluates requests with `config`'s principals, their IAM policies and its
  // service principals.
  static StatusOr<std::unique_ptr<OfflineKms>> Create(config::ServerConfig config);
  ~OfflineKms();

  // Stores `key` (stamped with a creation date and given fresh material of its
  // spec), its aliases and grants. kValidation "<where>: <problem>" when its
  // policy is not a key policy.
  Status AddKey(KeyRecord& key, const std::vector<std::string>& aliases,
                const std::vector<GrantRecord>& grants, std::string_view where);

  // The decision on `request`, asked in `region`, and why. Errors as
  // ExplainService::Explain (an unknown principal or key).
  StatusOr<keys::Explanation> Explain(const keys::ExplainRequest& request,
                                      const std::string& region);

 private:
  struct Parts;
  explicit OfflineKms(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace kms::tools

#endif  // KMS_SERVER_TOOLS_OFFLINE_KMS_H_
