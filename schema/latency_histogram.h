// A fixed-bucket latency histogram, the same buckets everywhere (DNS, HTTP), so windows of any
// edge, node or time can be added bucket by bucket and p50/p90/p99 estimated from the sum.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace edgewatch::schema {

// Upper bounds of the buckets, µs; one more bucket holds everything above the last bound.
inline constexpr std::array<uint64_t, 14> kLatencyBoundsUs = {
    250,   500,    1000,   2500,   5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000};
inline constexpr size_t kLatencyBuckets = kLatencyBoundsUs.size() + 1;

struct LatencyHistogram {
  std::array<uint64_t, kLatencyBuckets> buckets{};
  uint64_t sum_us = 0;

  void Add(uint64_t us);
  uint64_t count() const;
  // The q-quantile (0 < q ≤ 1), interpolated linearly inside its bucket (as Prometheus'
  // histogram_quantile); the last bound for the overflow bucket; 0 when empty.
  double Quantile(double q) const;
  bool operator==(const LatencyHistogram&) const = default;
};

}  // namespace edgewatch::schema
