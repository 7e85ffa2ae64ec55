// Custom key stores (CloudHSM key stores and external key stores): kmsd has
// none and reaches no CloudHSM cluster or external key store proxy, so each
// operation answers as AWS does when the store, the cluster or the proxy does
// not exist, after the same authorization (IAM policies only: these
// operations name no KMS key). SDK calls get a KMS error, not
// UnknownOperationException. Thread-safe.
#ifndef KMS_SERVER_KEYS_CUSTOM_KEY_STORE_SERVICE_H_
#define KMS_SERVER_KEYS_CUSTOM_KEY_STORE_SERVICE_H_

#include <optional>
#include <string>

#include "kms/server/keys/service_support.h"

namespace kms::keys {

struct CreateCustomKeyStoreRequest {
  std::string name;
  std::string type = "AWS_CLOUDHSM";  // or EXTERNAL_KEY_STORE
  std::optional<std::string> cloud_hsm_cluster_id;
  bool has_trust_anchor_certificate = false;
  bool has_key_store_password = false;  // the password itself is not kept
  std::optional<std::string> xks_proxy_uri_endpoint;
  bool has_xks_proxy_uri_path = false;
  bool has_xks_proxy_credential = false;
  std::optional<std::string> xks_proxy_connectivity;
};

struct DescribeCustomKeyStoresRequest {
  std::optional<std::string> id;
  std::optional<std::string> name;
  PageRequest page;
};

// CustomKeyStoreNotFoundException for the store `id`.
std::unexpected<Status> CustomKeyStoreNotFound(std::string_view id);

class CustomKeyStoreService {
 public:
  explicit CustomKeyStoreService(const ServiceDeps& deps) : deps_(deps) {}

  // ValidationException for what the store's type requires and is missing;
  // then CloudHsmClusterNotFoundException (AWS_CLOUDHSM) or
  // XksProxyUriUnreachableException (EXTERNAL_KEY_STORE).
  Status Create(CallContext& call, const CreateCustomKeyStoreRequest& request);
  // No stores: an empty list, or CustomKeyStoreNotFoundException for an id
  // or a name.
  Status Describe(CallContext& call, const DescribeCustomKeyStoresRequest& request);
  // ConnectCustomKeyStore, DisconnectCustomKeyStore, DeleteCustomKeyStore,
  // UpdateCustomKeyStore: CustomKeyStoreNotFoundException for `id`.
  Status ForStore(CallContext& call, std::string_view action, std::string_view id);

 private:
  ServiceDeps deps_;
};

}  // namespace kms::keys

#endif  // KMS_SERVER_KEYS_CUSTOM_KEY_STORE_SERVICE_H_
