// The identity file against the real kernel: refused connects made in test namespaces are named
// by the mapping file on both ends of their edge windows (client- and server-side), also after
// the file is rewritten while the sensor runs; a broken rewrite keeps the names in use.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "sensor/identity_map.h"
#include "sensor/record_sink.h"
#include "tests/support/collecting_sink.h"
#include "tests/support/netns.h"
#include "tests/support/running_sensor.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using schema::Counter;
using testing::ForkInNetns;
using testing::NetnsPair;
using testing::WaitChild;
using testing::WaitFor;
using Sink = testing::CollectingSink<sensor::RecordSink>;
using Tags = std::vector<std::pair<std::string, std::string>>;

// Ports of this test only, so that other tests' traffic on the host does not mix in.
constexpr int kPortA = 7311, kPortB = 7312, kPortC = 7313, kPortUnmapped = 7314;
constexpr const char* kClientComm = "ew-idmap-cli";

// The client process by name, its address (seen remotely, from the server side) by CIDR, and
// the server by endpoint; `v` versions the names.
std::string IdentityFile(const std::string& v) {
  std::string endpoints;
  for (int port : {kPortA, kPortB, kPortC}) {
    endpoints +=
        (endpoints.empty() ? "\"10.77.0.1:" : ", \"10.77.0.1:") + std::to_string(port) + "\"";
  }
  return "services:\n"
         "  - name: checkout" +
         v +
         "\n"
         "    business_system: shop" +
         v +
         "\n"
         "    tags: {owner: team-shop" +
         v +
         ", tier: \"2\"}\n"
         "    match:\n"
         "      processes: [" +
         kClientComm +
         "]\n"
         "  - name: test-clients" +
         v +
         "\n"
         "    business_system: lab" +
         v +
         "\n"
         "    match:\n"
         "      cidrs: [10.77.0.2/32]\n"
         "  - name: payments-api" +
         v +
         "\n"
         "    business_system: payments" +
         v +
         "\n"
         "    tags: {oncall: pay-oncall" +
         v + ", owner: team-pay" + v +
         "}\n"
         "    match:\n"
         "      endpoints: [" +
         endpoints + "]\n";
}

class IdentityMappingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, CAP_PERFMON, netns)";
    std::string why;
    net_ = NetnsPair::Create(&why);
    ASSERT_NE(net_, nullptr) << why;
    char dir[] = "/tmp/ew-identity-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/ids.yaml";
  }
  void TearDown() override {
    sensor_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  // As docs/identity.md asks: a temporary file in the same directory, renamed over the old one.
  void WriteAtomically(const std::string& text) {
    const std::string tmp = path_ + ".tmp";
    std::ofstream(tmp) << text;
    ASSERT_EQ(std::rename(tmp.c_str(), path_.c_str()), 0) << std::strerror(errno);
  }

  double Stat(const std::string& name) {
    std::vector<StatSample> out;
    sensor_->sensor().CollectStats(out);
    for (const StatSample& s : out) {
      if (s.name == name) return s.value;
    }
    ADD_FAILURE() << "no stat " << name;
    return -1;
  }

  void StartSensor() {
    auto identity = sensor::IdentityMapReloader::Create(path_);
    ASSERT_TRUE(identity.ok()) << identity.error();
    sensor::SensorConfig cfg;
    cfg.node = "test-node";
    cfg.window_ns = 200'000'000;
    cfg.flush_grace_ns = 100'000'000;
    cfg.dns = false;
    cfg.identity = std::move(*identity);
    auto s = testing::RunningSensor::Start(cfg, sink_);
    ASSERT_TRUE(s.ok()) << "sensor failed to load on a root machine: " << s.error();
    sensor_ = std::move(*s);
  }

  // Makes one refused connect from the client namespace to `port` and returns the client-side
  // and server-side windows of its edge (one each: a refused connect is one window per side).
  std::pair<schema::EdgeWindow, schema::EdgeWindow> RefusedConnect(int port) {
    pid_t child = ForkInNetns(net_->client_ns(), kClientComm,
                              [&] { return testing::TcpConnect("10.77.0.1", port, 0); });
    EXPECT_EQ(WaitChild(child, 5s), ECONNREFUSED);
    const auto client_side = [port](const schema::EdgeWindow& w) {
      return w.edge.side == schema::Side::kClient && w.edge.client.workload == kClientComm &&
             w.edge.server.ip == "10.77.0.1" && w.edge.server.port == port;
    };
    const auto server_side = [port](const schema::EdgeWindow& w) {
      return w.edge.side == schema::Side::kServer && w.edge.server.ip == "10.77.0.1" &&
             w.edge.server.port == port && w.edge.client.ip == "10.77.0.2";
    };
    EXPECT_TRUE(WaitFor([&] { return sink_.Sum(Counter::kRefused, client_side) == 1; }, 5s));
    EXPECT_TRUE(WaitFor([&] { return sink_.Sum(Counter::kResetsSent, server_side) == 1; }, 5s));
    auto c = sink_.Windows(client_side);
    auto s = sink_.Windows(server_side);
    EXPECT_EQ(c.size(), 1u);
    EXPECT_EQ(s.size(), 1u);
    if (c.empty() || s.empty()) return {};
    return {c[0], s[0]};
  }

  // Both windows of a refused connect carry the names of version `v` of the file.
  void ExpectNames(const std::pair<schema::EdgeWindow, schema::EdgeWindow>& w,
                   const std::string& v) {
    const schema::Edge& c = w.first.edge;
    EXPECT_EQ(c.client.service, "checkout" + v);
    EXPECT_EQ(c.client.business_system, "shop" + v);
    EXPECT_EQ(c.client.tags, (Tags{{"owner", "team-shop" + v}, {"tier", "2"}}));
    EXPECT_EQ(c.server.service, "payments-api" + v);
    EXPECT_EQ(c.server.business_system, "payments" + v);
    EXPECT_EQ(c.server.tags, (Tags{{"oncall", "pay-oncall" + v}, {"owner", "team-pay" + v}}));
    const schema::Edge& s = w.second.edge;
    EXPECT_EQ(s.client.workload, "") << "the client is remote on the server side";
    EXPECT_EQ(s.client.service, "test-clients" + v) << "named by its address";
    EXPECT_EQ(s.client.business_system, "lab" + v);
    EXPECT_TRUE(s.client.tags.empty());
    EXPECT_EQ(s.server.service, "payments-api" + v);
    EXPECT_EQ(s.server.tags, c.server.tags);
  }

  std::unique_ptr<NetnsPair> net_;
  std::string dir_, path_;
  Sink sink_;
  std::unique_ptr<testing::RunningSensor> sensor_;
};

