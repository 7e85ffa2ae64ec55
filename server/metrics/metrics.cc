#include "kms/server/metrics/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace kms::metrics {
namespace {

// A label value with \, " and newlines escaped, as the format asks.
std::string Escaped(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

void Header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// The lines of one histogram; `labels` is "" or `key="value",`.
void RenderHistogram(std::string& out, std::string_view name, const std::string& labels,
                     const Histogram::Snapshot& snapshot) {
  for (size_t i = 0; i <= snapshot.bounds.size(); ++i) {
    const std::string le = i < snapshot.bounds.size() ? Number(snapshot.bounds[i]) : "+Inf";
    out.append(name).append("_bucket{").append(labels).append("le=\"").append(le).append("\"} ");
    out.append(std::to_string(snapshot.cumulative[i])).append("\n");
  }
  const std::string braces = labels.empty() ? "" : "{" + labels.substr(0, labels.size() - 1) + "}";
  out.append(name).append("_sum").append(braces).append(" ").append(Number(snapshot.sum));
  out.append("\n");
  out.append(name).append("_count").append(braces).append(" ");
  out.append(std::to_string(snapshot.count)).append("\n");
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

void Histogram::Observe(double value) {
  const size_t bucket = static_cast<size_t>(
      std::distance(bounds_.begin(), std::lower_bound(bounds_.begin(), bounds_.end(), value)));
  std::lock_guard lock(mu_);
  ++counts_[bucket];
  sum_ += value;
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.bounds = bounds_;
  std::lock_guard lock(mu_);
  uint64_t running = 0;
  for (uint64_t count : counts_) {
    running += count;
    snapshot.cumulative.push_back(running);
  }
  snapshot.sum = sum_;
  snapshot.count = running;
  return snapshot;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 10};
}

void Registry::CountRequest(std::string_view operation, std::string_view outcome, double seconds) {
  std::lock_guard lock(mu_);
  auto it = requests_.find(operation);
  if (it == requests_.end()) it = requests_.try_emplace(std::string(operation)).first;
  auto outcome_it = it->second.by_outcome.find(std::string(outcome));
  if (outcome_it == it->second.by_outcome.end())
    outcome_it = it->second.by_outcome.emplace(std::string(outcome), 0).first;
  ++outcome_it->second;
  it->second.latency.Observe(seconds);
}

void Registry::AddValue(std::string name, std::string help, std::function<double()> read,
                        bool counter) {
  std::lock_guard lock(mu_);
  values_.push_back({std::move(name), std::move(help), std::move(read), counter});
}

void Registry::AddHistogram(std::string name, std::string help, const Histogram* histogram) {
  std::lock_guard lock(mu_);
  histograms_.push_back({std::move(name), std::move(help), histogram});
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  Header(out, "kmsd_requests_total", "KMS and CloudTrail requests answered, by outcome.",
         "counter");
  for (const auto& [operation, counts] : requests_) {
    for (const auto& [outcome, count] : counts.by_outcome) {
      out += "kmsd_requests_total{operation=\"" + Escaped(operation) + "\",outcome=\"" +
             Escaped(outcome) + "\"} " + std::to_string(count) + "\n";
    }
  }
  Header(out, "kmsd_request_duration_seconds",
         "Time from a request's arrival to its answer (after its audit record is durable).",
         "histogram");
  for (const auto& [operation, counts] : requests_) {
    RenderHistogram(out, "kmsd_request_duration_seconds",
                    "operation=\"" + Escaped(operation) + "\",", counts.latency.Read());
  }
  Header(out, "kmsd_requests_in_flight", "Requests received and not yet answered.", "gauge");
  out += "kmsd_requests_in_flight " + std::to_string(in_flight_.load()) + "\n";
  for (const Value& value : values_) {
    Header(out, value.name, value.help, value.counter ? "counter" : "gauge");
    out += value.name + " " + Number(value.read()) + "\n";
  }
  for (const NamedHistogram& histogram : histograms_) {
    Header(out, histogram.name, histogram.help, "histogram");
    RenderHistogram(out, histogram.name, "", histogram.histogram->Read());
  }
  return out;
}

double ProcessCpuSeconds() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start past ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  uint64_t user = 0;
  uint64_t system = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) user = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) system = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ProcessResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0;
  uint64_t resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace kms::metrics
