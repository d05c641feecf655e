// Names and derived values of the record types (edge.h, edge_window.h, evidence_event.h, alert.h).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "schema/alert.h"
#include "schema/edge.h"
#include "schema/edge_window.h"
#include "schema/evidence_event.h"

namespace edgewatch::schema {
namespace {

TEST(Side, Names) {
  EXPECT_STREQ(SideName(Side::kClient), "client");
  EXPECT_STREQ(SideName(Side::kServer), "server");
}

TEST(EdgeKey, FollowsTheDocumentedLayout) {
  Edge e;
  e.side = Side::kClient;
  e.client = {"10.0.1.5", 0, "checkout", "4f1c"};
  e.server = {"10.0.2.9", 5432, "postgres", "ignored-in-key"};
  e.protocol = "tcp";
  EXPECT_EQ(e.Key(), "client|checkout|4f1c|10.0.1.5|10.0.2.9:5432|tcp");

  e.side = Side::kServer;
  e.client = {"fd00::2", 0, "", ""};
  e.server = {"fd00::1", 443, "nginx", "abcd"};
  EXPECT_EQ(e.Key(), "server|||fd00::2|[fd00::1]:443|tcp");
}

TEST(EdgeKey, IgnoresServerWorkloadAndContainerButNotPort) {
  Edge a;
  a.client = {"10.0.0.1", 0, "api", ""};
  a.server = {"10.0.0.2", 80, "web", "c1"};
  Edge b = a;
  b.server.workload = "web-renamed";
  b.server.container_id = "c2";
  EXPECT_EQ(a.Key(), b.Key());
  b.server.port = 81;
  EXPECT_NE(a.Key(), b.Key());
}

TEST(Counter, NamesInWireOrder) {
  const char* expected[] = {"connects",
                            "accepts",
                            "refused",
                            "timeout",
                            "reset",
                            "unreachable",
                            "other_failures",
                            "accept_failures",
                            "syn_retransmits",
                            "synack_retransmits",
                            "data_retransmits",
                            "resets_sent",
                            "resets_received"};
  ASSERT_EQ(std::size(expected), kCounterCount);
  for (size_t i = 0; i < kCounterCount; ++i) {
    EXPECT_EQ(CounterName(static_cast<Counter>(i)), expected[i]) << i;
  }
}

TEST(Counter, FromNameInvertsName) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < kCounterCount; ++i) {
    const auto c = static_cast<Counter>(i);
    ASSERT_TRUE(CounterFromName(CounterName(c)).has_value());
    EXPECT_EQ(*CounterFromName(CounterName(c)), c);
    seen.insert(CounterName(c));
  }
  EXPECT_EQ(seen.size(), kCounterCount);
  EXPECT_FALSE(CounterFromName("").has_value());
  EXPECT_FALSE(CounterFromName("Refused").has_value());
  EXPECT_FALSE(CounterFromName("failures").has_value());
}

TEST(EdgeWindow, FailuresSumsExactlyTheFailureCounters) {
  EdgeWindow w;
  for (size_t i = 0; i < kCounterCount; ++i) {
    w.counts[i] = uint64_t{1} << i;
  }
  const uint64_t expected = w.at(Counter::kRefused) + w.at(Counter::kTimeout) +
                            w.at(Counter::kReset) + w.at(Counter::kUnreachable) +
                            w.at(Counter::kOtherFailures) + w.at(Counter::kAcceptFailures);
  // Bits 2..7: refused, timeout, reset, unreachable, other_failures, accept_failures.
  EXPECT_EQ(expected, 0b1111'1100u);
  EXPECT_EQ(w.Failures(), 0b1111'1100u);
  EXPECT_EQ(EdgeWindow{}.Failures(), 0u);
}

TEST(LatencySummary, Add) {
  LatencySummary l;
  l.Add(30);
  l.Add(250);
  l.Add(7);
  EXPECT_EQ(l.count, 3u);
  EXPECT_EQ(l.sum_us, 287u);
  EXPECT_EQ(l.max_us, 250u);
}

TEST(EvidenceKind, Names) {
  EXPECT_STREQ(EvidenceKindName(EvidenceKind::kConnectFailed), "connect_failed");
  EXPECT_STREQ(EvidenceKindName(EvidenceKind::kAcceptFailed), "accept_failed");
  EXPECT_STREQ(EvidenceKindName(EvidenceKind::kReset), "reset");
}

TEST(AlertStatus, Names) {
  EXPECT_STREQ(AlertStatusName(AlertStatus::kFiring), "firing");
  EXPECT_STREQ(AlertStatusName(AlertStatus::kResolved), "resolved");
}

}  // namespace
}  // namespace edgewatch::schema
