// Detector::ReplaceRules: hot reload keeps the state of unchanged rules, ends changed and
// removed ones (resolving what they had firing), and starts new ones.
#include <gtest/gtest.h>

#include <vector>

#include "detector/detector.h"
#include "tests/unit/detector/detector_fixtures.h"

namespace edgewatch::detector {
namespace {

using fixtures::Rules;
using fixtures::Win;

constexpr const char* kTwoRules = R"(business_system: payments
rules:
  - name: Refused
    signal: refused
    comparison: ">"
    threshold: 0
    severity: critical
  - name: RefusedFor3s
    signal: refused
    comparison: ">"
    threshold: 0
    for: 3s
    severity: warning
)";

struct Harness {
  std::vector<schema::Alert> alerts;
  Detector d;
  explicit Harness(const char* yaml)
      : d(Rules(yaml), DetectorConfig{}, [this](const schema::Alert& a) { alerts.push_back(a); }) {}
  size_t Count(const std::string& rule, schema::AlertStatus status) const {
    size_t n = 0;
    for (const auto& a : alerts) n += a.rule == rule && a.status == status;
    return n;
  }
};

TEST(RulesReload, UnchangedRulesKeepFiringAndPendingState) {
  Harness run(kTwoRules);
  run.d.OnWindow(Win(0, 1));
  run.d.OnWindow(Win(1, 1));
  ASSERT_EQ(run.Count("Refused", schema::AlertStatus::kFiring), 1u);
  // The same text again (a touch of the file, or a comment changed): nothing is re-sent.
  const auto counts = run.d.ReplaceRules(Rules(kTwoRules));
  EXPECT_EQ(counts.kept, 2u);
  EXPECT_EQ(counts.ended, 0u);
  EXPECT_EQ(counts.started, 0u);
  run.d.OnWindow(Win(2, 1));
  run.d.OnWindow(Win(3, 1));
  EXPECT_EQ(run.Count("Refused", schema::AlertStatus::kFiring), 1u) << "not fired again";
  // RefusedFor3s kept counting its `for` across the reload: pending since 0, fires at 3.
  EXPECT_EQ(run.Count("RefusedFor3s", schema::AlertStatus::kFiring), 1u);
  EXPECT_EQ(run.alerts.back().starts_at_ns, 0);
}

TEST(RulesReload, ChangedRuleResolvesAndStartsOverRemovedRuleResolves) {
  Harness run(kTwoRules);
  run.d.OnWindow(Win(0, 1));
  run.d.OnWindow(Win(1, 1));
  ASSERT_EQ(run.Count("Refused", schema::AlertStatus::kFiring), 1u);
  // Refused gets a new threshold and severity; RefusedFor3s is removed.
  const auto counts = run.d.ReplaceRules(Rules(R"(business_system: payments
rules:
  - name: Refused
    signal: refused
    comparison: ">"
    threshold: 5
    severity: warning
)"));
  EXPECT_EQ(counts.kept, 0u);
  EXPECT_EQ(counts.ended, 2u);
  EXPECT_EQ(counts.started, 1u);
  ASSERT_EQ(run.Count("Refused", schema::AlertStatus::kResolved), 1u);
  EXPECT_EQ(run.alerts.back().ends_at_ns, 2 * fixtures::kS) << "at the edge's last window end";
  EXPECT_EQ(run.alerts.back().severity, "critical") << "resolved as it fired";
  EXPECT_EQ(run.Count("RefusedFor3s", schema::AlertStatus::kResolved), 0u) << "was not firing";
  EXPECT_EQ(run.d.rules(), 1u);
  run.d.OnWindow(Win(2, 1));  // 1 refused: under the new threshold
  EXPECT_EQ(run.Count("Refused", schema::AlertStatus::kFiring), 1u);
  run.d.OnWindow(Win(3, 6));
  ASSERT_EQ(run.Count("Refused", schema::AlertStatus::kFiring), 2u);
  EXPECT_EQ(run.alerts.back().severity, "warning");
}

TEST(RulesReload, NewRulesStartOnTrackedEdgesAndEdgesWithoutRulesAreForgotten) {
  Harness run(kTwoRules);
  run.d.OnWindow(Win(0, 0));
  EXPECT_EQ(run.d.edges(), 1u);
  // A rule that selects another port only: the edge has no rule left.
  auto counts = run.d.ReplaceRules(Rules(R"(business_system: payments
rules:
  - name: Other
    signal: refused
    comparison: ">"
    threshold: 0
    severity: info
    match: {server_port: 9999}
)"));
  EXPECT_EQ(counts.started, 0u);
  EXPECT_EQ(run.d.edges(), 0u);
  counts = run.d.ReplaceRules(Rules(kTwoRules));
  run.d.OnWindow(Win(1, 1));
  EXPECT_EQ(run.Count("Refused", schema::AlertStatus::kFiring), 1u);
}

}  // namespace
}  // namespace edgewatch::detector
