// Text encodings used on the wire: base64 (blobs in JSON), hex (SigV4, ids).
#ifndef KMS_ENCODING_H_
#define KMS_ENCODING_H_

#include <optional>
#include <string>
#include <string_view>

#include "kms/bytes.h"

namespace kms {

// Standard padded base64 (RFC 4648 section 4).
std::string Base64Encode(ByteView bytes);
// Strict decoding of standard padded base64; nullopt on any malformed input.
std::optional<Bytes> Base64Decode(std::string_view text);
// Same, into secret storage (for plaintext received from clients).
std::optional<SecretBytes> Base64DecodeSecret(std::string_view text);

std::string HexEncode(ByteView bytes);  // lowercase
std::optional<Bytes> HexDecode(std::string_view text);

}  // namespace kms

#endif  // KMS_ENCODING_H_
