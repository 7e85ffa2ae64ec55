#include "server/api/handler_util.h"

#include "kms/encoding.h"

namespace kms::api {

StatusOr<keys::ResolvedKey> ResolveKey(Call& call, std::string_view key_id, keys::KeyIdForms forms) {
  KMS_ASSIGN_OR_RETURN(keys::ResolvedKey resolved, call.services.keys->Resolve(call.scope, key_id, forms));
  call.audit.AddResource(resolved.key->Arn());
  return resolved;
}

Status AuthorizeKey(Call& call, std::string_view action, const KeyRecord& key) {
  AccessRequest request;
  request.action = std::string(action);
  request.key = &key;
  return call.services.access->Authorize(call, std::move(request));
}

std::unexpected<Status> DryRunSucceeded() {
  return Error(Code::kDryRun, "The request would have succeeded, but the DryRun option is set.");
}

Status CheckSymmetricAlgorithm(const KeyRecord& key, const std::optional<std::string>& algorithm) {
  if (!algorithm || *algorithm == "SYMMETRIC_DEFAULT") return OkStatus();
  return Error(Code::kInvalidKeyUsage, "Algorithm " + *algorithm + " is incompatible with key spec " + key.key_spec + ".");
}

std::string EncodeMarker(std::string_view position) {
  return Base64Encode(AsBytes("kmsd:" + std::string(position)));
}

StatusOr<std::string> DecodeMarker(std::string_view marker) {
  auto bytes = Base64Decode(marker);
  const std::string_view text = bytes ? AsString(*bytes) : std::string_view();
  // Positions are key ids, alias names (256 at most) and grant references:
  // anything longer is not one kmsd issued.
  if (!bytes || !text.starts_with("kmsd:") || text.size() > 5 + kMaxMarkerPosition) {
    return Error(Code::kInvalidMarker, "Invalid marker: " + std::string(marker));
  }
  return std::string(text.substr(5));
}

StatusOr<std::string> PageRequest::Position() const {
  if (!marker) return std::string();
  return DecodeMarker(*marker);
}

PageRequest ReadPageRequest(RequestReader& in) {
  PageRequest page;
  page.limit = in.Int("Limit", IntRule{.min = 1, .max = 1000});
  page.marker = in.String("Marker", kMarkerRule);
  return page;
}

void WritePaging(JsonOut& out, const std::string& next_position) {
  if (!next_position.empty()) out.Field("NextMarker", EncodeMarker(next_position));
  out.Field("Truncated", !next_position.empty());
}

}  // namespace kms::api
