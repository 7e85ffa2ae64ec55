// kms_load: a closed-loop load generator for kmsd. Each of N keep-alive
// connections sends one SigV4-signed request at a time (GenerateDataKey or
// Decrypt), signing every request as an SDK would (the signing key is cached
// per day, as the SDKs do). Reports requests/s and latency percentiles.
//
//   kms_load --port 4599 --op GenerateDataKey --key-id alias/bench
//            --connections 32 --seconds 10 [--threads 1] [--setup]
//            [--extra-keys N [--key-file F]] [--grants N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "kms/encoding.h"
#include "kms/sigv4.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "4599";
  std::string op = "GenerateDataKey";
  std::string key_id = "alias/bench";
  std::string access_key = "AKIAKMSD0ALICE000001";
  std::string secret = "kmsdAliceSecretKey000000000000000000001";
  std::string region = "us-east-1";
  int connections = 32;
  int threads = 1;
  double seconds = 10;
  bool setup = false;
  // Before the load: this many more keys, each request then naming one at
  // random (GenerateDataKey only) ...
  int extra_keys = 0;
  // Where the extra keys' ids are kept between runs: read when it lists
  // enough, written when they are created.
  std::string key_file;
  // ... and this many grants on --key-id (for bob, Decrypt).
  int grants = 0;
};

// Builds a signed KMS request for `target` with `body`; one signer per thread.
bhttp::request<bhttp::string_body> SignedRequest(const Options& o, const std::string& target,
                                                 const std::string& body) {
  thread_local kms::sigv4::Signer signer(
      kms::sigv4::SigningParams{o.access_key, o.secret, "", o.region, "kms", 0});
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
  const std::string host = o.host + ":" + o.port;
  req.set(bhttp::field::host, host);
  const std::string amz_target = "TrentService." + target;
  req.set("X-Amz-Target", amz_target);
  req.set(bhttp::field::content_type, "application/x-amz-json-1.1");
  req.body() = body;
  req.prepare_payload();
  const std::string length = std::to_string(body.size());
  const kms::sigv4::Header headers[] = {{"Host", host},
                                        {"X-Amz-Target", amz_target},
                                        {"Content-Type", "application/x-amz-json-1.1"},
                                        {"Content-Length", length}};
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (auto& [name, value] :
       signer.Sign(kms::sigv4::RequestView{"POST", "/", headers, body}, now)) {
    req.set(name, value);
  }
  return req;
}

// A one-off synchronous call (setup).
std::string Call(const Options& o, const std::string& target, const std::string& body) {
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  stream.connect(resolver.resolve(o.host, o.port));
  auto req = SignedRequest(o, target, body);
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  if (res.result_int() != 200) {
    std::fprintf(stderr, "%s failed: %s\n", target.c_str(), res.body().c_str());
    std::exit(1);
  }
  return res.body();
}

std::string JsonString(const std::string& json, const std::string& member) {
  const std::string needle = "\"" + member + "\":\"";
  const size_t start = json.find(needle) + needle.size();
  return json.substr(start, json.find('"', start) - start);
}

struct Stats {
  std::vector<double> latencies_us;
  uint64_t errors = 0;
};

// Runs make(i) for i in [0, count) on 16 threads, each call a synchronous
// request; returns the results in order.
std::vector<std::string> CallMany(int count, const std::function<std::string(int)>& make) {
  std::vector<std::string> out(static_cast<size_t>(count));
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) out[static_cast<size_t>(i)] = make(i);
    });
  }
  for (auto& thread : threads) thread.join();
  return out;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Each request sends one of `bodies`, at random.
  Connection(net::io_context& ioc, const Options& o, const std::vector<std::string>& bodies,
             Clock::time_point deadline, Stats& stats)
      : stream_(ioc), options_(o), bodies_(bodies), deadline_(deadline), stats_(stats) {}

  void Start(const tcp::resolver::results_type& endpoints) {
    stream_.async_connect(endpoints,
                          [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                            if (ec) return self->Fail(ec);
                            self->Send();
                          });
  }

 private:
  void Send() {
    if (Clock::now() >= deadline_) return;
    const std::string& body =
        bodies_.size() == 1 ? bodies_[0] : bodies_[random_() % bodies_.size()];
    request_ = SignedRequest(options_, options_.op, body);
    started_ = Clock::now();
    bhttp::async_write(stream_, request_,
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->Fail(ec);
                         self->Receive();
                       });
  }

  void Receive() {
    response_ = {};
    bhttp::async_read(
        stream_, buffer_, response_, [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Fail(ec);
          if (self->response_.result_int() != 200) ++self->stats_.errors;
          self->stats_.latencies_us.push_back(
              std::chrono::duration<double, std::micro>(Clock::now() - self->started_).count());
          self->Send();
        });
  }

  void Fail(beast::error_code ec) {
    ++stats_.errors;
    std::fprintf(stderr, "connection error: %s\n", ec.message().c_str());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response<bhttp::string_body> response_;
  const Options& options_;
  const std::vector<std::string>& bodies_;
  std::minstd_rand random_{std::random_device{}()};
  Clock::time_point deadline_;
  Clock::time_point started_;
  Stats& stats_;
};

