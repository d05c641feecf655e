// Per-record cost of the streaming baselines of detector/baseline/ on one signal (a noisy daily
// series with spikes, 5-minute records), and the state each keeps per signal.
//
//   baseline_detector_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// Figures and the command that produced them: BENCHMARKS.md ("NAB").
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "detector/baseline/stream_detector.h"

using namespace edgewatch::baseline;

namespace {

std::vector<double> Series(size_t n) {
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0, 3);
  std::vector<double> xs(n);
  for (size_t i = 0; i < n; ++i) {
    xs[i] = 100 + 40 * std::sin(2 * 3.14159265 * static_cast<double>(i) / 288) + noise(rng);
    if (i % 997 == 0) xs[i] += 80;
  }
  return xs;
}

void BM_Scorer(benchmark::State& state, const char* name) {
  const auto xs = Series(1 << 16);
  BaselineDetectorConfig config;
  config.warmup = 100;
  auto scorer = MakeStreamScorer(name, config);
  size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    sink += scorer->Score(static_cast<int64_t>(i) * 300, xs[i & (xs.size() - 1)]);
    ++i;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
  state.counters["state_bytes"] = static_cast<double>(scorer->StateBytes());
}

}  // namespace

BENCHMARK_CAPTURE(BM_Scorer, edgewatch, "edgewatch");
BENCHMARK_CAPTURE(BM_Scorer, ewma, "ewma");
BENCHMARK_CAPTURE(BM_Scorer, median_mad, "median_mad");
BENCHMARK_CAPTURE(BM_Scorer, seasonal, "seasonal");
BENCHMARK_CAPTURE(BM_Scorer, spot, "spot");

BENCHMARK_MAIN();
