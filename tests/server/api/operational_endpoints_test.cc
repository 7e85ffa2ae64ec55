// The operational endpoints' rules that the integration tests cannot reach
// from loopback: who counts as a loopback client for GET /metrics.
#include "server/api/operational_endpoints.h"

#include <gtest/gtest.h>

namespace kms::api {
namespace {

using Access = config::ServerConfig::MetricsAccess;

http::Request MetricsRequest(std::string remote_address) {
  http::Request request;
  request.method = "GET";
  request.target = "/metrics";
  request.remote_address = std::move(remote_address);
  return request;
}

TEST(OperationalEndpointsTest, LoopbackAddresses) {
  for (const char* address : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"})
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  for (const char* address : {"10.0.0.1", "::ffff:10.0.0.1", "", "1127.0.0.1", "::2", "fe80::1"})
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
}

TEST(OperationalEndpointsTest, MetricsGoToTheClientsTheConfigAllows) {
  metrics::Registry registry;
  auto remote = AnswerMetricsRequest(MetricsRequest("10.0.0.7"), &registry, Access::kLoopback);
  ASSERT_TRUE(remote.has_value());
  EXPECT_EQ(remote->status, 403);
  auto local = AnswerMetricsRequest(MetricsRequest("127.0.0.1"), &registry, Access::kLoopback);
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->status, 200);
  auto open = AnswerMetricsRequest(MetricsRequest("10.0.0.7"), &registry, Access::kOpen);
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->status, 200);
  EXPECT_FALSE(AnswerMetricsRequest(MetricsRequest("127.0.0.1"), &registry, Access::kOff));
  EXPECT_FALSE(AnswerMetricsRequest(MetricsRequest("127.0.0.1"), nullptr, Access::kOpen));
  http::Request post = MetricsRequest("127.0.0.1");
  post.method = "POST";
  EXPECT_FALSE(AnswerMetricsRequest(post, &registry, Access::kOpen));
}

}  // namespace
}  // namespace kms::api
