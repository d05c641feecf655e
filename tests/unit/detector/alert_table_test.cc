#include "detector/alert_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace edgewatch::detector {
namespace {

using schema::Alert;
using schema::AlertStatus;
constexpr int64_t kS = 1'000'000'000;

Alert Make(const std::string& fingerprint, AlertStatus status, const std::string& node = "node-1",
           int64_t window_end_s = 101) {
  Alert a;
  a.fingerprint = fingerprint;
  a.status = status;
  a.rule = "ConnectRefused";
  a.node = node;
  a.starts_at_ns = 100 * kS;
  a.window_end_ns = window_end_s * kS;
  a.ends_at_ns = status == AlertStatus::kResolved ? a.window_end_ns : 0;
  return a;
}

std::vector<std::string> Fingerprints(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  out.reserve(alerts.size());
  for (const Alert& a : alerts) out.push_back(a.fingerprint);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(AlertTable, EmptyTablePublishesEverything) {
  AlertTable t;
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.firing(), 0u);
  EXPECT_TRUE(t.ShouldPublish(Make("aaaa", AlertStatus::kFiring)));
  EXPECT_TRUE(t.ShouldPublish(Make("aaaa", AlertStatus::kResolved)));
  EXPECT_TRUE(t.Firing([](const Alert&) { return true; }).empty());
}

TEST(AlertTable, FiringAfterFiringIsADuplicate) {
  AlertTable t;
  t.Record(Make("aaaa", AlertStatus::kFiring));
  // Another detector (after a handover) raising the same (rule, edge) again, at another time.
  EXPECT_FALSE(t.ShouldPublish(Make("aaaa", AlertStatus::kFiring, "node-1", 500)));
  EXPECT_TRUE(t.ShouldPublish(Make("aaaa", AlertStatus::kResolved)));
  EXPECT_TRUE(t.ShouldPublish(Make("bbbb", AlertStatus::kFiring)));  // unknown fingerprint
  // Asking does not record.
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(t.ShouldPublish(Make("bbbb", AlertStatus::kFiring)));
}

TEST(AlertTable, ResolvedAfterResolvedIsADuplicateButANewFiringIsNot) {
  AlertTable t;
  t.Record(Make("aaaa", AlertStatus::kFiring));
  t.Record(Make("aaaa", AlertStatus::kResolved));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.firing(), 0u);
  EXPECT_FALSE(t.ShouldPublish(Make("aaaa", AlertStatus::kResolved, "node-1", 300)));
  EXPECT_TRUE(t.ShouldPublish(Make("aaaa", AlertStatus::kFiring, "node-1", 300)));
  // A resolved record read first (compaction kept only it) also makes a resolved a duplicate.
  AlertTable fresh;
  fresh.Record(Make("cccc", AlertStatus::kResolved));
  EXPECT_FALSE(fresh.ShouldPublish(Make("cccc", AlertStatus::kResolved)));
  EXPECT_TRUE(fresh.ShouldPublish(Make("cccc", AlertStatus::kFiring)));
}

TEST(AlertTable, LastRecordWins) {
  AlertTable t;
  t.Record(Make("aaaa", AlertStatus::kResolved));
  t.Record(Make("aaaa", AlertStatus::kFiring, "node-1", 200));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.firing(), 1u);
  const auto firing = t.Firing([](const Alert&) { return true; });
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].window_end_ns, 200 * kS);
  EXPECT_FALSE(t.ShouldPublish(Make("aaaa", AlertStatus::kFiring)));
}

TEST(AlertTable, RecordKeepsEvidenceIdsButDropsInlineEvidence) {
  Alert a = Make("aaaa", AlertStatus::kFiring);
  a.evidence_ids = {"node-1/7/1", "node-1/7/2"};
  a.evidence.resize(2);
  a.evidence[0].id = "node-1/7/1";
  a.evidence[1].id = "node-1/7/2";
  a.labels = {{"alertname", "ConnectRefused"}};
  a.value = 3;
  AlertTable t;
  t.Record(a);
  const auto firing = t.Firing([](const Alert&) { return true; });
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_TRUE(firing[0].evidence.empty());
  EXPECT_EQ(firing[0].evidence_ids, (std::vector<std::string>{"node-1/7/1", "node-1/7/2"}));
  EXPECT_EQ(firing[0].labels, a.labels);
  EXPECT_EQ(firing[0].value, 3);
  EXPECT_EQ(firing[0].starts_at_ns, 100 * kS);
  EXPECT_EQ(a.evidence.size(), 2u);  // the caller's alert is untouched
}

TEST(AlertTable, FiringIsFilteredByStatusAndPick) {
  AlertTable t;
  t.Record(Make("f1", AlertStatus::kFiring, "node-1"));
  t.Record(Make("f2", AlertStatus::kFiring, "node-2"));
  t.Record(Make("f3", AlertStatus::kFiring, "node-1"));
  t.Record(Make("r1", AlertStatus::kResolved, "node-1"));
  t.Record(Make("f4", AlertStatus::kFiring, "node-1"));
  t.Record(Make("f4", AlertStatus::kResolved, "node-1"));
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(t.firing(), 3u);
  EXPECT_EQ(Fingerprints(t.Firing([](const Alert&) { return true; })),
            (std::vector<std::string>{"f1", "f2", "f3"}));
  EXPECT_EQ(Fingerprints(t.Firing([](const Alert& a) { return a.node == "node-1"; })),
            (std::vector<std::string>{"f1", "f3"}));
  EXPECT_TRUE(t.Firing([](const Alert&) { return false; }).empty());
}

TEST(AlertTable, PublishThenRecordAnnouncesEachTransitionOnce) {
  // The way KafkaDetector uses it: ask, and record what was published.
  AlertTable t;
  int published = 0;
  auto offer = [&](const Alert& a) {
    if (!t.ShouldPublish(a)) return;
    t.Record(a);
    ++published;
  };
  offer(Make("aaaa", AlertStatus::kFiring, "node-1", 101));
  offer(Make("aaaa", AlertStatus::kFiring, "node-1", 150));  // re-raised after a handover
  EXPECT_EQ(published, 1);
  offer(Make("aaaa", AlertStatus::kResolved, "node-1", 160));
  offer(Make("aaaa", AlertStatus::kResolved, "node-1", 161));
  EXPECT_EQ(published, 2);
  offer(Make("aaaa", AlertStatus::kFiring, "node-1", 200));  // a new episode
  EXPECT_EQ(published, 3);
  EXPECT_EQ(t.firing(), 1u);
}

}  // namespace
}  // namespace edgewatch::detector
