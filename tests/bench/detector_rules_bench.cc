// Per-record cost of the detector: one edge window in, every rule that selects the edge
// evaluated (thresholds, learned baselines, or the shipped example rules), for E edges in
// turn; and what an edge costs in memory and in the state file.
//
//   detector_rules_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// Counters: rules (loaded), heap_bytes_per_edge (heap the detector grew by while it created the
// edges and their state, divided by E), state_bytes_per_edge (snapshot bytes of
// the learned state, docs/baselines.md "Restarts"). Figures and the command: BENCHMARKS.md
// ("Detector").
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <string>
#include <vector>

#include "detector/detector.h"
#include "rules/loader.h"

namespace {

using namespace edgewatch;

constexpr int64_t kS = 1'000'000'000;

constexpr const char* kThresholds = R"(business_system: bench
rules:
  - {name: Refused, signal: refused, comparison: ">", threshold: 0, severity: critical}
  - {name: Timeouts, signal: timeout, comparison: ">", threshold: 0, severity: critical}
  - {name: SynRetx, signal: syn_retransmits, comparison: ">", threshold: 5, for: 10s, severity: warning}
  - {name: Errors5xx, signal: http_error_ratio, comparison: ">", threshold: 0.05, for: 30s, severity: warning}
  - {name: SlowP99, signal: http_latency_p99_us, comparison: ">", threshold: 500000, for: 1m, severity: warning}
  - {name: DnsErrors, signal: dns_errors, comparison: ">", threshold: 0, severity: warning}
)";

constexpr const char* kBaselines = R"(business_system: bench
rules:
  - name: RequestsUnusual
    signal: http_requests
    baseline: {method: edgewatch, sensitivity: 0.5, min_history: 2m}
    severity: warning
  - name: LatencyUnusual
    signal: http_latency_p99_us
    baseline: {method: edgewatch, sensitivity: 0.5, min_history: 2m, direction: up}
    severity: warning
  - name: ErrorRatioUnusual
    signal: http_error_ratio
    baseline: {method: edgewatch, sensitivity: 0.5, min_history: 2m, direction: up}
    severity: warning
  - name: ConnectsUnusual
    signal: connects
    baseline: {method: edgewatch, sensitivity: 0.5, min_history: 2m}
    severity: info
)";

rules::RuleSet Load(const std::string& which) {
  if (which == "examples") {
    auto set = rules::LoadRules(std::string(EDGEWATCH_SOURCE_DIR) + "/rules/examples");
    if (!set) throw std::runtime_error(set.error());
    return *set;
  }
  auto set = rules::ParseRuleFile(which == "thresholds" ? kThresholds : kBaselines, "bench.yaml");
  if (!set) throw std::runtime_error(set.error());
  return *set;
}

// A client edge of a payments-like service with HTTP traffic; values vary with (edge, t) so the
// baselines have noise to learn.
schema::EdgeWindow Window(size_t edge, int64_t t) {
  schema::EdgeWindow w;
  w.node = "node-" + std::to_string(edge % 8);
  w.window_start_ns = t * kS;
  w.window_end_ns = (t + 1) * kS;
  w.edge.side = schema::Side::kClient;
  w.edge.client.workload = "checkout";
  w.edge.client.ip = "10.1." + std::to_string(edge / 250) + "." + std::to_string(edge % 250);
  w.edge.server.ip = "10.2.0.5";
  w.edge.server.port = static_cast<uint16_t>(8000 + edge % 1000);
  w.edge.server.service = "payments-api";
  const uint64_t h = (static_cast<uint64_t>(edge) * 2654435761U) ^ static_cast<uint64_t>(t * 40503);
  w.at(schema::Counter::kConnects) = 5 + h % 4;
  schema::HttpCounts http;
  http.requests = 40 + h % 9;
  http.at(schema::HttpStatusClass::k2xx) = http.requests - h % 2;
  http.at(schema::HttpStatusClass::k5xx) = h % 2;
  for (uint64_t i = 0; i < 8; ++i) http.latency.Add(2000 + (h >> i) % 3000);
  w.http = http;
  return w;
}

// Heap bytes in use (glibc): what the detector allocates, whatever earlier runs freed.
int64_t HeapBytes() { return static_cast<int64_t>(mallinfo2().uordblks); }

// `root_causes`: with the root-cause stage on (as `edgewatch run` has it), which also sees every
// window.
void BM_DetectorWindow(benchmark::State& state, const char* which, bool root_causes) {
  const size_t edges = static_cast<size_t>(state.range(0));
  rules::RuleSet set = Load(which);
  detector::Detector d(std::move(set), detector::DetectorConfig{.max_edges = edges + 1},
                       [](const schema::Alert&) {});
  if (root_causes) d.EnableRootCauseAlerts({});
  // Windows of every edge, built once: the benchmark times the detector, not the fixture.
  std::vector<schema::EdgeWindow> ws;
  ws.reserve(edges);
  for (size_t e = 0; e < edges; ++e) ws.push_back(Window(e, 0));
  const int64_t heap0 = HeapBytes();
  int64_t t = 0;
  // Over three minutes per edge first, so baselines are past their warm-up (2m) with their
  // state grown.
  for (; t < 200; ++t) {
    for (size_t e = 0; e < edges; ++e) {
      ws[e].window_start_ns = t * kS;
      ws[e].window_end_ns = (t + 1) * kS;
      d.OnWindow(ws[e]);
    }
  }
  const int64_t heap1 = HeapBytes();
  size_t e = 0;
  for (auto _ : state) {
    ws[e].window_start_ns = t * kS;
    ws[e].window_end_ns = (t + 1) * kS;
    d.OnWindow(ws[e]);
    if (++e == edges) {
      e = 0;
      ++t;
    }
  }
  state.SetItemsProcessed(state.iterations());
  std::vector<StatSample> stats;
  d.CollectStats(stats);
  state.counters["edges"] = static_cast<double>(d.edges());
  state.counters["rules"] = static_cast<double>(d.rules());
  state.counters["heap_bytes_per_edge"] =
      static_cast<double>(heap1 - heap0) / static_cast<double>(edges);
  const detector::StateSnapshot snap = d.SaveStates(t * kS);
  state.counters["state_bytes_per_edge"] =
      static_cast<double>(snap.Encode().size()) / static_cast<double>(edges);
}

// One run per repetition (the set-up is most of the time): 200 k windows timed.
void Sizes(benchmark::internal::Benchmark* b) { b->Arg(1000)->Arg(10000)->Iterations(200000); }
BENCHMARK_CAPTURE(BM_DetectorWindow, thresholds, "thresholds", false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_DetectorWindow, baselines, "baselines", false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_DetectorWindow, examples, "examples", false)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_DetectorWindow, thresholds_root_causes, "thresholds", true)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_DetectorWindow, examples_root_causes, "examples", true)->Apply(Sizes);

}  // namespace

BENCHMARK_MAIN();
