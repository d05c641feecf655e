// User-space cost of the sensor per kernel event, one core, no kernel involved: the ring-buffer
// records the probes write (bpf/include/abi/*.h) go through the stages Sensor wires together
// (sensor/sensor.cc), for each event type:
//
//   TCP   record → TcpEventDecoder → ContainerResolver → EdgeAggregator::Add (+ evidence named
//         from the identity map) → window close (edges named from the identity map, once per
//         edge and window, as Sensor::CloseWindow does)
//   HTTP  ew_http_event records (request and response chunks of keep-alive connections) →
//         DecodeHttpEvent → HttpDecoder (parsers, stitcher) → EdgeAggregator::AddHttp → close
//   DNS   ew_dns_event records (query and answer) → DecodeDnsEvent → DnsDecoder →
//         EdgeAggregator::AddDns → close
//
// Left out: the sink (JSON encoding, Kafka: see schema_decode_bench and kafka_detector_bench),
// libbpf's ring-buffer walk, and the conntrack poll at window close (one /proc read per
// window, not per event). Event times advance so that a window closes every
// kEventsPerWindow events (~0.5 s of events at 2 M/s).
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sensor/container_resolver.h"
#include "sensor/dns_abi.h"
#include "sensor/dns_decoder.h"
#include "sensor/dns_source.h"
#include "sensor/edge_aggregator.h"
#include "sensor/edge_identity.h"
#include "sensor/http_abi.h"
#include "sensor/http_decoder.h"
#include "sensor/http_source.h"
#include "sensor/identity_map.h"
#include "sensor/tcp_event_decoder.h"
#include "sensor/tcp_lifecycle_abi.h"

namespace {

using edgewatch::sensor::AggregatorConfig;
using edgewatch::sensor::ContainerResolver;
using edgewatch::sensor::DnsDecoder;
using edgewatch::sensor::DnsOutcome;
using edgewatch::sensor::DnsPacket;
using edgewatch::sensor::EdgeAggregator;
using edgewatch::sensor::EphemeralPortRange;
using edgewatch::sensor::HttpChunk;
using edgewatch::sensor::HttpDecoder;
using edgewatch::sensor::HttpOutcome;
using edgewatch::sensor::IdentityMap;
using edgewatch::sensor::TcpEventDecoder;
using edgewatch::sensor::UnknownPeers;

constexpr int64_t kWindowNs = 1'000'000'000;
constexpr size_t kEventsPerWindow = size_t{1} << 20;

// Event i of a run: its window and its CLOCK_MONOTONIC time in it (the decoders' clock
// offset is 0 here, so this is also its unix time).
uint64_t EventTime(size_t i) {
  return (i / kEventsPerWindow + 1) * kWindowNs + (i % kEventsPerWindow) * 500;
}
bool OpensWindow(size_t i) { return i > 0 && i % kEventsPerWindow == 0; }
int64_t WindowStartOf(size_t i) {
  return static_cast<int64_t>(i / kEventsPerWindow + 1) * kWindowNs;
}

// An identity file of 64 services: endpoints for some servers, a process, CIDRs.
IdentityMap BenchIdentity() {
  std::string yaml = "services:\n";
  for (int s = 0; s < 60; ++s) {
    yaml += "  - name: svc-" + std::to_string(s) + "\n    business_system: bs-" +
            std::to_string(s % 7) + "\n    tags: {owner: team-" + std::to_string(s % 5) +
            ", tier: \"" + std::to_string(s % 3) + "\"}\n    match:\n      endpoints: [";
    for (int p = 0; p < 4; ++p) {
      yaml += std::string(p ? ", " : "") + "\"10.2.0.9:" + std::to_string(8000 + s * 4 + p) + "\"";
    }
    yaml += "]\n";
  }
  yaml +=
      "  - name: payments\n    business_system: pay\n    match:\n      processes: [payments-api]\n"
      "  - name: dc-a\n    business_system: infra\n    match:\n      cidrs: [10.2.0.0/16]\n"
      "  - name: dc-b\n    business_system: infra\n    match:\n      cidrs: [10.1.0.0/16]\n"
      "  - name: dns\n    business_system: infra\n    match:\n      endpoints: "
      "[\"10.0.0.53:53\"]\n";
  auto map = IdentityMap::Parse(yaml, "bench-identity.yaml");
  if (!map.ok()) {
    std::fprintf(stderr, "bench identity file: %s\n", map.error().c_str());
    std::abort();
  }
  return std::move(map).value();
}

// The cgroup v2 id (inode) of this process's own cgroup: a host process, as most events are
// on a node without containers. 0 when there is no cgroup v2.
uint64_t OwnCgroupId() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    struct stat st {};
    std::string path = ContainerResolver::FindCgroup2Root() + line.substr(3);
    if (::stat(path.c_str(), &st) == 0) return st.st_ino;
  }
  return 0;
}

