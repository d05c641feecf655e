// SPOT, a streaming peaks-over-threshold detector (Siffer, Fouque, Termier, Largouët, "Anomaly
// Detection in Streams with Extreme Value Theory", KDD 2017). Values above an initial threshold t
// (a high quantile q0) are "peaks"; by the Pickands–Balkema–de Haan theorem their excesses follow
// a generalized Pareto distribution (GPD), so the probability of exceeding any z > t is
//   P(X > z) ≈ (1 − q0) · (1 + γ (z − t) / σ)^(−1/γ)         (γ → 0: exp(−(z − t)/σ)).
// SPOT declares an anomaly when that probability falls below a risk q and does not learn from it.
//
// Bounded-memory departures from the paper, chosen so a signal costs tens of bytes:
//  - t is tracked by the P² quantile estimator (Jain & Chlamtac, CACM 1985; five markers) rather
//    than taken once from a calibration batch;
//  - the GPD is fitted by the method of moments on exponentially weighted moments of the excesses
//    (Hosking & Wallis, Technometrics 1987: γ = ½(1 − m²/s²), σ = ½·m·(1 + m²/s²)) instead of
//    Grimshaw's maximum-likelihood search over the stored peaks. The paper lists moments as the
//    cheaper, less efficient estimator; the forgetting also makes it drift like DSPOT.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/binary_io.h"

namespace edgewatch::baseline {

// P²: a running estimate of one quantile with five markers, in 32 bytes. The quantile is the
// caller's (the same at every call). Marker positions are 16-bit: once kMaxCount records have
// been seen the positions and the count are halved, so that the records before weigh half as
// much as those to come — the estimate follows a distribution that changes over weeks instead of
// averaging over all of a signal's history.
class P2Quantile {
 public:
  static constexpr uint16_t kMaxCount = 32768;
  void Add(double x, double q);
  double value() const;  // the estimate; the largest value seen so far before 5 records
  uint32_t count() const { return count_; }

 private:
  std::array<float, 5> h_{};     // marker heights
  std::array<uint16_t, 5> n_{};  // marker positions
  uint16_t count_ = 0;
};

struct SpotConfig {
  double q0 = 0.98;         // the initial threshold's quantile (the paper uses 0.98)
  double risk = 1e-4;       // q: tail probability below which a value is an anomaly (not learned)
  double forget = 1e-3;     // weight of the newest excess in the GPD moments
  uint32_t min_peaks = 10;  // peaks needed before the GPD is trusted
};

// The model alone (56 bytes); its settings are the caller's, passed to every call, as a
// detector holds several SPOTs with one configuration.
class Spot {
 public:
  // The tail probability P(X ≥ x) under the model before x (1 below t, or while the model has
  // fewer than min_peaks peaks and x is not above every peak seen), then learns x unless its
  // probability is below `risk`.
  double Update(const SpotConfig& c, double x);

  // The quantile for a risk r (SPOT's z_q): t + σ/γ·((q0' / r)^γ − 1), q0' = 1 − q0.
  double Threshold(const SpotConfig& c, double risk) const;
  double initial_threshold() const { return quantile_.value(); }
  double gamma() const { return gamma_; }
  double sigma() const { return sigma_; }
  uint32_t peaks() const { return peaks_; }
  static constexpr size_t StateBytes() { return sizeof(Spot); }
  void Save(BinaryWriter& w) const { w.Put(*this); }
  bool Load(BinaryReader& r) { return r.Get(*this); }

 private:
  double Tail(const SpotConfig& c, double x) const;
  void Fit();

  P2Quantile quantile_;
  float m1_ = 0;  // weighted mean of excesses
  float m2_ = 0;  // weighted mean of squared excesses
  float gamma_ = 0;
  float sigma_ = 0;
  float max_excess_ = 0;
  uint32_t peaks_ = 0;
};

}  // namespace edgewatch::baseline
