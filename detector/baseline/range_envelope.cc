#include "detector/baseline/range_envelope.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgewatch::baseline {

RangeEnvelope::RangeEnvelope(uint32_t half_life)
    : lo_(std::numeric_limits<float>::infinity()),
      hi_(-std::numeric_limits<float>::infinity()),
      keep_(half_life == 0 ? 1.0F : static_cast<float>(std::exp2(-1.0 / half_life))) {}

double RangeEnvelope::Update(double x) {
  if (!std::isfinite(x)) return 0;
  if (lo_ > hi_) {  // the first record
    lo_ = hi_ = static_cast<float>(x);
    return 0;
  }
  const double lo = lo_, hi = hi_, width = hi - lo;
  // A width within float rounding of the level is no width: a flat signal's first departure is
  // the other baselines' (and the rules' flat-level test's) to judge, not an infinite break.
  const double excess =
      width > 1e-6 * (std::fabs(lo) + std::fabs(hi)) ? std::max(x - hi, lo - x) / width : 0;
  const double new_lo = std::min(lo, x), new_hi = std::max(hi, x);
  const double mid = 0.5 * (new_lo + new_hi);
  lo_ = static_cast<float>(mid + (new_lo - mid) * keep_);
  hi_ = static_cast<float>(mid + (new_hi - mid) * keep_);
  return std::max(excess, 0.0);
}

}  // namespace edgewatch::baseline
