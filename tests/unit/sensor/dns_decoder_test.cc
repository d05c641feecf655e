#include "sensor/dns_decoder.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <vector>

namespace edgewatch::sensor {
namespace {

std::vector<uint8_t> Message(uint16_t id, bool response, uint8_t rcode) {
  // Header + one question "a.test" A IN.
  std::vector<uint8_t> m = {static_cast<uint8_t>(id >> 8),
                            static_cast<uint8_t>(id),
                            static_cast<uint8_t>(response ? 0x81 : 0x01),
                            static_cast<uint8_t>(response ? (0x80 | rcode) : 0x00),
                            0,
                            1,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            1,
                            'a',
                            4,
                            't',
                            'e',
                            's',
                            't',
                            0,
                            0,
                            1,
                            0,
                            1};
  return m;
}

DnsPacket Packet(const std::vector<uint8_t>& bytes, bool egress, uint64_t ts_ns,
                 uint16_t client_port = 5555) {
  DnsPacket p;
  p.ts_ns = ts_ns;
  p.egress = egress;
  p.family = AF_INET;
  const std::array<uint8_t, 16> client = {10, 0, 0, 2};
  const std::array<uint8_t, 16> server = {10, 0, 0, 53};
  p.src_ip = egress ? client : server;
  p.dst_ip = egress ? server : client;
  p.src_port = egress ? client_port : 53;
  p.dst_port = egress ? 53 : client_port;
  p.comm = "curl";
  p.payload = bytes;
  p.payload_len = static_cast<uint32_t>(bytes.size());
  return p;
}

TEST(DnsDecoder, AnswersAndTimeoutsBecomeOutcomesOfTheClientEdge) {
  std::vector<DnsOutcome> got;
  DnsDecoder d(
      {.timeout_ns = 1'000'000'000}, [&](const DnsOutcome& o) { got.push_back(o); },
      [](uint64_t, uint32_t) { return std::string("c0ffee"); });
  const auto q1 = Message(1, false, 0);
  const auto a1 = Message(1, true, 3);  // NXDOMAIN
  const auto q2 = Message(2, false, 0);
  d.OnPacket(Packet(q1, true, 1'000'000), 0);
  d.OnPacket(Packet(q2, true, 2'000'000, 6666), 0);
  d.OnPacket(Packet(a1, false, 5'000'000), 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].client_ip, "10.0.0.2");
  EXPECT_EQ(got[0].server_ip, "10.0.0.53");
  EXPECT_EQ(got[0].comm, "curl");
  EXPECT_EQ(got[0].container_id, "c0ffee");
  EXPECT_FALSE(got[0].timed_out);
  EXPECT_EQ(got[0].rcode, schema::DnsRcodeClass::kNxDomain);
  EXPECT_EQ(got[0].latency_us, 4000u);
  EXPECT_EQ(got[0].time_ns, 5'000'000);
  d.Expire(500'000'000);  // not yet
  EXPECT_EQ(got.size(), 1u);
  d.Expire(1'500'000'000);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[1].timed_out);
  EXPECT_EQ(d.outstanding(), 0u);
}

TEST(DnsDecoder, ResolverSideAndGarbageAreNotCountedAsClients) {
  std::vector<DnsOutcome> got;
  DnsDecoder d({}, [&](const DnsOutcome& o) { got.push_back(o); });
  // A resolver on this node: the query comes in to :53, the answer goes out from :53.
  auto q = Message(9, false, 0);
  DnsPacket in = Packet(q, true, 1);
  in.egress = false;  // received on :53
  d.OnPacket(in, 0);
  const std::vector<uint8_t> garbage = {1, 2, 3};
  d.OnPacket(Packet(garbage, true, 2), 0);
  d.Expire(10'000'000'000);
  EXPECT_TRUE(got.empty());
  std::vector<StatSample> stats;
  d.CollectStats(stats);
  double parse_errors = 0;
  double server_side = 0;
  for (const auto& s : stats) {
    if (s.name == "edgewatch_sensor_dns_parse_errors_total") parse_errors += s.value;
    if (s.name == "edgewatch_sensor_dns_server_side_packets_total") server_side = s.value;
  }
  EXPECT_EQ(parse_errors, 1.0);
  EXPECT_EQ(server_side, 1.0);
}

TEST(EdgeAggregatorDns, CountsOnTheClientResolverEdge) {
  EdgeAggregator agg({.node = "n", .window_ns = 1'000'000'000});
  agg.set_window_start(0);
  DnsOutcome o;
  o.time_ns = 100;
  o.client_ip = "10.0.0.2";
  o.comm = "curl";
  o.server_ip = "10.0.0.53";
  o.latency_us = 700;
  agg.AddDns(o);
  o.rcode = schema::DnsRcodeClass::kServFail;
  agg.AddDns(o);
  o.timed_out = true;
  agg.AddDns(o);
  auto w = agg.CloseWindow(1'000'000'000);
  ASSERT_EQ(w.size(), 1u);
  ASSERT_TRUE(w[0].dns.has_value());
  EXPECT_EQ(w[0].edge.protocol, "udp");
  EXPECT_EQ(w[0].edge.server.port, 53);
  EXPECT_EQ(w[0].dns->queries, 3u);
  EXPECT_EQ(w[0].dns->rcode(schema::DnsRcodeClass::kNoError), 1u);
  EXPECT_EQ(w[0].dns->rcode(schema::DnsRcodeClass::kServFail), 1u);
  EXPECT_EQ(w[0].dns->timeouts, 1u);
  EXPECT_EQ(w[0].dns->latency.count(), 2u);
  EXPECT_EQ(w[0].dns->latency.sum_us, 1400u);
}

}  // namespace
}  // namespace edgewatch::sensor
