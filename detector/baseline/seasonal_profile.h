// A seasonal profile: an exponentially weighted mean and mean absolute deviation per phase bin of
// a period (time of day, or time of week), the "seasonal" part of Holt-Winters without its trend
// (Winters, Management Science 1960; Brutlag, "Aberrant Behavior Detection in Time Series for
// Network Monitoring", LISA 2000 — RRDtool's confidence bands are mean ± k·deviation per bin).
//
// Whether the series has a season at all is decided online: the profile is trusted when its
// residuals are markedly smaller than those of a level-only (EWMA) model, after two periods.
// State: 2 floats per bin (48 bins → 384 bytes) and a few scalars.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/binary_io.h"

namespace edgewatch::baseline {

class SeasonalProfile {
 public:
  // period_s: 86400 for time of day, 604800 for day of week; bins: phases per period; alpha: the
  // weight of the newest record in its bin.
  explicit SeasonalProfile(int64_t period_s = 86400, size_t bins = 48, double alpha = 0.1);

  // The z-score of x against its bin before x (mean and 1.2533·mean absolute deviation), then
  // learns x. 0 until the bin has been seen in an earlier period.
  double Update(int64_t t_s, double x);

  // True when the profile explains the series better than a level: its residual scale is below
  // `ratio` times a level-only model's, and two periods have been seen.
  bool seasonal(double ratio = 0.6) const;
  // The level-only model's mean absolute residual (over ~100 records): the signal's spread.
  double level_deviation() const { return level_dev_; }
  // The times of the first and the last record learned (INT64_MIN before the first).
  int64_t first_time() const { return first_t_; }
  int64_t last_time() const { return last_t_; }
  // Two periods seen: every bin has had a record before, so its z means something.
  bool ready() const { return last_t_ - first_t_ >= 2 * period_s_; }
  // The bins (with their number as saved) and the scalars below them.
  size_t StateBytes() const { return bins_.capacity() * sizeof(Bin) + 44; }
  void Save(BinaryWriter& w) const;
  bool Load(BinaryReader& r);  // false (state unusable) when its bins are not this profile's

 private:
  struct Bin {
    float mean = 0;
    float dev = -1;  // −1: never seen
  };
  size_t BinOf(int64_t t_s) const;

  std::vector<Bin> bins_;
  int64_t period_s_;
  int64_t first_t_ = INT64_MIN;
  int64_t last_t_ = INT64_MIN;
  float alpha_;
  float level_ = 0;         // level-only model: EWMA of x
  float level_dev_ = 0;     // its mean absolute residual
  float seasonal_dev_ = 0;  // the profile's mean absolute residual
};

}  // namespace edgewatch::baseline
