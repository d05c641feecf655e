#include "sensor/conntrack_stats.h"

#include <gtest/gtest.h>

namespace edgewatch::sensor {
namespace {

using schema::ConntrackCounter;

// As on kernel 6.18 (this machine): two CPUs, 9 conflicts on the second.
constexpr const char* kStat618 =
    "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop "
    "early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
    "00000002  00000001 00000000 00000000 00000003 00000000 00000000 00000000 00000000 00000000 "
    "00000000 00000000 00000000  00000000 00000000 00000000 00000000\n"
    "00000002  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000009 "
    "0000000a 00000000 00000000  00000000 00000000 00000000 00000010\n";

TEST(ConntrackStat, ParsesByHeaderNamesAndSumsCpus) {
  auto r = ParseConntrackStat(kStat618);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->entries, 2u);  // per namespace, repeated on each line: not summed
  auto at = [&](ConntrackCounter c) { return r->counts[static_cast<size_t>(c)]; };
  EXPECT_EQ(at(ConntrackCounter::kInsertFailed), 9u);
  EXPECT_EQ(at(ConntrackCounter::kDrop), 10u);
  EXPECT_EQ(at(ConntrackCounter::kClashResolved), 1u);
  EXPECT_EQ(at(ConntrackCounter::kInvalid), 3u);
  EXPECT_EQ(at(ConntrackCounter::kInsert), 2u);
  EXPECT_EQ(at(ConntrackCounter::kSearchRestart), 16u);
  EXPECT_EQ(at(ConntrackCounter::kEarlyDrop), 0u);
}

TEST(ConntrackStat, OlderKernelsWithOtherColumns) {
  // 4.x layout: no clashres, searched/found/new/... present; missing columns stay 0.
  auto r = ParseConntrackStat(
      "entries  searched found new invalid ignore delete delete_list insert insert_failed drop "
      "early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
      "0000002a  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
      "00000004 00000005 00000006 00000000  00000000 00000000 00000000 00000000\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->entries, 42u);
  EXPECT_EQ(r->counts[static_cast<size_t>(ConntrackCounter::kInsertFailed)], 4u);
  EXPECT_EQ(r->counts[static_cast<size_t>(ConntrackCounter::kEarlyDrop)], 6u);
  EXPECT_EQ(r->counts[static_cast<size_t>(ConntrackCounter::kClashResolved)], 0u);
}

TEST(ConntrackStat, BadInputSaysWhatAndWhere) {
  EXPECT_NE(ParseConntrackStat("").error().find("header"), std::string::npos);
  EXPECT_NE(ParseConntrackStat("entries drop\n").error().find("no CPU lines"), std::string::npos);
  EXPECT_NE(ParseConntrackStat("entries drop\n00000001\n").error().find("line 2 has 1 columns"),
            std::string::npos);
  EXPECT_NE(ParseConntrackStat("entries drop\n00000001 0000zz01\n").error().find("\"0000zz01\""),
            std::string::npos);
}

TEST(ConntrackNamespaceSpec, NameEqualsPath) {
  auto ns = ParseConntrackNamespace("nat=/var/run/netns/nat");
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(ns->name, "nat");
  EXPECT_EQ(ns->path, "/var/run/netns/nat");
  EXPECT_FALSE(ParseConntrackNamespace("nat").ok());
  EXPECT_FALSE(ParseConntrackNamespace("=/x").ok());
  EXPECT_FALSE(ParseConntrackNamespace("nat=").ok());
  EXPECT_NE(ParseConntrackNamespace("n a=/x").error().find("letters, digits"), std::string::npos);
}

ConntrackReading Reading(uint64_t insert_failed, uint64_t drop) {
  ConntrackReading r;
  r.entries = 5;
  r.counts[static_cast<size_t>(ConntrackCounter::kInsertFailed)] = insert_failed;
  r.counts[static_cast<size_t>(ConntrackCounter::kDrop)] = drop;
  return r;
}

TEST(ConntrackPoller, IncreasesPerWindowAfterABaseline) {
  std::vector<Result<ConntrackReading>> script = {Reading(100, 100), Reading(103, 104),
                                                  Reading(103, 104), Reading(2, 1)};
  size_t call = 0;
  ConntrackPoller p("node-7", {{"nat", "/x"}}, [&](size_t) { return script.at(call++); });
  auto w0 = p.Poll(0, 1000);
  ASSERT_EQ(w0.size(), 1u);
  EXPECT_EQ(w0[0].Conflicts(), 0u);  // the first reading is the baseline
  EXPECT_EQ(w0[0].id, "node-7/conntrack/nat/0");
  EXPECT_EQ(w0[0].entries, 5u);
  auto w1 = p.Poll(1000, 2000);
  EXPECT_EQ(w1[0].at(ConntrackCounter::kInsertFailed), 3u);
  EXPECT_EQ(w1[0].at(ConntrackCounter::kDrop), 4u);
  EXPECT_EQ(w1[0].window_start_ns, 1000);
  EXPECT_EQ(w1[0].window_end_ns, 2000);
  EXPECT_EQ(p.Poll(2000, 3000)[0].Conflicts(), 0u);
  // Counters went down: the namespace was recreated; its counts are the increase.
  EXPECT_EQ(p.Poll(3000, 4000)[0].Conflicts(), 3u);
}

TEST(ConntrackPoller, UnreadableNamespacesAreSkippedAndCounted) {
  bool readable = false;
  ConntrackPoller p("n", {{"a", "/a"}, {"b", "/b"}}, [&](size_t i) -> Result<ConntrackReading> {
    if (i == 0 && !readable) return Err("no conntrack");
    return Reading(7, 7);
  });
  auto w = p.Poll(0, 1);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].netns, "b");
  readable = true;
  EXPECT_EQ(p.Poll(1, 2).size(), 2u);
  std::vector<StatSample> stats;
  p.CollectStats(stats);
  bool found = false;
  for (const auto& s : stats) {
    if (s.name == "edgewatch_sensor_conntrack_unreadable_total") {
      EXPECT_EQ(s.value, 1.0);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace edgewatch::sensor
