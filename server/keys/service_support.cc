#include "kms/server/keys/service_support.h"

#include <algorithm>

#include "kms/server/keys/key_specs.h"
#include "kms/text.h"

namespace kms::keys {

std::unexpected<Status> PageRequest::InvalidMarker() const {
  return Error(Code::kInvalidMarker, "Invalid marker: " + marker.value_or(""));
}

StatusOr<size_t> PageRequest::NumericPosition() const {
  if (!marker) return size_t{0};
  if (after.size() > 6 || !IsAsciiDigits(after)) return InvalidMarker();
  return static_cast<size_t>(std::stoul(after));
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

Status AuthorizeKeyless(Access& access, CallContext& call, std::string_view action) {
  AccessRequest request;
  request.action = std::string(action);
  return access.Authorize(call, std::move(request));
}

std::unexpected<Status> DryRunSucceeded() {
  return Error(Code::kDryRun, "The request would have succeeded, but the DryRun option is set.");
}

Status CheckKeyUsage(const KeyRecord& key, std::string_view usage, std::string_view operation) {
  if (key.key_usage == usage) return OkStatus();
  return Error(Code::kInvalidKeyUsage, key.Arn() + " key usage is " + key.key_usage +
                                           " which is not valid for " + std::string(operation) +
                                           ".");
}

Status CheckEncryptionAlgorithm(const KeyRecord& key, std::string_view operation,
                                std::string_view algorithm) {
  KMS_RETURN_IF_ERROR(CheckKeyUsage(key, "ENCRYPT_DECRYPT", operation));
  return CheckAlgorithm(key, AlgorithmsOf(key.key_spec, key.key_usage).encryption, algorithm);
}

Status CheckAlgorithm(const KeyRecord& key, const std::vector<std::string_view>& allowed,
                      std::string_view algorithm) {
  if (std::find(allowed.begin(), allowed.end(), algorithm) != allowed.end()) return OkStatus();
  return Error(Code::kInvalidKeyUsage, "Algorithm " + std::string(algorithm) +
                                           " is incompatible with key spec " + key.key_spec + ".");
}

}  // namespace kms::keys
