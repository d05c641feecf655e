// Self-metrics without a dependency on the metrics library: each component keeps its own
// counters (atomics) and describes them through StatsSource; cmd/ exposes every source on
// /metrics (prometheus-cpp) at scrape time. Label values must come from closed sets.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace edgewatch {

struct StatSample {
  enum class Type : uint8_t { kCounter, kGauge };
  std::string name;  // full metric name, "edgewatch_<component>_<what>[_total]"
  std::string help;
  Type type = Type::kCounter;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

class StatsSource {
 public:
  virtual ~StatsSource() = default;
  virtual void CollectStats(std::vector<StatSample>& out) const = 0;
};

// A relaxed atomic counter; copies read the current value.
class StatCounter {
 public:
  void Add(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

inline StatSample Counter(std::string name, std::string help, double value,
                          std::vector<std::pair<std::string, std::string>> labels = {}) {
  return {std::move(name), std::move(help), StatSample::Type::kCounter, std::move(labels), value};
}
inline StatSample Gauge(std::string name, std::string help, double value,
                        std::vector<std::pair<std::string, std::string>> labels = {}) {
  return {std::move(name), std::move(help), StatSample::Type::kGauge, std::move(labels), value};
}

}  // namespace edgewatch
