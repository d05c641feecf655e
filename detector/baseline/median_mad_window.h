// Robust z-score over a sliding window: z = 0.6745·(x − median)/MAD (Iglewicz & Hoaglin, "How to
// Detect and Handle Outliers", ASQC 1993; the MAD as a scale estimate: Hampel, JASA 1974).
// State: a ring of `size` floats (64 → 256 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/binary_io.h"

namespace edgewatch::baseline {

class MedianMadWindow {
 public:
  explicit MedianMadWindow(size_t size = 64);

  // The robust z-score of x against the window before x, then x enters the window. 0 until the
  // window holds 8 records. When more than half the window is one value (MAD = 0),
  // `long_run_deviation` stands in for the MAD (the caller's mean absolute deviation of the
  // signal over a longer past: a stretch without spread does not mean the signal has none), or
  // without one (0) the window's mean absolute deviation from the median, and a small floor
  // after that.
  double Update(double x, double long_run_deviation = 0);

  double median() const { return median_; }
  double mad() const { return mad_; }
  size_t count() const { return count_; }
  // The ring (with its length as saved), head, count, median and MAD.
  size_t StateBytes() const { return ring_.capacity() * sizeof(float) + 20; }
  void Save(BinaryWriter& w) const;
  bool Load(BinaryReader& r);  // false (state unusable) when it does not fit this window

 private:
  std::vector<float> ring_;
  uint32_t head_ = 0;
  uint32_t count_ = 0;
  float median_ = 0;  // of the window before the last record (for callers; not read back)
  float mad_ = 0;
};

}  // namespace edgewatch::baseline
