#include "schema/latency_histogram.h"

#include <algorithm>

namespace edgewatch::schema {

void LatencyHistogram::Add(uint64_t us) {
  const auto it = std::lower_bound(kLatencyBoundsUs.begin(), kLatencyBoundsUs.end(), us);
  ++buckets[static_cast<size_t>(it - kLatencyBoundsUs.begin())];
  sum_us += us;
}

uint64_t LatencyHistogram::count() const {
  uint64_t n = 0;
  for (uint64_t b : buckets) n += b;
  return n;
}

double LatencyHistogram::Quantile(double q) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  const double rank = q * static_cast<double>(n);
  double seen = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const auto in_bucket = static_cast<double>(buckets[i]);
    if (seen + in_bucket >= rank && in_bucket > 0) {
      if (i == kLatencyBoundsUs.size()) return static_cast<double>(kLatencyBoundsUs.back());
      const double lo = i == 0 ? 0.0 : static_cast<double>(kLatencyBoundsUs[i - 1]);
      const auto hi = static_cast<double>(kLatencyBoundsUs[i]);
      return lo + (hi - lo) * (rank - seen) / in_bucket;
    }
    seen += in_bucket;
  }
  return static_cast<double>(kLatencyBoundsUs.back());
}

}  // namespace edgewatch::schema
