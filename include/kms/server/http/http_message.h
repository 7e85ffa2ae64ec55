// The HTTP request and response kmsd's modules exchange: plain structs,
// free of Beast. The HTTP server fills a Request and sends a Response; the
// authenticator reads a Request. Header-only (library kms_http_message).
#ifndef KMS_SERVER_HTTP_HTTP_MESSAGE_H_
#define KMS_SERVER_HTTP_HTTP_MESSAGE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kms/text.h"

namespace kms::http {

struct Request {
  std::string method;
  std::string target;
  // In arrival order, names as sent (match case-insensitively); repeats kept.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;
  bool secure = false;  // TLS (always false until TLS is added)

  // The first header named `name` (case-insensitive), or empty.
  std::string_view Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (EqualsIgnoreCase(key, name)) return value;
    }
    return {};
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Not sent: what kmsd's request log says of the call (a principal ARN and
  // the key ARN it touched), when known.
  std::string logged_caller;
  std::string logged_key;

  // The first header named `name` (case-insensitive), or empty.
  std::string_view Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (EqualsIgnoreCase(key, name)) return value;
    }
    return {};
  }
};

}  // namespace kms::http

#endif  // KMS_SERVER_HTTP_HTTP_MESSAGE_H_
