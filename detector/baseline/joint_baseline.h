// A joint view of several signals of one edge (e.g. request rate, error ratio and p99 latency):
// a multivariate EWMA mean and covariance, and the Mahalanobis distance of each record from it.
// A record whose signals are each unremarkable but whose combination is (latency up while the
// rate is normal, errors without a rate change) is far in this metric even when no single
// baseline fires.
//
// Method: the MEWMA / Hotelling-T² control-chart view of Lowry, Woodall, Champ & Rigdon
// (Technometrics 1992) and Hotelling (1947), on log1p-compressed signals (rates and latencies are
// heavy-tailed), with the covariance updated as an exponentially weighted moment (Finch 2009) and
// regularised by a ridge of 2 % of its mean variance (plus a floor), so a signal that never
// moved, or two in a nearly exact relation, do not make the matrix (near-)singular. D² is compared
// with the χ² distribution of d degrees of freedom (Mahalanobis 1936): score = −log10(P(χ²_d ≥ D²))
// / decades, clipped to [0, 1]. Records whose tail probability is below `freeze` are not learned,
// so an incident does not become the new normal while it lasts. Eigen does the linear algebra (an
// LDLT solve per record, d ≤ 4, fixed-size storage: no heap).
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>

#include "common/binary_io.h"

namespace edgewatch::baseline {

struct JointBaselineConfig {
  double alpha = 0.02;   // EWMA weight of the newest record (memory ≈ 50 records)
  uint32_t warmup = 60;  // records before scores are given
  double decades = 12;   // score 1 = tail probability 10^−decades
  double freeze = 1e-6;  // records rarer than this are not learned
};

class JointBaseline {
 public:
  static constexpr int kMaxSignals = 4;
  using Vec = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxSignals, 1>;
  using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxSignals, kMaxSignals>;

  // `signals` in 1..kMaxSignals.
  JointBaseline(int signals, JointBaselineConfig config = {});

  // The anomaly score in [0, 1] of `x` (`signals` values) against the state before it, then
  // learns x (unless it is rarer than `freeze`). 0 during the warm-up.
  double Score(const double* x);
  double last_distance2() const { return d2_; }
  double last_tail() const { return tail_; }
  uint32_t count() const { return count_; }
  const Vec& mean() const { return mean_; }
  const Mat& covariance() const { return cov_; }
  size_t StateBytes() const;
  void Save(BinaryWriter& w) const;
  bool Load(BinaryReader& r);

  // P(χ²_k ≥ q) for k = 1..4 (closed forms).
  static double ChiSquareTail(int k, double q);

 private:
  int d_;
  JointBaselineConfig config_;
  Vec mean_;
  Mat cov_;
  double d2_ = 0;
  double tail_ = 1;
  uint32_t count_ = 0;
};

}  // namespace edgewatch::baseline
