// Baseline rules: parsed from rule files, evaluated per edge against what that edge learned.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "detector/baseline_condition.h"
#include "detector/detector.h"
#include "tests/unit/detector/detector_fixtures.h"

namespace edgewatch::detector {
namespace {

using fixtures::kS;
using fixtures::Rules;

constexpr const char* kRule = fixtures::kRefusedBaselineRule;

schema::EdgeWindow Window(int64_t i, uint64_t refused) {
  schema::EdgeWindow w = fixtures::Win(i, refused);
  return w;
}

TEST(BaselineRule, ParsesAndRejectsMixingWithThresholds) {
  auto set = rules::ParseRuleFile(kRule, "p.yaml");
  ASSERT_TRUE(set.ok()) << set.error();
  ASSERT_TRUE(set->rules[0].baseline.has_value());
  EXPECT_EQ(set->rules[0].baseline->min_history_ns, 120 * kS);
  EXPECT_EQ(set->rules[0].baseline->seasonality, rules::BaselineSpec::Seasonality::kNone);
  auto mixed = rules::ParseRuleFile(R"(business_system: p
rules:
  - name: A
    signal: refused
    comparison: ">"
    baseline: {sensitivity: 1.5, method: magic}
    severity: info
)",
                                    "p.yaml");
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(
      mixed.error().find("p.yaml:5:5: rules[0].comparison: a baseline rule learns its threshold"),
      std::string::npos)
      << mixed.error();
  EXPECT_NE(
      mixed.error().find("p.yaml:6:29: rules[0].baseline.sensitivity: \"1.5\" is not in (0, 1]"),
      std::string::npos)
      << mixed.error();
  EXPECT_NE(mixed.error().find("p.yaml:6:42: rules[0].baseline.method: \"magic\" is not one of"),
            std::string::npos);
  auto neither = rules::ParseRuleFile(
      "business_system: p\nrules:\n  - {name: A, signal: refused, severity: info}\n", "p.yaml");
  ASSERT_FALSE(neither.ok());
  EXPECT_NE(neither.error().find(
                "p.yaml:3:5: rules[0].comparison: missing required key (or give a baseline"),
            std::string::npos)
      << neither.error();
}

TEST(BaselineRule, AnEdgeThatAlwaysFailsALittleAlertsOnlyOnARise) {
  std::vector<schema::Alert> alerts;
  Detector d(Rules(kRule), DetectorConfig{}, [&](const schema::Alert& a) { alerts.push_back(a); });
  // 10 minutes of a noisy 2–4 refused per second: normal for this edge, never an alert, even
  // though a threshold rule `refused > 0` would fire all along.
  int64_t t = 0;
  for (; t < 600; ++t) d.OnWindow(Window(t, 2 + (t * 7919) % 3));
  EXPECT_TRUE(alerts.empty()) << alerts.size() << " alerts on normal traffic";
  // Then 60 refused per second: far outside what the edge has shown.
  for (int64_t i = 0; i < 5; ++i, ++t) d.OnWindow(Window(t, 60));
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts[0].status, schema::AlertStatus::kFiring);
  EXPECT_EQ(alerts[0].value, 60);
  EXPECT_EQ(alerts[0].threshold, 0.5);
  // Back to normal: resolves after keep_firing_for.
  for (int64_t i = 0; i < 60; ++i, ++t) d.OnWindow(Window(t, 3));
  EXPECT_EQ(alerts.back().status, schema::AlertStatus::kResolved);
}

TEST(BaselineRule, AFlatSignalThatLeavesItsLevelFires) {
  // An edge that never failed, then fails; and one whose value never changes, then triples.
  for (uint64_t level : {0u, 20u}) {
    SCOPED_TRACE(level);
    std::vector<schema::Alert> alerts;
    Detector d(Rules(kRule), DetectorConfig{},
               [&](const schema::Alert& a) { alerts.push_back(a); });
    int64_t t = 0;
    for (; t < 300; ++t) d.OnWindow(Window(t, level));
    EXPECT_TRUE(alerts.empty());
    // From 0 any failure is a departure; from 20, 21 (5 % of the level) is not.
    d.OnWindow(Window(t++, level == 0 ? 1 : 21));
    EXPECT_EQ(alerts.empty(), level != 0);
    for (int i = 0; i < 3; ++i) d.OnWindow(Window(t++, level == 0 ? 4 : 3 * level));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].status, schema::AlertStatus::kFiring);
  }
}

TEST(BaselineRule, ABatchClientThatStopsAlertsWhenTheRuleLooksDown) {
  // A batch client connects in bursts (2 s of 40 connects every 20–40 s), then stops for 400 s.
  // No window of the stop is unusual, only its length: a rule with `direction: down` sees it,
  // the same rule looking up does not, and neither fires while the bursts come.
  for (const char* direction : {"down", "up"}) {
    SCOPED_TRACE(direction);
    const std::string rule = std::string(R"(business_system: batch
rules:
  - name: BatchConnectsUnusual
    signal: connects
    baseline: {method: edgewatch, sensitivity: 0.25, min_history: 2m, seasonality: none, direction: )") +
                             direction + R"(}
    keep_firing_for: 10s
    severity: warning
)";
    std::vector<schema::Alert> alerts;
    Detector d(Rules(rule), DetectorConfig{}, [&](const schema::Alert& a) { alerts.push_back(a); });
    std::mt19937 rng(16);
    std::uniform_int_distribution<int64_t> gap(20, 40);
    int64_t next = 10;
    for (int64_t t = 0; t < 2800; ++t) {
      const bool stopped = t >= 2000 && t < 2400;
      schema::EdgeWindow w = Window(t, 0);
      const bool burst = !stopped && t >= next && t < next + 2;
      w.at(schema::Counter::kConnects) = burst ? 40 : 0;
      if (t == next + 1) next += gap(rng);
      d.OnWindow(w);
      if (t == 1999) {
        EXPECT_TRUE(alerts.empty()) << alerts.size() << " alerts while the bursts come";
      }
    }
    if (std::string(direction) == "down") {
      ASSERT_FALSE(alerts.empty()) << "the stop went unseen";
      EXPECT_EQ(alerts[0].status, schema::AlertStatus::kFiring);
      EXPECT_GE(alerts[0].starts_at_ns, 2000 * kS);
      EXPECT_LT(alerts[0].starts_at_ns, 2400 * kS);
    } else {
      EXPECT_TRUE(alerts.empty()) << "a stop is no rise";
    }
  }
}

