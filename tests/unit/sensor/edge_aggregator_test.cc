#include "sensor/edge_aggregator.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace edgewatch::sensor {
namespace {

using schema::Counter;
using C = schema::Counter;

TcpEvent ClientEvent(TcpEventKind kind, int32_t sk_err = 0) {
  TcpEvent e;
  e.kind = kind;
  e.role = Role::kClient;
  e.time_ns = 1'000'500'000;
  e.start_ns = 1'000'000'000;
  e.local_ip = "10.0.0.2";
  e.local_port = 40001;
  e.remote_ip = "10.0.0.1";
  e.remote_port = 8080;
  e.pid = 42;
  e.comm = "curl";
  e.sk_err = sk_err;
  e.old_state = 2;  // SYN_SENT
  return e;
}

AggregatorConfig Config() {
  AggregatorConfig c;
  c.node = "n1";
  c.max_edges = 3;
  c.max_evidence_per_edge = 2;
  c.run_id = 7;
  return c;
}

TEST(EdgeAggregator, ClientEdgeCollapsesEphemeralPort) {
  TcpEvent a = ClientEvent(TcpEventKind::kConnected);
  TcpEvent b = a;
  b.local_port = 50000;
  EXPECT_EQ(EdgeAggregator::EdgeOf(a).Key(), EdgeAggregator::EdgeOf(b).Key());
  schema::Edge e = EdgeAggregator::EdgeOf(a);
  EXPECT_EQ(e.side, schema::Side::kClient);
  EXPECT_EQ(e.client.workload, "curl");
  EXPECT_EQ(e.client.port, 0);
  EXPECT_EQ(e.server.ip, "10.0.0.1");
  EXPECT_EQ(e.server.port, 8080);
}

TEST(EdgeAggregator, KeyOfMatchesTheEdgeKey) {
  std::string key;
  for (Role role : {Role::kClient, Role::kServer}) {
    for (const char* remote : {"10.0.0.1", "fd00::1"}) {
      TcpEvent e = ClientEvent(TcpEventKind::kConnected);
      e.role = role;
      e.remote_ip = remote;
      e.container_id = "abc";
      EdgeAggregator::KeyOf(e, key);
      EXPECT_EQ(key, EdgeAggregator::EdgeOf(e).Key());
    }
  }
}

TEST(EdgeAggregator, ServerEdgeUsesLocalAddressAndRemoteClient) {
  TcpEvent a = ClientEvent(TcpEventKind::kAccepted);
  a.role = Role::kServer;
  a.local_ip = "10.0.0.1";
  a.local_port = 8080;
  a.remote_ip = "10.0.0.9";
  a.remote_port = 51000;
  a.comm = "nginx";
  schema::Edge e = EdgeAggregator::EdgeOf(a);
  EXPECT_EQ(e.side, schema::Side::kServer);
  EXPECT_EQ(e.client.ip, "10.0.0.9");
  EXPECT_EQ(e.client.workload, "");
  EXPECT_EQ(e.server.ip, "10.0.0.1");
  EXPECT_EQ(e.server.port, 8080);
  EXPECT_EQ(e.server.workload, "nginx");
}

TEST(EdgeAggregator, CountsCausesAndLatency) {
  EdgeAggregator agg(Config());
  agg.set_window_start(1'000'000'000);
  schema::EvidenceEvent ev;
  EXPECT_FALSE(agg.Add(ClientEvent(TcpEventKind::kConnected), &ev));
  EXPECT_TRUE(agg.Add(ClientEvent(TcpEventKind::kConnectFailed, ECONNREFUSED), &ev));
  EXPECT_EQ(ev.cause, "refused");
  EXPECT_EQ(ev.id, "n1/7/1");
  EXPECT_EQ(ev.duration_us, 500u);
  EXPECT_EQ(ev.old_state, "SYN_SENT");
  EXPECT_TRUE(agg.Add(ClientEvent(TcpEventKind::kConnectFailed, ETIMEDOUT), &ev));
  EXPECT_EQ(ev.cause, "timeout");
  // Third failure is past the evidence bound (2): counted, no evidence.
  EXPECT_FALSE(agg.Add(ClientEvent(TcpEventKind::kConnectFailed, EHOSTUNREACH), &ev));
  TcpEvent retrans = ClientEvent(TcpEventKind::kRetransmit);
  agg.Add(retrans, &ev);
  retrans.old_state = 1;  // ESTABLISHED
  agg.Add(retrans, &ev);
  agg.Add(retrans, &ev);

  auto windows = agg.CloseWindow(2'000'000'000);
  ASSERT_EQ(windows.size(), 1u);
  const auto& w = windows[0];
  EXPECT_EQ(w.window_start_ns, 1'000'000'000);
  EXPECT_EQ(w.window_end_ns, 2'000'000'000);
  EXPECT_EQ(w.node, "n1");
  EXPECT_EQ(w.seq, 1u);
  EXPECT_EQ(w.at(Counter::kConnects), 1u);
  EXPECT_EQ(w.at(Counter::kRefused), 1u);
  EXPECT_EQ(w.at(Counter::kTimeout), 1u);
  EXPECT_EQ(w.at(Counter::kUnreachable), 1u);
  EXPECT_EQ(w.at(Counter::kSynRetransmits), 1u);
  EXPECT_EQ(w.at(Counter::kDataRetransmits), 2u);
  EXPECT_EQ(w.Failures(), 3u);
  EXPECT_EQ(w.connect_latency.count, 1u);
  EXPECT_EQ(w.connect_latency.sum_us, 500u);
  EXPECT_EQ(w.evidence_ids, (std::vector<std::string>{"n1/7/1", "n1/7/2"}));
  EXPECT_EQ(w.evidence_dropped, 1u);
  EXPECT_EQ(agg.window_start_ns(), 2'000'000'000);
  EXPECT_TRUE(agg.CloseWindow(3'000'000'000).empty());
}

TEST(EdgeAggregator, EventsPastTheOpenWindowWaitForTheNextOne) {
  AggregatorConfig cfg = Config();
  cfg.window_ns = 1'000'000'000;
  EdgeAggregator agg(cfg);
  agg.set_window_start(1'000'000'000);
  TcpEvent in_window = ClientEvent(TcpEventKind::kConnected);
  in_window.time_ns = 1'900'000'000;
  TcpEvent during_grace = in_window;
  during_grace.time_ns = 2'050'000'000;  // stamped after the window's end, seen before its close
  schema::EvidenceEvent ev;
  agg.Add(in_window, &ev);
  agg.Add(during_grace, &ev);
  auto first = agg.CloseWindow(2'000'000'000);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].at(C::kConnects), 1u);
  EXPECT_FALSE(agg.empty());
  auto second = agg.CloseWindow(3'000'000'000);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].at(C::kConnects), 1u);
  EXPECT_EQ(second[0].window_start_ns, 2'000'000'000);
  EXPECT_TRUE(agg.empty());
}

TEST(EdgeAggregator, EdgesPastTheBoundGoToTheOverflowEdge) {
  EdgeAggregator agg(Config());  // max_edges 3
  agg.set_window_start(1'000'000'000);
  for (int port = 1; port <= 5; ++port) {
    TcpEvent e = ClientEvent(TcpEventKind::kConnected);
    e.remote_port = static_cast<uint16_t>(port);
    agg.Add(e, nullptr);
  }
  auto windows = agg.CloseWindow(2'000'000'000);
  ASSERT_EQ(windows.size(), 4u);
  uint64_t total = 0;
  bool overflow_seen = false;
  for (const auto& w : windows) {
    total += w.at(Counter::kConnects);
    if (w.edge.client.workload == "(overflow)") {
      overflow_seen = true;
      EXPECT_EQ(w.at(Counter::kConnects), 2u);
    }
  }
  EXPECT_TRUE(overflow_seen);
  EXPECT_EQ(total, 5u) << "no event is lost at the bound";
  std::vector<StatSample> stats;
  agg.CollectStats(stats);
  bool found = false;
  for (const auto& s : stats) {
    if (s.name == "edgewatch_sensor_edges_overflowed_total") {
      EXPECT_EQ(s.value, 2);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(EdgeAggregator, AbandonedConnectWithoutErrorIsATimeout) {
  EdgeAggregator agg(Config());
  schema::EvidenceEvent ev;
  TcpEvent e = ClientEvent(TcpEventKind::kConnectFailed, 0);
  e.syn_retransmits = 2;
  ASSERT_TRUE(agg.Add(e, &ev));
  EXPECT_EQ(ev.cause, "timeout");
  EXPECT_EQ(ev.syn_retransmits, 2u);
}

TEST(EdgeAggregator, ResetAfterEstablishedIsResetEvidence) {
  EdgeAggregator agg(Config());
  agg.set_window_start(1'000'000'000);
  schema::EvidenceEvent ev;
  TcpEvent e = ClientEvent(TcpEventKind::kReset, ECONNRESET);
  e.old_state = 1;
  ASSERT_TRUE(agg.Add(e, &ev));
  EXPECT_EQ(ev.kind, schema::EvidenceKind::kReset);
  EXPECT_EQ(ev.cause, "reset");
  EXPECT_EQ(ev.old_state, "ESTABLISHED");
  auto w = agg.CloseWindow(2'000'000'000);
  EXPECT_EQ(w.at(0).at(Counter::kReset), 1u);
}

}  // namespace
}  // namespace edgewatch::sensor
