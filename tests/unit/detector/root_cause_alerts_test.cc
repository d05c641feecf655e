// Root-cause alerts end to end in pure logic: a real Detector over hand-made windows raises the
// symptom alerts, RootCauseAlerts groups them; the assertions are on what receivers get.
#include "detector/root_cause_alerts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detector/detector.h"
#include "schema/codec.h"
#include "tests/unit/detector/detector_fixtures.h"

namespace edgewatch::detector {
namespace {

using fixtures::kS;
using schema::Counter;

constexpr const char* kRules = R"(business_system: any
rules:
  - {name: Refused, signal: refused, comparison: ">", threshold: 0, keep_firing_for: 5s, severity: warning}
  - {name: Timeouts, signal: timeout, comparison: ">", threshold: 0, keep_firing_for: 5s, severity: warning}
  - {name: Snat, signal: snat_suspect, comparison: ">", threshold: 0, keep_firing_for: 5s,
     severity: critical}
  - {name: Servfail, signal: dns_servfail, comparison: ">", threshold: 0, keep_firing_for: 5s, severity: warning}
  - {name: Http5xx, signal: http_5xx, comparison: ">", threshold: 0, keep_firing_for: 5s, severity: warning}
)";

schema::Edge Client(const std::string& workload, const std::string& ip, const std::string& server,
                    uint16_t port, const std::string& system = "") {
  schema::Edge e;
  e.side = schema::Side::kClient;
  e.client.workload = workload;
  e.client.ip = ip;
  e.client.business_system = system;
  e.server.ip = server;
  e.server.port = port;
  return e;
}

struct Harness {
  std::vector<schema::Alert> sent;
  std::vector<schema::Alert> symptoms;
  RootCauseAlerts rca;
  Detector det;

  explicit Harness(RootCauseConfig cfg = {})
      : rca(cfg, [this](const schema::Alert& a) { sent.push_back(a); }),
        det(fixtures::Rules(kRules), DetectorConfig{}, [this](const schema::Alert& a) {
          symptoms.push_back(a);
          rca.OnSymptom(a);
        }) {}