TEST_F(IdentityMappingTest, EdgesCarryTheMappedNamesAndFollowReloads) {
  WriteAtomically(IdentityFile(""));
  StartSensor();
  ASSERT_NE(sensor_, nullptr);
  EXPECT_EQ(Stat("edgewatch_sensor_identity_services"), 3);

  auto first = RefusedConnect(kPortA);
  ExpectNames(first, "");
  // The evidence of the connect is named the same way, and the edge key ignores the names.
  auto ev = sink_.Evidence(
      [](const schema::EvidenceEvent& e) { return e.comm == kClientComm && e.dst_port == kPortA; });
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].edge.client.service, "checkout");
  EXPECT_EQ(ev[0].edge.server.service, "payments-api");
  EXPECT_EQ(ev[0].edge_key, first.first.edge.Key());
  EXPECT_EQ(first.first.edge.Key(), "client|" + std::string(kClientComm) +
                                        "||10.77.0.2|10.77.0.1:" + std::to_string(kPortA) + "|tcp");

  // A peer no service claims stays unnamed and is counted.
  const double unknown_before = Stat("edgewatch_sensor_identity_unknown_lookups_total");
  pid_t child = ForkInNetns(net_->client_ns(), "ew-idmap-unk",
                            [&] { return testing::TcpConnect("10.77.0.1", kPortUnmapped, 0); });
  ASSERT_EQ(WaitChild(child, 5s), ECONNREFUSED);
  const auto unmapped = [](const schema::EdgeWindow& w) {
    return w.edge.side == schema::Side::kClient && w.edge.client.workload == "ew-idmap-unk" &&
           w.edge.server.port == kPortUnmapped;
  };
  ASSERT_TRUE(WaitFor([&] { return sink_.Sum(Counter::kRefused, unmapped) == 1; }, 5s));
  const schema::EdgeWindow u = sink_.Windows(unmapped).at(0);
  EXPECT_EQ(u.edge.server.service, "");
  EXPECT_EQ(u.edge.server.business_system, "");
  EXPECT_TRUE(u.edge.server.tags.empty());
  EXPECT_EQ(u.edge.client.service, "test-clients") << "another process at the mapped address";
  EXPECT_GT(Stat("edgewatch_sensor_identity_unknown_lookups_total"), unknown_before);

  // Rewritten while the sensor runs: the new names appear within a window or two.
  WriteAtomically(IdentityFile("-v2"));
  ASSERT_TRUE(WaitFor([&] { return Stat("edgewatch_sensor_identity_reloads_total") == 1; }, 5s));
  ExpectNames(RefusedConnect(kPortB), "-v2");

  // A broken rewrite is refused and the names in use stay.
  WriteAtomically(IdentityFile("-v3") + "      cidrs: [10.77.0.1/8]\n");
  ASSERT_TRUE(
      WaitFor([&] { return Stat("edgewatch_sensor_identity_reload_failures_total") == 1; }, 5s));
  EXPECT_EQ(Stat("edgewatch_sensor_identity_reloads_total"), 1);
  EXPECT_EQ(Stat("edgewatch_sensor_identity_services"), 3);
  ExpectNames(RefusedConnect(kPortC), "-v2");
}

}  // namespace
}  // namespace edgewatch
