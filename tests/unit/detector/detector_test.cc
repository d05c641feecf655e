#include "detector/detector.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "detector/fingerprint.h"
#include "rules/loader.h"
#include "tests/unit/detector/detector_fixtures.h"

namespace edgewatch::detector {
namespace {

using schema::Alert;
using schema::AlertStatus;
using schema::Counter;
using namespace fixtures;

// One rule of the payments system on `signal`; `extra` adds keys (indented as rule keys).
std::string OneRule(const std::string& signal, const std::string& cmp, const std::string& threshold,
                    const std::string& extra = "") {
  return "business_system: payments\n"
         "labels: {team: payments-sre}\n"
         "rules:\n"
         "  - name: ConnectRefused\n"
         "    signal: " +
         signal +
         "\n"
         "    comparison: \"" +
         cmp +
         "\"\n"
         "    threshold: " +
         threshold +
         "\n"
         "    severity: critical\n" +
         extra;
}

schema::EvidenceEvent Ev(const std::string& id) {
  schema::EvidenceEvent e;
  e.id = id;
  e.node = "node-1";
  e.cause = "refused";
  e.edge = ClientEdge();
  e.edge_key = e.edge.Key();
  return e;
}

// A detector that records what it emits.
struct Harness {
  explicit Harness(const std::string& yaml, DetectorConfig cfg = {})
      : d(Rules(yaml), cfg, [this](const Alert& a) { alerts.push_back(a); }) {}

  double Stat(const std::string& name, const std::string& severity = "") const {
    std::vector<StatSample> out;
    d.CollectStats(out);
    for (const StatSample& s : out) {
      if (s.name != name) {
        continue;
      }
      if (severity.empty() && s.labels.empty()) {
        return s.value;
      }
      if (!s.labels.empty() && s.labels[0].second == severity) {
        return s.value;
      }
    }
    ADD_FAILURE() << "no stat " << name << " " << severity;
    return -1;
  }

  std::vector<Alert> alerts;
  Detector d;
};

TEST(Detector, FiresOnFirstRefusedWindowWithEverything) {
  Harness h(
      OneRule("refused", ">", "0",
              "    for: 0s\n"
              "    labels: {component: api}\n"
              "    annotations:\n"
              "      summary: \"{{ value }} refused from {{ client_workload }} to {{ server }}\"\n"
              "      where: \"{{node}} {{side}} {{client_ip}} {{server_ip}} {{server_port}} "
              "{{signal}} {{threshold}} {{rule}} {{business_system}}\"\n"));
  h.d.OnEvidence(Ev("node-1/7/1"));
  h.d.OnEvidence(Ev("node-1/7/2"));
  h.d.OnWindow(Win(100, 2, {"node-1/7/1", "node-1/7/2"}));

  ASSERT_EQ(h.alerts.size(), 1u);
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.status, AlertStatus::kFiring);
  EXPECT_EQ(a.rule, "ConnectRefused");
  EXPECT_EQ(a.rule_file, "rules/payments.yaml");
  EXPECT_EQ(a.business_system, "payments");
  EXPECT_EQ(a.severity, "critical");
  const std::map<std::string, std::string> labels = {{"alertname", "ConnectRefused"},
                                                     {"business_system", "payments"},
                                                     {"client_ip", "10.9.0.7"},
                                                     {"client_workload", "curl"},
                                                     {"component", "api"},
                                                     {"node", "node-1"},
                                                     {"server", "10.0.0.5:8080"},
                                                     {"severity", "critical"},
                                                     {"side", "client"},
                                                     {"team", "payments-sre"}};
  EXPECT_EQ(a.labels, labels);
  EXPECT_EQ(a.fingerprint, Fingerprint(labels));
  EXPECT_EQ(a.annotations.at("summary"), "2 refused from curl to 10.0.0.5:8080");
  EXPECT_EQ(a.annotations.at("where"),
            "node-1 client 10.9.0.7 10.0.0.5 8080 refused 0 ConnectRefused payments");
  EXPECT_EQ(a.node, "node-1");
  EXPECT_EQ(a.edge, ClientEdge());
  EXPECT_EQ(a.signal, "refused");
  EXPECT_EQ(a.comparison, ">");
  EXPECT_EQ(a.threshold, 0);
  EXPECT_EQ(a.value, 2);
  EXPECT_EQ(a.starts_at_ns, 100 * kS);
  EXPECT_EQ(a.ends_at_ns, 0);
  EXPECT_EQ(a.window_end_ns, 101 * kS);
  EXPECT_EQ(a.evidence_ids, (std::vector<std::string>{"node-1/7/1", "node-1/7/2"}));
  ASSERT_EQ(a.evidence.size(), 2u);
  EXPECT_EQ(a.evidence[0].id, "node-1/7/1");
  EXPECT_EQ(a.evidence[1].cause, "refused");
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_fired_total", "critical"), 1);
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_fired_total", "warning"), 0);
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_firing", "critical"), 1);
  EXPECT_EQ(h.Stat("edgewatch_detector_edges"), 1);
  EXPECT_EQ(h.Stat("edgewatch_detector_windows_total"), 1);
}

TEST(Detector, NoRenotificationWhileFiring) {
  Harness h(OneRule("refused", ">", "0", "    keep_firing_for: 10s\n"));
  h.d.OnWindow(Win(0, 1, {"a"}));
  for (int t = 1; t < 5; ++t) {
    h.d.OnWindow(Win(t, 3, {"x" + std::to_string(t)}));
  }
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].evidence_ids, (std::vector<std::string>{"a"}));
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_fired_total", "critical"), 1);
}