  void Window(const schema::EdgeWindow& w) {
    det.OnWindow(w);
    rca.OnWindow(w);
  }
  void Advance(int64_t t_s) {
    det.AdvanceTo(t_s * kS);
    rca.AdvanceTo(t_s * kS);
  }
  size_t Firing() const {
    size_t n = 0;
    for (const auto& a : sent) n += a.status == schema::AlertStatus::kFiring ? 1 : 0;
    return n;
  }
};

schema::EdgeWindow Win(int64_t start_s, const schema::Edge& e, const std::string& node = "node-7") {
  schema::EdgeWindow w;
  w.node = node;
  w.window_start_ns = start_s * kS;
  w.window_end_ns = (start_s + 1) * kS;
  w.edge = e;
  w.at(Counter::kConnects) = 3;
  return w;
}

// SNAT exhaustion behind node-7's NAT: 12 client edges of 3 business systems time out with
// SNAT-suspect windows, 20 other edges on the node stay healthy. One alert, not 24.
TEST(RootCauseAlerts, SnatConflictIsOneAlertWithItsBlastRadius) {
  Harness h;
  const std::vector<std::string> systems = {"payments", "loans", "cards"};
  std::vector<schema::Edge> hit, fine;
  for (int i = 0; i < 12; ++i) {
    hit.push_back(Client("app" + std::to_string(i % 4), "10.1.0." + std::to_string(i + 1),
                         "10.2.0." + std::to_string(i % 3 + 1), 443, systems[i % 3]));
  }
  for (int i = 0; i < 20; ++i) {
    fine.push_back(Client("web" + std::to_string(i % 5), "10.1.1." + std::to_string(i + 1),
                          "10.2.0." + std::to_string(i % 3 + 1), 443, systems[i % 3]));
  }
  for (int64_t t = 0; t < 40; ++t) {
    for (const auto& e : fine) h.Window(Win(t, e));
    const bool fault = t >= 10 && t < 20;
    for (const auto& e : hit) {
      schema::EdgeWindow w = Win(t, e);
      if (fault) {
        w.at(Counter::kTimeout) = 2;
        w.at(Counter::kSynRetransmits) = 4;
        w.snat_suspect = "node-7/conntrack/nat-gw/" + std::to_string(t * kS);
      }
      h.Window(w);
    }
    if (fault) {
      schema::ConntrackWindow c;
      c.id = "node-7/conntrack/nat-gw/" + std::to_string(t * kS);
      c.node = "node-7";
      c.netns = "nat-gw";
      c.window_start_ns = t * kS;
      c.window_end_ns = (t + 1) * kS;
      c.at(schema::ConntrackCounter::kInsertFailed) = 30;
      h.rca.OnConntrack(c);
    }
    h.Advance(t + 1);
  }
  EXPECT_EQ(h.symptoms.size(), 2u * 2 * 12) << "timeout and snat rules, firing and resolved";
  ASSERT_EQ(h.sent.size(), 2u) << "one root cause: firing, then resolved";
  const schema::Alert& a = h.sent[0];
  ASSERT_TRUE(a.root_cause);
  EXPECT_EQ(a.status, schema::AlertStatus::kFiring);
  EXPECT_EQ(a.root_cause->cause, "snat_conflict");
  ASSERT_EQ(a.root_cause->scope.size(), 1u);
  EXPECT_EQ(a.root_cause->scope[0].first, "nat");
  EXPECT_EQ(a.root_cause->scope[0].second, "node-7/conntrack/nat-gw");
  EXPECT_EQ(a.root_cause->edge_count, 12u);
  EXPECT_EQ(a.root_cause->symptoms.size(), 24u);
  EXPECT_EQ(a.root_cause->business_systems,
            (std::vector<std::string>{"cards", "loans", "payments"}));
  EXPECT_EQ(a.root_cause->conntrack_conflicts, 300u);
  EXPECT_EQ(a.severity, "critical") << "the most severe symptom's";
  EXPECT_EQ(a.labels.at("alertname"), "SnatConflict");
  EXPECT_EQ(a.labels.at("cause"), "snat_conflict");
  EXPECT_EQ(a.labels.at("scope_nat"), "node-7/conntrack/nat-gw");
  EXPECT_EQ(a.node, "node-7");
  EXPECT_NE(a.annotations.at("summary").find("12 edges of 3 business systems"), std::string::npos)
      << a.annotations.at("summary");
  // Fired group_wait (10 s) after the first symptom's window (end 11 s).
  EXPECT_EQ(a.window_end_ns, 21 * kS);
  const schema::Alert& r = h.sent[1];
  EXPECT_EQ(r.status, schema::AlertStatus::kResolved);
  EXPECT_EQ(r.fingerprint, a.fingerprint);
  EXPECT_GT(r.ends_at_ns, a.starts_at_ns);
  EXPECT_EQ(h.rca.open(), 0u);
}

// One endpoint refusing 8 clients, while the same clients reach other servers fine.
TEST(RootCauseAlerts, EndpointDownScopesToTheEndpoint) {
  Harness h;
  std::vector<schema::Edge> down, ok;
  for (int i = 0; i < 8; ++i) {
    const std::string ip = "10.1.0." + std::to_string(i + 1);
    down.push_back(Client("c" + std::to_string(i), ip, "10.3.0.9", 8080));
    ok.push_back(Client("c" + std::to_string(i), ip, "10.3.0.10", 8080));
    ok.push_back(Client("c" + std::to_string(i), ip, "10.3.0.11", 5432));
  }
  for (int64_t t = 0; t < 30; ++t) {
    for (const auto& e : ok) h.Window(Win(t, e));
    for (const auto& e : down) {
      schema::EdgeWindow w = Win(t, e);
      if (t >= 5) w.at(Counter::kRefused) = 3;
      h.Window(w);
    }
    h.Advance(t + 1);
  }
  ASSERT_EQ(h.sent.size(), 1u);
  const schema::Alert& a = h.sent[0];
  ASSERT_TRUE(a.root_cause);
  EXPECT_EQ(a.root_cause->cause, "endpoint_down");
  ASSERT_EQ(a.root_cause->scope.size(), 1u);
  EXPECT_EQ(a.root_cause->scope[0],
            (std::pair<std::string, std::string>{"server_endpoint", "10.3.0.9:8080"}));
  EXPECT_EQ(a.root_cause->edge_count, 8u);
  EXPECT_EQ(a.root_cause->healthy_edges_in_scope, 0u);
}

// A client alone on a wrong port: its own problem, named by client and endpoint.
TEST(RootCauseAlerts, OneClientFailingAloneIsClientMisconfig) {
  Harness h;
  const schema::Edge wrong = Client("billing", "10.1.0.5", "10.3.0.9", 8081);
  std::vector<schema::Edge> ok;
  ok.reserve(7);
  for (int i = 0; i < 6; ++i) {
    ok.push_back(
        Client("c" + std::to_string(i), "10.1.0." + std::to_string(10 + i), "10.3.0.9", 8080));
  }
  ok.push_back(Client("billing", "10.1.0.5", "10.3.0.12", 5432));
  for (int64_t t = 0; t < 20; ++t) {
    for (const auto& e : ok) h.Window(Win(t, e));
    schema::EdgeWindow w = Win(t, wrong);
    w.at(Counter::kRefused) = 1;
    h.Window(w);
    h.Advance(t + 1);
  }
  ASSERT_EQ(h.sent.size(), 1u);
  ASSERT_TRUE(h.sent[0].root_cause);
  EXPECT_EQ(h.sent[0].root_cause->cause, "client_misconfig");
  EXPECT_EQ(h.sent[0].labels.at("scope_client_workload"), "billing");
  EXPECT_EQ(h.sent[0].labels.at("scope_server_endpoint"), "10.3.0.9:8081");
  EXPECT_EQ(h.sent[0].rule, "ClientMisconfig");
  EXPECT_EQ(h.sent[0].signal, "refused") << "a single symptom's terms are kept";
  EXPECT_EQ(h.sent[0].edge, wrong);
}

// Clients that start calling a dead endpoint after its alert fired join that alert: no new
// alert until the blast radius doubles, then one update.
TEST(RootCauseAlerts, LateSymptomsJoinTheFiringRootCause) {
  Harness h;
  std::vector<schema::Edge> down;
  down.reserve(12);
  for (int i = 0; i < 12; ++i) {
    down.push_back(
        Client("c" + std::to_string(i), "10.1.0." + std::to_string(i + 1), "10.3.0.9", 8080));
  }
  std::vector<schema::Edge> ok;
  ok.reserve(12);
  for (int i = 0; i < 12; ++i) {
    ok.push_back(
        Client("c" + std::to_string(i), "10.1.0." + std::to_string(i + 1), "10.3.0.10", 8080));
  }
  for (int64_t t = 0; t < 60; ++t) {
    for (const auto& e : ok) h.Window(Win(t, e));
    for (size_t i = 0; i < down.size(); ++i) {
      // 3 clients call from t=5, 3 more from t=25, the last 6 from t=35; it is back at t=45.
      const int64_t from = i < 3 ? 5 : i < 6 ? 25 : 35;
      if (t < from) continue;
      schema::EdgeWindow w = Win(t, down[i]);
      if (t < 45) w.at(Counter::kRefused) = 1;
      h.Window(w);
    }
    h.Advance(t + 1);
  }
  // Fired with 3 edges, re-sent at 6 and at 12 (each time doubled), then resolved.
  ASSERT_EQ(h.sent.size(), 4u);
  EXPECT_EQ(h.sent[0].root_cause->cause, "endpoint_down");
  const std::vector<uint64_t> radius = {3, 6, 12, 12};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(h.sent[i].root_cause->edge_count, radius[i]) << i;
    EXPECT_EQ(h.sent[i].status,
              i < 3 ? schema::AlertStatus::kFiring : schema::AlertStatus::kResolved);
  }
  EXPECT_EQ(h.rca.open(), 0u);
  for (const auto& a : h.sent) EXPECT_EQ(a.fingerprint, h.sent[0].fingerprint);
}

