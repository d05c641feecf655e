// SNAT port conflicts against the real kernel: a client namespace connects through a NAT
// namespace that MASQUERADEs onto two ports, so the third connection collides in conntrack and
// times out. The sensor watches the NAT namespace's conntrack statistics and must (1) report
// the conflicts in its conntrack window and (2) mark exactly the timed-out client edge
// SNAT-suspect, linked to that window — while connects that went through stay unmarked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <thread>

#include "schema/codec.h"
#include "sensor/sensor.h"
#include "tests/support/collecting_sink.h"
#include "tests/support/netns.h"
#include "tests/support/running_sensor.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using schema::Counter;
using testing::ForkInNetns;
using testing::NatTriple;
using testing::WaitChild;
using testing::WaitFor;

using Sink = testing::CollectingSink<sensor::RecordSink>;

constexpr int kPort = 8080;
constexpr const char* kClientComm = "ew-snat-cli";

void ExpectNatEvidence(const Sink& sink, const NatTriple& net, size_t expected);

// A server listening on kPort in the server namespace (its backlog accepts; killed at the end),
// started before this returns.
pid_t ListeningServer(const NatTriple& net) {
  const std::string server_ip = net.server_ip();
  const pid_t pid = ForkInNetns(net.server_ns(), "ew-snat-srv", [server_ip] {
    if (testing::TcpListen(server_ip, kPort) < 0) return 1;
    sleep(30);
    return 0;
  });
  std::this_thread::sleep_for(300ms);
  return pid;
}

// A client that takes the NAT's two ports with two connections it holds open, then makes two
// more that collide in conntrack (TCP_SYNCNT 1) and time out. Exit 0 when they did; 10: a
// connect through the NAT failed; 2x: a colliding connect did not time out.
pid_t CollidingClients(const NatTriple& net) {
  const std::string server_ip = net.server_ip();
  return ForkInNetns(net.client_ns(), kClientComm, [server_ip] {
    int held[2] = {-1, -1};
    for (int& fd : held) {
      if (testing::TcpConnect(server_ip, kPort, 0, &fd) != 0) return 10;
    }
    for (int i = 0; i < 2; ++i) {
      if (testing::TcpConnect(server_ip, kPort, 1) != ETIMEDOUT) return 20 + i;
    }
    for (int fd : held) close(fd);
    return 0;
  });
}

