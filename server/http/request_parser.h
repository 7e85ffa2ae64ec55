// The server's HTTP/1.1 request parsing, shared by HttpSession and the fuzz
// target (tests/fuzz/http_request_fuzz.cc) so that both parse exactly alike.
// Internal to server/http: includes Beast.
#ifndef KMS_SERVER_HTTP_REQUEST_PARSER_H_
#define KMS_SERVER_HTTP_REQUEST_PARSER_H_

#include <optional>
#include <utility>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "kms/server/http/http_server.h"

namespace kms::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// A fresh parser for the next request, with the server's limits.
inline void ResetParser(std::optional<RequestParser>& parser, const ServerOptions& options) {
  parser.emplace();
  parser->body_limit(options.max_body_bytes);
  parser->header_limit(static_cast<uint32_t>(options.max_header_bytes));
}

// Adds `consumed`, the bytes the parser used of a request's header in one
// put(), to `*total`; false once the header passes max_header_bytes. Beast
// applies header_limit to each put() on its own, so a header that arrives in
// several reads must be counted across them.
inline bool CountHeaderBytes(size_t consumed, size_t* total, const ServerOptions& options) {
  *total += consumed;
  return *total <= options.max_header_bytes;
}

// The Request a parsed message becomes (remote address not set).
inline Request ToRequest(boost::beast::http::request<boost::beast::http::string_body>&& message) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.headers.reserve(16);
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

}  // namespace kms::http

#endif  // KMS_SERVER_HTTP_REQUEST_PARSER_H_
