#include "detector/baseline/spot.h"

#include <algorithm>
#include <cmath>

namespace edgewatch::baseline {

void P2Quantile::Add(double x) {
  if (count_ < 5) {
    h_[count_++] = x;
    if (count_ == 5) {
      std::sort(h_.begin(), h_.end());
      for (int i = 0; i < 5; ++i) n_[i] = i;
    }
    return;
  }
  ++count_;
  int k;
  if (x < h_[0]) {
    h_[0] = x;
    k = 0;
  } else if (x >= h_[4]) {
    h_[4] = std::max(h_[4], x);
    k = 3;
  } else {
    k = 0;
    while (k < 3 && x >= h_[k + 1]) ++k;
  }
  for (int i = k + 1; i < 5; ++i) ++n_[i];
  const double total = count_ - 1;
  const std::array<double, 5> want = {0, total * q_ / 2, total * q_, total * (1 + q_) / 2, total};
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
      h_[i] = hp;
      n_[i] += s;
    }
  }
}

double P2Quantile::value() const {
  if (count_ == 0) return 0;
  if (count_ < 5) return *std::max_element(h_.begin(), h_.begin() + count_);
  return h_[2];
}

Spot::Spot(SpotConfig config)
    : q0_(static_cast<float>(config.q0)),
      risk_(static_cast<float>(config.risk)),
      forget_(static_cast<float>(config.forget)),
      min_peaks_(config.min_peaks),
      quantile_(config.q0) {}

void Spot::Fit() {
  double var = m2_ - m1_ * m1_;
  if (m1_ <= 0 || var <= 1e-12 * m1_ * m1_) {
    gamma_ = 0;
    sigma_ = static_cast<float>(std::max(m1_, 1e-12));
    return;
  }
  double r = m1_ * m1_ / var;
  // γ is kept in [−0.5, 0.5]: moments do not exist beyond ½, and a very negative γ would put a
  // hard end to the support just above the peaks seen.
  gamma_ = static_cast<float>(std::clamp(0.5 * (1 - r), -0.5, 0.5));
  sigma_ = static_cast<float>(std::max(m1_ * (1 - gamma_), 1e-12));
}

double Spot::Tail(double x) const {
  const double t = quantile_.value();
  if (quantile_.count() < 5 || x <= t) return 1.0;
  const double e = x - t;
  if (peaks_ < min_peaks_) {
    // Too few peaks for a fit: only a new maximum is called unusual.
    return e > max_excess_ ? (1 - q0_) / (1 + peaks_) : 1.0;
  }
  const double base = 1.0 - q0_;
  if (std::fabs(gamma_) < 1e-6) return base * std::exp(-e / sigma_);
  double u = 1 + gamma_ * e / sigma_;
  if (u <= 0) return 0.0;
  return base * std::pow(u, -1 / gamma_);
}

double Spot::Threshold(double risk) const {
  const double t = quantile_.value();
  const double ratio = (1 - q0_) / risk;
  if (std::fabs(gamma_) < 1e-6) return t + sigma_ * std::log(ratio);
  return t + sigma_ / gamma_ * (std::pow(ratio, gamma_) - 1);
}

double Spot::Update(double x) {
  double p = Tail(x);
  if (p >= risk_ || peaks_ < min_peaks_) {
    const double t = quantile_.value();
    quantile_.Add(x);
    if (quantile_.count() > 5 && x > t) {
      double e = x - t;
      max_excess_ = std::max(max_excess_, static_cast<float>(e));
      // Plain averages for the first 1/forget peaks, then exponential forgetting.
      ++peaks_;
      double w = std::max(static_cast<double>(forget_), 1.0 / peaks_);
      m1_ += w * (e - m1_);
      m2_ += w * (e * e - m2_);
      Fit();
    }
  }
  return p;
}

}  // namespace edgewatch::baseline
