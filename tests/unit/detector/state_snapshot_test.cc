// Learned baselines survive a restart: snapshot encoding, files, and a detector restored from a
// snapshot going on exactly as the one that saved it.
#include "detector/state_snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "detector/detector.h"
#include "tests/unit/detector/detector_fixtures.h"

namespace edgewatch::detector {
namespace {

using fixtures::kS;
using fixtures::Rules;

constexpr const char* kRule = fixtures::kRefusedBaselineRule;

StateSnapshot Sample() {
  StateSnapshot s;
  s.saved_at_ns = 1234567 * kS;
  s.entries.push_back(
      {"node-1\x1f"
       "a",
       "p.yaml\x1fR", 42, std::string("\x00\x01\x02", 3)});
  s.entries.push_back(
      {"node-2\x1f"
       "b",
       "p.yaml\x1fS", 7, ""});
  return s;
}

TEST(StateSnapshot, RoundTrips) {
  const StateSnapshot s = Sample();
  auto back = StateSnapshot::Decode(s.Encode());
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->saved_at_ns, s.saved_at_ns);
  ASSERT_EQ(back->entries.size(), 2U);
  EXPECT_EQ(back->entries[0].edge_key, s.entries[0].edge_key);
  EXPECT_EQ(back->entries[0].rule_key, s.entries[0].rule_key);
  EXPECT_EQ(back->entries[0].definition_hash, 42U);
  EXPECT_EQ(back->entries[0].state, s.entries[0].state);
  EXPECT_EQ(back->entries[1].state, "");
}

TEST(StateSnapshot, RefusesBrokenInputSayingWhy) {
  const std::string good = Sample().Encode();
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  auto a = StateSnapshot::Decode(flipped);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().find("checksum mismatch"), std::string::npos) << a.error();
  auto b = StateSnapshot::Decode(good.substr(0, good.size() - 5));
  ASSERT_FALSE(b.ok());
  auto c = StateSnapshot::Decode("{\"json\": true}");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().find("not an edgewatch state snapshot"), std::string::npos) << c.error();
  auto d = StateSnapshot::Decode("");
  ASSERT_FALSE(d.ok());
}

TEST(StateSnapshot, FilesAreWrittenWholeAndAMissingFileIsEmpty) {
  const std::string path = ::testing::TempDir() + "ew-state-" + std::to_string(::getpid());
  std::remove(path.c_str());
  auto none = StateSnapshot::ReadFile(path);
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_TRUE(none->entries.empty());
  auto n = Sample().WriteFile(path);
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(*n, Sample().Encode().size());
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0) << "temporary file left behind";
  auto back = StateSnapshot::ReadFile(path);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->entries.size(), 2U);
  { std::ofstream(path, std::ios::trunc) << "garbage"; }
  auto bad = StateSnapshot::ReadFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().rfind(path + ": ", 0), 0U) << bad.error();
  std::remove(path.c_str());
}

struct DetectorRun {
  std::vector<schema::Alert> alerts;
  Detector d;
  explicit DetectorRun(const char* rules = kRule)
      : d(Rules(rules), DetectorConfig{}, [this](const schema::Alert& a) { alerts.push_back(a); }) {
  }
};

uint64_t Refused(int64_t t) { return 2 + static_cast<uint64_t>((t * 7919) % 3); }

double StatValue(const Detector& d, const std::string& name, const std::string& reason = "") {
  std::vector<StatSample> out;
  d.CollectStats(out);
  for (const StatSample& s : out) {
    if (s.name != name) continue;
    if (!reason.empty() && (s.labels.empty() || s.labels[0].second != reason)) continue;
    return s.value;
  }
  return -1;
}

