// Partition handover and restart: Detector::Adopt, Detector::DropEdges and
// AlertLifecycle::RestoreFiring, alone and together with the AlertTable that dedups what a
// detector publishes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "detector/alert_lifecycle.h"
#include "detector/alert_table.h"
#include "detector/detector.h"
#include "rules/loader.h"
#include "tests/unit/detector/detector_fixtures.h"

namespace edgewatch::detector {
namespace {

using schema::Alert;
using schema::AlertStatus;
using schema::Counter;
using Kind = AlertLifecycle::Change::Kind;
using State = AlertLifecycle::State;
using namespace fixtures;

// ConnectRefused (refused > 0, critical) of the payments system; `extra` adds rule keys.
std::string RefusedRule(const std::string& extra = "") {
  return "business_system: payments\n"
         "rules:\n"
         "  - name: ConnectRefused\n"
         "    signal: refused\n"
         "    comparison: \">\"\n"
         "    threshold: 0\n"
         "    severity: critical\n" +
         extra;
}

// A detector that records what it emits.
struct Harness {
  explicit Harness(const std::string& yaml, DetectorConfig cfg = {})
      : d(Rules(yaml), cfg, [this](const Alert& a) { alerts.push_back(a); }) {}

  double Stat(const std::string& name, const std::string& severity = "") const {
    std::vector<StatSample> out;
    d.CollectStats(out);
    for (const StatSample& s : out) {
      if (s.name != name) continue;
      if (severity.empty() && s.labels.empty()) return s.value;
      if (!s.labels.empty() && s.labels[0].second == severity) return s.value;
    }
    ADD_FAILURE() << "no stat " << name << " " << severity;
    return -1;
  }
  double Firing(const std::string& severity = "critical") const {
    return Stat("edgewatch_detector_alerts_firing", severity);
  }

