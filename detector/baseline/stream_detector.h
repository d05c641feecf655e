// Streaming anomaly scorers for one signal: one record in, one score in [0, 1] out, no look-ahead,
// bounded state. BaselineDetector combines the baselines of this folder; the others expose each
// baseline alone (for `edgewatch nab --detector NAME` and for comparison).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "detector/baseline/burst_density.h"
#include "detector/baseline/ewma_baseline.h"
#include "detector/baseline/median_mad_window.h"
#include "detector/baseline/range_envelope.h"
#include "detector/baseline/seasonal_profile.h"
#include "detector/baseline/spot.h"

namespace edgewatch::baseline {

class StreamScorer {
 public:
  virtual ~StreamScorer() = default;
  // The anomaly score of a record at time t_s (seconds) with value x, given only earlier records.
  virtual double Score(int64_t t_s, double x) = 0;
  virtual size_t StateBytes() const = 0;
  // The learned state, so that a restarted detector goes on from it (snapshots). Load expects
  // what Save wrote from a scorer of the same kind and configuration; false when it is not.
  virtual void Save(BinaryWriter& w) const = 0;
  virtual bool Load(BinaryReader& r) = 0;
};

struct BaselineDetectorConfig {
  uint32_t warmup = 150;     // records scored 0 while the baselines learn
  size_t window = 64;        // median/MAD window (records)
  double ewma_alpha = 0.02;  // EWMA weight of the newest record
  int64_t season_s = 86400;  // seasonal period (86400: time of day; 604800: day of week)
  size_t season_bins = 48;
  double season_alpha = 0.1;
  double season_ratio = 0.6;  // seasonal when its residuals are < ratio × a level model's
  SpotConfig spot = {.q0 = 0.9, .risk = 1e-9, .forget = 1e-2};
  // Peaks the SPOTs of the seasonal surprise need before their fit is trusted (until then only
  // a new maximum is unusual): a profile learns each bin from a few records a day, so its z
  // settle over days, not hours.
  uint32_t season_min_peaks = 150;
  double smooth = 0.3;  // EWMA weight of the newest surprise (1: none)
  double hold = 0.998;  // per-record decay of the last alarm's level (halving at least daily)
  double decades = 12;  // score 1 = tail probability 10^−decades
  // A break out of the signal's range (RangeEnvelope) by more than range_margin of its width
  // scores 0.5 + 0.5·min(1, excess / width); range_margin < 0 turns the view off.
  double range_margin = 0.1;
  uint32_t range_half_life = 10000;  // records
  // An alarm below 0.5 is discounted by the alarms of at least 0.8 × its score this signal has
  // raised before: score / (1 + discount × their number). 0 turns it off.
  double discount = 0.02;
};

// The combined detector. Per record:
//  1. two surprises: |robust z| of the value against the sliding median/MAD window, and, once
//     the seasonal profile has seen two periods, |z| against its time-of-day bin (a level shift
//     and a spike are both far from a robust centre; a daily peak is not far from its bin);
//  2. a pair of SPOTs per surprise turns it into tail probabilities, each SPOT with a GPD
//     fitted to its own peaks: one on the surprise (spikes), one on its EWMA (`smooth`:
//     sustained changes). p = 2·min of the robust pair's — or, while the profile explains the
//     series better than a level (SeasonalProfile::seasonal), 2·min of the seasonal pair's
//     (Bonferroni's factor for the tests taken): the level's median/MAD window would call
//     every daily swing longer than half of it an anomaly, which at coarse sampling (20-minute
//     records: 64 are 21 hours) is every day's. Each pair learns only its own surprise, from its
//     start, so that a switch to the seasonal view does not meet SPOTs fitted to the robust z of
//     daily steps (P² and the moments forget slowly). A noisy signal and a quiet one reach the same
//     score only at the same improbability;
//     The BurstDensity view joins them: when short excursions come far denser than the signal
//     has had them, its episode's first record gets p ≤ 2·its Chernoff bound;
//  3. the score is −log10(p)/decades — or, when the record breaks out of the range the signal
//     has kept to by more than range_margin of that range (RangeEnvelope), 0.5 + 0.5·min(1,
//     excess), if higher: a break scores above every tail the spread-based views give short of
//     10^−(decades/2), as a new extreme is the first thing an engineer reading the chart sees;
//  4. it is emitted only when it tops the decaying level of the last alarm of the spread-based
//     views (level × hold per record, halving at least daily): the first record of an episode
//     scores, its echoes do not. A score of 1 tops a level only once the level is below 1 −
//     kSaturatedMargin, else every record of a saturating episode would be an alarm. A range break
//     leaves the level as it was;
//  5. an emitted score below 0.5 is divided by 1 + discount × the number of earlier alarms of
//     at least 0.8 × that score (a histogram of 8 bins over [0.1, 0.5), halved every 10 000
//     records): a signal that has raised many alarms like this one is less
//     surprised by one more. Judging a detector's raw scores against their own history is what
//     HTM's anomaly likelihood does (Ahmad, Lavin, Purdy & Agha, "Unsupervised real-time
//     anomaly detection for streaming data", Neurocomputing 262, 2017).
class BaselineDetector : public StreamScorer {
 public:
  explicit BaselineDetector(BaselineDetectorConfig config = {});
  double Score(int64_t t_s, double x) override;
  size_t StateBytes() const override;
  void Save(BinaryWriter& w) const override;
  bool Load(BinaryReader& r) override;