bool Parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--host")
      o.host = next();
    else if (arg == "--port")
      o.port = next();
    else if (arg == "--op")
      o.op = next();
    else if (arg == "--key-id")
      o.key_id = next();
    else if (arg == "--region")
      o.region = next();
    else if (arg == "--access-key")
      o.access_key = next();
    else if (arg == "--secret")
      o.secret = next();
    else if (arg == "--connections")
      o.connections = std::atoi(next().c_str());
    else if (arg == "--threads")
      o.threads = std::atoi(next().c_str());
    else if (arg == "--seconds")
      o.seconds = std::atof(next().c_str());
    else if (arg == "--setup")
      o.setup = true;
    else if (arg == "--extra-keys")
      o.extra_keys = std::atoi(next().c_str());
    else if (arg == "--key-file")
      o.key_file = next();
    else if (arg == "--grants")
      o.grants = std::atoi(next().c_str());
    else
      return false;
  }
  return o.op == "GenerateDataKey" || o.op == "Decrypt";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: kms_load [--port P] [--op GenerateDataKey|Decrypt] [--key-id ID] "
                 "[--connections N]\n"
                 "                [--threads T] [--seconds S] [--setup] [--extra-keys N] "
                 "[--key-file F] [--grants N]\n");
    return 2;
  }
  if (o.setup) {
    const std::string key_id =
        JsonString(Call(o, "CreateKey", "{\"Description\":\"kms_load\"}"), "KeyId");
    Call(o, "CreateAlias",
         "{\"AliasName\":\"" + o.key_id + "\",\"TargetKeyId\":\"" + key_id + "\"}");
  }
  const std::string context =
      "\"EncryptionContext\":{\"aws:rds:db-id\":\"db-BENCH\",\"aws:ebs:id\":\"vol-bench\"}";
  const auto data_key_body = [&](const std::string& key_id) {
    return "{\"KeyId\":\"" + key_id + "\",\"KeySpec\":\"AES_256\"," + context + "}";
  };
  std::vector<std::string> bodies = {data_key_body(o.key_id)};
  if (o.op == "Decrypt") {
    const std::string blob = JsonString(Call(o, "GenerateDataKey", bodies[0]), "CiphertextBlob");
    bodies[0] = "{\"CiphertextBlob\":\"" + blob + "\"," + context + "}";
  }
  if (o.extra_keys > 0 && o.op == "GenerateDataKey") {
    std::vector<std::string> keys;
    if (!o.key_file.empty()) {
      std::ifstream in(o.key_file);
      for (std::string line; std::getline(in, line) && keys.size() < size_t(o.extra_keys);)
        keys.push_back(line);
    }
    if (keys.size() < size_t(o.extra_keys)) {
      keys = CallMany(o.extra_keys, [&](int) {
        return JsonString(Call(o, "CreateKey", "{\"Description\":\"kms_load\"}"), "KeyId");
      });
      if (!o.key_file.empty()) {
        std::ofstream out(o.key_file);
        for (const std::string& key : keys) out << key << "\n";
      }
    }
    for (const std::string& key : keys) bodies.push_back(data_key_body(key));
  }
  // CreateGrant takes a key id or ARN, not an alias.
  const std::string grant_key =
      o.grants > 0 ? JsonString(Call(o, "DescribeKey", "{\"KeyId\":\"" + o.key_id + "\"}"), "KeyId")
                   : "";
  CallMany(o.grants, [&](int) {
    return Call(o, "CreateGrant",
                "{\"KeyId\":\"" + grant_key +
                    "\",\"GranteePrincipal\":\"arn:aws:iam::111122223333:user/bob\","
                    "\"Operations\":[\"Decrypt\"]}");
  });

  std::vector<Stats> stats(o.threads);
  std::vector<std::thread> threads;
  threads.reserve(o.threads);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::microseconds(static_cast<int64_t>(o.seconds * 1e6));
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      net::io_context ioc(1);
      tcp::resolver resolver(ioc);
      const auto endpoints = resolver.resolve(o.host, o.port);
      for (int c = t; c < o.connections; c += o.threads) {
        std::make_shared<Connection>(ioc, o, bodies, deadline, stats[t])->Start(endpoints);
      }
      ioc.run();
    });
  }
  for (auto& thread : threads) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  uint64_t errors = 0;
  for (const Stats& s : stats) {
    all.insert(all.end(), s.latencies_us.begin(), s.latencies_us.end());
    errors += s.errors;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    const auto rank = static_cast<size_t>(p * static_cast<double>(all.size()));
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, rank)];
  };
  std::printf(
      "op=%s connections=%d seconds=%.1f requests=%zu errors=%llu rps=%.0f p50_us=%.0f p99_us=%.0f "
      "max_us=%.0f\n",
      o.op.c_str(), o.connections, elapsed, all.size(), static_cast<unsigned long long>(errors),
      static_cast<double>(all.size()) / elapsed, pct(0.50), pct(0.99),
      all.empty() ? 0.0 : all.back());
  return errors == 0 ? 0 : 1;
}