TEST(Detector, ForGoesPendingThenFiring) {
  Harness h(OneRule("refused", ">", "0", "    for: 3s\n"));
  h.d.OnWindow(Win(10, 1, {"e10"}));
  h.d.OnWindow(Win(11, 1, {"e11"}));
  EXPECT_TRUE(h.alerts.empty());
  h.d.OnWindow(Win(12, 1, {"e12"}));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].status, AlertStatus::kFiring);
  EXPECT_EQ(h.alerts[0].starts_at_ns, 10 * kS);  // start of the first true window
  EXPECT_EQ(h.alerts[0].window_end_ns, 13 * kS);
  EXPECT_EQ(h.alerts[0].evidence_ids, (std::vector<std::string>{"e10", "e11", "e12"}));
}

TEST(Detector, PendingThatEndsEarlyNeverNotifiesAndForgetsItsEvidence) {
  Harness h(OneRule("refused", ">", "0", "    for: 2s\n"));
  h.d.OnWindow(Win(0, 1, {"old"}));
  h.d.OnWindow(Win(1, 0));
  EXPECT_TRUE(h.alerts.empty());
  h.d.OnWindow(Win(2, 1, {"new1"}));
  h.d.OnWindow(Win(3, 1, {"new2"}));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].starts_at_ns, 2 * kS);
  EXPECT_EQ(h.alerts[0].evidence_ids, (std::vector<std::string>{"new1", "new2"}));
}

TEST(Detector, KeepFiringForWithRealWindows) {
  Harness h(OneRule("refused", ">", "0", "    keep_firing_for: 1m\n"));
  h.d.OnWindow(Win(0, 1));
  for (int t = 1; t < 60; ++t) {
    h.d.OnWindow(Win(t, 0));
  }
  ASSERT_EQ(h.alerts.size(), 1u);  // still firing after 59 quiet windows
  h.d.OnWindow(Win(60, 0));
  ASSERT_EQ(h.alerts.size(), 2u);
  const Alert& r = h.alerts[1];
  EXPECT_EQ(r.status, AlertStatus::kResolved);
  EXPECT_EQ(r.starts_at_ns, 0);
  EXPECT_EQ(r.ends_at_ns, 61 * kS);
  EXPECT_EQ(r.window_end_ns, 61 * kS);
  EXPECT_EQ(r.value, 0);
  EXPECT_EQ(r.fingerprint, h.alerts[0].fingerprint);
  EXPECT_EQ(r.labels, h.alerts[0].labels);
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_resolved_total", "critical"), 1);
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_firing", "critical"), 0);
}

