// Pieces shared by the operation handlers. Internal to server/api.
#ifndef KMS_SERVER_API_HANDLER_UTIL_H_
#define KMS_SERVER_API_HANDLER_UTIL_H_

#include <array>
#include <string>
#include <string_view>

#include "server/api/access.h"
#include "server/api/call.h"
#include "server/api/json_out.h"
#include "server/api/request_reader.h"

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

// Resolves a KeyId in the caller's scope and names the key in the audit record.
StatusOr<keys::ResolvedKey> ResolveKey(Call& call, std::string_view key_id, keys::KeyIdForms forms);

// Authorizes `action` on `key` with no request-specific condition keys.
Status AuthorizeKey(Call& call, std::string_view action, const KeyRecord& key);

// The DryRun answer once a request has passed every check.
std::unexpected<Status> DryRunSucceeded();

// kInvalidKeyUsage unless the algorithm (when given) suits a symmetric key.
Status CheckSymmetricAlgorithm(const KeyRecord& key, const std::optional<std::string>& algorithm);

// Paging markers: an opaque token wrapping a position of at most
// kMaxMarkerPosition bytes; kInvalidMarker when it does not decode.
inline constexpr size_t kMaxMarkerPosition = 256;
std::string EncodeMarker(std::string_view position);
StatusOr<std::string> DecodeMarker(std::string_view marker);

// The Limit and Marker of a List* request.
struct PageRequest {
  std::optional<int64_t> limit;
  std::optional<std::string> marker;
  // The page size: Limit (model range 1..1000), at most what the service
  // returns per page.
  size_t Size(int64_t default_size, int64_t service_max) const {
    return static_cast<size_t>(std::min(limit.value_or(default_size), service_max));
  }
  // The position after which the page starts (empty without a marker).
  StatusOr<std::string> Position() const;
};
// Reads Limit and Marker; call where the model lists them.
PageRequest ReadPageRequest(RequestReader& in);

// Writes {"Truncated": ..., "NextMarker": ...} members for a page.
void WritePaging(JsonOut& out, const std::string& next_position);

}  // namespace kms::api

#endif  // KMS_SERVER_API_HANDLER_UTIL_H_
