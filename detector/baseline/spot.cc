#include "detector/baseline/spot.h"

#include <algorithm>
#include <cmath>

namespace edgewatch::baseline {

void P2Quantile::Add(double x, double q) {
  const auto xf = static_cast<float>(x);
  if (count_ < 5) {
    h_[count_++] = xf;
    if (count_ == 5) {
      std::sort(h_.begin(), h_.end());
      for (int i = 0; i < 5; ++i) n_[i] = i;
    }
    return;
  }
  if (count_ == kMaxCount) {
    // Halve the history: positions and count alike, so the markers keep their quantiles.
    count_ /= 2;
    for (int i = 1; i < 4; ++i) {
      n_[i] = static_cast<uint16_t>(std::max<int>(n_[i - 1] + 1, n_[i] / 2));
    }
    n_[4] = static_cast<uint16_t>(count_ - 1);
    for (int i = 3; i >= 1; --i) {
      n_[i] = static_cast<uint16_t>(std::min<int>(n_[i], n_[i + 1] - 1));
    }
  }
  ++count_;
  int k;
  if (xf < h_[0]) {
    h_[0] = xf;
    k = 0;
  } else if (xf >= h_[4]) {
    h_[4] = xf;
    k = 3;
  } else {
    k = 0;
    while (k < 3 && xf >= h_[k + 1]) ++k;
  }
  for (int i = k + 1; i < 5; ++i) ++n_[i];
  const double total = count_ - 1;
  const std::array<double, 5> want = {0, total * q / 2, total * q, total * (1 + q) / 2, total};
  for (int i = 1; i <= 3; ++i) {
    double d = want[i] - n_[i];
    if ((d >= 1 && n_[i + 1] - n_[i] > 1) || (d <= -1 && n_[i - 1] - n_[i] < -1)) {
      int s = d >= 0 ? 1 : -1;
      // Piecewise-parabolic prediction; linear when it would leave the neighbours' interval.
      double np = n_[i + 1], nm = n_[i - 1], ni = n_[i];
      double hp = h_[i] + s / (np - nm) *
                              ((ni - nm + s) * (h_[i + 1] - h_[i]) / (np - ni) +
                               (np - ni - s) * (h_[i] - h_[i - 1]) / (ni - nm));
      if (hp <= h_[i - 1] || hp >= h_[i + 1]) {
        hp = h_[i] + s * (h_[i + s] - h_[i]) / (n_[i + s] - n_[i]);
      }
      h_[i] = static_cast<float>(hp);
      n_[i] = static_cast<uint16_t>(n_[i] + s);
    }
  }
}

double P2Quantile::value() const {
  if (count_ == 0) return 0;
  if (count_ < 5) return *std::max_element(h_.begin(), h_.begin() + count_);
  return h_[2];
}

void Spot::Fit() {
  const double m1 = m1_, var = m2_ - m1 * m1;
  if (m1 <= 0 || var <= 1e-12 * m1 * m1) {
    gamma_ = 0;
    sigma_ = static_cast<float>(std::max(m1, 1e-12));
    return;
  }
  double r = m1 * m1 / var;
  // γ is kept in [−0.5, 0.5]: moments do not exist beyond ½, and a very negative γ would put a
  // hard end to the support just above the peaks seen.
  gamma_ = static_cast<float>(std::clamp(0.5 * (1 - r), -0.5, 0.5));
  sigma_ = static_cast<float>(std::max(m1 * (1 - gamma_), 1e-12));
}

double Spot::Tail(const SpotConfig& c, double x) const {
  const double t = quantile_.value();
  if (quantile_.count() < 5 || x <= t) return 1.0;
  const double e = x - t;
  if (peaks_ < c.min_peaks) {
    // Too few peaks for a fit: only a new maximum is called unusual.
    return e > max_excess_ ? (1 - c.q0) / (1 + peaks_) : 1.0;
  }
  const double base = 1.0 - c.q0;
  if (std::fabs(gamma_) < 1e-6) return base * std::exp(-e / sigma_);
  double u = 1 + gamma_ * e / sigma_;
  if (u <= 0) return 0.0;
  return base * std::pow(u, -1 / gamma_);
}

double Spot::Threshold(const SpotConfig& c, double risk) const {
  const double t = quantile_.value();
  const double ratio = (1 - c.q0) / risk;
  if (std::fabs(gamma_) < 1e-6) return t + sigma_ * std::log(ratio);
  return t + sigma_ / gamma_ * (std::pow(ratio, gamma_) - 1);
}

double Spot::Update(const SpotConfig& c, double x) {
  double p = Tail(c, x);
  if (p >= c.risk || peaks_ < c.min_peaks) {
    const double t = quantile_.value();
    quantile_.Add(x, c.q0);
    if (quantile_.count() > 5 && x > t) {
      double e = x - t;
      max_excess_ = std::max(max_excess_, static_cast<float>(e));
      // Plain averages for the first 1/forget peaks, then exponential forgetting.
      ++peaks_;
      const double w = std::max(c.forget, 1.0 / peaks_);
      m1_ += static_cast<float>(w * (e - m1_));
      m2_ += static_cast<float>(w * (e * e - m2_));
      Fit();
    }
  }
  return p;
}

}  // namespace edgewatch::baseline
