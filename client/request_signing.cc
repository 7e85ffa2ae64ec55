// Building and signing KMS requests: user, via-service and service calls.
#include <algorithm>
#include <cctype>

#include "kms/client/kms_client.h"
#include "kms/sigv4.h"
#include "kms/text.h"

namespace kms::client {
namespace {

// Signs `request` as it stands with `credentials` and returns the headers
// sigv4::Sign adds (X-Amz-Date, X-Amz-Security-Token if any, Authorization).
std::vector<std::pair<std::string, std::string>> Sign(const HttpRequest& request,
                                                      const Credentials& credentials,
                                                      std::string_view region, EpochMillis now) {
  std::vector<sigv4::Header> headers;
  headers.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers) headers.push_back(sigv4::Header{name, value});
  const sigv4::RequestView view{request.method, request.target, headers, request.body};
  return sigv4::Sign(
      view, sigv4::SigningParams{credentials.access_key_id, credentials.secret_access_key,
                                 credentials.session_token, std::string(region), "kms", now});
}

// The value of the Authorization header among `added`.
std::string AuthorizationOf(const std::vector<std::pair<std::string, std::string>>& added) {
  for (const auto& [name, value] : added) {
    if (name == "Authorization") return value;
  }
  return {};
}

Status CheckCredentials(CallAs as, const SigningIdentities& identities) {
  if (as != CallAs::kService && identities.user.empty()) {
    return Error(Code::kValidation, "no user credentials are configured");
  }
  if (as != CallAs::kUser && identities.service.empty()) {
    return Error(Code::kValidation, "no service principal credentials are configured");
  }
  return OkStatus();
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

StatusOr<HttpRequest> BuildKmsRequest(std::string_view host, std::string_view region,
                                      std::string_view operation, std::string body, CallAs as,
                                      const SigningIdentities& identities, EpochMillis now) {
  KMS_RETURN_IF_ERROR(CheckCredentials(as, identities));
  HttpRequest request;
  request.body = std::move(body);
  request.headers = {{"Host", std::string(host)},
                     {"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", "TrentService." + std::string(operation)}};
  if (as == CallAs::kUserViaService) {
    request.headers.emplace_back(
        kViaServiceHeader, identities.service_name + "." + std::string(region) + ".amazonaws.com");
    // The service signs for this user only (DESIGN.md section 3).
    request.headers.emplace_back(kViaPrincipalHeader, identities.user.access_key_id);
    // The service signs first (over the via-service and via-principal
    // headers); its X-Amz-Date is the one the user's signature adds again below.
    const std::string service_authorization =
        AuthorizationOf(Sign(request, identities.service, region, now));
    request.headers.emplace_back(kServiceAuthorizationHeader, service_authorization);
  }
  const Credentials& signer = as == CallAs::kService ? identities.service : identities.user;
  for (auto& header : Sign(request, signer, region, now))
    request.headers.push_back(std::move(header));
  return request;
}

std::string Endpoint::HostHeader() const { return port == "80" ? host : host + ":" + port; }

StatusOr<Endpoint> ParseEndpointUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  const auto invalid = [&](std::string_view why) {
    return Error(Code::kValidation,
                 "Invalid endpoint: " + std::string(url) + " (" + std::string(why) + ")");
  };
  if (!url.starts_with(kScheme)) {
    return invalid("only http:// endpoints are supported; kmsd serves plain HTTP");
  }
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (rest.find_first_not_of('/', slash) != std::string_view::npos) return invalid("has a path");
    rest = rest.substr(0, slash);
  }
  Endpoint endpoint;
  endpoint.url = std::string(url);
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    endpoint.port = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    const bool numeric = !endpoint.port.empty() && endpoint.port.size() <= 5 &&
                         std::all_of(endpoint.port.begin(), endpoint.port.end(),
                                     [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric) return invalid("bad port");
  }
  if (rest.empty()) return invalid("no host");
  endpoint.host = std::string(rest);
  return endpoint;
}

}  // namespace kms::client
