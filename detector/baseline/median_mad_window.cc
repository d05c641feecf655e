#include "detector/baseline/median_mad_window.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace edgewatch::baseline {

MedianMadWindow::MedianMadWindow(size_t size) { ring_.reserve(std::clamp<size_t>(size, 8, 1024)); }

namespace {

// The median of v[0..n) (n ≥ 1); reorders v.
double Median(float* v, size_t n) {
  std::nth_element(v, v + n / 2, v + n);
  double hi = v[n / 2];
  if (n % 2) return hi;
  double lo = *std::max_element(v, v + n / 2);
  return 0.5 * (lo + hi);
}

}  // namespace

double MedianMadWindow::Update(double x, double long_run_deviation) {
  const size_t n = ring_.size();
  double z = 0;
  if (n >= 8) {
    std::array<float, 1024> buf;
    std::copy(ring_.begin(), ring_.end(), buf.begin());
    const double median = Median(buf.data(), n);
    double abs_sum = 0;
    for (size_t i = 0; i < n; ++i) {
      buf[i] = static_cast<float>(std::fabs(ring_[i] - median));
      abs_sum += buf[i];
    }
    const double mad = Median(buf.data(), n);
    median_ = static_cast<float>(median);
    mad_ = static_cast<float>(mad);
    // 0.6745 = Φ⁻¹(3/4) makes MAD/0.6745 estimate σ; sqrt(2/π) does the same for the mean
    // absolute deviation.
    // More than half the window one value (MAD 0): the caller's long-run deviation stands in,
    // the window's mean absolute deviation only without one. A signal mostly at 0 with a few
    // tiny values among its zeros would otherwise have their scale, and each of its spikes a z
    // of thousands set by that dust (NAB's ec2_disk_write_bytes_c0d644 at 10-minute records:
    // every spike beyond the SPOT's end point, at 1.0).
    double scale = mad / 0.6745;
    if (scale <= 0) scale = (long_run_deviation > 0 ? long_run_deviation : abs_sum / n) / 0.7979;
    scale = std::max(scale, 1e-6 * (std::fabs(median) + 1e-3));
    z = std::clamp((x - median) / scale, -1e6, 1e6);
  }
  if (n < ring_.capacity()) {
    ring_.push_back(static_cast<float>(x));
  } else {
    ring_[head_] = static_cast<float>(x);
    head_ = static_cast<uint32_t>((head_ + 1) % n);
  }
  ++count_;
  return z;
}

void MedianMadWindow::Save(BinaryWriter& w) const {
  w.PutVector(ring_);
  w.Put(head_);
  w.Put(count_);
  w.Put(median_);
  w.Put(mad_);
}

bool MedianMadWindow::Load(BinaryReader& r) {
  return r.GetVector(ring_, ring_.capacity()) && r.Get(head_) && r.Get(count_) && r.Get(median_) &&
         r.Get(mad_) && (ring_.empty() ? head_ == 0 : head_ < ring_.size());
}

}  // namespace edgewatch::baseline
