// kmsd's metrics in Prometheus's text format (version 0.0.4): request
// counters and latency histograms by operation, and gauges read when scraped.
// Thread-safe.
#ifndef KMS_SERVER_METRICS_METRICS_H_
#define KMS_SERVER_METRICS_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kms::metrics {

// A histogram with fixed upper bounds (ascending; +Inf is implied).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // guarded by mu_: per bound, then +Inf
  double sum_ = 0;                // guarded by mu_
};

// Latency buckets in seconds, 100 us to 10 s.
std::vector<double> LatencyBuckets();

class Registry {
 public:
  // One answered KMS (or CloudTrail) request: `outcome` is "Success" or the
  // error type, as in the response's __type.
  void CountRequest(std::string_view operation, std::string_view outcome, double seconds);
  std::atomic<int64_t>& in_flight() { return in_flight_; }

  // A value read at each scrape (a gauge, or a counter when `counter`).
  void AddValue(std::string name, std::string help, std::function<double()> read,
                bool counter = false);
  // A histogram owned elsewhere, which must outlive the registry.
  void AddHistogram(std::string name, std::string help, const Histogram* histogram);

  // Everything, in Prometheus's text exposition format.
  std::string Render() const;

 private:
  struct RequestCounts {
    std::map<std::string, uint64_t> by_outcome;
    Histogram latency{LatencyBuckets()};
  };
  struct Value {
    std::string name, help;
    std::function<double()> read;
    bool counter;
  };
  struct NamedHistogram {
    std::string name, help;
    const Histogram* histogram;
  };

  mutable std::mutex mu_;
  std::map<std::string, RequestCounts, std::less<>> requests_;  // guarded by mu_
  std::vector<Value> values_;                                   // guarded by mu_
  std::vector<NamedHistogram> histograms_;                      // guarded by mu_
  std::atomic<int64_t> in_flight_{0};
};

// The process's CPU seconds (user + system) and resident bytes, from /proc.
double ProcessCpuSeconds();
double ProcessResidentBytes();

}  // namespace kms::metrics

#endif  // KMS_SERVER_METRICS_METRICS_H_
