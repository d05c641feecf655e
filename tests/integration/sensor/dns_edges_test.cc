// DNS failures end to end in the sensor: a client in one namespace asks dnsmasq in another;
// the sensor (BPF capture → decoder → transaction table → aggregator) must count each outcome
// on the right client → resolver edge: answers by rcode with latency, and unanswered queries
// as timeouts.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "sensor/sensor.h"
#include "tests/support/collecting_sink.h"
#include "tests/support/dns_peer.h"
#include "tests/support/netns.h"
#include "tests/support/running_sensor.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using schema::DnsRcodeClass;
using testing::ForkInNetns;
using testing::NetnsPair;
using testing::WaitChild;
using testing::WaitFor;

using Sink = testing::CollectingSink<sensor::RecordSink>;

constexpr const char* kClientComm = "ew-dns-edge";
constexpr int kDroppedPort = 40054;  // the server namespace drops queries from it and +1

TEST(DnsEdges, RcodesLatencyAndTimeoutsOnTheClientResolverEdge) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, cgroup attach, namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  const pid_t dnsmasq = testing::StartDnsmasq(net->server_ns(), net->server_ip(), &why);
  ASSERT_GT(dnsmasq, 0) << why;
  ASSERT_EQ(NetnsPair::Exec(net->server_ns(), "iptables -A INPUT -p udp --sport " +
                                                  std::to_string(kDroppedPort) + ":" +
                                                  std::to_string(kDroppedPort + 1) + " -j DROP"),
            0);

  Sink sink;
  sensor::SensorConfig cfg;
  cfg.node = "dns-node";
  cfg.window_ns = 500'000'000;
  cfg.flush_grace_ns = 100'000'000;
  cfg.dns_timeout_ns = 1'000'000'000;
  cfg.conntrack.clear();
  auto s = testing::RunningSensor::Start(cfg, sink);
  ASSERT_TRUE(s.ok()) << s.error();

  // 3 answered (NOERROR), 2 NXDOMAIN, 1 REFUSED (no upstream), 1 SERVFAIL (relayed from a
  // failing upstream), 2 unanswered.
  const std::string resolver = net->server_ip();
  const pid_t client = ForkInNetns(net->client_ns(), kClientComm, [&] {
    int bad = 0;
    uint16_t id = 100;
    for (int i = 0; i < 3; ++i)
      bad += testing::AskDns(resolver, testing::BuildDnsQuery(++id, "known.test"), 0, 2000) != 0;
    for (int i = 0; i < 2; ++i)
      bad += testing::AskDns(resolver, testing::BuildDnsQuery(++id, "nope.test"), 0, 2000) != 3;
    bad += testing::AskDns(resolver, testing::BuildDnsQuery(++id, "name.example"), 0, 2000) != 5;
    bad += testing::AskDns(resolver, testing::BuildDnsQuery(++id, "db.fail.test"), 0, 2000) != 2;
    for (int i = 0; i < 2; ++i) {
      bad += testing::AskDns(resolver, testing::BuildDnsQuery(++id, "dropped.test"),
                             kDroppedPort + i, 300) != -1;
    }
    return bad;
  });
  EXPECT_EQ(WaitChild(client, 30s), 0) << "a query got an unexpected answer";

  auto dns_edge = [&](const schema::EdgeWindow& w) {
    return w.dns.has_value() && w.edge.client.workload == kClientComm;
  };
  auto total = [&] {
    schema::DnsCounts sum;
    for (const auto& w : sink.Windows(dns_edge)) {
      sum.queries += w.dns->queries;
      sum.timeouts += w.dns->timeouts;
      for (size_t i = 0; i < sum.rcodes.size(); ++i) sum.rcodes[i] += w.dns->rcodes[i];
      for (size_t i = 0; i < sum.latency.buckets.size(); ++i) {
        sum.latency.buckets[i] += w.dns->latency.buckets[i];
      }
    }
    return sum;
  };
  EXPECT_TRUE(WaitFor([&] { return total().queries >= 9; }, 10s)) << total().queries;
  (*s)->Stop();
  EXPECT_TRUE(testing::StopDnsmasq(dnsmasq));

  const schema::DnsCounts d = total();
  EXPECT_EQ(d.queries, 9u);
  EXPECT_EQ(d.rcode(DnsRcodeClass::kNoError), 3u);
  EXPECT_EQ(d.rcode(DnsRcodeClass::kNxDomain), 2u);
  EXPECT_EQ(d.rcode(DnsRcodeClass::kRefused), 1u);
  EXPECT_EQ(d.rcode(DnsRcodeClass::kServFail), 1u);
  EXPECT_EQ(d.timeouts, 2u);
  EXPECT_EQ(d.latency.count(), 7u);  // answered ones only
  // Every DNS window of the client is on the client → resolver:53 edge over UDP.
  for (const auto& w : sink.Windows(dns_edge)) {
    EXPECT_EQ(w.edge.side, schema::Side::kClient);
    EXPECT_EQ(w.edge.client.ip, net->client_ip());
    EXPECT_EQ(w.edge.server.ip, resolver);
    EXPECT_EQ(w.edge.server.port, 53);
    EXPECT_EQ(w.edge.protocol, "udp");
    EXPECT_EQ(w.node, "dns-node");
  }
  // Every failed query is evidence with its name, type, rcode and the asking process.
  const auto evidence = sink.Evidence([](const schema::EvidenceEvent& e) {
    return e.kind == schema::EvidenceKind::kDnsQuery && e.comm == kClientComm;
  });
  std::map<std::string, std::vector<std::string>> causes_by_name;
  for (const auto& e : evidence) {
    ASSERT_TRUE(e.dns.has_value());
    causes_by_name[e.dns->name].push_back(e.cause);
    EXPECT_EQ(e.dns->type, "A");
    EXPECT_EQ(e.dns->qtype, 1);
    EXPECT_EQ(e.dns->rcode, e.cause == "timeout" ? "" : e.cause);
    EXPECT_EQ(e.dst_ip, resolver);
    EXPECT_EQ(e.dst_port, 53);
    EXPECT_EQ(e.src_ip, net->client_ip());
    EXPECT_GT(e.pid, 0u);
    EXPECT_EQ(e.edge.client.workload, kClientComm);
  }
  using Causes = std::vector<std::string>;
  EXPECT_EQ(causes_by_name["nope.test"], (Causes{"nxdomain", "nxdomain"}));
  EXPECT_EQ(causes_by_name["name.example"], (Causes{"refused"}));
  EXPECT_EQ(causes_by_name["dropped.test"], (Causes{"timeout", "timeout"}));
  EXPECT_EQ(causes_by_name["db.fail.test"], (Causes{"servfail"}));
  EXPECT_EQ(causes_by_name.count("known.test"), 0u);  // answered NOERROR: no evidence
  EXPECT_EQ(evidence.size(), 6u);
  // The timeouts' ports are the ones the client bound.
  for (const auto& e : evidence) {
    if (e.cause == "timeout") {
      EXPECT_TRUE(e.src_port == kDroppedPort || e.src_port == kDroppedPort + 1) << e.src_port;
    }
  }

  // dnsmasq's side (queries in, answers out from :53) is not counted as edges of its own.
  EXPECT_TRUE(sink.Windows([](const schema::EdgeWindow& w) {
                    return w.dns.has_value() && w.edge.client.workload == "dnsmasq";
                  })
                  .empty());
}

}  // namespace
}  // namespace edgewatch
