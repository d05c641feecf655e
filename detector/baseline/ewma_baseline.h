// Exponentially weighted mean and variance (EWMA/EWMV; Roberts, "Control chart tests based on
// geometric moving averages", Technometrics 1959; the incremental form of Finch, "Incremental
// calculation of weighted mean and variance", 2009). 24 bytes of state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/binary_io.h"

namespace edgewatch::baseline {

class EwmaBaseline {
 public:
  // alpha: the weight of the newest record (memory ≈ 1/alpha records). The first 1/alpha records
  // use 1/n instead, so the start-up mean is the plain average rather than the first value.
  explicit EwmaBaseline(double alpha = 0.02) : alpha_(alpha) {}

  // The z-score of x against the state before x (so a spike is judged before it is learned),
  // then learns x. 0 for the first record.
  double Update(double x);

  double mean() const { return mean_; }
  double variance() const { return var_; }
  uint32_t count() const { return count_; }
  static constexpr size_t StateBytes() { return sizeof(double) * 2 + sizeof(float) + 4; }
  // The learned state, for snapshots (BinaryWriter's caveats apply).
  void Save(BinaryWriter& w) const { w.Put(*this); }
  bool Load(BinaryReader& r) { return r.Get(*this); }

 private:
  double mean_ = 0;
  double var_ = 0;
  float alpha_;
  uint32_t count_ = 0;
};

// A z-score as a score in [0, 1]: −log10(2Φ(−|z|))/12, the two-sided Gaussian tail in decades
// (1 = a tail of 10^−12 or less).
double GaussianScore(double z);

}  // namespace edgewatch::baseline