TEST(SnatConflict, ConntrackConflictsMarkTheTimedOutClientEdge) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = NatTriple::Create(40000, 40001, &why);
  ASSERT_NE(net, nullptr) << why;

  Sink sink;
  sensor::SensorConfig cfg;
  cfg.node = "snat-node";
  cfg.window_ns = 500'000'000;
  cfg.flush_grace_ns = 100'000'000;
  cfg.conntrack = {{"nat", net->nat_ns_path()}};
  auto s = testing::RunningSensor::Start(cfg, sink);
  ASSERT_TRUE(s.ok()) << "sensor failed to load on a root machine: " << s.error();

  const std::string server_ip = net->server_ip();
  const pid_t server = ListeningServer(*net);
  // Two connections take the NAT's two ports and stay open; the next two collide.
  const pid_t client = CollidingClients(*net);
  EXPECT_EQ(WaitChild(client, 30s), 0) << "10: a connect through the NAT failed; 2x: a "
                                          "colliding connect did not time out";

  auto client_edge = [&](const schema::EdgeWindow& w) {
    return w.edge.side == schema::Side::kClient && w.edge.client.workload == kClientComm &&
           w.edge.server.ip == server_ip && w.edge.server.port == kPort;
  };
  auto nat = [](const schema::ConntrackWindow& c) { return c.netns == "nat"; };
  EXPECT_TRUE(WaitFor([&] { return sink.Sum(Counter::kTimeout, client_edge) >= 2; }, 10s));
  std::this_thread::sleep_for(800ms);  // one more window
  (*s)->Stop();
  WaitChild(server, 1ms);

  // (1) The NAT namespace's conntrack windows, one per window, show the conflicts.
  const auto ct = sink.Conntrack(nat);
  ASSERT_GE(ct.size(), 10u);
  uint64_t insert_failed = 0;
  uint64_t drop = 0;
  std::set<std::string> conflict_ids;
  for (const auto& c : ct) {
    EXPECT_EQ(c.node, "snat-node");
    EXPECT_EQ(c.id, "snat-node/conntrack/nat/" + std::to_string(c.window_start_ns));
    // Whole windows, but for the last one, cut short at stop.
    if (&c != &ct.back()) {
      EXPECT_EQ(c.window_end_ns - c.window_start_ns, cfg.window_ns);
    }
    insert_failed += c.at(schema::ConntrackCounter::kInsertFailed);
    drop += c.at(schema::ConntrackCounter::kDrop);
    if (c.Conflicts() > 0) conflict_ids.insert(c.id);
  }
  // Each of the two colliding connects sends a SYN and one retransmit: 4 failed inserts.
  EXPECT_GE(insert_failed, 4u);
  EXPECT_GE(drop, 4u);
  EXPECT_GT(ct.back().max, 0u);

  // (2) The client edge: 2 connects, 2 timeouts; every window with a timeout or a SYN
  // retransmit names a conntrack window that had conflicts, and no other window is marked.
  const auto windows = sink.Windows(client_edge);
  EXPECT_EQ(sink.Sum(Counter::kConnects, client_edge), 2u);
  EXPECT_EQ(sink.Sum(Counter::kTimeout, client_edge), 2u);
  size_t marked = 0;
  for (const auto& w : windows) {
    const bool failing = w.at(Counter::kTimeout) > 0 || w.at(Counter::kSynRetransmits) > 0;
    if (failing) {
      EXPECT_TRUE(conflict_ids.count(w.snat_suspect) == 1)
          << "window at " << w.window_start_ns << " marked \"" << w.snat_suspect << "\"";
      ++marked;
    } else {
      EXPECT_EQ(w.snat_suspect, "") << "a window without failures is marked";
    }
  }
  EXPECT_GE(marked, 2u);
  uint64_t suspect_edges = 0;
  for (const auto& c : ct) suspect_edges += c.snat_suspect_edges;
  EXPECT_EQ(suspect_edges, marked);
  // (3) The two timeouts' evidence names the NAT that dropped their SYNs, by tuple: the NAT
  // namespace, the source port NAT gave each, and how many of its SYNs died there.
  ExpectNatEvidence(sink, *net, 2);
}

// Both timed-out connects' evidence carries a `nat` object naming the NAT namespace.
void ExpectNatEvidence(const Sink& sink, const NatTriple& net, size_t expected) {
  const auto timeouts = sink.Evidence([](const schema::EvidenceEvent& e) {
    return e.kind == schema::EvidenceKind::kConnectFailed && e.cause == "timeout" &&
           e.comm == kClientComm;
  });
  ASSERT_EQ(timeouts.size(), expected);
  const unsigned nat_inode = testing::NetnsPair::NetnsInode(net.nat_ns());
  for (const auto& e : timeouts) {
    ASSERT_TRUE(e.nat.has_value()) << "timeout from port " << e.src_port << " has no nat";
    EXPECT_EQ(e.nat->netns, nat_inode);
    EXPECT_EQ(e.nat->translated_ip, "10.78.2.1");
    EXPECT_TRUE(e.nat->translated_port == 40000 || e.nat->translated_port == 40001)
        << e.nat->translated_port;
    // Every SYN of the connection died there: the first and each retransmit.
    EXPECT_EQ(e.nat->syn_drops, 1 + e.syn_retransmits);
  }
}

