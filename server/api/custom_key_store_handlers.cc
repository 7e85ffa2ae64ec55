// Codecs of the custom key store operations (keys::CustomKeyStoreService):
// CreateCustomKeyStore, DescribeCustomKeyStores, ConnectCustomKeyStore,
// DisconnectCustomKeyStore, DeleteCustomKeyStore, UpdateCustomKeyStore.
// Passwords and proxy credentials are read as sensitive: never echoed in a
// message, and left out of the record (request_parameters.cc).
#include "handler_util.h"
#include "handlers.h"

namespace kms::api {
namespace {

constexpr std::array<std::string_view, 2> kStoreTypes = {"AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"};
constexpr std::array<std::string_view, 2> kConnectivity = {"PUBLIC_ENDPOINT",
                                                           "VPC_ENDPOINT_SERVICE"};
constexpr StringRule kStoreIdRule{.required = true, .min_length = 1, .max_length = 64};
constexpr StringRule kStoreNameRule{.min_length = 1, .max_length = 256};
constexpr StringRule kClusterIdRule{.min_length = 19, .max_length = 24};
constexpr StringRule kTrustAnchorRule{.min_length = 1, .max_length = 5000};
constexpr StringRule kPasswordRule{.min_length = 7, .max_length = 32, .sensitive = true};
constexpr StringRule kProxyUriRule{.min_length = 10, .max_length = 128};
constexpr StringRule kVpcServiceRule{.min_length = 20, .max_length = 64};

// XksProxyAuthenticationCredential: whether it was given (and well-formed).
bool ReadProxyCredential(RequestReader& in) {
  const rapidjson::Value* credential = in.Structure("XksProxyAuthenticationCredential");
  if (credential == nullptr) return false;
  RequestReader inner = in.Nested(*credential, "XksProxyAuthenticationCredential");
  inner.String("AccessKeyId",
               StringRule{.required = true, .min_length = 20, .max_length = 30, .sensitive = true});
  inner.String("RawSecretAccessKey",
               StringRule{.required = true, .min_length = 43, .max_length = 64, .sensitive = true});
  if (Status status = inner.Finish(); !status.ok()) in.AddViolation(status.message());
  return true;
}

StatusOr<std::string> ForStore(Call& call, const rapidjson::Value& body, std::string_view action,
                               bool update) {
  RequestReader in(body);
  std::optional<std::string> id = in.String("CustomKeyStoreId", kStoreIdRule);
  if (update) {
    in.String("NewCustomKeyStoreName", kStoreNameRule);
    in.String("KeyStorePassword", kPasswordRule);
    in.String("CloudHsmClusterId", kClusterIdRule);
    in.String("XksProxyUriEndpoint", kProxyUriRule);
    in.String("XksProxyUriPath", kProxyUriRule);
    in.String("XksProxyVpcEndpointServiceName", kVpcServiceRule);
    ReadProxyCredential(in);
    in.String("XksProxyConnectivity", StringRule{.enum_values = kConnectivity});
  }
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_RETURN_IF_ERROR(call.operations().custom_key_stores.ForStore(call.context, action, *id));
  return std::string("{}");
}

}  // namespace

StatusOr<std::string> CreateCustomKeyStore(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::CreateCustomKeyStoreRequest request;
  std::optional<std::string> name = in.String(
      "CustomKeyStoreName", StringRule{.required = true, .min_length = 1, .max_length = 256});
  request.cloud_hsm_cluster_id = in.String("CloudHsmClusterId", kClusterIdRule);
  request.has_trust_anchor_certificate =
      in.String("TrustAnchorCertificate", kTrustAnchorRule).has_value();
  request.has_key_store_password = in.String("KeyStorePassword", kPasswordRule).has_value();
  std::optional<std::string> type =
      in.String("CustomKeyStoreType", StringRule{.enum_values = kStoreTypes});
  request.xks_proxy_uri_endpoint = in.String("XksProxyUriEndpoint", kProxyUriRule);
  request.has_xks_proxy_uri_path = in.String("XksProxyUriPath", kProxyUriRule).has_value();
  in.String("XksProxyVpcEndpointServiceName", kVpcServiceRule);
  request.has_xks_proxy_credential = ReadProxyCredential(in);
  request.xks_proxy_connectivity =
      in.String("XksProxyConnectivity", StringRule{.enum_values = kConnectivity});
  KMS_RETURN_IF_ERROR(in.Finish());
  request.name = *name;
  if (type) request.type = *type;
  KMS_RETURN_IF_ERROR(call.operations().custom_key_stores.Create(call.context, request));
  return Error(Code::kInternal, "CreateCustomKeyStore cannot succeed in kmsd");
}

StatusOr<std::string> DescribeCustomKeyStores(Call& call, const rapidjson::Value& body) {
  RequestReader in(body);
  keys::DescribeCustomKeyStoresRequest request;
  request.id = in.String("CustomKeyStoreId", StringRule{.min_length = 1, .max_length = 64});
  request.name = in.String("CustomKeyStoreName", kStoreNameRule);
  const PageInput page_input = ReadPageInput(in);
  KMS_RETURN_IF_ERROR(in.Finish());
  KMS_ASSIGN_OR_RETURN(request.page, ToPageRequest(page_input));
  KMS_RETURN_IF_ERROR(call.operations().custom_key_stores.Describe(call.context, request));
  JsonOut out;
  out.StartObject().Key("CustomKeyStores").StartArray().EndArray();
  WritePaging(out, "");
  out.EndObject();
  return out.Take();
}

StatusOr<std::string> ConnectCustomKeyStore(Call& call, const rapidjson::Value& body) {
  return ForStore(call, body, "kms:ConnectCustomKeyStore", false);
}
StatusOr<std::string> DisconnectCustomKeyStore(Call& call, const rapidjson::Value& body) {
  return ForStore(call, body, "kms:DisconnectCustomKeyStore", false);
}
StatusOr<std::string> DeleteCustomKeyStore(Call& call, const rapidjson::Value& body) {
  return ForStore(call, body, "kms:DeleteCustomKeyStore", false);
}
StatusOr<std::string> UpdateCustomKeyStore(Call& call, const rapidjson::Value& body) {
  return ForStore(call, body, "kms:UpdateCustomKeyStore", true);
}

}  // namespace kms::api
