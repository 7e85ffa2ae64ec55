#include "kms/sigv4.h"

#include <algorithm>
#include <cctype>

#include "kms/encoding.h"
#include "kms/text.h"

namespace kms::sigv4 {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Trims and folds runs of whitespace (including line folds) into one space.
void AppendCanonicalValue(std::string& out, std::string_view value) {
  value = Trim(value);
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexDigit(s[i + 1]);
      const int lo = HexDigit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// RFC 3986 section 5.2.4, as the SigV4 signers apply it to non-S3 paths.
std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (segment != "." && !segment.empty()) {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (std::string_view segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  const bool trailing_slash =
      path.size() > 1 && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  if (out.empty() || trailing_slash) out.push_back('/');
  return out;
}

std::string CanonicalUri(std::string_view path) {
  if (path.empty() || path.front() != '/') return "/";
  return UriEncode(RemoveDotSegments(path), /*encode_slash=*/false);
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view param = query.substr(start, end - start);
    if (!param.empty()) {
      const size_t eq = param.find('=');
      std::string_view key = param.substr(0, eq);
      std::string_view value =
          eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
      params.emplace_back(UriEncode(PercentDecode(key), true),
                          UriEncode(PercentDecode(value), true));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(key).append("=").append(value);
  }
  return out;
}

}  // namespace

std::string CredentialScope::ToString() const {
  return date + "/" + region + "/" + service + "/aws4_request";
}

std::string UriEncode(std::string_view text, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool FindHeader(std::span<const Header> headers, std::string_view name, std::string_view* value) {
  for (const Header& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) {
      *value = header.value;
      return true;
    }
  }
  return false;
}

StatusOr<Authorization> ParseAuthorization(std::string_view header) {
  const std::string_view value = Trim(header);
  const size_t space = value.find(' ');
  const std::string_view algorithm = value.substr(0, space);
  if (algorithm != kAlgorithm) {
    return Error(Code::kIncompleteSignature,
                 "Unsupported AWS 'algorithm': '" + std::string(algorithm) + "'.");
  }
  std::string_view credential, signed_headers, signature;
  std::string_view rest =
      space == std::string_view::npos ? std::string_view() : value.substr(space + 1);
  // AWS splits the parameters on commas and spaces alike.
  while (!rest.empty()) {
    // (A loop, not find_first_of: libstdc++ calls memchr per character.)
    const size_t end = static_cast<size_t>(
        std::find_if(rest.begin(), rest.end(), [](char c) { return c == ',' || c == ' '; }) -
        rest.begin());
    const std::string_view part = rest.substr(0, end);
    rest = end == rest.size() ? std::string_view() : rest.substr(end + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      std::string message = "'";
      message.append(part).append(
          "' not a valid key=value pair (missing equal-sign) in Authorization header: '");
      message.append(value).append("'.");
      return Error(Code::kIncompleteSignature, std::move(message));
    }
    const std::string_view key = part.substr(0, eq);
    const std::string_view val = part.substr(eq + 1);
    if (key == "Credential")
      credential = val;
    else if (key == "SignedHeaders")
      signed_headers = val;
    else if (key == "Signature")
      signature = val;
  }
  std::string missing;
  if (credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (signed_headers.empty())
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!missing.empty()) {
    return Error(Code::kIncompleteSignature, missing + "Authorization=" + std::string(value));
  }
  // Credential=AKID/date/region/service/aws4_request
  const std::vector<std::string_view> parts = Split(credential, '/');
  if (parts.size() != 5 || parts[0].empty()) {
    return Error(Code::kIncompleteSignature,
                 "Credential must have exactly 5 slash-delimited elements, e.g. "
                 "keyid/date/region/service/term, got '" +
                     std::string(credential) + "'");
  }
  if (parts[4] != "aws4_request") {
    return Error(Code::kInvalidSignature,
                 "Credential should be scoped with a valid terminator: "
                 "'aws4_request', not '" +
                     std::string(parts[4]) + "'. ");
  }
  Authorization auth;
  auth.access_key_id = std::string(parts[0]);
  auth.scope = CredentialScope{std::string(parts[1]), std::string(parts[2]), std::string(parts[3])};
  for (std::string_view name : Split(signed_headers, ';')) {
    if (!name.empty()) auth.signed_headers.push_back(ToLower(name));
  }
  auth.signature = std::string(signature);
  return auth;
}

std::string CanonicalRequest(const RequestView& request,
                             std::span<const std::string> signed_headers,
                             std::string_view payload_hash_hex) {
  const size_t question = request.target.find('?');
  std::string out;
  out.reserve(256 + request.target.size());
  out.append(request.method).push_back('\n');
  out.append(CanonicalUri(request.target.substr(0, question))).push_back('\n');
  if (question != std::string_view::npos)
    out.append(CanonicalQuery(request.target.substr(question + 1)));
  out.push_back('\n');
  for (const std::string& name : signed_headers) {
    out.append(name).push_back(':');
    bool first = true;
    for (const Header& header : request.headers) {
      if (!EqualsIgnoreCase(header.name, name)) continue;
      if (!first) out.push_back(',');
      AppendCanonicalValue(out, header.value);
      first = false;
    }
    out.push_back('\n');
  }
  out.push_back('\n');
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out.push_back(';');
    out.append(signed_headers[i]);
  }
  out.push_back('\n');
  out.append(payload_hash_hex);
  return out;
}

std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request) {
  std::string out;
  out.reserve(160);
  out.append(kAlgorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope.ToString()).push_back('\n');
  out.append(HexEncode(crypto::Sha256(AsBytes(canonical_request))));
  return out;
}

