// Pieces the operation codecs share: model constraints several operations
// use, and the paging members. Internal to server/api.
#ifndef KMS_SERVER_API_HANDLER_UTIL_H_
#define KMS_SERVER_API_HANDLER_UTIL_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "call.h"
#include "json_out.h"
#include "request_reader.h"

namespace kms::api {

// Model constraints shared by many operations.
inline constexpr StringRule kKeyIdRule{.required = true, .min_length = 1, .max_length = 2048};
inline constexpr StringRule kOptionalKeyIdRule{.min_length = 1, .max_length = 2048};
inline constexpr ListRule kGrantTokensList{.max_items = 10};
inline constexpr StringRule kGrantTokenRule{.min_length = 1, .max_length = 8192};
inline constexpr StringRule kMarkerRule{.min_length = 1, .max_length = 1024};
inline constexpr std::array<std::string_view, 4> kEncryptionAlgorithms = {
    "SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"};
inline constexpr StringRule kEncryptionAlgorithmRule{.enum_values = kEncryptionAlgorithms};

// The GrantTokens member (an empty list when absent).
std::vector<std::string> ReadGrantTokens(RequestReader& in);

// The Recipient member (a Nitro Enclaves attestation document, whose caller
// expects the answer encrypted to the enclave): kmsd cannot verify one, so a
// request with it is refused (ValidationException) rather than answered in
// plaintext.
Status RefuseRecipient(RequestReader& in);

// Paging markers: an opaque token wrapping a position of at most
// kMaxMarkerPosition bytes; kInvalidMarker when it does not decode.
inline constexpr size_t kMaxMarkerPosition = 256;
std::string EncodeMarker(std::string_view position);
StatusOr<std::string> DecodeMarker(std::string_view marker);

// The Limit and Marker members of a List* request, as sent.
struct PageInput {
  std::optional<int64_t> limit;
  std::optional<std::string> marker;
};
// Reads Limit (1..1000) and Marker; call where the model lists them.
PageInput ReadPageInput(RequestReader& in);
// The service's page request, its marker decoded (call after
// RequestReader::Finish: model violations come first). InvalidMarkerException
// when the marker does not decode.
StatusOr<keys::PageRequest> ToPageRequest(const PageInput& input);

// Writes {"Truncated": ..., "NextMarker": ...} members for a page.
void WritePaging(JsonOut& out, const std::string& next_position);

}  // namespace kms::api

#endif  // KMS_SERVER_API_HANDLER_UTIL_H_