  // The last record's parts, for tests and debugging.
  double last_tail() const { return tail_; }
  bool seasonal() const { return season_.seasonal(params_.season_ratio); }

 private:
  // The settings Score() reads (the others shaped the members below): not the whole config,
  // which would be ~110 bytes more per (rule, edge).
  struct Params {
    float season_ratio, smooth, range_margin, hold, discount;
    float decades;  // a whole number in practice: exact as a float
    uint32_t warmup;
    float q0, risk, forget;  // the SPOTs' (SpotConfig, compactly)
    uint16_t min_peaks, season_min_peaks;
  } params_;
  SpotConfig SpotSettings(bool seasonal_pair) const;
  // Records before a range break counts (and the burst view, which measures in that range,
  // alarms): the n-th record of a steady signal is a new extreme with probability 2/n, so a young
  // envelope is broken often. Or, at coarse sampling, as long as 500 five-minute records last,
  // but at least kRangeMinCoarseRecords: a signal shows its range over a day and a half whatever
  // the interval, and at 20-minute records 500 are a week, in which every break went unseen. NAB
  // dev subset averaged over 4 records: 60.6 → 64.5 standard (flat from 12 to 42 hours and from
  // 50 to 150 records); 5-minute files unchanged by construction.
  static constexpr uint32_t kRangeMinRecords = 500;
  static constexpr int64_t kRangeMinSpanS = 500 * 300;
  static constexpr uint32_t kRangeMinCoarseRecords = 100;
  bool RangeKnown() const;
  // A score of 1 (the clamp's) tops the level only below 1 − this: ~53 records after a
  // saturated alarm at hold 0.998. NAB dev subset: 0.03–0.15 score alike (+0.3), 0.2 hides a
  // new episode 139 records after one.
  static constexpr float kSaturatedMargin = 0.1f;
  // The alarm level halves at least once a day of records' time, whatever `hold` per record
  // says: at 5-minute records hold's 0.998 is a 29-hour half-life, at hourly ones it would be
  // two weeks, which hid every anomaly after a first one. Tomorrow's episode is a new one.
  // (At 10-second records hold's ~58 minutes comes first.) NAB dev subset averaged over 4
  // records: 50.3 → 60.6 standard; 5-minute files 73.1 either way.
  static constexpr double kHoldHalfLifeS = 86400;
  double ScoreOfTail(double tail) const;  // −log10(tail)/decades in [0, 1]

  MedianMadWindow robust_;
  SeasonalProfile season_;
  Spot spot_;                             // on the smoothed robust surprise: sustained changes
  Spot point_spot_;                       // on the robust surprise: spikes
  Spot season_spot_, season_point_spot_;  // the same on the seasonal surprise
  RangeEnvelope range_;
  BurstDensity burst_;
  float level_ = 0;  // the decaying level of the last alarm, in score units
  float smoothed_ = 0, season_smoothed_ = 0;
  float tail_ = 1;  // likewise (rule conditions read it: float precision is plenty)
  uint32_t count_ = 0;
  // Alarms emitted in [0.1, 0.5), by score in bins of 0.05: saturating counts, halved every
  // 10 000 records.
  std::array<uint8_t, 8> alarms_{};
  double Discounted(double score);  // step 5 of the class comment; counts the alarm
};

// Names for --detector: "edgewatch" (BaselineDetector), "ewma", "median_mad", "seasonal" (each
// baseline's z through GaussianScore) and "spot" (SPOT on the raw value's distance from its
// EWMA). nullptr for an unknown name.
std::unique_ptr<StreamScorer> MakeStreamScorer(const std::string& name,
                                               const BaselineDetectorConfig& config);
const std::vector<std::string>& StreamScorerNames();

}  // namespace edgewatch::baseline
