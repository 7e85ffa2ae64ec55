// The Beast/Asio server (after Beast's advanced server example): one
// io_context per thread. One acceptor hands connections to the contexts in
// turn, so a connection lives on one thread and its state needs no locks, and
// the port is never shared with another process (no SO_REUSEPORT).
#include "kms/server/http/http_server.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "request_parser.h"

namespace kms::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Connections past max_connections that still get a refusal; beyond these
// they are closed at once.
constexpr size_t kRefusedConnectionSlack = 64;
// How long accepting pauses when the process is out of file descriptors.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
// The most a connection's response buffer keeps between responses.
constexpr size_t kKeptWriteBufferBytes = 64 << 10;
// How long Stop() waits for requests in flight to be answered.
constexpr auto kStopGracePeriod = std::chrono::seconds(5);

// Responses owed: one from when a request reaches the handler (or is
// refused) until its response is written or its connection fails.
class OwedResponses {
 public:
  void Add() {
    std::lock_guard lock(mutex_);
    ++owed_;
  }
  void Settle() {
    std::lock_guard lock(mutex_);
    if (--owed_ == 0) none_owed_.notify_all();
  }
  // True once none is owed, false if `deadline` comes first.
  bool WaitUntilNone(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return none_owed_.wait_until(lock, deadline, [this] { return owed_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable none_owed_;
  int owed_ = 0;
};

// What the listener, the sessions and Stop() share.
struct ServerState {
  ServerState(const ServerOptions& o, Handler& h) : options(o), handler(h) {}
  const ServerOptions& options;
  Handler& handler;
  std::atomic<size_t> connections{0};  // open sessions
  std::atomic<bool> stopping{false};
  OwedResponses owed_responses;
};

// The response for a failed request; never throws.
Response InternalErrorResponse(Handler& handler) {
  try {
    return handler.Reject(Rejection::kInternalError);
  } catch (...) {
    Response response;
    response.status = 500;
    response.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
    response.body = R"({"__type":"KMSInternalException"})";
    return response;
  }
}

// `response` as HTTP/1.1 bytes, into `out` (its capacity reused): the status
// line, the headers in order, Content-Length, and "Connection: close" unless
// `keep_alive`, as Beast's serializer writes them. A header with a line break
// in its name or value (none of kmsd's has one) is left out rather than let
// it split the response.
void SerializeResponse(const Response& response, bool keep_alive, std::string* out) {
  const auto splits = [](std::string_view text) {
    return std::ranges::any_of(text, [](char c) { return c == '\r' || c == '\n'; });
  };
  out->clear();
  out->append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  out->append(bhttp::obsolete_reason(static_cast<bhttp::status>(response.status))).append("\r\n");
  for (const auto& [name, value] : response.headers) {
    if (splits(name) || splits(value)) continue;
    out->append(name).append(": ").append(value).append("\r\n");
  }
  out->append("Content-Length: ").append(std::to_string(response.body.size())).append("\r\n");
  if (!keep_alive) out->append("Connection: close\r\n");
  out->append("\r\n").append(response.body);
}

std::string_view RequestIdOf(const Response& response) {
  const std::string_view id = response.Header("x-amzn-RequestId");
  return id.empty() ? "-" : id;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: plain (Stream = beast::tcp_stream) or TLS (TlsStream).
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class... TlsContext>
  HttpSession(tcp::socket&& socket, ServerState& state, TlsContext&... tls)
      : stream_(std::move(socket), tls...), state_(state) {
    beast::error_code ec;
    const auto remote = tcp_stream().socket().remote_endpoint(ec);
    if (!ec) remote_address_ = remote.address().to_string();
  }
  ~HttpSession() { state_.connections.fetch_sub(1); }

  // Serves requests (after the TLS handshake), or only refuses the
  // connection when `refuse`.
  void Start(bool refuse) {
    auto self = this->shared_from_this();
    net::dispatch(stream_.get_executor(), [self, refuse] {
      if constexpr (kTls) {
        self->tcp_stream().expires_after(
            std::chrono::seconds(self->state_.options.header_timeout_seconds));
        self->stream_.async_handshake(net::ssl::stream_base::server,
                                      [self, refuse](beast::error_code ec) {
                                        if (ec) return self->Close();
                                        self->Serve(refuse);
                                      });
      } else {
        self->Serve(refuse);
      }
    });
  }

 private:
  beast::tcp_stream& tcp_stream() { return beast::get_lowest_layer(stream_); }
  std::shared_ptr<HttpSession> shared_from_this() {
    return std::enable_shared_from_this<HttpSession<Stream>>::shared_from_this();
  }

  void Serve(bool refuse) {
    if (refuse) return Refuse(Rejection::kTooManyConnections);
    DoRead();
  }

  // Waits (up to the idle timeout) for a request's first byte, then reads its
  // header within the header timeout.
  void DoRead() {
    ResetParser(parser_, state_.options);
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    tcp_stream().expires_after(std::chrono::seconds(state_.options.idle_timeout_seconds));
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->OnReadError(ec);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    tcp_stream().expires_after(std::chrono::seconds(state_.options.header_timeout_seconds));
    header_bytes_ = 0;
    ReadHeaderBytes();
  }

  // Reads until the header is complete, counting its bytes (CountHeaderBytes).
  void ReadHeaderBytes() {
    bhttp::async_read_some(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&HttpSession::OnHeaderBytes, shared_from_this()));
  }

  void OnHeaderBytes(beast::error_code ec, size_t consumed) {
    if (ec) return OnReadError(ec);
    if (!CountHeaderBytes(consumed, &header_bytes_, state_.options))
      return Refuse(Rejection::kHeaderTooLarge);
    if (!parser_->is_header_done()) return ReadHeaderBytes();
    ReadBody();
  }

  void ReadBody() {
    tcp_stream().expires_after(std::chrono::seconds(state_.options.read_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::connection_reset ||
        ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) return Refuse(Rejection::kBodyTooLarge);
    if (ec == bhttp::error::header_limit) return Refuse(Rejection::kHeaderTooLarge);
    return Refuse(Rejection::kMalformed);
  }

  void Refuse(Rejection rejection) {
    keep_alive_ = false;
    state_.owed_responses.Add();
    Send(state_.handler.Reject(rejection));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    bhttp::request<bhttp::string_body> message = parser_->release();
    keep_alive_ = message.keep_alive() && !state_.stopping.load();
    Request request = ToRequest(std::move(message));
    request.remote_address = remote_address_;
    request.secure = kTls;
    // No timeout while the handler works (it may wait for the audit log).
    tcp_stream().expires_never();
    Dispatch(std::move(request));
  }

  // Hands the request to the handler: the fault boundary. The response is
  // sent once, whether the handler answers, throws, or both.
  void Dispatch(Request request) {
    auto self = shared_from_this();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    // An answer given on the session's own thread (no audit wait) is sent
    // at once; one from another thread (the audit log's) is posted to it.
    Respond respond = [self, answered](Response response) {
      if (answered->exchange(true)) return;
      net::dispatch(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Send(std::move(response));
      });
    };
    state_.owed_responses.Add();
    try {
      state_.handler.Handle(std::move(request), respond);
    } catch (const std::exception& e) {
      Fail(respond, e.what());
    } catch (...) {
      Fail(respond, "an exception of unknown type");
    }
  }

  void Fail(const Respond& respond, const char* what) {
    Response response = InternalErrorResponse(state_.handler);
    std::fprintf(stderr, "kmsd: request %.*s failed: the handler threw %s\n",
                 static_cast<int>(RequestIdOf(response).size()), RequestIdOf(response).data(),
                 what);
    respond(std::move(response));
  }

  // Writes the response as one buffer (at most one is in flight: the next
  // request is read once this one is written).
  void Send(const Response& response) {
    SerializeResponse(response, keep_alive_, &write_buffer_);
    tcp_stream().expires_after(std::chrono::seconds(state_.options.read_timeout_seconds));
    net::async_write(
        stream_, net::buffer(write_buffer_),
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    // An idle connection keeps at most a small buffer (a LookupEvents page
    // can be hundreds of KiB).
    if (write_buffer_.capacity() > kKeptWriteBufferBytes) std::string().swap(write_buffer_);
    state_.owed_responses.Settle();
    if (ec) return Close();
    if (!keep_alive_) return LingeringClose();
    DoRead();
  }

  // Stops sending, then reads and discards what the client is still sending
  // (for a bounded time and size) before closing, so that a client still
  // uploading a refused body reads our answer instead of a reset.
  void LingeringClose() {
    if constexpr (kTls) {
      // TLS says goodbye with close_notify; what the client still sends is
      // not worth decrypting.
      tcp_stream().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      beast::error_code ec;
      tcp_stream().socket().shutdown(tcp::socket::shutdown_send, ec);
      tcp_stream().expires_after(std::chrono::seconds(5));
      Drain();
    }
  }

  void Drain() {
    drain_buffer_.resize(64 << 10);
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (size_t{64} << 20)) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    beast::error_code ec;
    tcp_stream().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp_stream().socket().close(ec);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  size_t header_bytes_ = 0;  // of the request being read
  ServerState& state_;
  std::string remote_address_;  // the peer's address, read once
  bool keep_alive_ = true;
  std::string write_buffer_;  // the response being written
  std::vector<char> drain_buffer_;
  size_t drained_ = 0;
};

// Accepts on the first context and hands each connection to the next
// context in turn.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(std::vector<net::io_context*> contexts, ServerState& state,
           std::shared_ptr<net::ssl::context> tls)
      : contexts_(std::move(contexts)),
        acceptor_(*contexts_.front()),
        backoff_(*contexts_.front()),
        state_(state),
        tls_(std::move(tls)) {}

  Status Bind(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    // SO_REUSEADDR only lets the port be reused past TIME_WAIT; on Linux it
    // never lets two sockets listen on one port.
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return Error(Code::kInternal, "cannot listen on " + endpoint.address().to_string() + ":" +
                                        std::to_string(endpoint.port()) + ": " + ec.message());
    return OkStatus();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void Start() { DoAccept(); }

  void Stop() {
    net::post(*contexts_.front(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->backoff_.cancel();
    });
  }

 private:
  void DoAccept() {
    net::io_context& target = *contexts_[next_++ % contexts_.size()];
    acceptor_.async_accept(target,
                           beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
        ec == net::error::no_memory || ec.value() == ENFILE) {
      // Out of descriptors: accepting again at once would spin. Pause, so
      // that closing connections can free some.
      std::fprintf(stderr, "kmsd: cannot accept connections: %s; pausing accepts\n",
                   ec.message().c_str());
      backoff_.expires_after(kAcceptBackoff);
      backoff_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec && self->acceptor_.is_open()) self->DoAccept();
      });
      return;
    }
    if (!ec) Admit(std::move(socket));
    DoAccept();
  }

  void Admit(tcp::socket socket) {
    const size_t open = state_.connections.fetch_add(1) + 1;
    const size_t limit = state_.options.max_connections;
    if (open > limit + kRefusedConnectionSlack) {
      state_.connections.fetch_sub(1);
      beast::error_code ec;
      socket.close(ec);
      return;
    }
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    if (tls_) {
      std::make_shared<HttpSession<TlsStream>>(std::move(socket), state_, *tls_)
          ->Start(/*refuse=*/open > limit);
    } else {
      std::make_shared<HttpSession<beast::tcp_stream>>(std::move(socket), state_)
          ->Start(/*refuse=*/open > limit);
    }
  }

  std::vector<net::io_context*> contexts_;
  size_t next_ = 0;
  tcp::acceptor acceptor_;
  net::steady_timer backoff_;
  ServerState& state_;
  const std::shared_ptr<net::ssl::context> tls_;  // null: plain HTTP
};