// A fake cgroup tree with `n` containers (cri-containerd-<64 hex>.scope): the resolver scans it
// as it scans /sys/fs/cgroup, and the events carry their directories' inodes.
class FakeCgroupTree {
 public:
  explicit FakeCgroupTree(int n) {
    char tmpl[] = "/tmp/ew-bench-cgroup-XXXXXX";
    root_ = mkdtemp(tmpl);
    for (int i = 0; i < n; ++i) {
      char hex[65];
      std::snprintf(hex, sizeof hex, "%064x", i + 1);
      auto dir = std::filesystem::path(root_) / "kubepods.slice" /
                 ("cri-containerd-" + std::string(hex) + ".scope");
      std::filesystem::create_directories(dir);
      struct stat st {};
      ::stat(dir.c_str(), &st);
      ids_.push_back(st.st_ino);
    }
  }
  ~FakeCgroupTree() { std::filesystem::remove_all(root_); }
  const std::string& root() const { return root_; }
  uint64_t id(size_t i) const { return ids_[i % ids_.size()]; }

 private:
  std::string root_;
  std::vector<uint64_t> ids_;
};

// The sensor's stages after the decoders, as Sensor wires them (sensor/sensor.cc).
struct Stages {
  explicit Stages(std::string cgroup_root = "")
      : containers(std::move(cgroup_root)), aggregator(Config()), identity(BenchIdentity()) {}
  static AggregatorConfig Config() {
    AggregatorConfig cfg;
    cfg.node = "bench-node";
    cfg.window_ns = kWindowNs;
    return cfg;
  }
  // Sensor::PublishEvidence without the sink.
  void PublishEvidence(bool emitted) {
    if (!emitted) return;
    MapEdgeIdentity(identity, evidence.edge, nullptr);
    ++evidence_published;
    benchmark::DoNotOptimize(evidence);
  }
  // Sensor::CloseWindow without conntrack and the sink.
  void CloseWindow(int64_t end_ns) {
    std::vector<edgewatch::schema::EdgeWindow> edges = aggregator.CloseWindow(end_ns);
    unknown.Reset();
    for (auto& w : edges) MapEdgeIdentity(identity, w.edge, &unknown);
    windows_published += edges.size();
    benchmark::DoNotOptimize(edges.data());
  }
  void Report(benchmark::State& state) const {
    state.counters["windows"] = static_cast<double>(windows_published);
    state.counters["evidence"] = static_cast<double>(evidence_published);
  }

  ContainerResolver containers;
  EdgeAggregator aggregator;
  IdentityMap identity;
  UnknownPeers unknown;
  edgewatch::schema::EvidenceEvent evidence;
  size_t windows_published = 0;
  size_t evidence_published = 0;
};

// ---- TCP -------------------------------------------------------------------------------------

std::vector<ew_tcp_event> MakeTcpEvents(int edges, int failure_every,
                                        const FakeCgroupTree* containers, uint64_t host_cgroup) {
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
    r.cgroup_id = containers ? containers->id(static_cast<size_t>(i)) : host_cgroup;
    inet_pton(AF_INET, "10.1.0.2", r.saddr);
    inet_pton(AF_INET, "10.2.0.9", r.daddr);
    std::strcpy(r.comm, "payments-api");
    out.push_back(r);
  }
  return out;
}

