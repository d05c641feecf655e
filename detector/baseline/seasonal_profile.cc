#include "detector/baseline/seasonal_profile.h"

#include <algorithm>
#include <cmath>

namespace edgewatch::baseline {

SeasonalProfile::SeasonalProfile(int64_t period_s, size_t bins, double alpha)
    : bins_(std::clamp<size_t>(bins, 1, 1024)),
      period_s_(std::max<int64_t>(period_s, 1)),
      alpha_(static_cast<float>(alpha)) {}

size_t SeasonalProfile::BinOf(int64_t t_s) const {
  int64_t phase = ((t_s % period_s_) + period_s_) % period_s_;
  return static_cast<size_t>(phase * static_cast<int64_t>(bins_.size()) / period_s_);
}

double SeasonalProfile::Update(int64_t t_s, double x) {
  const bool first = first_t_ == INT64_MIN;
  if (first) first_t_ = t_s;
  last_t_ = t_s;
  Bin& b = bins_[BinOf(t_s)];
  const float xf = static_cast<float>(x);
  double z = 0;
  // The residual scale is floored by the level model's, so a bin that has been flat so far does
  // not call every small wobble an anomaly.
  const float a = alpha_;
  const float slow = 0.01f;  // residual averages over ~100 records
  if (b.dev >= 0) {
    float res = std::fabs(xf - b.mean);
    double scale = 1.2533 * std::max({b.dev, 0.1f * level_dev_, 1e-6f * std::fabs(b.mean)});
    z = scale > 0 ? (xf - b.mean) / scale : 0;
    z = std::clamp(z, -1e6, 1e6);
    seasonal_dev_ += slow * (res - seasonal_dev_);
    b.dev += a * (res - b.dev);
    b.mean += a * (xf - b.mean);
  } else {
    b.mean = xf;
    b.dev = 0;
  }
  if (first) level_ = xf;
  level_dev_ += slow * (std::fabs(xf - level_) - level_dev_);
  level_ += slow * (xf - level_);
  return z;
}

bool SeasonalProfile::seasonal(double ratio) const {
  return ready() && seasonal_dev_ < ratio * level_dev_;
}

void SeasonalProfile::Save(BinaryWriter& w) const {
  w.PutVector(bins_);
  w.Put(period_s_);
  w.Put(first_t_);
  w.Put(last_t_);
  w.Put(level_);
  w.Put(level_dev_);
  w.Put(seasonal_dev_);
}

bool SeasonalProfile::Load(BinaryReader& r) {
  const size_t bins = bins_.size();
  const int64_t period = period_s_;
  return r.GetVector(bins_, bins) && bins_.size() == bins && r.Get(period_s_) &&
         period_s_ == period && r.Get(first_t_) && r.Get(last_t_) && r.Get(level_) &&
         r.Get(level_dev_) && r.Get(seasonal_dev_);
}

}  // namespace edgewatch::baseline