// A symptom shorter than group_wait is still reported: firing and resolved together.
TEST(RootCauseAlerts, ShortSymptomIsNotLost) {
  Harness h;
  const schema::Edge e = Client("c", "10.1.0.1", "10.3.0.9", 8080);
  const schema::Edge other = Client("c", "10.1.0.1", "10.3.0.10", 8080);
  for (int64_t t = 0; t < 40; ++t) {
    schema::EdgeWindow w = Win(t, e);
    if (t == 3) w.at(Counter::kRefused) = 1;
    h.Window(w);
    h.Window(Win(t, other));
    h.Advance(t + 1);
  }
  ASSERT_EQ(h.sent.size(), 2u);
  EXPECT_EQ(h.sent[0].status, schema::AlertStatus::kFiring);
  EXPECT_EQ(h.sent[1].status, schema::AlertStatus::kResolved);
}

// Two faults at once: the resolver failing for everyone and one endpoint down.
TEST(RootCauseAlerts, TwoFaultsTwoAlerts) {
  Harness h;
  std::vector<schema::Edge> dns, down, ok;
  for (int i = 0; i < 6; ++i) {
    const std::string ip = "10.1.0." + std::to_string(i + 1);
    dns.push_back(Client("c" + std::to_string(i), ip, "10.0.0.53", 53));
    down.push_back(Client("c" + std::to_string(i), ip, "10.3.0.9", 8080));
    ok.push_back(Client("c" + std::to_string(i), ip, "10.3.0.10", 8080));
  }
  for (int64_t t = 0; t < 30; ++t) {
    for (const auto& e : ok) h.Window(Win(t, e));
    for (const auto& e : dns) {
      schema::EdgeWindow w = Win(t, e);
      w.dns.emplace();
      w.dns->queries = 4;
      w.dns->rcode(schema::DnsRcodeClass::kServFail) = t >= 5 ? 4 : 0;
      h.Window(w);
    }
    for (const auto& e : down) {
      schema::EdgeWindow w = Win(t, e);
      if (t >= 5) w.at(Counter::kRefused) = 2;
      h.Window(w);
    }
    h.Advance(t + 1);
  }
  ASSERT_EQ(h.sent.size(), 2u);
  std::set<std::string> causes;
  for (const auto& a : h.sent) {
    causes.insert(a.root_cause->cause + " " + a.labels.at("scope"));
    EXPECT_EQ(a.root_cause->edge_count, 6u);
  }
  EXPECT_EQ(causes, (std::set<std::string>{"dns_resolver_failure server_endpoint=10.0.0.53:53",
                                           "endpoint_down server_endpoint=10.3.0.9:8080"}));
}

