// HttpTransport over Boost.Beast (synchronous, one connection per request).
// The Beast/Asio implementation is compiled once in kms_http.
#include <chrono>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "kms/client/kms_client.h"

namespace kms::client {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::string_view kUserAgent = "rds-volume/0.1";
// As the AWS CLI's default connect and read timeouts.
constexpr std::chrono::seconds kTimeout{60};

class BeastTransport final : public HttpTransport {
 public:
  explicit BeastTransport(Endpoint endpoint)
      : endpoint_(std::move(endpoint)), host_(endpoint_.HostHeader()) {}

  const std::string& host() const override { return host_; }

  StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(endpoint_.host, endpoint_.port, ec);
    if (ec) return Unreachable(ec);
    // Each step runs to completion under the stream's deadline, which closes
    // the socket when it passes (synchronous Asio operations cannot time out).
    auto run = [&](auto start) {
      stream.expires_after(kTimeout);
      start([&ec](beast::error_code result, auto&&...) { ec = result; });
      ioc.restart();
      ioc.run();
      return !ec;
    };
    if (!run([&](auto done) { stream.async_connect(endpoints, done); })) return Unreachable(ec);

    bhttp::request<bhttp::string_body> out{bhttp::string_to_verb(request.method), request.target,
                                           11};
    for (const auto& [name, value] : request.headers) out.insert(name, value);
    out.set(bhttp::field::user_agent, kUserAgent);
    out.body() = request.body;
    out.prepare_payload();
    const bool sent = run([&](auto done) { bhttp::async_write(stream, out, done); });
    // The body may carry a plaintext for Encrypt: do not leave it around.
    SecureWipe(
        std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.body().data()), out.body().size()));
    if (!sent) return Failed(ec);

    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> in;
    if (!run([&](auto done) { bhttp::async_read(stream, buffer, in, done); })) return Failed(ec);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return HttpResponse{static_cast<int>(in.result_int()), std::move(in.body())};
  }

 private:
  // A failure after connecting, worded as the AWS CLI words a read timeout.
  std::unexpected<Status> Failed(const beast::error_code& ec) const {
    if (ec != beast::error::timeout) return Unreachable(ec);
    return Error(Code::kDependencyTimeout,
                 "Read timeout on endpoint URL: \"" + endpoint_.url + "\"");
  }

  std::unexpected<Status> Unreachable(const beast::error_code& ec) const {
    return Error(Code::kDependencyTimeout, "Could not connect to the endpoint URL: \"" +
                                               endpoint_.url + "\" (" + ec.message() + ")");
  }

  Endpoint endpoint_;
  std::string host_;
};

}  // namespace

std::unique_ptr<HttpTransport> NewHttpTransport(const Endpoint& endpoint) {
  return std::make_unique<BeastTransport>(endpoint);
}

}  // namespace kms::client
