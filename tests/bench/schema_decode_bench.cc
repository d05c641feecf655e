// Edge-window codec throughput (the sensor → detector hot path). Reports items/s = records/s
// and bytes/s. Run: schema_decode_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "schema/codec.h"

namespace edgewatch::schema {
namespace {

// A busy client edge: containerised workload, a few failures, evidence ids at the bound's scale.
EdgeWindow RealisticWindow(uint64_t seq) {
  EdgeWindow w;
  w.node = "ip-10-12-3-44.eu-central-1.compute.internal";
  w.seq = seq;
  w.window_start_ns = 1'795'342'500'000'000'000 + static_cast<int64_t>(seq) * 10'000'000'000;
  w.window_end_ns = w.window_start_ns + 10'000'000'000;
  w.edge.side = Side::kClient;
  w.edge.client = {"10.244.3.17", 0, "checkout-api",
                   "3f9a1c0e5b7d2468ace13579bdf02468ace13579bdf02468ace13579bdf0246a"};
  w.edge.server = {"10.96.14.201", 5432, "orders-postgres", ""};
  w.edge.protocol = "tcp";
  w.at(Counter::kConnects) = 1'842;
  w.at(Counter::kRefused) = 3;
  w.at(Counter::kTimeout) = 17;
  w.at(Counter::kReset) = 1;
  w.at(Counter::kSynRetransmits) = 96;
  w.at(Counter::kDataRetransmits) = 412;
  w.at(Counter::kResetsReceived) = 4;
  for (uint64_t us : {180u, 220u, 950u, 3'100u, 240u}) {
    w.connect_latency.Add(us);
  }
  for (int i = 0; i < 4; ++i) {
    w.evidence_ids.push_back("ip-10-12-3-44/1795342400000000000/" + std::to_string(90'210 + i));
  }
  w.evidence_dropped = 17;
  return w;
}

void BM_DecodeEdgeWindow(benchmark::State& state) {
  std::vector<std::string> wire;
  for (uint64_t i = 0; i < 64; ++i) {
    wire.push_back(Encode(RealisticWindow(1'000 + i)));
  }
  Decoder decoder;
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& json = wire[i++ % wire.size()];
    Result<EdgeWindow> w = decoder.DecodeEdgeWindow(json);
    if (!w.ok()) {
      state.SkipWithError(w.error().c_str());
      break;
    }
    benchmark::DoNotOptimize(w);
    bytes += static_cast<int64_t>(json.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
  state.counters["record_bytes"] = static_cast<double>(wire[0].size());
}
BENCHMARK(BM_DecodeEdgeWindow);

// Decode() first classifies the record by "schema", then decodes from the rewound document.
void BM_DecodeDispatch(benchmark::State& state) {
  const std::string json = Encode(RealisticWindow(1'000));
  Decoder decoder;
  for (auto _ : state) {
    Result<Record> r = decoder.Decode(json);
    if (!r.ok()) {
      state.SkipWithError(r.error().c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(json.size()));
}
BENCHMARK(BM_DecodeDispatch);

void BM_EncodeEdgeWindow(benchmark::State& state) {
  const EdgeWindow w = RealisticWindow(1'000);
  int64_t bytes = 0;
  for (auto _ : state) {
    std::string json = Encode(w);
    bytes += static_cast<int64_t>(json.size());
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_EncodeEdgeWindow);

}  // namespace
}  // namespace edgewatch::schema

BENCHMARK_MAIN();
