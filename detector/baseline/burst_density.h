// How often a signal has had short excursions lately, against how often it has had them over its
// history: the view for bursts that come denser (a retry storm, a load balancer that sends a
// node spikes every few minutes instead of every few hours). A single record of such a burst is
// no further from the median than the bursts before it, and the median/MAD window's MAD widens
// with them, so no view of the value alone sees it; their rate does.
//
// An excursion record lies above the window median by more than `kReach` of the range the signal
// has kept to; only the first kRun records of each excursion count, so a level shift or a daily
// step adds kRun records and not a run as long as the median takes to follow. Two EWMAs of the
// counted records (a short one over ~64 records, a long one over ~1 000, plain averages until
// then) give the Chernoff bound of a short rate r this high under the long rate p:
//   P ≤ exp(−n·KL(r ‖ p)),  KL(r ‖ p) = r·ln(r/p) + (1 − r)·ln((1 − r)/(1 − p)),  n = 64
// (Chernoff, Ann. Math. Statist. 1952; Hoeffding, JASA 1963). The view raises one alarm when P
// first falls below kTrigger, and re-arms when the short rate is back under twice the long one:
// a burst episode is one event, however long it lasts.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/binary_io.h"

namespace edgewatch::baseline {

class BurstDensity {
 public:
  static constexpr double kReach = 0.3;       // of the range's width above the median
  static constexpr uint8_t kRun = 4;          // records counted per excursion
  static constexpr double kShort = 1.0 / 64;  // EWMA weights
  static constexpr double kLong = 1.0 / 1000;
  static constexpr double kTrigger = 1e-4;

  // x against the window median and the range (low, high) of the records before it; n: records
  // seen before this one; alarm: whether the view may alarm yet. The bound P of this record when
  // it raises the episode's alarm, else 1. Then learns the record.
  double Update(double x, double median, double low, double high, uint32_t n, bool alarm);

  double short_rate() const { return short_; }
  double long_rate() const { return long_; }
  static constexpr size_t StateBytes() { return sizeof(BurstDensity); }
  void Save(BinaryWriter& w) const { w.Put(*this); }
  bool Load(BinaryReader& r) { return r.Get(*this); }

 private:
  float short_ = 0, long_ = 0;
  uint8_t run_ = 0;    // records of the current excursion (saturating)
  bool armed_ = true;  // no alarm raised in the current episode
};

}  // namespace edgewatch::baseline
