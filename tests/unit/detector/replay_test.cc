#include "detector/replay.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "rules/loader.h"
#include "schema/codec.h"

namespace edgewatch::detector {
namespace {

using schema::Alert;
using schema::AlertStatus;
constexpr int64_t kS = 1'000'000'000;

rules::RuleSet RefusedRule() {
  auto set = rules::ParseRuleFile(R"(business_system: payments
rules:
  - name: ConnectRefused
    signal: refused
    comparison: ">"
    threshold: 0
    severity: critical
)",
                                  "payments.yaml");
  EXPECT_TRUE(set.ok()) << set.error();
  return set.ok() ? *set : rules::RuleSet{};
}

schema::Edge EdgeOf(const std::string& workload) {
  schema::Edge e;
  e.side = schema::Side::kClient;
  e.client.workload = workload;
  e.client.ip = "10.9.0.7";
  e.server.ip = "10.0.0.5";
  e.server.port = 8080;
  return e;
}

std::string WindowLine(const std::string& workload, int64_t start_s, uint64_t refused,
                       std::vector<std::string> ids = {}) {
  schema::EdgeWindow w;
  w.node = "node-1";
  w.window_start_ns = start_s * kS;
  w.window_end_ns = (start_s + 1) * kS;
  w.edge = EdgeOf(workload);
  w.at(schema::Counter::kRefused) = refused;
  w.at(schema::Counter::kConnects) = 1;
  w.evidence_ids = std::move(ids);
  return schema::Encode(w) + "\n";
}

std::string EvidenceLine(const std::string& id) {
  schema::EvidenceEvent e;
  e.id = id;
  e.node = "node-1";
  e.cause = "refused";
  e.time_ns = 1 * kS / 2;
  e.edge = EdgeOf("curl");
  e.edge_key = e.edge.Key();
  return schema::Encode(e) + "\n";
}

TEST(Replay, DispatchesRecordsAdvancesTheWatermarkAndSkipsBadLines) {
  std::vector<Alert> alerts;
  Detector d(RefusedRule(), {}, [&](const Alert& a) { alerts.push_back(a); });

  std::string input;
  input += EvidenceLine("node-1/1/1");                // line 1
  input += WindowLine("curl", 0, 1, {"node-1/1/1"});  // line 2: fires
  input += "{not json\n";                             // line 3: bad
  input += "\n";                                      // line 4: blank
  input += WindowLine("wget", 0, 0);                  // line 5
  input += WindowLine("wget", 1, 0);                  // line 6: AdvanceTo(1s)
  input += WindowLine("curl", 1, 1);                  // line 7: same period, not late
  input += WindowLine("wget", 2, 0);                  // line 8: AdvanceTo(2s)
  input += WindowLine("wget", 3, 0);                  // line 9: AdvanceTo(3s): curl resolves
  input += "[1, 2]\r\n";                              // line 10: bad, CRLF
  std::istringstream in(input);

  auto stats = Replay(in, d);
  ASSERT_TRUE(stats.ok()) << stats.error();
  EXPECT_EQ(stats->lines, 10u);
  EXPECT_EQ(stats->windows, 6u);
  EXPECT_EQ(stats->evidence, 1u);
  EXPECT_EQ(stats->skipped, 0u);
  EXPECT_EQ(stats->bad_lines, 2u);
  ASSERT_EQ(stats->errors.size(), 2u);
  EXPECT_EQ(stats->errors[0].rfind("line 3: ", 0), 0u) << stats->errors[0];
  EXPECT_GT(stats->errors[0].size(), std::string("line 3: ").size());
  EXPECT_EQ(stats->errors[1].rfind("line 10: ", 0), 0u) << stats->errors[1];

  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].status, AlertStatus::kFiring);
  EXPECT_EQ(alerts[0].labels.at("client_workload"), "curl");
  EXPECT_EQ(alerts[0].starts_at_ns, 0);
  ASSERT_EQ(alerts[0].evidence.size(), 1u);
  EXPECT_EQ(alerts[0].evidence[0].id, "node-1/1/1");
  EXPECT_EQ(alerts[1].status, AlertStatus::kResolved);
  EXPECT_EQ(alerts[1].ends_at_ns, 3 * kS);  // the zero window [2s, 3s) applied at watermark 3s

  std::vector<StatSample> out;
  d.CollectStats(out);
  double late = -1;
  for (const StatSample& s : out) {
    if (s.name == "edgewatch_detector_windows_late_total") {
      late = s.value;
    }
  }
  EXPECT_EQ(late, 0);
}

TEST(Replay, FinalWatermarkIsTheLatestWindowEnd) {
  std::vector<Alert> alerts;
  Detector d(RefusedRule(), {}, [&](const Alert& a) { alerts.push_back(a); });
  // curl fires at [0,1); wget's later window moves the watermark to 5s at the end of input.
  std::istringstream in(WindowLine("curl", 0, 1) + WindowLine("wget", 4, 0));
  auto stats = Replay(in, d);
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].status, AlertStatus::kResolved);
  EXPECT_EQ(alerts[1].ends_at_ns, 2 * kS);
}

TEST(Replay, AlertRecordsAreSkipped) {
  Detector d(RefusedRule(), {}, nullptr);
  Alert a;
  a.rule = "X";
  std::istringstream in(schema::Encode(a) + "\n");
  auto stats = Replay(in, d);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->skipped, 1u);
  EXPECT_EQ(stats->bad_lines, 0u);
}

TEST(Replay, ErrorListIsBounded) {
  Detector d(RefusedRule(), {}, nullptr);
  std::string input;
  for (int i = 0; i < 150; ++i) {
    input += "garbage\n";
  }
  std::istringstream in(input);
  auto stats = Replay(in, d);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->bad_lines, 150u);
  EXPECT_EQ(stats->errors.size(), ReplayStats::kMaxReportedErrors);
  EXPECT_EQ(stats->errors.back().rfind("line 100: ", 0), 0u);
}

TEST(Replay, EmptyInput) {
  Detector d(RefusedRule(), {}, nullptr);
  std::istringstream in("");
  auto stats = Replay(in, d);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->lines, 0u);
  EXPECT_EQ(stats->windows, 0u);
}

}  // namespace
}  // namespace edgewatch::detector
