// NAB corpus files: data CSVs (timestamp,value), result CSVs (timestamp,value,anomaly_score,…)
// and labels/combined_windows.json. Errors name the file and line ("path:line: message").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace edgewatch::baseline {

// "YYYY-MM-DD HH:MM:SS" with an optional fraction (".000000", as in the label file) → seconds
// since the epoch, UTC.
Result<int64_t> ParseNabTimestamp(const std::string& text);

struct NabCsv {
  std::vector<std::string> timestamp_text;  // as written, copied to result files
  std::vector<std::string> value_text;
  std::vector<int64_t> timestamps;
  std::vector<double> values;
  std::vector<double> scores;  // result files only
};

// A data file; with `with_scores`, a result file whose third column is anomaly_score.
Result<NabCsv> ReadNabCsv(const std::string& path, bool with_scores = false);

// {"<group>/<name>.csv": [[start, end], …]}.
using NabWindows = std::map<std::string, std::vector<std::pair<int64_t, int64_t>>>;
Result<NabWindows> ReadNabLabels(const std::string& path);

// The CSVs under dir/<group>/, as "<group>/<name>.csv", sorted.
Result<std::vector<std::string>> ListNabFiles(const std::string& dir);

}  // namespace edgewatch::baseline