// Runs one I/O loop until it is stopped. An exception escaping a handler of
// the loop is logged and the loop resumes (Asio allows run() after a throw).
void RunLoop(net::io_context& context, size_t index) {
  pthread_setname_np(pthread_self(), ("kmsd-io-" + std::to_string(index)).c_str());
  for (;;) {
    try {
      context.run();
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kmsd: I/O thread %zu: %s; continuing\n", index, e.what());
    } catch (...) {
      std::fprintf(stderr, "kmsd: I/O thread %zu: an exception of unknown type; continuing\n",
                   index);
    }
  }
}

// A server-side TLS context for `options`' certificate and key: TLS 1.2+,
// ECDHE with AES-GCM or ChaCha20-Poly1305 (TLS 1.3's suites as OpenSSL has them).
StatusOr<std::shared_ptr<net::ssl::context>> MakeTlsContext(const ServerOptions& options) {
  auto context = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  if (SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1)
    return Error(Code::kInternal, "TLS: cannot set the cipher list");
  beast::error_code ec;
  context->use_certificate_chain_file(options.tls_certificate_file, ec);
  if (ec)
    return Error(Code::kInternal, "TLS: cannot use the certificate " +
                                      options.tls_certificate_file + ": " + ec.message());
  context->use_private_key_file(options.tls_private_key_file, net::ssl::context::pem, ec);
  if (ec)
    return Error(Code::kInternal, "TLS: cannot use the private key " +
                                      options.tls_private_key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1)
    return Error(Code::kInternal, "TLS: the private key does not match the certificate");
  return context;
}

