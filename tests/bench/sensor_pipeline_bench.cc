// User-space cost of the sensor per kernel event: decode the ring-buffer record, aggregate into
// the edge window (plus evidence for failures), and close windows. No kernel involved.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

#include "sensor/edge_aggregator.h"
#include "sensor/tcp_event_decoder.h"
#include "sensor/tcp_lifecycle_abi.h"

namespace {

using edgewatch::sensor::AggregatorConfig;
using edgewatch::sensor::EdgeAggregator;
using edgewatch::sensor::EphemeralPortRange;
using edgewatch::sensor::TcpEventDecoder;

std::vector<ew_tcp_event> MakeEvents(int edges, int failure_every) {
  std::vector<ew_tcp_event> out;
  for (int i = 0; i < 4096; ++i) {
    ew_tcp_event r{};
    r.ts_ns = 1'000'000 + i;
    r.start_ns = 1'000'000;
    r.kind =
        (failure_every > 0 && i % failure_every == 0) ? EW_TCP_CONNECT_FAILED : EW_TCP_CONNECTED;
    r.sk_err = r.kind == EW_TCP_CONNECT_FAILED ? 111 : 0;
    r.role = EW_ROLE_CLIENT;
    r.family = AF_INET;
    r.sport = static_cast<uint16_t>(40000 + i % 20000);
    r.dport = static_cast<uint16_t>(8000 + i % edges);
    r.pid = 1000 + i % 7;
    inet_pton(AF_INET, "10.1.0.2", r.saddr);
    inet_pton(AF_INET, "10.2.0.9", r.daddr);
    std::strcpy(r.comm, "payments-api");
    out.push_back(r);
  }
  return out;
}

void BM_DecodeAndAggregate(benchmark::State& state) {
  auto events = MakeEvents(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  TcpEventDecoder decoder(EphemeralPortRange{}, 0);
  AggregatorConfig cfg;
  cfg.node = "bench";
  EdgeAggregator agg(cfg);
  edgewatch::schema::EvidenceEvent ev;
  size_t n = 0;
  for (auto _ : state) {
    const auto& raw = events[n++ & 4095];
    auto e = decoder.Decode(&raw, sizeof raw);
    benchmark::DoNotOptimize(agg.Add(*e, &ev));
    if ((n & 0xffff) == 0) benchmark::DoNotOptimize(agg.CloseWindow(static_cast<int64_t>(n)));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
// (edges, one failure every N events; 0 = none)
BENCHMARK(BM_DecodeAndAggregate)->Args({16, 0})->Args({1000, 0})->Args({16, 100});

}  // namespace

BENCHMARK_MAIN();