TEST(RootCauseAlerts, RecordRoundTripsThroughTheCodec) {
  Harness h;
  const schema::Edge e = Client("c", "10.1.0.1", "10.3.0.9", 8080);
  for (int64_t t = 0; t < 20; ++t) {
    schema::EdgeWindow w = Win(t, e);
    w.at(Counter::kRefused) = 1;
    h.Window(w);
    h.Advance(t + 1);
  }
  ASSERT_EQ(h.sent.size(), 1u);
  const std::string json = schema::Encode(h.sent[0]);
  EXPECT_NE(json.find("\"kind\":\"root_cause\""), std::string::npos) << json;
  schema::Decoder d;
  auto back = d.DecodeAlert(json);
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_TRUE(back->root_cause);
  EXPECT_EQ(*back->root_cause, *h.sent[0].root_cause);
  EXPECT_EQ(back->labels, h.sent[0].labels);

  // kind root_cause without its object is refused, naming the field.
  std::string broken = json.substr(0, json.find(",\"root_cause\"")) + "}";
  auto bad = d.DecodeAlert(broken);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("root_cause"), std::string::npos) << bad.error();
  // A symptom alert encodes kind symptom and decodes without root_cause.
  auto sym = d.DecodeAlert(schema::Encode(h.symptoms[0]));
  ASSERT_TRUE(sym.ok()) << sym.error();
  EXPECT_FALSE(sym->root_cause);
}

TEST(RootCauseAlerts, BadConfigIsRefused) {
  RootCauseConfig cfg;
  cfg.horizon_ns = 0;
  EXPECT_THROW(RootCauseAlerts(cfg, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace edgewatch::detector