// The first figure of this file (decode + aggregate only), kept to compare with older runs.
void BM_DecodeAndAggregate(benchmark::State& state) {
  auto events =
      MakeTcpEvents(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), nullptr, 0);
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

// The whole TCP path: Sensor::OnRawEvent per event, Sensor::CloseWindow per window.
void BM_TcpPipeline(benchmark::State& state) {
  const int edges = static_cast<int>(state.range(0));
  const int failure_every = static_cast<int>(state.range(1));
  const bool in_containers = state.range(2) != 0;
  std::unique_ptr<FakeCgroupTree> tree;
  if (in_containers) tree = std::make_unique<FakeCgroupTree>(8);
  auto events = MakeTcpEvents(edges, failure_every, tree.get(), OwnCgroupId());
  Stages s(tree ? tree->root() : "");
  TcpEventDecoder decoder(EphemeralPortRange{}, 0);
  s.aggregator.set_window_start(WindowStartOf(0));
  size_t n = 0;
  for (auto _ : state) {
    if (OpensWindow(n)) s.CloseWindow(WindowStartOf(n));
    ew_tcp_event& raw = events[n & 4095];
    raw.ts_ns = EventTime(n);
    ++n;
    std::optional<edgewatch::sensor::TcpEvent> e = decoder.Decode(&raw, sizeof raw);
    e->container_id = s.containers.Resolve(e->cgroup_id, e->pid);
    s.PublishEvidence(s.aggregator.Add(*e, &s.evidence));
  }
  s.Report(state);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
// (edges, one failure every N events (0 = none), containers (0: host processes, pid → /proc
// answers cached; 1: 8 containers found by a cgroup scan))
BENCHMARK(BM_TcpPipeline)
    ->ArgNames({"edges", "fail_every", "containers"})
    ->Args({16, 0, 0})
    ->Args({1000, 0, 0})
    ->Args({10000, 0, 0})
    ->Args({16, 100, 0})
    ->Args({1000, 0, 1});

// ---- HTTP ------------------------------------------------------------------------------------

std::vector<char> HttpRecord(uint64_t conn_id, uint16_t sport, uint16_t dport, uint8_t direction,
                             uint8_t syscall, const std::string& bytes) {
  std::vector<char> rec(EW_HTTP_HEADER_LEN + bytes.size());
  ew_http_event e{};
  e.conn_id = conn_id;
  e.cgroup_id = 0;
  e.pid = 4242;
  e.netns = 4026531840u;
  e.real_len = static_cast<uint32_t>(bytes.size());
  e.captured_len = static_cast<uint16_t>(bytes.size());
  e.family = AF_INET;
  e.sport = sport;
  e.dport = dport;
  e.kind = EW_HTTP_DATA;
  e.direction = direction;
  e.syscall = syscall;
  inet_pton(AF_INET, "10.2.0.9", e.saddr);
  inet_pton(AF_INET, "10.1.0.2", e.daddr);
  std::strcpy(e.comm, "nginx");
  std::memcpy(rec.data(), &e, EW_HTTP_HEADER_LEN);
  std::memcpy(rec.data() + EW_HTTP_HEADER_LEN, bytes.data(), bytes.size());
  return rec;
}

// One exchange per iteration on one of `conns` keep-alive connections, as an nginx server sees
// it: the request it reads (recvfrom), the response it writes (writev); one in `error_every`
// answered 503 (evidence). Items: exchanges (two chunks each).
void BM_HttpPipeline(benchmark::State& state) {
  const int conns = static_cast<int>(state.range(0));
  const int error_every = static_cast<int>(state.range(1));
  const bool traceparent = state.range(2) != 0;
  std::string req =
      "GET /api/v1/orders/12345/items?page=2 HTTP/1.1\r\nHost: orders.shop.svc:8080\r\n"
      "User-Agent: bench/1.0\r\nAccept: application/json\r\n";
  if (traceparent) {
    req +=
        "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
        "X-Request-ID: 7b5e1c1e-2f0a-4a39-9f3c-1a2b3c4d5e6f\r\n";
  }
  req += "\r\n";
  const std::string ok =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\n"
      "Content-Type: application/json\r\nContent-Length: 17\r\nConnection: keep-alive\r\n\r\n"
      "{\"items\":[1,2,3]}";
  const std::string unavailable =
      "HTTP/1.1 503 Service Unavailable\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n"
      "Connection: keep-alive\r\n\r\n";
  std::vector<std::vector<char>> reqs, oks, errs;
  for (int c = 0; c < conns; ++c) {
    const uint64_t id = 0xffff888000000000ull + static_cast<uint64_t>(c) * 4096;
    const uint16_t sport = 8080, dport = static_cast<uint16_t>(40000 + c);
    reqs.push_back(HttpRecord(id, sport, dport, EW_HTTP_RECV, EW_HTTP_SYS_RECVFROM, req));
    oks.push_back(HttpRecord(id, sport, dport, EW_HTTP_SEND, EW_HTTP_SYS_WRITEV, ok));
    errs.push_back(HttpRecord(id, sport, dport, EW_HTTP_SEND, EW_HTTP_SYS_WRITEV, unavailable));
  }
  Stages s;
  HttpDecoder decoder(
      edgewatch::sensor::HttpDecoderConfig{},
      [&s](const HttpOutcome& o) { s.PublishEvidence(s.aggregator.AddHttp(o, &s.evidence)); },
      [&s](uint64_t cgroup_id, uint32_t pid) { return s.containers.Resolve(cgroup_id, pid); });
  s.aggregator.set_window_start(WindowStartOf(0));
  HttpChunk chunk;
  size_t n = 0;
  auto feed = [&](std::vector<char>& rec, uint64_t ts) {
    ew_http_event* e = reinterpret_cast<ew_http_event*>(rec.data());
    e->ts_ns = ts;
    if (!edgewatch::sensor::DecodeHttpEvent(rec.data(), rec.size(), chunk)) std::abort();
    decoder.OnChunk(chunk, 0);
  };
  for (auto _ : state) {
    if (OpensWindow(n)) s.CloseWindow(WindowStartOf(n));
    const size_t c = n % static_cast<size_t>(conns);
    const uint64_t t = EventTime(n);
    const bool error = error_every > 0 && n % static_cast<size_t>(error_every) == 0;
    ++n;
    feed(reqs[c], t);
    feed(error ? errs[c] : oks[c], t + 200);
  }
  s.Report(state);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["chunks/s"] = benchmark::Counter(2.0 * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}
// (keep-alive connections, one 503 every N exchanges (0 = none), traceparent + X-Request-ID)
BENCHMARK(BM_HttpPipeline)
    ->ArgNames({"conns", "err_every", "trace"})
    ->Args({16, 0, 0})
    ->Args({1000, 0, 0})
    ->Args({1000, 0, 1})
    ->Args({1000, 100, 0});

// ---- DNS -------------------------------------------------------------------------------------

std::vector<uint8_t> DnsMessage(uint16_t id, bool response, uint8_t rcode) {
  std::vector<uint8_t> m = {static_cast<uint8_t>(id >> 8),
                            static_cast<uint8_t>(id),
                            static_cast<uint8_t>(response ? 0x81 : 0x01),
                            static_cast<uint8_t>(response ? (0x80 | rcode) : 0x00),
                            0,
                            1,
                            0,
                            static_cast<uint8_t>(response && rcode == 0 ? 1 : 0),
                            0,
                            0,
                            0,
                            0};
  for (const char* label : {"orders", "shop", "svc", "cluster", "local"}) {
    m.push_back(static_cast<uint8_t>(std::strlen(label)));
    m.insert(m.end(), label, label + std::strlen(label));
  }
  m.insert(m.end(), {0, 0, 1, 0, 1});  // A IN
  if (response && rcode == 0) {
    // answer: pointer to the name, A IN, ttl 30, 4 bytes
    m.insert(m.end(), {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 2, 0, 9});
  }
  return m;
}

ew_dns_event DnsRecord(bool egress, uint16_t client_port, const std::vector<uint8_t>& msg) {
  ew_dns_event e{};
  e.sock_cookie = 77;
  e.cgroup_id = 0;
  e.pid = egress ? 5151 : 0;
  e.family = AF_INET;
  e.direction = egress ? EW_DNS_EGRESS : EW_DNS_INGRESS;
  e.protocol = IPPROTO_UDP;
  inet_pton(AF_INET, egress ? "10.1.0.2" : "10.0.0.53", e.saddr);
  inet_pton(AF_INET, egress ? "10.0.0.53" : "10.1.0.2", e.daddr);
  e.sport = egress ? client_port : 53;
  e.dport = egress ? 53 : client_port;
  e.payload_len = static_cast<uint16_t>(msg.size());
  e.captured_len = static_cast<uint16_t>(msg.size());
  std::strcpy(e.comm, egress ? "payments-api" : "");
  std::memcpy(e.payload, msg.data(), msg.size());
  return e;
}

// One transaction per iteration: the query a client sends and its answer (cgroup_skb egress and
// ingress records); one in `nxdomain_every` is NXDOMAIN (evidence). Items: transactions.
void BM_DnsPipeline(benchmark::State& state) {
  const int nxdomain_every = static_cast<int>(state.range(0));
  ew_dns_event query = DnsRecord(true, 40000, DnsMessage(0, false, 0));
  ew_dns_event answer = DnsRecord(false, 40000, DnsMessage(0, true, 0));
  ew_dns_event nxdomain = DnsRecord(false, 40000, DnsMessage(0, true, 3));
  Stages s;
  DnsDecoder decoder(
      edgewatch::sensor::DnsTransactionTableConfig{.timeout_ns = 2'000'000'000},
      [&s](const DnsOutcome& o) { s.PublishEvidence(s.aggregator.AddDns(o, &s.evidence)); },
      [&s](uint64_t cgroup_id, uint32_t pid) { return s.containers.Resolve(cgroup_id, pid); });
  s.aggregator.set_window_start(WindowStartOf(0));
  DnsPacket packet;
  size_t n = 0;
  auto feed = [&](ew_dns_event& rec, uint16_t id, uint16_t port, uint64_t ts) {
    rec.ts_ns = ts;
    rec.payload[0] = static_cast<uint8_t>(id >> 8);
    rec.payload[1] = static_cast<uint8_t>(id);
    (rec.direction == EW_DNS_EGRESS ? rec.sport : rec.dport) = port;
    if (!edgewatch::sensor::DecodeDnsEvent(&rec, sizeof rec, packet)) std::abort();
    decoder.OnPacket(packet, 0);
  };
  for (auto _ : state) {
    if (OpensWindow(n)) {
      decoder.Expire(WindowStartOf(n));  // Sensor::Run expires every poll; nothing is pending
      s.CloseWindow(WindowStartOf(n));
    }
    const uint64_t t = EventTime(n);
    const auto id = static_cast<uint16_t>(n * 7919);
    const auto port = static_cast<uint16_t>(32768 + n % 28000);
    const bool nx = nxdomain_every > 0 && n % static_cast<size_t>(nxdomain_every) == 0;
    ++n;
    feed(query, id, port, t);
    feed(nx ? nxdomain : answer, id, port, t + 300'000);
  }
  s.Report(state);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
// (one NXDOMAIN every N transactions; 0 = none)
BENCHMARK(BM_DnsPipeline)->ArgNames({"nx_every"})->Arg(0)->Arg(100);

}  // namespace

BENCHMARK_MAIN();
