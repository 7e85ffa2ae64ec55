#include "kms/server/auth/authenticator.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "kms/crypto.h"
#include "kms/encoding.h"
#include "kms/sigv4.h"

namespace kms::auth {
namespace {

constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your AWS "
    "Secret "
    "Access Key and signing method. Consult the service documentation for details.";

std::vector<sigv4::Header> HeaderViews(const http::Request& request) {
  std::vector<sigv4::Header> out;
  out.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers) out.push_back(sigv4::Header{name, value});
  return out;
}

// Signing keys depend only on the secret, the date and the region: cache them
// per thread (no locking on the hot path), bounded by a periodic reset.
const crypto::Sha256Digest& CachedSigningKey(std::string_view access_key_id,
                                             std::string_view secret,
                                             const sigv4::CredentialScope& scope) {
  thread_local std::unordered_map<std::string, crypto::Sha256Digest> cache;
  std::string cache_key;
  cache_key.reserve(access_key_id.size() + 40);
  cache_key.append(access_key_id).append("/").append(scope.ToString());
  auto it = cache.find(cache_key);
  if (it != cache.end()) return it->second;
  if (cache.size() > 4096) cache.clear();
  return cache.emplace(std::move(cache_key), sigv4::SigningKey(secret, scope)).first->second;
}

std::unexpected<Status> Unrecognized() {
  return Error(Code::kUnrecognizedClient, "The security token included in the request is invalid.");
}

std::unexpected<Status> Incomplete(std::string message) {
  return Error(Code::kIncompleteSignature, std::move(message));
}

// Checks the request time against the server clock (AWS allows 5 minutes).
Status CheckRequestTime(std::string_view amz_date, EpochMillis request_time, EpochMillis now,
                        int skew_seconds) {
  const EpochMillis skew = EpochMillis{skew_seconds} * 1000;
  const std::string minutes = std::to_string(skew_seconds / 60) + " min.)";
  if (request_time < now - skew) {
    return Error(Code::kInvalidSignature, "Signature expired: " + std::string(amz_date) +
                                              " is now earlier than " + FormatAmzDate(now - skew) +
                                              " (" + FormatAmzDate(now) + " - " + minutes);
  }
  if (request_time > now + skew) {
    return Error(Code::kInvalidSignature, "Signature not yet current: " + std::string(amz_date) +
                                              " is still later than " + FormatAmzDate(now + skew) +
                                              " (" + FormatAmzDate(now) + " + " + minutes);
  }
  return OkStatus();
}

// The header that dates the request: X-Amz-Date, or Date when it is absent.
StatusOr<std::string_view> DateHeaderName(const http::Request& request,
                                          std::string_view authorization) {
  if (!request.Header("X-Amz-Date").empty()) return std::string_view("x-amz-date");
  if (!request.Header("Date").empty()) return std::string_view("date");
  return Incomplete(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
      "Authorization=" +
      std::string(authorization));
}

// AWS refuses a signature that does not cover the host, or the header the
// request's date comes from.
Status CheckSignedHeaders(const sigv4::Authorization& auth, std::string_view date_header) {
  const auto is_signed = [&](std::string_view name) {
    return std::find(auth.signed_headers.begin(), auth.signed_headers.end(), name) !=
           auth.signed_headers.end();
  };
  if (!is_signed("host")) {
    return Error(Code::kInvalidSignature,
                 "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!is_signed(date_header)) {
    // Appended piecewise: GCC 12 at -O3 misreads `"'" + std::string(...)` (-Wrestrict).
    std::string message(1, '\'');
    message.append(date_header).append("' must be a 'SignedHeader' in the AWS Authorization.");
    return Error(Code::kInvalidSignature, std::move(message));
  }
  return OkStatus();
}

// The request time from X-Amz-Date, or from Date (RFC 1123) when absent; one
// of them is present.
Status RequestTime(const http::Request& request, std::string* amz_date, EpochMillis* time) {
  std::string_view value = request.Header("X-Amz-Date");
  if (value.empty()) {
    std::string_view date = request.Header("Date");
    if (!ParseHttpDate(date, time)) {
      return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + std::string(date) +
                        "'.");
    }
    *amz_date = FormatAmzDate(*time);
    return OkStatus();
  }
  if (!ParseAmzDate(value, time)) {
    return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + std::string(value) +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  *amz_date = std::string(value);
  return OkStatus();
}

Status CheckScope(const sigv4::CredentialScope& scope, std::string_view service,
                  std::string_view amz_date) {
  std::string problems;
  if (!IsValidRegionName(scope.region))
    problems += "Credential should be scoped to a valid region. ";
  if (scope.service != service)
    problems += "Credential should be scoped to correct service: '" + std::string(service) + "'. ";
  if (!problems.empty()) return Error(Code::kInvalidSignature, std::move(problems));
  if (scope.date != amz_date.substr(0, 8)) {
    return Error(Code::kInvalidSignature,
                 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                 "from HTTP: '" +
                     scope.date + "' != '" + std::string(amz_date.substr(0, 8)) + "', from '" +
                     std::string(amz_date) + "'.");
  }
  return OkStatus();
}

}  // namespace

bool IsValidRegionName(std::string_view region) {
  // <2 letters>(-gov|-iso...)?-<direction>-<digits>, at most one DNS label
  // long (as botocore requires of a region name).
  if (region.size() > kMaxRegionNameLength) return false;
  const size_t first = region.find('-');
  const size_t last = region.rfind('-');
  if (first != 2 || last == first || last + 1 >= region.size()) return false;
  for (size_t i = 0; i < region.size(); ++i) {
    const char c = region[i];
    const bool ok = i > last ? (c >= '0' && c <= '9') : ((c >= 'a' && c <= 'z') || c == '-');
    if (!ok) return false;
  }
  return region.find("--") == std::string_view::npos;
}

Authenticator::Authenticator(const config::ServerConfig& config, const Clock& clock)
    : config_(config), clock_(clock) {
  for (const config::Identity& identity : config.identities) {
    keys_[identity.access_key_id] = Secret{&identity, nullptr, identity.secret_access_key};
    if (identity.access_key_id == config.permissive_access_key_id) permissive_identity_ = &identity;
  }
  for (const config::ServicePrincipal& service : config.service_principals) {
    keys_[service.access_key_id] = Secret{nullptr, &service, service.secret_access_key};
  }
}

const Authenticator::Secret* Authenticator::FindKey(std::string_view access_key_id) const {
  auto it = keys_.find(std::string(access_key_id));
  return it == keys_.end() ? nullptr : &it->second;
}

Status Authenticator::VerifySignature(const http::Request& request,
                                      std::string_view authorization_header,
                                      std::string_view service, const Secret** secret,
                                      Caller* caller) const {
  KMS_ASSIGN_OR_RETURN(sigv4::Authorization auth, sigv4::ParseAuthorization(authorization_header));
  KMS_ASSIGN_OR_RETURN(std::string_view date_header, DateHeaderName(request, authorization_header));
  KMS_RETURN_IF_ERROR(CheckSignedHeaders(auth, date_header));
  std::string amz_date;
  EpochMillis request_time = 0;
  KMS_RETURN_IF_ERROR(RequestTime(request, &amz_date, &request_time));
  KMS_RETURN_IF_ERROR(
      CheckRequestTime(amz_date, request_time, clock_.NowMillis(), config_.max_clock_skew_seconds));
  KMS_RETURN_IF_ERROR(CheckScope(auth.scope, service, amz_date));
  // An access key id that no IAM key could have is refused in every mode, so
  // no unbounded caller-chosen text reaches the audit log's indexes.
  if (!config::IsValidAccessKeyId(auth.access_key_id)) return Unrecognized();
  caller->region = auth.scope.region;
  caller->access_key_id = auth.access_key_id;
  *secret = FindKey(auth.access_key_id);
  if (*secret == nullptr) {
    // Permissive mode maps unknown keys to its default identity; a known key
    // is always held to its secret.
    if (config_.auth_mode == config::AuthMode::kPermissive) return OkStatus();
    return Unrecognized();
  }
  const config::Identity* identity = (*secret)->identity;
  if (identity != nullptr && !identity->session_token.empty() &&
      !ConstantTimeEquals(AsBytes(request.Header("X-Amz-Security-Token")),
                          AsBytes(identity->session_token))) {
    return Unrecognized();
  }
  const std::vector<sigv4::Header> headers = HeaderViews(request);
  const sigv4::RequestView view{request.method, request.target, headers, request.body};
  const std::string payload_hash = HexEncode(crypto::Sha256(AsBytes(request.body)));
  const std::string canonical = sigv4::CanonicalRequest(view, auth.signed_headers, payload_hash);
  const std::string expected = sigv4::Signature(
      CachedSigningKey(auth.access_key_id, (*secret)->secret_access_key, auth.scope),
      sigv4::StringToSign(amz_date, auth.scope, canonical));
  if (!ConstantTimeEquals(AsBytes(expected), AsBytes(auth.signature))) {
    return Error(Code::kInvalidSignature, std::string(kSignatureMismatch));
  }
  return OkStatus();
}

StatusOr<Caller> Authenticator::Authenticate(const http::Request& request,
                                             std::string_view service) const {
  const std::string_view authorization = request.Header("Authorization");
  if (authorization.empty()) {
    return Error(Code::kMissingAuthenticationToken, "Missing Authentication Token");
  }
  const Secret* secret = nullptr;
  Caller caller;
  KMS_RETURN_IF_ERROR(VerifySignature(request, authorization, service, &secret, &caller));
  if (config_.auth_mode == config::AuthMode::kPermissive &&
      (secret == nullptr || secret->service != nullptr)) {
    static const Secret kNone;
    secret =
        permissive_identity_ != nullptr ? &keys_.at(permissive_identity_->access_key_id) : &kNone;
  }
  if (secret->identity != nullptr) {
    caller.identity = secret->identity;
    caller.principal = secret->identity->principal;
  } else if (secret->service != nullptr) {
    caller.principal.type = PrincipalType::kAwsService;
    caller.principal.arn = secret->service->service;
    caller.principal.principal_arn = secret->service->service;
    caller.principal.principal_id = secret->service->service;
  }
  caller.source_ip = request.remote_address;
  caller.user_agent = std::string(request.Header("User-Agent"));
  caller.secure_transport = request.secure;
  KMS_RETURN_IF_ERROR(VerifyViaService(request, service, &caller));
  return caller;
}

Status Authenticator::VerifyViaService(const http::Request& request, std::string_view service,
                                       Caller* caller) const {
  const std::string_view via = request.Header(kViaServiceHeader);
  const std::string_view countersignature = request.Header(kServiceAuthorizationHeader);
  if (via.empty() && countersignature.empty()) return OkStatus();
  auto refuse = [&](const std::string& why) {
    return Error(Code::kAccessDenied, "The request names a calling service (" +
                                          std::string(kViaServiceHeader) + ": " + std::string(via) +
                                          ") but " + why);
  };
  if (via.empty()) return refuse("the header is missing while a service signature is present");
  if (countersignature.empty()) return refuse("carries no service signature");
  // "rds.us-east-1.amazonaws.com" names service "rds.amazonaws.com" in the request's region.
  const std::string suffix = "." + caller->region + ".amazonaws.com";
  if (!via.ends_with(suffix) || via.size() == suffix.size()) {
    return refuse("it is not of the form <service>." + caller->region + ".amazonaws.com");
  }
  const std::string service_name =
      std::string(via.substr(0, via.size() - suffix.size())) + ".amazonaws.com";
  auto auth = sigv4::ParseAuthorization(countersignature);
  if (!auth) return refuse("its service signature is malformed: " + auth.error().message());
  const auto covers = [&](std::string_view name) {
    return std::find(auth->signed_headers.begin(), auth->signed_headers.end(), name) !=
           auth->signed_headers.end();
  };
  if (!covers("x-kmsd-via-service"))
    return refuse("its service signature does not sign the x-kmsd-via-service header");
  // The countersignature is bound to the calling user (DESIGN.md section 3).
  const std::string_view via_principal = request.Header(kViaPrincipalHeader);
  if (via_principal.empty()) {
    return refuse("carries no " + std::string(kViaPrincipalHeader) +
                  " header naming the calling user's access key id");
  }
  if (!covers("x-kmsd-via-principal")) {
    return refuse("its service signature does not sign the x-kmsd-via-principal header");
  }
  if (!ConstantTimeEquals(AsBytes(via_principal), AsBytes(caller->access_key_id))) {
    return refuse(
        "its service signature was made for another caller: " + std::string(kViaPrincipalHeader) +
        " is not the access key id of the request's Authorization");
  }
  const Secret* secret = nullptr;
  Caller signer;
  Status verified = VerifySignature(request, countersignature, service, &secret, &signer);
  if (!verified.ok()) return refuse("its service signature does not verify: " + verified.message());
  if (secret == nullptr || secret->service == nullptr || secret->service->service != service_name) {
    return refuse("its service signature is not from a service principal of " + service_name);
  }
  if (signer.region != caller->region)
    return refuse("its service signature is scoped to another region");
  caller->via_service = std::string(via);
  caller->invoked_by = service_name;
  return OkStatus();
}

}  // namespace kms::auth