  std::vector<Alert> alerts;
  Detector d;
};

// What detector A raised on ClientEdge() of node-1: `for: 2s` over windows [10s, 12s), so
// starts_at = 10s (start of the first true window) and window_end = 12s.
Alert FiredElsewhere(const std::string& yaml = RefusedRule("    for: 2s\n")) {
  Harness a(yaml);
  a.d.OnWindow(Win(10, 1, {"e10"}));
  a.d.OnWindow(Win(11, 2, {"e11"}));
  EXPECT_EQ(a.alerts.size(), 1u);
  if (a.alerts.empty()) return {};
  EXPECT_EQ(a.alerts[0].status, AlertStatus::kFiring);
  EXPECT_EQ(a.alerts[0].starts_at_ns, 10 * kS);
  EXPECT_EQ(a.alerts[0].window_end_ns, 12 * kS);
  return a.alerts[0];
}

// --- AlertLifecycle::RestoreFiring ---------------------------------------------------------

TEST(AlertLifecycleRestoreFiring, IsFiringAndDoesNotFireAgain) {
  AlertLifecycle l(0, 0);
  l.RestoreFiring(100 * kS, 101 * kS);
  EXPECT_EQ(l.state(), State::kFiring);
  EXPECT_EQ(l.pending_since_ns(), 100 * kS);
  EXPECT_EQ(l.last_true_end_ns(), 101 * kS);
  EXPECT_EQ(l.Observe(true, 101 * kS, kS).kind, Kind::kNone);
  EXPECT_EQ(l.last_true_end_ns(), 102 * kS);
  const auto c = l.Observe(false, 102 * kS, kS);
  EXPECT_EQ(c.kind, Kind::kResolved);
  EXPECT_EQ(c.at_ns, 103 * kS);
  EXPECT_EQ(l.state(), State::kInactive);
  // A new episode fires normally.
  const auto again = l.Observe(true, 200 * kS, kS);
  EXPECT_EQ(again.kind, Kind::kFired);
  EXPECT_EQ(again.at_ns, 201 * kS);
  EXPECT_EQ(l.pending_since_ns(), 200 * kS);
}

TEST(AlertLifecycleRestoreFiring, KeepFiringForCountsFromTheRestoredLastTrueEnd) {
  AlertLifecycle l(0, 5 * kS);
  l.RestoreFiring(90 * kS, 101 * kS);
  EXPECT_EQ(l.Observe(false, 101 * kS, kS, 3).kind, Kind::kNone);  // ends 104s < 106s
  const auto c = l.Observe(false, 104 * kS, kS, 3);                // 105s, 106s, 107s
  EXPECT_EQ(c.kind, Kind::kResolved);
  EXPECT_EQ(c.at_ns, 106 * kS);
}

TEST(AlertLifecycleRestoreFiring, BehavesLikeTheLifecycleItContinues) {
  AlertLifecycle original(3 * kS, 2 * kS);
  EXPECT_EQ(original.Observe(true, 10 * kS, kS, 3).kind, Kind::kFired);  // fires at 13s
  AlertLifecycle restored(3 * kS, 2 * kS);
  restored.RestoreFiring(original.pending_since_ns(), original.last_true_end_ns());
  EXPECT_EQ(restored.state(), original.state());
  EXPECT_EQ(restored.pending_since_ns(), 10 * kS);
  const std::vector<std::pair<bool, int64_t>> feed = {{true, 13}, {false, 14}, {false, 15}};
  for (const auto& [active, t] : feed) {
    const auto a = original.Observe(active, t * kS, kS);
    const auto b = restored.Observe(active, t * kS, kS);
    EXPECT_EQ(a.kind, b.kind) << t;
    EXPECT_EQ(a.at_ns, b.at_ns) << t;
  }
  EXPECT_EQ(restored.state(), State::kInactive);  // resolved at 16s = 14s + keep_firing_for
}

// --- Detector::Adopt ---------------------------------------------------------------------

TEST(DetectorAdopt, ResolvesOnceWithTheOriginalFingerprintAndStart) {
  const Alert fired = FiredElsewhere();
  Harness b(RefusedRule("    for: 2s\n"));
  ASSERT_TRUE(b.d.Adopt(fired));
  EXPECT_TRUE(b.alerts.empty());
  EXPECT_EQ(b.d.edges(), 1u);
  EXPECT_EQ(b.Stat("edgewatch_detector_alerts_adopted_total"), 1);
  EXPECT_EQ(b.Firing(), 1);

  b.d.OnWindow(Win(12, 3));  // still true: the alert is already out, nothing to say
  EXPECT_TRUE(b.alerts.empty());
  b.d.OnWindow(Win(13, 0));  // keep_firing_for 0s: resolves here
  ASSERT_EQ(b.alerts.size(), 1u);
  const Alert& r = b.alerts[0];
  EXPECT_EQ(r.status, AlertStatus::kResolved);
  EXPECT_EQ(r.fingerprint, fired.fingerprint);
  EXPECT_EQ(r.labels, fired.labels);
  EXPECT_EQ(r.starts_at_ns, 10 * kS);
  EXPECT_EQ(r.ends_at_ns, 14 * kS);
  EXPECT_EQ(r.window_end_ns, 14 * kS);
  EXPECT_EQ(r.rule, "ConnectRefused");
  EXPECT_EQ(r.node, "node-1");
  EXPECT_EQ(r.edge, ClientEdge());
  EXPECT_EQ(r.value, 0);

  b.d.OnWindow(Win(14, 0));
  b.d.AdvanceTo(100 * kS);
  EXPECT_EQ(b.alerts.size(), 1u);  // exactly one record, never a firing one
  EXPECT_EQ(b.Firing(), 0);
  EXPECT_EQ(b.Stat("edgewatch_detector_alerts_fired_total", "critical"), 0);
  EXPECT_EQ(b.Stat("edgewatch_detector_alerts_resolved_total", "critical"), 1);
}

TEST(DetectorAdopt, TheNextWindowIsTakenAsItComesWithoutAnIdleGap) {
  const Alert fired = FiredElsewhere();
  Harness b(RefusedRule("    for: 2s\n"));
  ASSERT_TRUE(b.d.Adopt(fired));
  // Nothing is known about [12s, 40s): the old owner may have seen true windows there.
  b.d.OnWindow(Win(40, 1));
  EXPECT_TRUE(b.alerts.empty());
  EXPECT_EQ(b.Stat("edgewatch_detector_idle_windows_total"), 0);
  b.d.OnWindow(Win(41, 0));
  ASSERT_EQ(b.alerts.size(), 1u);
  EXPECT_EQ(b.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(b.alerts[0].ends_at_ns, 42 * kS);
  EXPECT_EQ(b.alerts[0].starts_at_ns, 10 * kS);
}

TEST(DetectorAdopt, RefusesWhatItCannotContinueAndChangesNothing) {
  const std::string yaml = RefusedRule(
      "    for: 2s\n"
      "    match: {server_port: 8080}\n");
  const Alert fired = FiredElsewhere(yaml);
  Harness b(yaml);

  Alert resolved = fired;
  resolved.status = AlertStatus::kResolved;
  resolved.ends_at_ns = resolved.window_end_ns;
  EXPECT_FALSE(b.d.Adopt(resolved));

  Alert unknown_rule = fired;
  unknown_rule.rule = "RuleThatWasRemoved";
  EXPECT_FALSE(b.d.Adopt(unknown_rule));

  Alert not_selected = fired;
  not_selected.edge = ClientEdge("curl", 9090);  // the rule's selector wants port 8080
  EXPECT_FALSE(b.d.Adopt(not_selected));

  EXPECT_EQ(b.d.edges(), 0u);
  EXPECT_EQ(b.Stat("edgewatch_detector_alerts_adopted_total"), 0);
  EXPECT_EQ(b.Firing(), 0);

  EXPECT_TRUE(b.d.Adopt(fired));
  EXPECT_FALSE(b.d.Adopt(fired));  // the (rule, edge) is firing here now
  EXPECT_EQ(b.d.edges(), 1u);
  EXPECT_EQ(b.Stat("edgewatch_detector_alerts_adopted_total"), 1);
  EXPECT_EQ(b.Firing(), 1);
  EXPECT_TRUE(b.alerts.empty());
}

TEST(DetectorAdopt, RefusesWhenTheRuleAlreadyHasStateHere) {
  const Alert fired = FiredElsewhere();
  Harness pending(RefusedRule("    for: 2s\n"));
  pending.d.OnWindow(Win(10, 1));  // pending
  EXPECT_FALSE(pending.d.Adopt(fired));
  EXPECT_EQ(pending.Firing(), 0);
  pending.d.OnWindow(Win(11, 1));  // fires here on its own
  ASSERT_EQ(pending.alerts.size(), 1u);
  EXPECT_FALSE(pending.d.Adopt(fired));
  EXPECT_EQ(pending.Firing(), 1);
  EXPECT_EQ(pending.Stat("edgewatch_detector_alerts_adopted_total"), 0);
}

TEST(DetectorAdopt, EdgeWithInactiveStateIsContinued) {
  const Alert fired = FiredElsewhere();
  Harness b(RefusedRule("    for: 2s\n"));
  b.d.OnWindow(Win(11, 0));  // the edge is known here, its rule inactive
  ASSERT_TRUE(b.d.Adopt(fired));
  EXPECT_EQ(b.d.edges(), 1u);
  EXPECT_EQ(b.Firing(), 1);
  b.d.OnWindow(Win(12, 1));
  EXPECT_TRUE(b.alerts.empty());
  b.d.OnWindow(Win(13, 0));
  ASSERT_EQ(b.alerts.size(), 1u);
  EXPECT_EQ(b.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(b.alerts[0].fingerprint, fired.fingerprint);
  EXPECT_EQ(b.alerts[0].starts_at_ns, 10 * kS);
  EXPECT_EQ(b.alerts[0].ends_at_ns, 14 * kS);
}

TEST(DetectorAdopt, RefusedWhenTheEdgeTableIsFull) {
  const Alert fired = FiredElsewhere();
  DetectorConfig cfg;
  cfg.max_edges = 1;
  Harness b(RefusedRule("    for: 2s\n"), cfg);
  b.d.OnWindow(Win(11, 0, {}, ClientEdge("other")));
  EXPECT_FALSE(b.d.Adopt(fired));
  EXPECT_EQ(b.d.edges(), 1u);
  EXPECT_EQ(b.Firing(), 0);
  EXPECT_EQ(b.Stat("edgewatch_detector_alerts_adopted_total"), 0);
}

TEST(DetectorAdopt, OnlyTheAlertsRuleIsContinued) {
  const std::string yaml = R"(business_system: payments
rules:
  - {name: ConnectRefused, signal: refused, comparison: ">", threshold: 0, severity: critical, for: 2s}
  - {name: NoConnects, signal: connects, comparison: "<", threshold: 1, severity: warning}
)";
  const Alert fired = FiredElsewhere(yaml);
  Harness b(yaml);
  ASSERT_TRUE(b.d.Adopt(fired));
  EXPECT_EQ(b.Firing("critical"), 1);
  EXPECT_EQ(b.Firing("warning"), 0);
  b.d.OnWindow(Win(12, 0));  // refused 0, connects 1: both conditions false
  ASSERT_EQ(b.alerts.size(), 1u);
  EXPECT_EQ(b.alerts[0].rule, "ConnectRefused");
  EXPECT_EQ(b.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(b.Firing("critical"), 0);
  EXPECT_EQ(b.Firing("warning"), 0);
}

TEST(DetectorAdopt, WithoutWindowsResolvesOnceTheWatermarkPassesIt) {
  const Alert fired = FiredElsewhere();
  Harness b(RefusedRule("    for: 2s\n"));
  ASSERT_TRUE(b.d.Adopt(fired));
  b.d.AdvanceTo(12 * kS);  // not past the alert's window yet
  b.d.AdvanceTo(12 * kS + kS / 2);
  EXPECT_TRUE(b.alerts.empty());
  EXPECT_EQ(b.Firing(), 1);
  b.d.AdvanceTo(60 * kS);  // quiet from one window before the watermark
  ASSERT_EQ(b.alerts.size(), 1u);
  const Alert& r = b.alerts[0];
  EXPECT_EQ(r.status, AlertStatus::kResolved);
  EXPECT_EQ(r.fingerprint, fired.fingerprint);
  EXPECT_EQ(r.starts_at_ns, 10 * kS);
  EXPECT_EQ(r.ends_at_ns, 60 * kS);
  EXPECT_EQ(r.window_end_ns, 60 * kS);
  EXPECT_EQ(b.Stat("edgewatch_detector_idle_windows_total"), 1);
  EXPECT_EQ(b.Firing(), 0);
  EXPECT_EQ(b.d.edges(), 1u);
  b.d.AdvanceTo(400 * kS);  // idle and quiet: forgotten, silently
  EXPECT_EQ(b.d.edges(), 0u);
  EXPECT_EQ(b.alerts.size(), 1u);
}

TEST(DetectorAdopt, WatermarkOneWindowPastTheAlertResolvesAtIt) {
  const Alert fired = FiredElsewhere();
  Harness b(RefusedRule("    for: 2s\n"));
  ASSERT_TRUE(b.d.Adopt(fired));
  b.d.AdvanceTo(13 * kS);
  ASSERT_EQ(b.alerts.size(), 1u);
  EXPECT_EQ(b.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(b.alerts[0].ends_at_ns, 13 * kS);
}

TEST(DetectorAdopt, WindowsBeforeTheAlertsWindowEndAreLateAndDoNotFire) {
  const Alert fired = FiredElsewhere();
  Harness b(RefusedRule("    for: 2s\n"));
  ASSERT_TRUE(b.d.Adopt(fired));
  // Replayed from an older committed offset: already seen by the previous owner.
  b.d.OnWindow(Win(10, 5));
  b.d.OnWindow(Win(11, 5));
  EXPECT_TRUE(b.alerts.empty());
  EXPECT_EQ(b.Stat("edgewatch_detector_windows_late_total"), 2);
  b.d.OnWindow(Win(12, 5));
  EXPECT_TRUE(b.alerts.empty());
  EXPECT_EQ(b.Stat("edgewatch_detector_windows_late_total"), 2);
  b.d.OnWindow(Win(13, 0));
  ASSERT_EQ(b.alerts.size(), 1u);
  EXPECT_EQ(b.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(b.alerts[0].ends_at_ns, 14 * kS);
  EXPECT_EQ(b.Stat("edgewatch_detector_alerts_fired_total", "critical"), 0);
}

TEST(DetectorAdopt, ResolvedAlertKeepsAdoptedEvidenceAndAnnotations) {
  const std::string yaml = RefusedRule("    annotations: {summary: \"{{ value }} refused\"}\n");
  Harness a(yaml);
  a.d.OnWindow(Win(10, 4, {"e1"}));
  ASSERT_EQ(a.alerts.size(), 1u);
  const Alert fired = a.alerts[0];

  Harness quiet(yaml);  // resolves on its first window
  ASSERT_TRUE(quiet.d.Adopt(fired));
  quiet.d.OnWindow(Win(11, 0, {"late-evidence"}));
  ASSERT_EQ(quiet.alerts.size(), 1u);
  EXPECT_EQ(quiet.alerts[0].annotations.at("summary"), "4 refused");  // the adopted value
  EXPECT_EQ(quiet.alerts[0].evidence_ids, (std::vector<std::string>{"e1"}));
  EXPECT_EQ(quiet.alerts[0].value, 0);

  Harness busy(yaml);  // one more true window first
  ASSERT_TRUE(busy.d.Adopt(fired));
  busy.d.OnWindow(Win(11, 2, {"e2"}));
  busy.d.OnWindow(Win(12, 0, {"e3"}));
  ASSERT_EQ(busy.alerts.size(), 1u);
  EXPECT_EQ(busy.alerts[0].annotations.at("summary"), "2 refused");
  EXPECT_EQ(busy.alerts[0].evidence_ids, (std::vector<std::string>{"e1", "e2"}));
}

// Regression: the way the watermark is stepped (one AdvanceTo of several windows, or one
// window at a time) must not change the outcome for an adopted edge; the adopted flag once
// stayed set while idle windows were applied, so a later gap was skipped.
TEST(DetectorAdopt, GapAfterTheWatermarkPassedIsIdleHoweverTheWatermarkWasStepped) {
  const std::string yaml = RefusedRule("    keep_firing_for: 3s\n");
  Harness a(yaml);
  a.d.OnWindow(Win(10, 1));  // fires at 11s
  ASSERT_EQ(a.alerts.size(), 1u);
  const Alert fired = a.alerts[0];

  Harness jumped(yaml);
  ASSERT_TRUE(jumped.d.Adopt(fired));
  jumped.d.AdvanceTo(13 * kS);
  jumped.d.OnWindow(Win(20, 1));  // [13s, 20s) had no windows: zero, resolves at 14s
  ASSERT_EQ(jumped.alerts.size(), 2u);
  EXPECT_EQ(jumped.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(jumped.alerts[0].ends_at_ns, 14 * kS);
  EXPECT_EQ(jumped.alerts[1].status, AlertStatus::kFiring);
  EXPECT_EQ(jumped.alerts[1].starts_at_ns, 20 * kS);

  Harness stepped(yaml);
  ASSERT_TRUE(stepped.d.Adopt(fired));
  stepped.d.AdvanceTo(12 * kS);
  stepped.d.AdvanceTo(13 * kS);
  stepped.d.OnWindow(Win(20, 1));
  ASSERT_EQ(stepped.alerts.size(), 2u);  // fails: 0 alerts, [13s, 20s) was skipped
  EXPECT_EQ(stepped.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(stepped.alerts[0].ends_at_ns, 14 * kS);
  EXPECT_EQ(stepped.alerts[1].status, AlertStatus::kFiring);
  EXPECT_EQ(stepped.alerts[1].starts_at_ns, 20 * kS);
}

// Regression: a watermark near INT64_MIN must not overflow the adopted-edge arithmetic
// (it once wrapped to a huge last end, making every later window late).
TEST(DetectorAdopt, ExtremeWatermarksAreHarmless) {
  const Alert fired = FiredElsewhere();
  Harness b(RefusedRule("    for: 2s\n"));
  ASSERT_TRUE(b.d.Adopt(fired));
  b.d.AdvanceTo(INT64_MIN);
  b.d.AdvanceTo(-1);
  EXPECT_TRUE(b.alerts.empty());
  b.d.OnWindow(Win(12, 0));
  EXPECT_EQ(b.Stat("edgewatch_detector_windows_late_total"), 0);
  ASSERT_EQ(b.alerts.size(), 1u);
  EXPECT_EQ(b.alerts[0].status, AlertStatus::kResolved);
  EXPECT_EQ(b.alerts[0].ends_at_ns, 13 * kS);
}

// --- Detector::DropEdges -----------------------------------------------------------------

TEST(DetectorDropEdges, ForgetsExactlyTheMatchingEdgesSilently) {
  Harness h(RefusedRule());
  h.d.OnWindow(Win(0, 1, {}, ClientEdge("a")));            // firing
  h.d.OnWindow(Win(0, 0, {}, ClientEdge("b")));            // quiet
  h.d.OnWindow(Win(0, 1, {}, ClientEdge("c")));            // firing
  h.d.OnWindow(Win(0, 1, {}, ClientEdge("a"), "node-2"));  // firing, another sensor
  ASSERT_EQ(h.alerts.size(), 3u);
  ASSERT_EQ(h.d.edges(), 4u);
  ASSERT_EQ(h.Firing(), 3);

  std::vector<std::string> asked;
  const size_t dropped = h.d.DropEdges([&](const std::string& node, const schema::Edge& e) {
    asked.push_back(node + "/" + e.client.workload);
    return node == "node-1" && e.client.workload != "c";
  });
  EXPECT_EQ(dropped, 2u);  // node-1/a and node-1/b
  std::sort(asked.begin(), asked.end());
  EXPECT_EQ(asked, (std::vector<std::string>{"node-1/a", "node-1/b", "node-1/c", "node-2/a"}));
  EXPECT_EQ(h.d.edges(), 2u);
  EXPECT_EQ(h.Stat("edgewatch_detector_edges"), 2);
  EXPECT_EQ(h.alerts.size(), 3u);  // nothing emitted: the next owner resolves node-1/a
  EXPECT_EQ(h.Firing(), 2);
  EXPECT_EQ(h.Stat("edgewatch_detector_edges_handed_over_total"), 2);
  EXPECT_EQ(h.Stat("edgewatch_detector_alerts_resolved_total", "critical"), 0);

  // The edges kept here go on; the dropped ones do not resolve here.
  h.d.AdvanceTo(5 * kS);
  ASSERT_EQ(h.alerts.size(), 5u);
  for (size_t i = 3; i < 5; ++i) {
    EXPECT_EQ(h.alerts[i].status, AlertStatus::kResolved);
    EXPECT_NE(h.alerts[i].fingerprint, h.alerts[0].fingerprint);  // not node-1/a
  }
  EXPECT_EQ(h.Firing(), 0);

  EXPECT_EQ(h.d.DropEdges([](const std::string&, const schema::Edge&) { return false; }), 0u);
  EXPECT_EQ(h.d.edges(), 2u);
}

TEST(DetectorDropEdges, DroppedEdgeStartsFreshAndTheAlertTableDedupsTheRepeat) {
  AlertTable table;
  std::vector<Alert> published;
  std::vector<Alert> emitted;
  Detector d(Rules(RefusedRule()), {}, [&](const Alert& a) {
    emitted.push_back(a);
    if (!table.ShouldPublish(a)) return;
    table.Record(a);
    published.push_back(a);
  });
  d.OnWindow(Win(0, 1));
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(d.DropEdges([](const std::string&, const schema::Edge&) { return true; }), 1u);
  EXPECT_EQ(d.edges(), 0u);

  // The partition comes back before anyone resolved the alert: a fresh start, firing again.
  d.OnWindow(Win(1, 1));
  ASSERT_EQ(emitted.size(), 2u);
  EXPECT_EQ(emitted[1].status, AlertStatus::kFiring);
  EXPECT_EQ(emitted[1].starts_at_ns, 1 * kS);
  EXPECT_EQ(emitted[1].fingerprint, emitted[0].fingerprint);
  EXPECT_EQ(published.size(), 1u);  // a duplicate for the table
  d.OnWindow(Win(2, 0));
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1].status, AlertStatus::kResolved);
  EXPECT_EQ(table.firing(), 0u);
}

TEST(DetectorDropEdges, FiringGaugeFollowsAdoptAndDropEdges) {
  Harness a(RefusedRule());
  a.d.OnWindow(Win(10, 1, {}, ClientEdge("x")));
  a.d.OnWindow(Win(10, 1, {}, ClientEdge("y")));
  ASSERT_EQ(a.alerts.size(), 2u);

  Harness b(RefusedRule());
  EXPECT_EQ(b.Firing(), 0);
  ASSERT_TRUE(b.d.Adopt(a.alerts[0]));
  EXPECT_EQ(b.Firing(), 1);
  ASSERT_TRUE(b.d.Adopt(a.alerts[1]));
  EXPECT_EQ(b.Firing(), 2);
  EXPECT_EQ(b.Firing("warning"), 0);
  EXPECT_EQ(b.d.DropEdges(
                [](const std::string&, const schema::Edge& e) { return e.client.workload == "x"; }),
            1u);
  EXPECT_EQ(b.Firing(), 1);
  EXPECT_EQ(b.d.edges(), 1u);
  EXPECT_EQ(b.d.DropEdges([](const std::string&, const schema::Edge&) { return true; }), 1u);
  EXPECT_EQ(b.Firing(), 0);
  EXPECT_EQ(b.d.edges(), 0u);
  EXPECT_TRUE(b.alerts.empty());
  EXPECT_EQ(b.Stat("edgewatch_detector_alerts_adopted_total"), 2);
  EXPECT_EQ(b.Stat("edgewatch_detector_edges_handed_over_total"), 2);
  // Adopting again after the drop is allowed (the partition came back).
  EXPECT_TRUE(b.d.Adopt(a.alerts[0]));
  EXPECT_EQ(b.Firing(), 1);
}

// --- The whole handover, as KafkaDetector runs it ----------------------------------------

TEST(DetectorHandover, EachTransitionIsPublishedOnceAcrossTheHandover) {
  AlertTable topic;  // what the compacted alerts topic holds
  std::vector<Alert> published;
  auto publisher = [&](const Alert& a) {
    if (!topic.ShouldPublish(a)) return;
    topic.Record(a);
    published.push_back(a);
  };
  const std::string yaml = RefusedRule("    for: 2s\n");
  Detector a(Rules(yaml), {}, publisher);
  Detector b(Rules(yaml), {}, publisher);

  a.OnWindow(Win(10, 1));
  a.OnWindow(Win(11, 1));
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(a.DropEdges([](const std::string&, const schema::Edge&) { return true; }), 1u);

  size_t adopted = 0;
  for (const Alert& f : topic.Firing([](const Alert& f) { return f.node == "node-1"; })) {
    adopted += b.Adopt(f) ? 1 : 0;
  }
  EXPECT_EQ(adopted, 1u);
  // b replays from a's last committed offset, then goes on.
  for (int64_t t = 11; t < 15; ++t) b.OnWindow(Win(t, 1));
  EXPECT_EQ(published.size(), 1u);
  b.OnWindow(Win(15, 0));
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1].status, AlertStatus::kResolved);
  EXPECT_EQ(published[1].fingerprint, published[0].fingerprint);
  EXPECT_EQ(published[1].starts_at_ns, published[0].starts_at_ns);
  EXPECT_EQ(published[1].ends_at_ns, 16 * kS);
  EXPECT_EQ(topic.size(), 1u);
  EXPECT_EQ(topic.firing(), 0u);
}

}  // namespace
}  // namespace edgewatch::detector