TEST(StateSnapshot, ARestoredDetectorGoesOnAsTheOneThatSavedIt) {
  // Ten minutes of normal traffic teach the baseline what this edge does.
  DetectorRun before;
  int64_t t = 0;
  for (; t < 600; ++t) before.d.OnWindow(fixtures::Win(t, Refused(t)));
  ASSERT_TRUE(before.alerts.empty());
  auto decoded = StateSnapshot::Decode(before.d.SaveStates(t * kS).Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  ASSERT_EQ(decoded->entries.size(), 1U);

  DetectorRun restored;
  EXPECT_EQ(restored.d.LoadStates(std::move(*decoded)), 1U);
  DetectorRun fresh;
  // The same windows to all three: normal, then a surge of refused connects, then normal.
  for (int64_t i = 0; i < 120; ++i, ++t) {
    const uint64_t v = i >= 30 && i < 35 ? 60 : Refused(t);
    for (DetectorRun* r : {&before, &restored, &fresh}) r->d.OnWindow(fixtures::Win(t, v));
  }
  EXPECT_EQ(StatValue(restored.d, "edgewatch_detector_states_restored_total"), 1);
  ASSERT_FALSE(before.alerts.empty());
  ASSERT_EQ(restored.alerts.size(), before.alerts.size());
  for (size_t i = 0; i < before.alerts.size(); ++i) {
    EXPECT_EQ(restored.alerts[i].status, before.alerts[i].status) << i;
    EXPECT_EQ(restored.alerts[i].window_end_ns, before.alerts[i].window_end_ns) << i;
    EXPECT_EQ(restored.alerts[i].value, before.alerts[i].value) << i;
  }
  // Without the snapshot the baseline is still learning (min_history 2m) and misses the surge.
  EXPECT_TRUE(fresh.alerts.empty()) << fresh.alerts.size() << " alerts while warming up";
}

TEST(StateSnapshot, AChangedRuleLearnsAnew) {
  DetectorRun before;
  int64_t t = 0;
  for (; t < 300; ++t) before.d.OnWindow(fixtures::Win(t, Refused(t)));
  std::string changed = kRule;
  changed.replace(changed.find("sensitivity: 0.5"), 16, "sensitivity: 0.6");
  DetectorRun after(changed.c_str());
  after.d.LoadStates(before.d.SaveStates(t * kS));
  after.d.OnWindow(fixtures::Win(t, 3));
  EXPECT_EQ(StatValue(after.d, "edgewatch_detector_states_restored_total"), 0);
  EXPECT_EQ(StatValue(after.d, "edgewatch_detector_states_discarded_total", "rule_changed"), 1);
}

TEST(StateSnapshot, StatesOfEdgesThatDoNotComeBackExpireAndUntakenOnesAreSavedAgain) {
  DetectorRun before;
  int64_t t = 0;
  for (; t < 200; ++t) before.d.OnWindow(fixtures::Win(t, Refused(t)));
  DetectorRun after;
  after.d.LoadStates(before.d.SaveStates(t * kS));
  // Not yet taken: a snapshot taken now still carries it.
  EXPECT_EQ(after.d.SaveStates(t * kS).entries.size(), 1U);
  after.d.AdvanceTo(10'000 * kS);  // first watermark after the restart: the clock starts
  EXPECT_EQ(after.d.SaveStates(10'000 * kS).entries.size(), 1U);
  after.d.AdvanceTo(10'000 * kS + DetectorConfig{}.edge_idle_ns + kS);
  EXPECT_EQ(StatValue(after.d, "edgewatch_detector_states_discarded_total", "expired"), 1);
  EXPECT_TRUE(after.d.SaveStates(20'000 * kS).entries.empty());
}

TEST(StateSnapshot, AStateThatDoesNotFitIsDiscardedNotMisread) {
  DetectorRun before;
  int64_t t = 0;
  for (; t < 200; ++t) before.d.OnWindow(fixtures::Win(t, Refused(t)));
  StateSnapshot s = before.d.SaveStates(t * kS);
  ASSERT_EQ(s.entries.size(), 1U);
  s.entries[0].state.resize(s.entries[0].state.size() / 2);
  DetectorRun after;
  after.d.LoadStates(std::move(s));
  after.d.OnWindow(fixtures::Win(t, 3));
  EXPECT_EQ(StatValue(after.d, "edgewatch_detector_states_discarded_total", "unfit"), 1);
  EXPECT_EQ(StatValue(after.d, "edgewatch_detector_states_restored_total"), 0);
}

}  // namespace
}  // namespace edgewatch::detector
