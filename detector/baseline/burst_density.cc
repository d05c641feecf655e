#include "detector/baseline/burst_density.h"

#include <algorithm>
#include <cmath>

namespace edgewatch::baseline {

double BurstDensity::Update(double x, double median, double low, double high, uint32_t n,
                            bool alarm) {
  const double width = high - low;
  const bool out = width > 0 && x - median > kReach * width;
  run_ = out ? static_cast<uint8_t>(std::min(UINT8_MAX, run_ + 1)) : 0;
  const double counted = out && run_ <= kRun ? 1.0 : 0.0;
  const double records = static_cast<double>(n) + 1;
  short_ += static_cast<float>(std::max(kShort, 1 / records) * (counted - short_));
  long_ += static_cast<float>(std::max(kLong, 1 / records) * (counted - long_));
  const double r = short_, p = std::max(static_cast<double>(long_), 1e-3);
  double bound = 1;
  if (alarm && r > p && r < 1) {
    const double kl = r * std::log(r / p) + (1 - r) * std::log((1 - r) / (1 - p));
    bound = std::exp(-kl / kShort);
  }
  if (armed_ && bound < kTrigger) {
    armed_ = false;
    return bound;
  }
  if (!armed_ && r < 2 * p) armed_ = true;
  return 1;
}

}  // namespace edgewatch::baseline
