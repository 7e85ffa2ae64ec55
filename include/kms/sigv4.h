// AWS Signature Version 4 (header form): canonical request, string to sign,
// signing key, signature; a signer for clients and a parser for the
// Authorization header. Shared by the server (verification), the RDS volume
// client and the load generator (signing). Pure functions; thread-safe.
#ifndef KMS_SIGV4_H_
#define KMS_SIGV4_H_

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kms/clock.h"
#include "kms/crypto.h"
#include "kms/status.h"

namespace kms::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

struct Header {
  std::string_view name;
  std::string_view value;
};

// A request as SigV4 sees it. Header names match case-insensitively; a name
// may repeat (its values are joined with ',' in order).
struct RequestView {
  std::string_view method;
  std::string_view target;  // the request-target: path, optionally "?query"
  std::span<const Header> headers;
  std::string_view body;
};

struct CredentialScope {
  std::string date;              // yyyymmdd
  std::string region;            // us-east-1
  std::string service;           // kms
  std::string ToString() const;  // date/region/service/aws4_request
};

struct Authorization {
  std::string access_key_id;
  CredentialScope scope;
  std::vector<std::string> signed_headers;  // as listed (lowercase, sorted by the signer)
  std::string signature;                    // hex
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kms/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<hex>". Errors: kIncompleteSignature
// with AWS's text when a part is missing or the algorithm is not SigV4.
StatusOr<Authorization> ParseAuthorization(std::string_view value);

// Finds the first header named `name` (case-insensitive); false if absent.
bool FindHeader(std::span<const Header> headers, std::string_view name, std::string_view* value);

// The canonical request over `signed_headers` (lowercase names). A signed
// header that is absent from the request contributes an empty value, which
// then simply fails verification.
std::string CanonicalRequest(const RequestView& request,
                             std::span<const std::string> signed_headers,
                             std::string_view payload_hash_hex);
std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request);
crypto::Sha256Digest SigningKey(std::string_view secret_access_key, const CredentialScope& scope);
std::string Signature(const crypto::Sha256Digest& signing_key, std::string_view string_to_sign);

// Everything a signer needs.
struct SigningParams {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional
  std::string region;
  std::string service;
  EpochMillis time = 0;
};

// Signs `request` (whose headers must include Host) and returns the headers to
// add, in order: X-Amz-Date, X-Amz-Security-Token (if a token is set), and
// Authorization. Every header of `request` is signed, plus those added.
std::vector<std::pair<std::string, std::string>> Sign(const RequestView& request,
                                                      const SigningParams& params);

// Signs requests with one set of credentials, caching the signing key per day
// as the SDKs do. Not thread-safe (one per thread).
class Signer {
 public:
  explicit Signer(SigningParams params) : params_(std::move(params)) {}
  // As Sign(), at `time`.
  std::vector<std::pair<std::string, std::string>> Sign(const RequestView& request,
                                                        EpochMillis time);

 private:
  SigningParams params_;
  std::string key_date_;
  crypto::Sha256Digest key_{};
};

// URI-encodes per SigV4 (unreserved characters kept; '/' kept when encode_slash is false).
std::string UriEncode(std::string_view text, bool encode_slash);

}  // namespace kms::sigv4

#endif  // KMS_SIGV4_H_
