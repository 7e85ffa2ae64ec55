// Fuzz target for the server's HTTP/1.1 request parsing (server/http/
// request_parser.h), with the server's default limits and driven the way
// HttpSession drives it: the input is what a client sends on one connection
// before closing its side. The bytes reach the parser all at once, one byte
// per read, and 1 + (the input's last byte) bytes per read; each read of a
// request takes its header first, then its body, and while the client keeps
// the connection alive the bytes after a request are the next request.
// Checks that each request handed on is well-formed and within the limits,
// that the parser never stalls, and that how the bytes were split into reads
// changes nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "kms/server/http/http_server.h"
#include "server/http/request_parser.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using kms::http::Request;
using kms::http::RequestParser;
using kms::http::ServerOptions;

// Requests parsed per input: more than any seed pipelines, few enough that a
// run stays fast.
constexpr size_t kMaxRequestsPerConnection = 64;

// What the server makes of the bytes of one connection.
struct Connection {
  std::vector<Request> requests;  // handed to the handler, in order
  bool refused = false;           // ended on a parse error (answered, then closed)
};

// The client's bytes as HttpSession's buffer holds them: each read appends
// up to `chunk` more bytes, and the parser consumes from the front.
class Stream {
 public:
  Stream(std::string_view bytes, size_t chunk) : bytes_(bytes), chunk_(chunk) {}

  // Read and not yet used by a parser.
  std::string_view buffered() const { return bytes_.substr(used_, received_ - used_); }
  void Consume(size_t n) {
    KMS_CHECK(n <= received_ - used_);
    used_ += n;
  }
  // One read; false once the client has nothing more to send.
  bool Read() {
    if (received_ == bytes_.size()) return false;
    received_ += std::min(chunk_, bytes_.size() - received_);
    return true;
  }

 private:
  std::string_view bytes_;
  size_t chunk_;
  size_t used_ = 0;
  size_t received_ = 0;
};

// As HttpSession's header reads (`header_only`: http::read_some until the
// header is done, its bytes counted with CountHeaderBytes) or http::read:
// puts what is buffered into the parser and reads more while it needs more.
// end_of_stream when the client closed before the message's first byte.
beast::error_code Read(RequestParser& parser, Stream& stream, bool header_only,
                       const ServerOptions& options) {
  parser.eager(!header_only);
  size_t header_bytes = 0;
  auto done = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  while (!done()) {
    beast::error_code ec = bhttp::error::need_more;
    const std::string_view buffered = stream.buffered();
    if (!buffered.empty()) {
      const size_t used = parser.put(net::buffer(buffered.data(), buffered.size()), ec);
      stream.Consume(used);
      if (ec && ec != bhttp::error::need_more) return ec;
      if (header_only && !kms::http::CountHeaderBytes(used, &header_bytes, options)) {
        return bhttp::error::header_limit;
      }
      // Beast would put the same bytes again and again: the session would spin.
      KMS_CHECK(ec == bhttp::error::need_more || used > 0 || done());
      if (!ec) continue;
    }
    if (!stream.Read()) {
      if (!parser.got_some()) return bhttp::error::end_of_stream;
      parser.put_eof(ec);
      KMS_CHECK(ec || parser.is_done());
      return ec;
    }
  }
  return {};
}

bool IsTokenChar(char c) {
  return c > 0x20 && c < 0x7f &&
         std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

// Visible characters, spaces, tabs and obs-text; no line breaks or other controls.
bool IsFieldValueChar(char c) {
  return c == '\t' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
}

// At most the size of the header as sent (which may add optional whitespace
// around values and obs-folds): "<method> <target> HTTP/1.x\r\n",
// "<name>:<value>\r\n" per field, "\r\n".
size_t HeaderSize(const Request& request) {
  size_t size = request.method.size() + 1 + request.target.size() + 1 + 8 + 2 + 2;
  for (const auto& [name, value] : request.headers) size += name.size() + 1 + value.size() + 2;
  return size;
}

// What the handler may rely on, whatever the client sent.
void CheckRequest(const Request& request, const ServerOptions& options) {
  KMS_CHECK(IsToken(request.method));
  KMS_CHECK(!request.target.empty());
  for (char c : request.target) KMS_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
  for (const auto& [name, value] : request.headers) {
    KMS_CHECK(IsToken(name));
    // Values are copied into signatures and audit records: no line breaks.
    KMS_CHECK(std::all_of(value.begin(), value.end(), IsFieldValueChar));
  }
  KMS_CHECK(HeaderSize(request) <= options.max_header_bytes);
  KMS_CHECK(request.body.size() <= options.max_body_bytes);
}

// The body is exactly what the framing announced: a Content-Length's worth,
// whatever the chunks held, or nothing.
void CheckFraming(const RequestParser& parser) {
  const std::optional<uint64_t> length =
      parser.content_length() ? std::optional(*parser.content_length()) : std::nullopt;
  const size_t body = parser.get().body().size();
  KMS_CHECK(!(length && parser.chunked()));
  if (length) KMS_CHECK(body == *length);
  if (!length && !parser.chunked()) KMS_CHECK(body == 0);
}

// The requests HttpSession hands on when a client sends `bytes`, `chunk`
// bytes per read, and then closes its side.
Connection ParseConnection(std::string_view bytes, size_t chunk, const ServerOptions& options) {
  Connection connection;
  Stream stream(bytes, chunk);
  std::optional<RequestParser> parser;
  while (connection.requests.size() < kMaxRequestsPerConnection) {
    kms::http::ResetParser(parser, options);
    beast::error_code ec = Read(*parser, stream, /*header_only=*/true, options);
    if (!ec) ec = Read(*parser, stream, /*header_only=*/false, options);
    if (ec == bhttp::error::end_of_stream) break;
    if (ec) {
      connection.refused = true;
      break;
    }
    CheckFraming(*parser);
    auto message = parser->release();
    const bool keep_alive = message.keep_alive();
    connection.requests.push_back(kms::http::ToRequest(std::move(message)));
    CheckRequest(connection.requests.back(), options);
    if (!keep_alive) break;
  }
  return connection;
}

bool SameRequest(const Request& a, const Request& b) {
  return a.method == b.method && a.target == b.target && a.headers == b.headers && a.body == b.body;
}

bool SameConnection(const Connection& a, const Connection& b) {
  return a.refused == b.refused && a.requests.size() == b.requests.size() &&
         std::equal(a.requests.begin(), a.requests.end(), b.requests.begin(), SameRequest);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const ServerOptions kOptions;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Connection at_once = ParseConnection(bytes, size, kOptions);
  KMS_CHECK(SameConnection(at_once, ParseConnection(bytes, 1, kOptions)));
  KMS_CHECK(SameConnection(at_once, ParseConnection(bytes, size_t{1} + data[size - 1], kOptions)));
  return 0;
}
