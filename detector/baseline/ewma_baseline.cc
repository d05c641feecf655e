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

double GaussianScore(double z) { return std::erf(std::fabs(z) / std::sqrt(2.0)); }

}  // namespace edgewatch::baseline
