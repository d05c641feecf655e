// edgewatch nab: run a streaming baseline detector over NAB-format data (Numenta Anomaly
// Benchmark) and score NAB result files. See docs/baselines.md.
#include <cstdio>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "cmd/flags.h"
#include "detector/baseline/nab_corpus.h"
#include "detector/baseline/nab_runner.h"
#include "detector/baseline/nab_scorer.h"

namespace edgewatch::cmd {

namespace {

using baseline::NabProfileScore;

int Score(const std::string& results_dir, const std::string& labels_path,
          const std::string& detector, bool per_file) {
  auto windows = baseline::ReadNabLabels(labels_path);
  if (!windows.ok()) return Fail("nab", kExitUsage, windows.error());
  auto corpus = baseline::LoadNabResults(results_dir, *windows, detector);
  if (!corpus.ok()) return Fail("nab", kExitFailure, corpus.error());
  std::vector<NabProfileScore> scores;
  for (const auto& profile : baseline::NabProfiles()) {
    scores.push_back(baseline::ScoreCorpus(*corpus, profile));
  }
  std::printf("NAB v1.1 scores of %s (%zu files; normalized: null 0, perfect 100)\n",
              results_dir.c_str(), corpus->size());
  std::fputs(baseline::FormatNabReport(scores).c_str(), stdout);
  if (per_file) {
    // Each file's standard-profile raw score at the corpus threshold, and its detections.
    const auto& standard = scores[0];
    for (const auto& s : *corpus) {
      size_t detections = 0;
      for (double v : s.scores) detections += v >= standard.threshold;
      std::printf("  %-60s windows %zu detections %4zu raw %+.3f\n", s.name.c_str(),
                  s.windows.size(), detections,
                  baseline::RawScore(s, standard.profile, standard.threshold));
    }
  }
  return kExitOk;
}

int ScoreCommand(int argc, char** argv) {
  std::string results, labels, detector;
  bool per_file = false;
  Flags flags("nab score --results DIR --labels FILE",
              "Scores NAB result files (DIR/<group>/<detector>_<name>.csv, DIR = OUT/<detector>)\n"
              "against NAB's labels/combined_windows.json: per group and in total, for the\n"
              "standard, reward_low_FP_rate and reward_low_FN_rate profiles, each at the\n"
              "threshold that maximises its summed score.");
  flags.String("results", &results, "a detector's results directory (OUT/NAME)", "DIR");
  flags.String("labels", &labels, "NAB labels/combined_windows.json", "FILE");
  flags.String("detector", &detector, "the file-name prefix (default: DIR's last component)",
               "NAME");
  flags.Bool("per-file", &per_file, "also print each file's standard-profile raw score");
  if (auto code = flags.ParseOrExit(argc, argv, 3)) return *code;
  if (results.empty() || labels.empty()) {
    return Fail("nab score", kExitUsage, "--results DIR and --labels FILE are required");
  }
  return Score(results, labels, detector, per_file);
}

}  // namespace

int NabCommand(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[2]) == "score") return ScoreCommand(argc, argv);
  std::string data, out, detector = "edgewatch", labels, warmup = "probation";
  std::vector<std::string> sets;
  bool score = false, per_file = false;
  std::string names;
  for (const auto& n : baseline::StreamScorerNames()) names += (names.empty() ? "" : ", ") + n;
  Flags flags("nab --data DIR --out DIR [--detector NAME] [--score --labels FILE]",
              "Streams every DIR/<group>/<name>.csv (timestamp,value) through a streaming\n"
              "baseline detector, one record at a time, and writes NAB result files\n"
              "OUT/NAME/<group>/NAME_<name>.csv (timestamp,value,anomaly_score).\n"
              "'edgewatch nab score --help' scores result files on their own.");
  flags.String("data", &data, "NAB data directory (holds <group>/<name>.csv)", "DIR");
  flags.String("out", &out, "results directory", "DIR");
  flags.String("detector", &detector, "one of: " + names, "NAME");
  flags.Bool("score", &score, "score the results afterwards (needs --labels)");
  flags.Bool("per-file", &per_file, "with --score, also print each file's raw score");
  flags.String("labels", &labels,
               "NAB labels/combined_windows.json (default: DIR/../labels/combined_windows.json)",
               "FILE");
  flags.String("warmup", &warmup,
               "records scored 0 while learning: a number, or 'probation' (NAB's 15 % of each "
               "file, as NAB's harness tells its detectors)",
               "N|probation");
  flags.List("set", &sets, "override a detector setting (docs/baselines.md), e.g. hold=0.99",
             "KEY=VALUE");
  if (auto code = flags.ParseOrExit(argc, argv, 2)) return *code;
  if (data.empty() || out.empty()) {
    return Fail("nab", kExitUsage, "--data DIR and --out DIR are required (see --help)");
  }
  baseline::NabRunOptions options;
  options.data_dir = data;
  options.out_dir = out;
  options.detector = detector;
  for (const auto& kv : sets) {
    auto c = baseline::ApplyConfigOverride(options.config, kv);
    if (!c.ok()) return Fail("nab", kExitUsage, "--set " + c.error());
    options.config = *c;
  }
  if (warmup != "probation") {
    auto c = baseline::ApplyConfigOverride(options.config, "warmup=" + warmup);
    if (!c.ok()) return Fail("nab", kExitUsage, "--warmup wants a number or 'probation'");
    options.config = *c;
    options.warmup_is_probation = false;
  }
  auto stats = baseline::RunNab(options);
  if (!stats.ok()) return Fail("nab", kExitFailure, stats.error());
  std::fprintf(stderr,
               "edgewatch nab: %s: %zu files, %zu records, %.0f ns/record, %zu bytes of state\n",
               detector.c_str(), stats->files, stats->records,
               stats->records ? 1e9 * stats->seconds / stats->records : 0.0, stats->state_bytes);
  if (!score) return kExitOk;
  if (labels.empty()) labels = data + "/../labels/combined_windows.json";
  return Score(out + "/" + detector, labels, detector, per_file);
}

}  // namespace edgewatch::cmd
