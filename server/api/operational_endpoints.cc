#include "operational_endpoints.h"

#include <string>
#include <string_view>

#include "json_out.h"

namespace kms::api {
namespace {

// From this share of the ceiling on, readiness carries a warning (kmsd
// refuses calls from 90 %).
constexpr uint64_t kWarnPercent = 75;

http::Response Json(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
  response.body = std::move(body);
  return response;
}

http::Response Readiness(const audit::AuditLog* audit) {
  const Status writable = audit == nullptr ? OkStatus() : audit->CheckWritable();
  JsonOut out;
  out.StartObject();
  out.Field("status", writable.ok() ? "ready" : "not ready");
  out.Field("audit_log", writable.ok() ? std::string_view("ok") : writable.message());
  if (const auto room = audit == nullptr ? std::nullopt : audit->LastRoom(); room) {
    const uint64_t percent = room->used_bytes * 100 / room->ceiling_bytes;
    out.Key("state_store").StartObject();
    out.Uint("used_bytes", room->used_bytes);
    out.Uint("ceiling_bytes", room->ceiling_bytes);
    out.Uint("used_percent", percent);
    if (percent >= kWarnPercent) {
      out.Field("warning",
                "the store is nearly full: at 90 % kmsd refuses calls; configure retention or a "
                "higher storage.max_map_size_mb");
    }
    out.EndObject();
  }
  out.EndObject();
  return Json(writable.ok() ? 200 : 503, out.Take());
}

// The target's path, without its query.
std::string_view PathOf(const http::Request& request) {
  const std::string_view target = request.target;
  return target.substr(0, target.find('?'));
}

}  // namespace

bool IsLoopbackAddress(std::string_view address) {
  if (address.starts_with("::ffff:")) address.remove_prefix(7);
  return address.starts_with("127.") || address == "::1";
}

std::optional<http::Response> AnswerMetricsRequest(const http::Request& request,
                                                   const metrics::Registry* registry,
                                                   config::ServerConfig::MetricsAccess access) {
  using Access = config::ServerConfig::MetricsAccess;
  if (request.method != "GET" || PathOf(request) != "/metrics" || registry == nullptr ||
      access == Access::kOff) {
    return std::nullopt;
  }
  if (access == Access::kLoopback && !IsLoopbackAddress(request.remote_address)) {
    return Json(
        403,
        R"json({"message":"kmsd serves /metrics to loopback clients only (server.metrics)"})json");
  }
  http::Response response;
  response.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"},
                      {"Cache-Control", "no-store"}};
  response.body = registry->Render();
  return response;
}

std::optional<http::Response> AnswerHealthRequest(const http::Request& request,
                                                  const audit::AuditLog* audit) {
  if (request.method != "GET") return std::nullopt;
  const std::string_view path = PathOf(request);
  std::optional<http::Response> response;
  if (path == "/healthz") response = Json(200, R"({"status":"ok"})");
  if (path == "/readyz") response = Readiness(audit);
  return response;
}

}  // namespace kms::api
