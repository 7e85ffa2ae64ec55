#include "handler_util.h"

#include "kms/encoding.h"

namespace kms::api {

std::vector<std::string> ReadGrantTokens(RequestReader& in) {
  return in.StringList("GrantTokens", kGrantTokensList, kGrantTokenRule)
      .value_or(std::vector<std::string>{});
}

Status RefuseRecipient(RequestReader& in) {
  if (in.Structure("Recipient") == nullptr) return OkStatus();
  return Error(Code::kValidation,
               "The Recipient attestation document cannot be verified: kmsd does not support "
               "attested requests (AWS Nitro Enclaves, NitroTPM).");
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

PageInput ReadPageInput(RequestReader& in) {
  PageInput page;
  page.limit = in.Int("Limit", IntRule{.min = 1, .max = 1000});
  page.marker = in.String("Marker", kMarkerRule);
  return page;
}

StatusOr<keys::PageRequest> ToPageRequest(const PageInput& input) {
  keys::PageRequest page;
  page.limit = input.limit;
  page.marker = input.marker;
  if (input.marker) {
    KMS_ASSIGN_OR_RETURN(page.after, DecodeMarker(*input.marker));
  }
  return page;
}

void WritePaging(JsonOut& out, const std::string& next_position) {
  if (!next_position.empty()) out.Field("NextMarker", EncodeMarker(next_position));
  out.Field("Truncated", !next_position.empty());
}

}  // namespace kms::api
