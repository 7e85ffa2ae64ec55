// The KMS operation services, built over one set of dependencies: what the
// API layer calls, one service per family of operations. Thread-safe.
#ifndef KMS_SERVER_KEYS_SERVICES_H_
#define KMS_SERVER_KEYS_SERVICES_H_

#include "kms/server/keys/alias_service.h"
#include "kms/server/keys/crypto_service.h"
#include "kms/server/keys/custom_key_store_service.h"
#include "kms/server/keys/explain_service.h"
#include "kms/server/keys/grant_service.h"
#include "kms/server/keys/import_service.h"
#include "kms/server/keys/key_lifecycle_service.h"
#include "kms/server/keys/key_policy_service.h"
#include "kms/server/keys/multi_region_service.h"
#include "kms/server/keys/signing_service.h"
#include "kms/server/keys/tag_service.h"

namespace kms::keys {

struct Services {
  explicit Services(const ServiceDeps& deps)
      : lifecycle(deps),
        tags(deps),
        key_policies(deps),
        aliases(deps),
        grants(deps),
        crypto(deps),
        signing(deps),
        explain(deps),
        custom_key_stores(deps),
        imports(deps),
        multi_region(deps),
        access_(deps.access),
        store_(deps.store) {}

  // Starts holding this thread's state changes for the call's record: they
  // commit with it (see CallChanges), and not before.
  std::unique_ptr<CallChanges> CollectChanges() { return store_.CollectChanges(); }

  // Authorizes an action that names no key by the caller's IAM policies
  // (CloudTrail's cloudtrail:LookupEvents).
  Status AuthorizeAction(CallContext& call, std::string_view action) {
    return AuthorizeKeyless(access_, call, action);
  }

  KeyLifecycleService lifecycle;
  TagService tags;
  KeyPolicyService key_policies;
  AliasService aliases;
  GrantService grants;
  CryptoService crypto;
  SigningService signing;
  ExplainService explain;
  CustomKeyStoreService custom_key_stores;
  ImportService imports;
  MultiRegionService multi_region;

 private:
  Access& access_;
  KeyStore& store_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_SERVICES_H_
