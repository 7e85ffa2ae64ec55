#include "kms/server/keys/custom_key_store_service.h"

namespace kms::keys {
namespace {

// Authorizes an action that names no key (the caller's IAM policies decide).
Status Require(bool present, std::string_view member, std::string_view type) {
  if (present) return OkStatus();
  return Error(Code::kValidation, std::string(member) + " is required for custom key stores " +
                                      "with a CustomKeyStoreType of " + std::string(type) + ".");
}

}  // namespace

std::unexpected<Status> CustomKeyStoreNotFound(std::string_view id) {
  return Error(Code::kCustomKeyStoreNotFound,
               "Custom key store " + std::string(id) + " does not exist.");
}

Status CustomKeyStoreService::Create(CallContext& call,
                                     const CreateCustomKeyStoreRequest& request) {
  KMS_RETURN_IF_ERROR(AuthorizeKeyless(deps_.access, call, "kms:CreateCustomKeyStore"));
  if (request.type == "AWS_CLOUDHSM") {
    KMS_RETURN_IF_ERROR(
        Require(request.cloud_hsm_cluster_id.has_value(), "CloudHsmClusterId", request.type));
    KMS_RETURN_IF_ERROR(
        Require(request.has_trust_anchor_certificate, "TrustAnchorCertificate", request.type));
    KMS_RETURN_IF_ERROR(Require(request.has_key_store_password, "KeyStorePassword", request.type));
    return Error(Code::kCloudHsmClusterNotFound,
                 "CloudHSM cluster " + *request.cloud_hsm_cluster_id + " does not exist.");
  }
  KMS_RETURN_IF_ERROR(
      Require(request.xks_proxy_uri_endpoint.has_value(), "XksProxyUriEndpoint", request.type));
  KMS_RETURN_IF_ERROR(Require(request.has_xks_proxy_uri_path, "XksProxyUriPath", request.type));
  KMS_RETURN_IF_ERROR(
      Require(request.has_xks_proxy_credential, "XksProxyAuthenticationCredential", request.type));
  KMS_RETURN_IF_ERROR(
      Require(request.xks_proxy_connectivity.has_value(), "XksProxyConnectivity", request.type));
  return Error(Code::kXksProxyUriUnreachable, "kmsd cannot reach the external key store proxy at " +
                                                  *request.xks_proxy_uri_endpoint + ".");
}

Status CustomKeyStoreService::Describe(CallContext& call,
                                       const DescribeCustomKeyStoresRequest& request) {
  KMS_RETURN_IF_ERROR(AuthorizeKeyless(deps_.access, call, "kms:DescribeCustomKeyStores"));
  if (request.id) return CustomKeyStoreNotFound(*request.id);
  if (request.name) return CustomKeyStoreNotFound(*request.name);
  return OkStatus();
}

Status CustomKeyStoreService::ForStore(CallContext& call, std::string_view action,
                                       std::string_view id) {
  KMS_RETURN_IF_ERROR(AuthorizeKeyless(deps_.access, call, action));
  return CustomKeyStoreNotFound(id);
}

}  // namespace kms::keys
