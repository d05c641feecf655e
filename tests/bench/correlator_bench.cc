// Cost of one root-cause localization (detector/correlator.h) over a correlation window: E edges
// (nodes × clients × servers, healthy background) with one endpoint down across all its clients
// plus `scattered` unrelated failing edges, each a cause of its own.
//
//   correlator_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// Figures and the command: BENCHMARKS.md ("Correlator").
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "detector/correlator.h"

namespace {

using namespace edgewatch::detector;

std::vector<EdgeObservation> Window(int nodes, int clients, int servers, int scattered) {
  std::vector<EdgeObservation> v;
  v.reserve(static_cast<size_t>(nodes) * static_cast<size_t>(clients) *
            static_cast<size_t>(servers));
  for (int n = 0; n < nodes; ++n) {
    for (int c = 0; c < clients; ++c) {
      for (int s = 0; s < servers; ++s) {
        EdgeObservation e;
        e.id = std::to_string(n) + "/" + std::to_string(c) + "/" + std::to_string(s);
        e.at(Attr::kNode) = "node-" + std::to_string(n);
        e.at(Attr::kClientWorkload) = "app-" + std::to_string(c);
        e.at(Attr::kServerEndpoint) =
            "10.2." + std::to_string(s / 250) + "." + std::to_string(s % 250) + ":8080";
        e.at(Attr::kServerService) = "svc-" + std::to_string(s);
        e.at(Attr::kBusinessSystem) = "sys-" + std::to_string(c % 7);
        if (s == 0) e.symptoms = Bit(Symptom::kRefused);  // endpoint 0 is down
        v.push_back(std::move(e));
      }
    }
  }
  for (int i = 0; i < scattered; ++i) {
    v[static_cast<size_t>(7919 * (i + 1)) % v.size()].symptoms |= Bit(Symptom::kTimeout);
  }
  return v;
}

void BM_Localize(benchmark::State& state) {
  const auto edges =
      Window(static_cast<int>(state.range(0)), 20, 50, static_cast<int>(state.range(1)));
  size_t causes = 0;
  for (auto _ : state) {
    auto out = Localize(edges, {});
    causes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["edges"] = static_cast<double>(edges.size());
  state.counters["causes"] = static_cast<double>(causes);
}

// nodes × 20 clients × 50 servers edges; scattered failures.
BENCHMARK(BM_Localize)
    ->Args({1, 0})
    ->Args({1, 5})
    ->Args({10, 0})
    ->Args({10, 5})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
