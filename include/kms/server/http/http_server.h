// HTTP/1.1 server: moves bytes, knows nothing of KMS. Requests reach a
// Handler as plain structs; the handler answers through a callback, possibly
// later and from another thread (after the audit record is durable).
#ifndef KMS_SERVER_HTTP_HTTP_SERVER_H_
#define KMS_SERVER_HTTP_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kms/server/http/http_message.h"
#include "kms/status.h"

namespace kms::http {

// Answers a request. Must be called exactly once; callable from any thread.
using Respond = std::function<void(Response)>;

// Why the server refused a request before it reached Handle(), or failed it.
enum class Rejection {
  kBodyTooLarge,
  kHeaderTooLarge,
  kMalformed,
  // A connection beyond ServerOptions::max_connections (sent before closing it).
  kTooManyConnections,
  // Handle() threw: the server's fault boundary answers in its place.
  kInternalError,
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Called on an I/O thread; must not block for long.
  virtual void Handle(Request request, Respond respond) = 0;
  // The response for a request refused by the transport (sent with
  // Connection: close), or for one whose Handle() threw. Must not throw.
  virtual Response Reject(Rejection rejection) = 0;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  int threads = 1;    // one io_context per thread; one acceptor hands connections out in turn
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int idle_timeout_seconds =
      60;  // for a request's first byte (between requests on a kept-alive connection)
  int header_timeout_seconds = 10;  // from a request's first byte to the end of its header
  int read_timeout_seconds = 30;    // to receive a request body once its header arrived
  // Open connections. One more is answered with Reject(kTooManyConnections)
  // and closed; past 64 more, new connections are closed at once.
  size_t max_connections = 1024;
  // HTTPS when both are set (PEM files): TLS 1.2 and 1.3 only, with forward
  // secret AEAD ciphers; requests are marked Request::secure.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
};

class Server {
 public:
  virtual ~Server() = default;
  // The bound port.
  virtual uint16_t port() const = 0;
  // Connections open now.
  virtual size_t open_connections() const = 0;
  // Stops accepting, lets requests in flight finish (up to a grace period),
  // closes connections and joins the I/O threads. Idempotent.
  virtual void Stop() = 0;
};

// Binds (without SO_REUSEPORT: a port in use is kInternal "address already in
// use", never shared with another process) and starts serving on
// `options.threads` threads. `handler` must outlive the server.
// Fault boundary: an exception thrown by the handler is logged and answered
// with Reject(kInternalError); one escaping an I/O loop is logged and the loop
// goes on. Neither ends the process.
StatusOr<std::unique_ptr<Server>> StartServer(const ServerOptions& options, Handler& handler);

}  // namespace kms::http

#endif  // KMS_SERVER_HTTP_HTTP_SERVER_H_
