// `edgewatch nab`: stream NAB data files through a StreamScorer into NAB result files, and load
// result files back as NabSeries for the scorer.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"
#include "detector/baseline/nab_corpus.h"
#include "detector/baseline/nab_scorer.h"
#include "detector/baseline/stream_detector.h"

namespace edgewatch::baseline {

struct NabRunOptions {
  std::string data_dir;  // holds <group>/<name>.csv
  std::string out_dir;   // results go to out_dir/<detector>/<group>/<detector>_<name>.csv
  std::string detector = "edgewatch";
  BaselineDetectorConfig config;
  // NAB's harness tells each detector its file's probationary length (nab/detectors/base.py);
  // when set, the warm-up is that length instead of config.warmup.
  bool warmup_is_probation = true;
};

struct NabRunStats {
  size_t files = 0;
  size_t records = 0;
  double seconds = 0;      // time in Score() alone
  size_t state_bytes = 0;  // of one scorer
};

Result<NabRunStats> RunNab(const NabRunOptions& options);

// Reads results_dir/<group>/<detector>_<name>.csv for every labelled file (an error names a
// labelled file without results). `detector` is results_dir's last component when empty.
Result<std::vector<NabSeries>> LoadNabResults(const std::string& results_dir,
                                              const NabWindows& windows, std::string detector = "");

// The per-group × profile table `edgewatch nab score` prints.
std::string FormatNabReport(const std::vector<NabProfileScore>& scores);

// "key=value" tuning overrides of a BaselineDetectorConfig (keys: warmup, window, ewma_alpha,
// season_s, season_bins, season_alpha, season_ratio, q0, risk, forget, min_peaks,
// season_min_peaks, hold, smooth, decades, range_margin, range_half_life, discount).
Result<BaselineDetectorConfig> ApplyConfigOverride(BaselineDetectorConfig config,
                                                   const std::string& key_value);

}  // namespace edgewatch::baseline