TEST(BaselineRule, NothingFiresDuringMinHistory) {
  std::vector<schema::Alert> alerts;
  Detector d(Rules(kRule), DetectorConfig{}, [&](const schema::Alert& a) { alerts.push_back(a); });
  for (int64_t t = 0; t < 60; ++t) d.OnWindow(Window(t, t == 30 ? 500 : 1));
  EXPECT_TRUE(alerts.empty()) << "a spike inside the 2 min of learning";
}

TEST(BaselineRule, StateStaysNearOneKilobytePerEdgeAndSignal) {
  auto set = rules::ParseRuleFile(kRule, "p.yaml");
  ASSERT_TRUE(set.ok());
  BaselineCondition c(set->rules[0].signal, *set->rules[0].baseline);
  auto state = c.NewState();
  for (int64_t t = 0; t < 200; ++t) c.Evaluate(Window(t, 3), state.get());
  EXPECT_LE(BaselineCondition::StateBytes(state.get()), 1100u);
}

constexpr const char* kJointRule = R"(business_system: payments
rules:
  - name: ConnectsAndLatencyUnusual
    signal: connects
    baseline: {method: joint, with: [connect_latency_avg_us], sensitivity: 0.5, min_history: 2m,
               direction: both}
    severity: warning
)";

// A window with `connects` connects whose mean SYN → ESTABLISHED time is `latency_us`.
schema::EdgeWindow Busy(int64_t t, double connects, double latency_us) {
  schema::EdgeWindow w = fixtures::Win(t);
  const auto n = static_cast<uint64_t>(std::lround(connects));
  w.at(schema::Counter::kConnects) = n;
  w.connect_latency.count = n;
  w.connect_latency.sum_us =
      static_cast<uint64_t>(std::llround(latency_us * static_cast<double>(n)));
  return w;
}

TEST(BaselineRule, AJointRuleSeesACombinationNoSingleSignalShows) {
  auto set = rules::ParseRuleFile(kJointRule, "p.yaml");
  ASSERT_TRUE(set.ok()) << set.error();
  ASSERT_EQ(set->rules[0].baseline->with.size(), 1U);
  std::vector<schema::Alert> joint_alerts, single_alerts;
  Detector joint(Rules(kJointRule), DetectorConfig{},
                 [&](const schema::Alert& a) { joint_alerts.push_back(a); });
  std::string single_rule = kJointRule;
  single_rule.replace(single_rule.find("method: joint, with: [connect_latency_avg_us]"), 45,
                      "method: edgewatch");
  single_rule.replace(single_rule.find("signal: connects"), 16, "signal: connect_latency_avg_us");
  Detector single(Rules(single_rule), DetectorConfig{},
                  [&](const schema::Alert& a) { single_alerts.push_back(a); });
  // A busier edge is slower (elasticity 4), with noise of its own.
  std::mt19937 rng(3);
  std::normal_distribution<double> n(0, 1);
  int64_t t = 0;
  for (; t < 600; ++t) {
    const double z = 0.05 * n(rng);
    const auto w = Busy(t, 100 * std::exp(z), 2000 * std::exp(4 * z + 0.02 * n(rng)));
    joint.OnWindow(w);
    single.OnWindow(w);
  }
  ASSERT_TRUE(joint_alerts.empty()) << joint_alerts.size() << " alerts on normal traffic";
  // Busy and fast at once: +2σ connects with −2σ latency, each within its normal range.
  const auto odd = Busy(t, 100 * std::exp(0.1), 2000 * std::exp(-0.4));
  joint.OnWindow(odd);
  single.OnWindow(odd);
  ASSERT_EQ(joint_alerts.size(), 1U);
  EXPECT_EQ(joint_alerts[0].rule, "ConnectsAndLatencyUnusual");
  EXPECT_TRUE(single_alerts.empty()) << "the latency alone is ordinary";
}

TEST(BaselineRule, JointNeedsWithAndWithNeedsJoint) {
  auto no_with = rules::ParseRuleFile(R"(business_system: p
rules:
  - name: A
    signal: connects
    baseline: {method: joint}
    severity: info
)",
                                      "p.yaml");
  ASSERT_FALSE(no_with.ok());
  EXPECT_NE(no_with.error().find("rules[0].baseline.with: missing required key for method: joint"),
            std::string::npos)
      << no_with.error();
  auto stray = rules::ParseRuleFile(R"(business_system: p
rules:
  - name: A
    signal: connects
    baseline: {method: ewma, with: [refused]}
    severity: info
)",
                                    "p.yaml");
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.error().find("p.yaml:5:30: rules[0].baseline.with: only for method: joint"),
            std::string::npos)
      << stray.error();
  auto bad = rules::ParseRuleFile(R"(business_system: p
rules:
  - name: A
    signal: connects
    baseline: {method: joint, with: [refused, nope]}
    severity: info
)",
                                  "p.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("rules[0].baseline.with[1]: \"nope\" is not a signal"),
            std::string::npos)
      << bad.error();
}

}  // namespace
}  // namespace edgewatch::detector
