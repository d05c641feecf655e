#include "detector/baseline/nab_runner.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "detector/baseline/nab_corpus.h"

namespace edgewatch::baseline {

namespace fs = std::filesystem;

Result<NabRunStats> RunNab(const NabRunOptions& options) {
  auto files = ListNabFiles(options.data_dir);
  if (!files.ok()) return Err(files.error());
  if (files->empty()) return Err(options.data_dir + ": no <group>/<name>.csv files");
  if (!MakeStreamScorer(options.detector, options.config)) {
    return Err("unknown detector \"" + options.detector + "\"");
  }
  NabRunStats stats;
  for (const auto& rel : *files) {
    auto csv = ReadNabCsv((fs::path(options.data_dir) / rel).string());
    if (!csv.ok()) return Err(csv.error());
    BaselineDetectorConfig config = options.config;
    if (options.warmup_is_probation) {
      config.warmup = static_cast<uint32_t>(ProbationLength(csv->values.size()));
    }
    auto scorer = MakeStreamScorer(options.detector, config);
    std::vector<double> scores(csv->values.size());
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < scores.size(); ++i) {
      scores[i] = scorer->Score(csv->timestamps[i], csv->values[i]);
    }
    stats.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    stats.state_bytes = scorer->StateBytes();
    fs::path rel_path(rel);
    fs::path dir = fs::path(options.out_dir) / options.detector / rel_path.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Err(dir.string() + ": " + ec.message());
    fs::path out = dir / (options.detector + "_" + rel_path.filename().string());
    std::ofstream o(out);
    o << "timestamp,value,anomaly_score\n";
    char buf[32];
    for (size_t i = 0; i < scores.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%.12g", scores[i]);
      o << csv->timestamp_text[i] << ',' << csv->value_text[i] << ',' << buf << '\n';
    }
    if (!o) return Err(out.string() + ": write failed");
    stats.files += 1;
    stats.records += scores.size();
  }
  return stats;
}

Result<std::vector<NabSeries>> LoadNabResults(const std::string& results_dir,
                                              const NabWindows& windows, std::string detector) {
  if (detector.empty()) detector = fs::path(results_dir).lexically_normal().filename().string();
  if (detector.empty()) detector = fs::path(results_dir).parent_path().filename().string();
  std::vector<NabSeries> corpus;
  for (const auto& [name, wins] : windows) {
    fs::path rel(name);
    fs::path path =
        fs::path(results_dir) / rel.parent_path() / (detector + "_" + rel.filename().string());
    if (!fs::exists(path)) {
      return Err(path.string() + ": missing (labelled file " + name + " has no results)");
    }
    auto csv = ReadNabCsv(path.string(), /*with_scores=*/true);
    if (!csv.ok()) return Err(csv.error());
    NabSeries s;
    s.name = name;
    s.group = rel.parent_path().string();
    s.timestamps = std::move(csv->timestamps);
    s.scores = std::move(csv->scores);
    s.windows = wins;
    corpus.push_back(std::move(s));
  }
  return corpus;
}

std::string FormatNabReport(const std::vector<NabProfileScore>& scores) {
  if (scores.empty()) return "";
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %5s %7s", "group", "files", "windows");
  out << line;
  for (const auto& p : scores) {
    std::snprintf(line, sizeof line, " %20s", p.profile.name.c_str());
    out << line;
  }
  out << "\n";
  auto row = [&](size_t gi) {
    const NabGroupScore& g = gi < scores[0].groups.size() ? scores[0].groups[gi] : scores[0].total;
    std::snprintf(line, sizeof line, "%-24s %5zu %7zu", g.group.c_str(), g.files, g.windows);
    out << line;
    for (const auto& p : scores) {
      const NabGroupScore& h = gi < p.groups.size() ? p.groups[gi] : p.total;
      if (h.windows == 0) {
        // No windows: nothing to normalise by; the raw score is the false positives' cost.
        std::snprintf(line, sizeof line, " %20s", ("raw " + std::to_string(h.raw)).c_str());
      } else {
        std::snprintf(line, sizeof line, " %20.1f", h.normalized);
      }
      out << line;
    }
    out << "\n";
  };
  for (size_t gi = 0; gi < scores[0].groups.size(); ++gi) row(gi);
  row(scores[0].groups.size());
  std::snprintf(line, sizeof line, "%-38s", "threshold");
  out << line;
  for (const auto& p : scores) {
    std::snprintf(line, sizeof line, " %20.6g", p.threshold);
    out << line;
  }
  out << "\n";
  return out.str();
}

Result<BaselineDetectorConfig> ApplyConfigOverride(BaselineDetectorConfig c,
                                                   const std::string& kv) {
  auto eq = kv.find('=');
  if (eq == std::string::npos) return Err("want KEY=VALUE, got \"" + kv + "\"");
  std::string key = kv.substr(0, eq);
  char* end = nullptr;
  std::string text = kv.substr(eq + 1);
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') return Err("\"" + kv + "\": value is not a number");
  std::map<std::string, double*> doubles = {{"ewma_alpha", &c.ewma_alpha},
                                            {"season_alpha", &c.season_alpha},
                                            {"season_ratio", &c.season_ratio},
                                            {"q0", &c.spot.q0},
                                            {"risk", &c.spot.risk},
                                            {"forget", &c.spot.forget},
                                            {"hold", &c.hold},
                                            {"smooth", &c.smooth},
                                            {"decades", &c.decades},
                                            {"range_margin", &c.range_margin},
                                            {"discount", &c.discount}};
  if (auto it = doubles.find(key); it != doubles.end()) {
    *it->second = v;
  } else if (key == "warmup") {
    c.warmup = static_cast<uint32_t>(v);
  } else if (key == "window") {
    c.window = static_cast<size_t>(v);
  } else if (key == "season_s") {
    c.season_s = static_cast<int64_t>(v);
  } else if (key == "season_bins") {
    c.season_bins = static_cast<size_t>(v);
  } else if (key == "range_half_life") {
    c.range_half_life = static_cast<uint32_t>(v);
  } else if (key == "min_peaks") {
    c.spot.min_peaks = static_cast<uint32_t>(v);
  } else if (key == "season_min_peaks") {
    c.season_min_peaks = static_cast<uint32_t>(v);
  } else {
    return Err("unknown detector setting \"" + key + "\"");
  }
  return c;
}

}  // namespace edgewatch::baseline