class BeastServer final : public Server {
 public:
  BeastServer(const ServerOptions& options, Handler& handler)
      : options_(options), state_(options_, handler) {}
  ~BeastServer() override { Stop(); }

  Status Start() {
    beast::error_code ec;
    const auto address = net::ip::make_address(options_.address, ec);
    if (ec) return Error(Code::kInternal, "bad listen address " + options_.address);
    const int threads = std::max(1, options_.threads);
    std::vector<net::io_context*> contexts;
    for (int i = 0; i < threads; ++i) {
      contexts_.push_back(std::make_unique<net::io_context>(1));
      contexts.push_back(contexts_.back().get());
    }
    std::shared_ptr<net::ssl::context> tls;
    if (!options_.tls_certificate_file.empty() || !options_.tls_private_key_file.empty()) {
      KMS_ASSIGN_OR_RETURN(tls, MakeTlsContext(options_));
    }
    listener_ = std::make_shared<Listener>(std::move(contexts), state_, std::move(tls));
    KMS_RETURN_IF_ERROR(listener_->Bind(tcp::endpoint(address, options_.port)));
    port_ = listener_->port();
    listener_->Start();
    for (size_t i = 0; i < contexts_.size(); ++i) {
      guards_.push_back(std::make_unique<net::executor_work_guard<net::io_context::executor_type>>(
          contexts_[i]->get_executor()));
      threads_.emplace_back([ctx = contexts_[i].get(), i] { RunLoop(*ctx, i); });
    }
    return OkStatus();
  }

  uint16_t port() const override { return port_; }
  size_t open_connections() const override { return state_.connections.load(); }

  void Stop() override {
    if (state_.stopping.exchange(true)) return;
    if (listener_) listener_->Stop();
    // Let requests in flight (waiting for their audit record) be answered.
    if (!state_.owed_responses.WaitUntilNone(std::chrono::steady_clock::now() + kStopGracePeriod)) {
      std::fprintf(stderr, "kmsd: stopping with requests still unanswered after %lld s\n",
                   static_cast<long long>(kStopGracePeriod.count()));
    }
    guards_.clear();
    for (auto& ctx : contexts_) ctx->stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    listener_.reset();
  }

 private:
  const ServerOptions options_;
  ServerState state_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::shared_ptr<Listener> listener_;
  std::vector<std::unique_ptr<net::executor_work_guard<net::io_context::executor_type>>> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace

StatusOr<std::unique_ptr<Server>> StartServer(const ServerOptions& options, Handler& handler) {
  auto server = std::make_unique<BeastServer>(options, handler);
  KMS_RETURN_IF_ERROR(server->Start());
  return server;
}

}  // namespace kms::http
