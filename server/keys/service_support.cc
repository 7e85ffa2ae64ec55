#include "kms/server/keys/service_support.h"

namespace kms::keys {

std::unexpected<Status> PageRequest::InvalidMarker() const {
  return Error(Code::kInvalidMarker, "Invalid marker: " + marker.value_or(""));
}

StatusOr<ResolvedKey> ResolveKey(KeyService& keys, CallContext& call, std::string_view key_id,
                                 KeyIdForms forms) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved, keys.Resolve(call.scope, key_id, forms));
  call.trace.AddResource(resolved.key->Arn());
  return resolved;
}

StatusOr<ResolvedKey> ResolveOwnKey(KeyService& keys, CallContext& call, std::string_view key_id) {
  KMS_ASSIGN_OR_RETURN(ResolvedKey resolved,
                       keys.Resolve(call.scope, key_id, KeyIdForms::kKeyIdOrArn));
  if (resolved.key->account != call.scope.account) {
    return Error(Code::kNotFound, "Key '" + resolved.key->Arn() + "' does not exist");
  }
  call.trace.AddResource(resolved.key->Arn());
  return resolved;
}

Status AuthorizeKey(Access& access, CallContext& call, std::string_view action,
                    const KeyRecord& key) {
  AccessRequest request;
  request.action = std::string(action);
  request.key = &key;
  return access.Authorize(call, std::move(request));
}

std::unexpected<Status> DryRunSucceeded() {
  return Error(Code::kDryRun, "The request would have succeeded, but the DryRun option is set.");
}

Status CheckSymmetricAlgorithm(const KeyRecord& key, const std::optional<std::string>& algorithm) {
  if (!algorithm || *algorithm == "SYMMETRIC_DEFAULT") return OkStatus();
  return Error(Code::kInvalidKeyUsage,
               "Algorithm " + *algorithm + " is incompatible with key spec " + key.key_spec + ".");
}

}  // namespace kms::keys