crypto::Sha256Digest SigningKey(std::string_view secret_access_key, const CredentialScope& scope) {
  const std::string secret = "AWS4" + std::string(secret_access_key);
  crypto::Sha256Digest key = crypto::HmacSha256(AsBytes(secret), AsBytes(scope.date));
  key = crypto::HmacSha256(key, AsBytes(scope.region));
  key = crypto::HmacSha256(key, AsBytes(scope.service));
  return crypto::HmacSha256(key, AsBytes("aws4_request"));
}

std::string Signature(const crypto::Sha256Digest& signing_key, std::string_view string_to_sign) {
  return HexEncode(crypto::HmacSha256(signing_key, AsBytes(string_to_sign)));
}

namespace {

// Signs with a derived `signing_key` for `scope`.
std::vector<std::pair<std::string, std::string>> SignWithKey(
    const RequestView& request, const SigningParams& params, const std::string& amz_date,
    const CredentialScope& scope, const crypto::Sha256Digest& signing_key) {
  std::vector<std::pair<std::string, std::string>> added;
  added.emplace_back("X-Amz-Date", amz_date);
  if (!params.session_token.empty())
    added.emplace_back("X-Amz-Security-Token", params.session_token);

  std::vector<Header> all(request.headers.begin(), request.headers.end());
  for (const auto& [name, value] : added) all.push_back(Header{name, value});
  std::vector<std::string> names;
  for (const Header& header : all) {
    std::string name = ToLower(header.name);
    if (std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());

  RequestView signed_view = request;
  signed_view.headers = all;
  const std::string payload_hash = HexEncode(crypto::Sha256(AsBytes(request.body)));
  const std::string canonical = CanonicalRequest(signed_view, names, payload_hash);
  const std::string signature = Signature(signing_key, StringToSign(amz_date, scope, canonical));
  std::string joined;
  for (const std::string& name : names) {
    if (!joined.empty()) joined.push_back(';');
    joined.append(name);
  }
  added.emplace_back("Authorization", std::string(kAlgorithm) + " Credential=" +
                                          params.access_key_id + "/" + scope.ToString() +
                                          ", SignedHeaders=" + joined + ", Signature=" + signature);
  return added;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Sign(const RequestView& request,
                                                      const SigningParams& params) {
  const std::string amz_date = FormatAmzDate(params.time);
  const CredentialScope scope{amz_date.substr(0, 8), params.region, params.service};
  return SignWithKey(request, params, amz_date, scope, SigningKey(params.secret_access_key, scope));
}

std::vector<std::pair<std::string, std::string>> Signer::Sign(const RequestView& request,
                                                              EpochMillis time) {
  const std::string amz_date = FormatAmzDate(time);
  const CredentialScope scope{amz_date.substr(0, 8), params_.region, params_.service};
  if (scope.date != key_date_) {
    key_ = SigningKey(params_.secret_access_key, scope);
    key_date_ = scope.date;
  }
  return SignWithKey(request, params_, amz_date, scope, key_);
}

}  // namespace kms::sigv4
