// How often a signal has had short excursions lately, against how often it has had them over its
// history: the view for bursts that come denser (a retry storm, a load balancer that sends a
// node spikes every few minutes instead of every few hours), and for bursts that stop coming (a
// batch job that no longer runs, traffic that went quiet). A single record of such a burst is
// no further from the median than the bursts before it, and the median/MAD window's MAD widens
// with them, so no view of the value alone sees it; their rate does. Nor does any view of the
// value see a quiet stretch: every record of it is ordinary; only its length is not.
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
//
// Quiet: the same bound at r = 0 over the n records since the last excursion is exactly the
// chance of a gap this long, (1 − p)^n, p the long rate when the gap began. Alone it would call the
// long quiet of a signal whose bursts cluster (every night of a daytime job) improbable, so a quiet
// alarms only once it is also kQuietRatio × longer than the longest gap the signal has had (a
// record value, as the range envelope's extremes are; forgotten with a half-life of kQuietHalfLife
// records), and only when that gap began after `alarm` allowed alarms. A record that widens the
// range by more than kQuietBreak of its width raises the reach with it: excursions of the old reach
// no longer count, so the rate and gaps learned under it say nothing of the gaps that follow (noise
// whose every excursion is now below the reach, after one big spike, is not a quiet). The view then
// waits for kQuietArmAfter excursions of the new reach. One alarm per gap.
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
  // A quiet alarms past kQuietRatio × the longest gap. NAB dev subset (5-minute records):
  // 1.2–1.3 → 76.8–77.0 standard against 73.1 without the view, 1.4 → 76.6, 1.5 → 76.1.
  static constexpr double kQuietRatio = 1.3;
  // Half-life 6 144–16 384 records → 76.7–77.0.
  static constexpr uint32_t kQuietHalfLife = 8192;  // records
  // Widening past which the quiet waits for kQuietArmAfter new excursions: 0.5–2 score alike,
  // 0.25 → 74.0 (a burst's top spike often widens the range a little, and is often its last).
  // 2 excursions, not 1: the one after a big spike can be the next anomaly, with the noise
  // below the new reach after it (3: 77.0 on 5-minute records, 20-minute ones 67.9 → 65.7).
  static constexpr double kQuietBreak = 0.5;
  static constexpr uint8_t kQuietArmAfter = 2;

  // x against the window median and the range (low, high) of the records before it; n: records
  // seen before this one; alarm: whether the view may alarm yet; excess: how far x lies outside
  // that range, in widths (RangeEnvelope::Update; 0 while the range is not known). The bound P
  // of this record when it raises an alarm (a burst's or a quiet's), else 1. Then learns the
  // record.
  double Update(double x, double median, double low, double high, uint32_t n, bool alarm,
                double excess = 0);

  double short_rate() const { return short_; }
  double long_rate() const { return long_; }
  uint32_t longest_gap() const;  // 0 while none has been learned
  static constexpr size_t StateBytes() { return sizeof(BurstDensity); }
  void Save(BinaryWriter& w) const { w.Put(*this); }
  bool Load(BinaryReader& r) { return r.Get(*this); }

 private:
  // The longest gap as a code c > 0 for 2^(c / kCodeSteps) records, one byte (2 % precision).
  static constexpr double kCodeSteps = 16;
  static uint8_t Code(uint32_t gap);
  // The quiet view's part of Update: out, whether x is an excursion (its first record when
  // run_ is 1); widens, whether x widens the range by more than kQuietBreak.
  double QuietBound(uint32_t n, bool alarm, bool out, bool widens);

  float short_ = 0, long_ = 0;
  uint16_t gap_ = 0;             // records since the last excursion (saturating)
  uint8_t longest_ = 0;          // Code() of the longest gap between excursions; 0: none yet
  uint8_t run_ : 4 = 0;          // records of the current excursion (saturating)
  uint8_t armed_ : 1 = 1;        // no burst alarm raised in the current episode
  uint8_t quiet_armed_ : 1 = 0;  // the current gap may alarm
  uint8_t since_break_ : 2 = 0;  // excursions begun since the last range break (saturating)
};

}  // namespace edgewatch::baseline