TEST(Detector, ResolvesThroughAdvanceToWhenTheEdgeGoesQuiet) {
  Harness h(OneRule("refused", ">", "0", "    keep_firing_for: 1m\n"));
  h.d.OnWindow(Win(0, 1));
  ASSERT_EQ(h.alerts.size(), 1u);
  h.d.AdvanceTo(1 * kS + kS / 2);  // less than a window since the last one: nothing applied
  EXPECT_EQ(h.Stat("edgewatch_detector_idle_windows_total"), 0);
  h.d.AdvanceTo(30 * kS);
  EXPECT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.Stat("edgewatch_detector_idle_windows_total"), 29);
  h.d.AdvanceTo(100 * kS);
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].status, AlertStatus::kResolved);
  EXPECT_EQ(h.alerts[1].ends_at_ns, 61 * kS);  // exactly keep_firing_for after the last true window
  EXPECT_EQ(h.alerts[1].value, 0);
  EXPECT_EQ(h.Stat("edgewatch_detector_idle_windows_total"), 99);
}

TEST(Detector, KeepFiringForZeroResolvesOnFirstMissingWindow) {
  Harness h(OneRule("refused", ">", "0"));
  h.d.OnWindow(Win(0, 1));
  h.d.AdvanceTo(1 * kS);
  EXPECT_EQ(h.alerts.size(), 1u);
  h.d.AdvanceTo(2 * kS);
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].ends_at_ns, 2 * kS);
}

TEST(Detector, GapBetweenWindowsCountsAsZeroWindows) {
  Harness h(OneRule("refused", ">", "0", "    keep_firing_for: 2s\n"));
  h.d.OnWindow(Win(0, 1));
  h.d.OnWindow(Win(5, 0));  // 4 missing windows [1s, 5s) before it
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].status, AlertStatus::kResolved);
  EXPECT_EQ(h.alerts[1].ends_at_ns, 3 * kS);
  EXPECT_EQ(h.Stat("edgewatch_detector_idle_windows_total"), 4);
}

TEST(Detector, ConditionTrueOnZeroFiresOnAnIdleEdge) {
  // "no successful connect for 5s": missing windows have connects == 0.
  Harness h(OneRule("connects", "<", "1", "    for: 5s\n"));
  h.d.OnWindow(Win(0));  // connects = 1
  h.d.AdvanceTo(4 * kS);
  EXPECT_TRUE(h.alerts.empty());
  h.d.AdvanceTo(10 * kS);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].starts_at_ns, 1 * kS);
  EXPECT_EQ(h.alerts[0].window_end_ns, 6 * kS);
  EXPECT_EQ(h.alerts[0].value, 0);
  // A window with a connect resolves it.
  h.d.OnWindow(Win(10));
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].ends_at_ns, 11 * kS);
  EXPECT_EQ(h.alerts[1].value, 1);
}

