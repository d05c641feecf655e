#include "detector/baseline/burst_density.h"

#include <algorithm>
#include <cmath>

namespace edgewatch::baseline {

double BurstDensity::Update(double x, double median, double low, double high, uint32_t n,
                            bool alarm, double excess) {
  const double width = high - low;
  const bool out = width > 0 && x - median > kReach * width;
  run_ = out ? std::min(15, run_ + 1) : 0;
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
  const double quiet = QuietBound(n, alarm, out, excess > kQuietBreak);
  if (armed_ && bound < kTrigger) {
    armed_ = false;
    return std::min(bound, quiet);
  }
  if (!armed_ && r < 2 * p) armed_ = true;
  return quiet;
}

uint8_t BurstDensity::Code(uint32_t gap) {
  return static_cast<uint8_t>(
      std::clamp(std::lround(kCodeSteps * std::log2(static_cast<double>(gap))), 1L, 255L));
}

uint32_t BurstDensity::longest_gap() const {
  return longest_ == 0 ? 0 : static_cast<uint32_t>(std::lround(std::exp2(longest_ / kCodeSteps)));
}

double BurstDensity::QuietBound(uint32_t n, bool alarm, bool out, bool widens) {
  if (widens) {
    since_break_ = 0;
  } else if (run_ == 1 && since_break_ < kQuietArmAfter) {
    ++since_break_;  // an excursion begins
  }
  // Forgotten one code step (2^(−1/16)) every kQuietHalfLife / 16 records.
  if (longest_ > 1 && n % static_cast<uint32_t>(kQuietHalfLife / kCodeSteps) == 0) --longest_;
  if (out) {
    // A gap that began at the first record is not one between excursions.
    if (gap_ > 0 && n > gap_) longest_ = std::max(longest_, Code(gap_));
    gap_ = 0;
    quiet_armed_ = alarm && since_break_ >= kQuietArmAfter ? 1 : 0;
    return 1;
  }
  if (gap_ < UINT16_MAX) ++gap_;
  if (!alarm || widens) quiet_armed_ = 0;
  if (quiet_armed_ == 0 || longest_ == 0 || gap_ <= kQuietRatio * longest_gap()) return 1;
  // The long rate has decayed over the gap by (1 − kLong) per record: the rate it began with is
  // the one to judge it by (exactly so once the long EWMA runs at kLong).
  const double gap = gap_;
  const double p = std::min(1.0, long_ * std::exp(-gap * std::log1p(-kLong)));
  const double bound = std::exp(gap * std::log1p(-p));
  if (bound >= kTrigger) return 1;
  quiet_armed_ = 0;
  return bound;
}

}  // namespace edgewatch::baseline
