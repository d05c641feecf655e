#include "detector/baseline/ewma_baseline.h"

#include <algorithm>
#include <cmath>

namespace edgewatch::baseline {

double EwmaBaseline::Update(double x) {
  double z = 0;
  if (count_ > 0) {
    // A scale floor keeps a constant series from turning rounding noise into huge z-scores.
    double sd = std::sqrt(var_) + 1e-9 * (std::fabs(mean_) + 1.0);
    z = (x - mean_) / sd;
  }
  ++count_;
  double a = std::max(static_cast<double>(alpha_), 1.0 / count_);
  double diff = x - mean_;
  double incr = a * diff;
  mean_ += incr;
  var_ = (1 - a) * (var_ + diff * incr);
  return z;
}

double GaussianScore(double z) {
  // −log10 of the two-sided tail 2Φ(−|z|) = erfc(|z|/√2), over 12 decades: unlike erf(|z|/√2)
  // it does not saturate at 1 for |z| > 8, so a threshold can still tell z = 10 from z = 30.
  double tail = std::erfc(std::fabs(z) / std::sqrt(2.0));
  return std::clamp(-std::log10(std::max(tail, 1e-300)) / 12.0, 0.0, 1.0);
}

}  // namespace edgewatch::baseline