TEST(Detector, EvidenceDuringPendingAndFiringIsLinkedAndBounded) {
  DetectorConfig cfg;
  cfg.max_evidence_per_alert = 3;
  Harness h(OneRule("refused", ">", "0", "    for: 2s\n"), cfg);
  h.d.OnWindow(Win(0, 1, {"a", "b"}));
  h.d.OnWindow(Win(1, 1, {"b", "c", "d"}));  // "b" again is not repeated; "d" is over the bound
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].evidence_ids, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(h.Stat("edgewatch_detector_alert_evidence_truncated_total"), 1);
  h.d.OnWindow(Win(2, 0, {"e"}));
  ASSERT_EQ(h.alerts.size(), 2u);  // resolved; its window's evidence came after firing ended
  EXPECT_EQ(h.alerts[1].evidence_ids, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Detector, ResolvedAlertCarriesEvidenceSeenWhileFiring) {
  Harness h(OneRule("refused", ">", "0", "    keep_firing_for: 5s\n"));
  h.d.OnWindow(Win(0, 1, {"a"}));
  h.d.OnWindow(Win(1, 1, {"b"}));
  h.d.OnWindow(Win(2, 0, {"c"}));
  h.d.AdvanceTo(20 * kS);
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[0].evidence_ids, (std::vector<std::string>{"a"}));
  EXPECT_EQ(h.alerts[1].evidence_ids, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Detector, InlineEvidenceOnlyForEventsStillIndexed) {
  DetectorConfig cfg;
  cfg.evidence_capacity = 2;
  Harness h(OneRule("refused", ">", "0"), cfg);
  h.d.OnEvidence(Ev("e1"));
  h.d.OnEvidence(Ev("e2"));
  h.d.OnEvidence(Ev("e3"));  // evicts e1
  h.d.OnEvidence(Ev("e3"));  // duplicate
  h.d.OnWindow(Win(0, 3, {"e1", "e2", "e3", "e4"}));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].evidence_ids, (std::vector<std::string>{"e1", "e2", "e3", "e4"}));
  ASSERT_EQ(h.alerts[0].evidence.size(), 2u);
  EXPECT_EQ(h.alerts[0].evidence[0].id, "e2");
  EXPECT_EQ(h.alerts[0].evidence[1].id, "e3");
  EXPECT_EQ(h.Stat("edgewatch_detector_evidence_indexed_total"), 3);
  EXPECT_EQ(h.Stat("edgewatch_detector_evidence_evicted_total"), 1);
  EXPECT_EQ(h.Stat("edgewatch_detector_evidence_duplicate_total"), 1);
}

TEST(Detector, LateAndOutOfOrderWindowsAreCountedAndIgnored) {
  Harness h(OneRule("refused", ">", "0"));
  h.d.OnWindow(Win(10, 0));
  h.d.OnWindow(Win(9, 5));   // older than the last window
  h.d.OnWindow(Win(10, 5));  // duplicate of the last window
  EXPECT_TRUE(h.alerts.empty());
  h.d.AdvanceTo(20 * kS);
  h.d.OnWindow(Win(15, 5));  // behind the watermark
  EXPECT_TRUE(h.alerts.empty());
  EXPECT_EQ(h.Stat("edgewatch_detector_windows_late_total"), 3);
  EXPECT_EQ(h.Stat("edgewatch_detector_windows_total"), 4);
  h.d.OnWindow(Win(20, 5));  // on time again
  EXPECT_EQ(h.alerts.size(), 1u);
}

TEST(Detector, InvalidWindowIsCounted) {
  Harness h(OneRule("refused", ">", "0"));
  schema::EdgeWindow empty = Win(10, 5);
  empty.window_end_ns = empty.window_start_ns;
  h.d.OnWindow(empty);
  schema::EdgeWindow backwards = Win(10, 5);
  backwards.window_end_ns = backwards.window_start_ns - 1;
  h.d.OnWindow(backwards);
  schema::EdgeWindow before_epoch = Win(-5, 5);
  h.d.OnWindow(before_epoch);
  EXPECT_TRUE(h.alerts.empty());
  EXPECT_EQ(h.Stat("edgewatch_detector_windows_invalid_total"), 3);
  EXPECT_EQ(h.Stat("edgewatch_detector_edges"), 0);
}

TEST(Detector, ExtremeWatermarksAreHarmless) {
  Harness h(OneRule("refused", ">", "0", "    keep_firing_for: 1h\n"));
  h.d.OnWindow(Win(0, 1));
  h.d.AdvanceTo(INT64_MIN);
  h.d.AdvanceTo(-1);
  EXPECT_EQ(h.alerts.size(), 1u);
  h.d.AdvanceTo(INT64_MAX);  // resolves, then the edge is forgotten
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].ends_at_ns, 3601 * kS);
  EXPECT_EQ(h.d.edges(), 0u);
}

