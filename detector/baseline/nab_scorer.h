// NAB v1.1 scoring (Numenta Anomaly Benchmark; Lavin & Ahmad, "Evaluating Real-time Anomaly
// Detection Algorithms — the Numenta Anomaly Benchmark", ICMLA 2015): probation, anomaly windows,
// scaled-sigmoid weighting, the three application profiles, threshold optimisation over the whole
// corpus and normalisation against the null and perfect detectors.
//
// The formulas follow NAB's own code (numenta/NAB, nab/sweeper.py, which nab/scorer.py and the
// threshold optimiser call since NAB v1.1); each function names the part it reproduces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace edgewatch::baseline {

// A cost matrix (NAB's config/profiles.json). fp is the weight of one false positive far from
// any window; fn the cost of one missed window; tp the reward of a detection at a window's start.
struct NabProfile {
  std::string name;
  double tp = 1.0;
  double fp = 0.11;
  double fn = 1.0;
};

// standard (1.0, 0.11, 1.0), reward_low_FP_rate (1.0, 0.22, 1.0), reward_low_FN_rate (1.0,
// 0.11, 2.0).
const std::vector<NabProfile>& NabProfiles();

// One scored series: its record times (seconds), the detector's scores in [0, 1] and the labelled
// windows [start, end] (inclusive, seconds), in time order.
struct NabSeries {
  std::string name;   // "<group>/<file>.csv"
  std::string group;  // "<group>"
  std::vector<int64_t> timestamps;
  std::vector<double> scores;
  std::vector<std::pair<int64_t, int64_t>> windows;
};

// sweeper.py scaledSigmoid: 2·sigmoid(−5y) − 1 = 2/(1 + exp(5y)) − 1, and −1 for y ≥ 3
// ("FP well behind window"). y = −1 at a window's start, 0 at its end, > 0 after it.
double ScaledSigmoid(double y);

// sweeper.py _getProbationaryLength: min(floor(0.15·n), 0.15·5000) records are not scored.
size_t ProbationLength(size_t n);

// The weight a detection at each record would get (sweeper.py calcSweepScore):
//  - inside window w (width W records, right edge index R), record i gets
//    tp · S(−(R − i + 1)/W) / S(−1): exactly tp at the window's first record;
//  - outside windows, after window w: fp · S(|R − i| / (W − 1)), a penalty that starts near 0 just
//    after the window and reaches −fp three window-widths later;
//  - before any window (or in a file without windows): −fp.
// window is the window's index in the series, −1 outside windows; scorable is false in probation.
struct SweepPoint {
  double score = 0;
  double weight = 0;
  int window = -1;
  bool scorable = true;
};
std::vector<SweepPoint> Sweep(const NabSeries& series, const NabProfile& profile);

// A series' raw score at one threshold (a record is a detection when score ≥ threshold): the sum
// of its false-positive weights, plus for each window the weight of its earliest detection
// (sweeper.py keeps the max weight, which is the earliest since S decreases), or −fn when the
// window has none. Windows wholly inside probation count for nothing (as in the sweeper).
double RawScore(const NabSeries& series, const NabProfile& profile, double threshold);

// What the null detector scores (−fn per window with a scorable record) and the perfect one
// (tp per window; runner.py normalize: perfect = number of windows · tpWeight).
double NullScore(const NabSeries& series, const NabProfile& profile);
double PerfectScore(const NabSeries& series, const NabProfile& profile);

// 100 · (raw − null) / (perfect − null); 0 when perfect == null (no windows).
double Normalize(double raw, double null_score, double perfect);

// The threshold that maximises the summed raw score over all series (sweeper.py
// calcScoreByThreshold: sweep every distinct score from the highest down, starting at 1.1 where
// nothing is detected; the first, i.e. highest, best threshold wins a tie).
struct ThresholdChoice {
  double threshold = 1.1;
  double raw = 0;
};
ThresholdChoice OptimizeThreshold(const std::vector<NabSeries>& corpus, const NabProfile& profile);

// The report `edgewatch nab score` prints: per group and in total, raw and normalised scores of
// one profile at its optimised threshold.
struct NabGroupScore {
  std::string group;
  size_t files = 0;
  size_t windows = 0;
  double raw = 0;
  double null_score = 0;
  double perfect = 0;
  double normalized = 0;
};
struct NabProfileScore {
  NabProfile profile;
  double threshold = 1.1;
  std::vector<NabGroupScore> groups;  // sorted by name
  NabGroupScore total;
};
NabProfileScore ScoreCorpus(const std::vector<NabSeries>& corpus, const NabProfile& profile);

}  // namespace edgewatch::baseline