TEST(SnatConflict, DropsInAnUnwatchedNatAreAttributedByTuple) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = NatTriple::Create(40000, 40001, &why);
  ASSERT_NE(net, nullptr) << why;
  Sink sink;
  sensor::SensorConfig cfg;
  cfg.node = "snat-node";
  cfg.window_ns = 500'000'000;
  cfg.flush_grace_ns = 100'000'000;
  cfg.conntrack.clear();  // the NAT namespace is not watched: no conntrack statistics at all
  auto s = testing::RunningSensor::Start(cfg, sink);
  ASSERT_TRUE(s.ok()) << s.error();
  const std::string server_ip = net->server_ip();
  const pid_t server = ListeningServer(*net);
  const pid_t client = CollidingClients(*net);
  EXPECT_EQ(WaitChild(client, 30s), 0);
  auto client_edge = [&](const schema::EdgeWindow& w) {
    return w.edge.side == schema::Side::kClient && w.edge.client.workload == kClientComm;
  };
  EXPECT_TRUE(WaitFor([&] { return sink.Sum(Counter::kTimeout, client_edge) >= 2; }, 10s));
  (*s)->Stop();
  WaitChild(server, 1ms);
  EXPECT_TRUE(sink.Conntrack([](const auto&) { return true; }).empty());
  const std::string id =
      "snat-node/netns/" + std::to_string(testing::NetnsPair::NetnsInode(net->nat_ns()));
  size_t marked = 0;
  for (const auto& w : sink.Windows(client_edge)) {
    if (w.at(Counter::kTimeout) > 0 || w.at(Counter::kSynRetransmits) > 0) {
      EXPECT_EQ(w.snat_suspect, id);
      ++marked;
    } else {
      EXPECT_EQ(w.snat_suspect, "");
    }
  }
  EXPECT_GE(marked, 2u);
  ExpectNatEvidence(sink, *net, 2);
}

TEST(SnatConflict, TimeoutsWithoutConflictsAreNotMarked) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  // A wide port range: no collisions. The server's SYN-ACKs are dropped instead.
  auto net = NatTriple::Create(40000, 40100, &why);
  ASSERT_NE(net, nullptr) << why;
  ASSERT_EQ(
      testing::NetnsPair::Exec(net->server_ns(), "iptables -A OUTPUT -p tcp --sport 8080 -j DROP"),
      0);
  Sink sink;
  sensor::SensorConfig cfg;
  cfg.node = "snat-node";
  cfg.window_ns = 500'000'000;
  cfg.flush_grace_ns = 100'000'000;
  cfg.conntrack = {{"nat", net->nat_ns_path()}};
  auto s = testing::RunningSensor::Start(cfg, sink);
  ASSERT_TRUE(s.ok()) << s.error();
  const std::string server_ip = net->server_ip();
  const pid_t server = ListeningServer(*net);
  const pid_t client = ForkInNetns(net->client_ns(), kClientComm, [&] {
    return testing::TcpConnect(server_ip, kPort, 1) == ETIMEDOUT ? 0 : 1;
  });
  EXPECT_EQ(WaitChild(client, 30s), 0);
  auto client_edge = [&](const schema::EdgeWindow& w) {
    return w.edge.side == schema::Side::kClient && w.edge.client.workload == kClientComm;
  };
  EXPECT_TRUE(WaitFor([&] { return sink.Sum(Counter::kTimeout, client_edge) >= 1; }, 10s));
  (*s)->Stop();
  WaitChild(server, 1ms);
  for (const auto& c : sink.Conntrack([](const auto&) { return true; })) {
    EXPECT_EQ(c.Conflicts(), 0u) << c.id;
  }
  for (const auto& w : sink.Windows(client_edge)) EXPECT_EQ(w.snat_suspect, "");
  // Dropped SYN-ACKs of a confirmed connection are not NAT drops.
  const auto timeouts = sink.Evidence(
      [](const schema::EvidenceEvent& e) { return e.comm == kClientComm && e.cause == "timeout"; });
  ASSERT_EQ(timeouts.size(), 1u);
  EXPECT_FALSE(timeouts[0].nat.has_value()) << schema::Encode(timeouts[0]);
}

}  // namespace
}  // namespace edgewatch