TEST(Detector, EdgeTableIsBoundedAndIdleEdgesExpire) {
  DetectorConfig cfg;
  cfg.max_edges = 2;
  cfg.edge_idle_ns = 10 * kS;
  Harness h(OneRule("refused", ">", "0"), cfg);
  h.d.OnWindow(Win(0, 0, {}, ClientEdge("a")));
  h.d.OnWindow(Win(0, 0, {}, ClientEdge("b")));
  h.d.OnWindow(Win(0, 1, {}, ClientEdge("c")));  // over the cap: dropped, no alert
  EXPECT_TRUE(h.alerts.empty());
  EXPECT_EQ(h.Stat("edgewatch_detector_edges_dropped_total"), 1);
  EXPECT_EQ(h.Stat("edgewatch_detector_edges"), 2);
  EXPECT_EQ(h.d.edges(), 2u);
  h.d.AdvanceTo(5 * kS);
  EXPECT_EQ(h.d.edges(), 2u);  // idle, but not long enough
  h.d.AdvanceTo(11 * kS);
  EXPECT_EQ(h.d.edges(), 0u);
  EXPECT_EQ(h.Stat("edgewatch_detector_edges_expired_total"), 2);
  h.d.OnWindow(Win(11, 1, {}, ClientEdge("c")));  // room again
  EXPECT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.d.edges(), 1u);
}

TEST(Detector, FiringEdgesDoNotExpire) {
  DetectorConfig cfg;
  cfg.edge_idle_ns = 10 * kS;
  Harness h(OneRule("refused", ">", "0", "    keep_firing_for: 1h\n"), cfg);
  h.d.OnWindow(Win(0, 1));
  h.d.AdvanceTo(100 * kS);
  EXPECT_EQ(h.d.edges(), 1u);
  EXPECT_EQ(h.alerts.size(), 1u);
  h.d.AdvanceTo(3700 * kS);  // resolved after an hour, then forgotten
  EXPECT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.d.edges(), 0u);
}

TEST(Detector, SelectorsDecideWhichEdgesHaveState) {
  Harness h(OneRule("refused", ">", "0",
                    "    match: {side: client, server_port: 8080, server_ip: 10.0.0.0/8}\n"));
  h.d.OnWindow(Win(0, 1, {}, ClientEdge("curl", 9090)));
  h.d.OnWindow(Win(0, 1, {}, ClientEdge("curl", 8080, "192.168.1.1")));
  schema::Edge server_side = ClientEdge();
  server_side.side = schema::Side::kServer;
  h.d.OnWindow(Win(0, 1, {}, server_side));
  EXPECT_TRUE(h.alerts.empty());
  EXPECT_EQ(h.Stat("edgewatch_detector_windows_unmatched_total"), 3);
  EXPECT_EQ(h.Stat("edgewatch_detector_edges"), 0);
  EXPECT_EQ(h.Stat("edgewatch_detector_edges_dropped_total"), 0);
  h.d.OnWindow(Win(0, 1, {}, ClientEdge("curl", 8080, "10.200.0.1")));
  EXPECT_EQ(h.alerts.size(), 1u);
}

TEST(Detector, V6ServerIsBracketedInLabels) {
  Harness h(OneRule("refused", ">", "0", "    match: {server_ip: \"fd00::/8\"}\n"));
  h.d.OnWindow(Win(0, 1, {}, ClientEdge("curl", 443, "fd00::5")));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].labels.at("server"), "[fd00::5]:443");
}

TEST(Detector, SeveralRulesAndSeverities) {
  Harness h(R"(business_system: payments
rules:
  - {name: Refused, signal: refused, comparison: ">", threshold: 0, severity: critical}
  - {name: AnyFailure, signal: failures, comparison: ">=", threshold: 2, severity: warning}
  - {name: SlowConnect, signal: connect_latency_max_us, comparison: ">", threshold: 1000, severity: info}
)");
  schema::EdgeWindow w = Win(0, 1);
  w.at(Counter::kTimeout) = 1;
  w.connect_latency.Add(5000);
  h.d.OnWindow(w);
  ASSERT_EQ(h.alerts.size(), 3u);
  EXPECT_EQ(h.alerts[0].rule, "Refused");
  EXPECT_EQ(h.alerts[1].rule, "AnyFailure");
  EXPECT_EQ(h.alerts[1].value, 2);
  EXPECT_EQ(h.alerts[2].rule, "SlowConnect");
  EXPECT_EQ(h.alerts[2].value, 5000);
  EXPECT_NE(h.alerts[0].fingerprint, h.alerts[1].fingerprint);
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_fired_total", "critical"), 1);
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_fired_total", "warning"), 1);
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_fired_total", "info"), 1);
  EXPECT_EQ(h.Stat("edgewatch_detector_rules"), 3);
}

