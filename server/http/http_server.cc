// The Beast/Asio server (after Beast's advanced server example): one
// io_context per thread, each with its own SO_REUSEPORT acceptor, so a
// connection lives on one thread and its state needs no locks.
#include "kms/http_server.h"

#include <pthread.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

namespace kms::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using ReusePort = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Counts requests being handled, so Stop() can wait for them.
struct InFlight {
  std::atomic<int> count{0};
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, const ServerOptions& options, Handler& handler, InFlight& in_flight,
              const std::atomic<bool>& stopping)
      : stream_(std::move(socket)), options_(options), handler_(handler), in_flight_(in_flight),
        stopping_(stopping) {}

  void Start() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::DoRead, shared_from_this()));
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    stream_.expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&HttpSession::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    stream_.expires_after(std::chrono::seconds(options_.read_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) return Refuse(Rejection::kBodyTooLarge);
    if (ec == bhttp::error::header_limit) return Refuse(Rejection::kHeaderTooLarge);
    return Refuse(Rejection::kMalformed);
  }

  void Refuse(Rejection rejection) {
    keep_alive_ = false;
    Send(handler_.Reject(rejection));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    bhttp::request<bhttp::string_body> message = parser_->release();
    keep_alive_ = message.keep_alive() && !stopping_.load();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.headers.reserve(16);
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    beast::error_code endpoint_ec;
    const auto remote = stream_.socket().remote_endpoint(endpoint_ec);
    if (!endpoint_ec) request.remote_address = remote.address().to_string();

    // No timeout while the handler works (it may wait for the audit log).
    stream_.expires_never();
    in_flight_.count.fetch_add(1);
    auto self = shared_from_this();
    handler_.Handle(std::move(request), [self](Response response) {
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->in_flight_.count.fetch_sub(1);
        self->Send(std::move(response));
      });
    });
  }

  void Send(Response response) {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) message->insert(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    stream_.expires_after(std::chrono::seconds(options_.read_timeout_seconds));
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    if (ec) return Close();
    if (!keep_alive_) return LingeringClose();
    DoRead();
  }

  // Stops sending, then reads and discards what the client is still sending
  // (for a bounded time and size) before closing, so that a client still
  // uploading a refused body reads our answer instead of a reset.
  void LingeringClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(5));
    Drain();
  }

  void Drain() {
    drain_buffer_.resize(64 << 10);
    stream_.async_read_some(net::buffer(drain_buffer_), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > (size_t{64} << 20)) return self->Close();
      self->Drain();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const ServerOptions& options_;
  Handler& handler_;
  InFlight& in_flight_;
  const std::atomic<bool>& stopping_;
  bool keep_alive_ = true;
  std::vector<char> drain_buffer_;
  size_t drained_ = 0;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, const ServerOptions& options, Handler& handler, InFlight& in_flight,
           const std::atomic<bool>& stopping)
      : ioc_(ioc), acceptor_(ioc), options_(options), handler_(handler), in_flight_(in_flight), stopping_(stopping) {}

  Status Bind(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.set_option(ReusePort(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Error(Code::kInternal, "cannot listen on " + endpoint.address().to_string() + ":" +
                                              std::to_string(endpoint.port()) + ": " + ec.message());
    return OkStatus();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void Start() { DoAccept(); }

  void Stop() {
    net::post(ioc_, [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void DoAccept() {
    acceptor_.async_accept(ioc_, beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<HttpSession>(std::move(socket), options_, handler_, in_flight_, stopping_)->Start();
    }
    DoAccept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  const ServerOptions& options_;
  Handler& handler_;
  InFlight& in_flight_;
  const std::atomic<bool>& stopping_;
};

class BeastServer final : public Server {
 public:
  BeastServer(const ServerOptions& options, Handler& handler) : options_(options), handler_(handler) {}
  ~BeastServer() override { Stop(); }

  Status Start() {
    beast::error_code ec;
    const auto address = net::ip::make_address(options_.address, ec);
    if (ec) return Error(Code::kInternal, "bad listen address " + options_.address);
    const int threads = std::max(1, options_.threads);
    uint16_t port = options_.port;
    for (int i = 0; i < threads; ++i) {
      contexts_.push_back(std::make_unique<net::io_context>(1));
      auto listener = std::make_shared<Listener>(*contexts_.back(), options_, handler_, in_flight_, stopping_);
      // The first listener picks the port when 0 was asked; the others share it.
      KMS_RETURN_IF_ERROR(listener->Bind(tcp::endpoint(address, port)));
      port = listener->port();
      listeners_.push_back(std::move(listener));
    }
    port_ = port;
    for (size_t i = 0; i < contexts_.size(); ++i) {
      listeners_[i]->Start();
      guards_.push_back(std::make_unique<net::executor_work_guard<net::io_context::executor_type>>(
          contexts_[i]->get_executor()));
      threads_.emplace_back([ctx = contexts_[i].get(), i] {
        pthread_setname_np(pthread_self(), ("kmsd-io-" + std::to_string(i)).c_str());
        ctx->run();
      });
    }
    return OkStatus();
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    if (stopping_.exchange(true)) return;
    for (auto& listener : listeners_) listener->Stop();
    // Let requests in flight (waiting for their audit record) finish.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (in_flight_.count.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let final writes go out
    guards_.clear();
    for (auto& ctx : contexts_) ctx->stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    listeners_.clear();
  }

 private:
  const ServerOptions options_;
  Handler& handler_;
  InFlight in_flight_;
  std::atomic<bool> stopping_{false};
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<std::shared_ptr<Listener>> listeners_;
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