TEST(Detector, FingerprintIsStableAcrossInstancesAndDiffersPerEdge) {
  const std::string yaml = OneRule("refused", ">", "0");
  Harness first(yaml);
  Harness second(yaml);
  first.d.OnWindow(Win(0, 1));
  second.d.OnWindow(Win(500, 7));  // another time, another value: same (rule, edge)
  second.d.OnWindow(Win(500, 1, {}, ClientEdge("wget")));
  second.d.OnWindow(Win(500, 1, {}, ClientEdge(), "node-2"));
  ASSERT_EQ(first.alerts.size(), 1u);
  ASSERT_EQ(second.alerts.size(), 3u);
  EXPECT_EQ(first.alerts[0].fingerprint, second.alerts[0].fingerprint);
  EXPECT_NE(second.alerts[0].fingerprint, second.alerts[1].fingerprint);
  EXPECT_NE(second.alerts[0].fingerprint, second.alerts[2].fingerprint);
  EXPECT_EQ(first.alerts[0].fingerprint.size(), 16u);
}

TEST(Detector, NodesHaveSeparateState) {
  Harness h(OneRule("refused", ">", "0"));
  h.d.OnWindow(Win(10, 1, {}, ClientEdge(), "node-1"));
  h.d.OnWindow(Win(5, 1, {}, ClientEdge(), "node-2"));  // not late: another sensor's grid
  EXPECT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.Stat("edgewatch_detector_windows_late_total"), 0);
  EXPECT_EQ(h.d.edges(), 2u);
}

TEST(Detector, ResolvedAnnotationsShowTheLastTrueValue) {
  Harness h(OneRule("refused", ">", "0", "    annotations: {summary: \"{{ value }} refused\"}\n"));
  h.d.OnWindow(Win(0, 4));
  h.d.OnWindow(Win(1, 0));
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].status, AlertStatus::kResolved);
  EXPECT_EQ(h.alerts[1].value, 0);
  EXPECT_EQ(h.alerts[1].annotations.at("summary"), "4 refused");
}

TEST(Detector, ThrowingCallbackIsCountedAndDoesNotStopTheDetector) {
  int calls = 0;
  Detector d(Rules(OneRule("refused", ">", "0")), {}, [&](const Alert&) {
    ++calls;
    throw std::runtime_error("receiver down");
  });
  d.OnWindow(Win(0, 1));
  d.OnWindow(Win(1, 0));
  EXPECT_EQ(calls, 2);
  std::vector<StatSample> stats;
  d.CollectStats(stats);
  double errors = -1;
  for (const StatSample& s : stats) {
    if (s.name == "edgewatch_detector_alert_callback_errors_total") {
      errors = s.value;
    }
  }
  EXPECT_EQ(errors, 2);
}

TEST(Detector, RejectsUnusableConfig) {
  DetectorConfig cfg;
  cfg.window_ns = 0;
  EXPECT_EQ(cfg.Check(), "window_ns must be > 0, got 0");
  EXPECT_THROW(Detector(rules::RuleSet{}, cfg, nullptr), std::invalid_argument);
  cfg = {};
  cfg.edge_idle_ns = -1;
  EXPECT_EQ(cfg.Check(), "edge_idle_ns must be >= 0, got -1");
  EXPECT_EQ(DetectorConfig{}.Check(), "");
}

TEST(Detector, NoCallbackIsFine) {
  Detector d(Rules(OneRule("refused", ">", "0")), {}, nullptr);
  d.OnWindow(Win(0, 1));
  d.AdvanceTo(10 * kS);
  EXPECT_EQ(d.edges(), 1u);
}

}  // namespace
}  // namespace edgewatch::detector
