#include "detector/alert_lifecycle.h"

#include <gtest/gtest.h>

namespace edgewatch::detector {
namespace {

using Kind = AlertLifecycle::Change::Kind;
using State = AlertLifecycle::State;
constexpr int64_t kS = 1'000'000'000;

// Feeds one 1s window [t, t+1s).
AlertLifecycle::Change Window(AlertLifecycle& l, bool active, int64_t t_s) {
  return l.Observe(active, t_s * kS, kS);
}

TEST(AlertLifecycle, ForZeroFiresOnFirstTrueWindow) {
  AlertLifecycle l(0, 0);
  auto c = Window(l, true, 100);
  EXPECT_EQ(c.kind, Kind::kFired);
  EXPECT_EQ(c.at_ns, 101 * kS);
  EXPECT_EQ(l.state(), State::kFiring);
  EXPECT_EQ(l.pending_since_ns(), 100 * kS);
  EXPECT_EQ(l.firing_since_ns(), 101 * kS);
  // Still true: no second notification.
  EXPECT_EQ(Window(l, true, 101).kind, Kind::kNone);
  // keep_firing_for 0: the first false window resolves, at its end.
  c = Window(l, false, 102);
  EXPECT_EQ(c.kind, Kind::kResolved);
  EXPECT_EQ(c.at_ns, 103 * kS);
  EXPECT_EQ(l.state(), State::kInactive);
}

TEST(AlertLifecycle, ForNeedsTrueWindowsCoveringTheDuration) {
  AlertLifecycle l(3 * kS, 0);
  EXPECT_EQ(Window(l, true, 10).kind, Kind::kNone);  // held 1s
  EXPECT_EQ(l.state(), State::kPending);
  EXPECT_EQ(Window(l, true, 11).kind, Kind::kNone);  // held 2s
  auto c = Window(l, true, 12);                      // held 3s >= for
  EXPECT_EQ(c.kind, Kind::kFired);
  EXPECT_EQ(c.at_ns, 13 * kS);
  EXPECT_EQ(l.pending_since_ns(), 10 * kS);
}

TEST(AlertLifecycle, FalseWindowWhilePendingResetsSilently) {
  AlertLifecycle l(3 * kS, 0);
  Window(l, true, 10);
  Window(l, true, 11);
  EXPECT_EQ(Window(l, false, 12).kind, Kind::kNone);
  EXPECT_EQ(l.state(), State::kInactive);
  // A new run starts over.
  EXPECT_EQ(Window(l, true, 13).kind, Kind::kNone);
  EXPECT_EQ(l.pending_since_ns(), 13 * kS);
  EXPECT_EQ(Window(l, true, 14).kind, Kind::kNone);
  EXPECT_EQ(Window(l, true, 15).kind, Kind::kFired);
}

TEST(AlertLifecycle, ForShorterThanAWindowFiresOnTheFirst) {
  AlertLifecycle l(500'000'000, 0);
  EXPECT_EQ(Window(l, true, 0).kind, Kind::kFired);
}

TEST(AlertLifecycle, KeepFiringFor) {
  AlertLifecycle l(0, 3 * kS);
  ASSERT_EQ(Window(l, true, 0).kind, Kind::kFired);
  EXPECT_EQ(l.last_true_end_ns(), 1 * kS);
  EXPECT_EQ(Window(l, false, 1).kind, Kind::kNone);  // 1s since last true
  EXPECT_EQ(Window(l, false, 2).kind, Kind::kNone);  // 2s
  EXPECT_EQ(l.state(), State::kFiring);
  auto c = Window(l, false, 3);  // 3s: resolved
  EXPECT_EQ(c.kind, Kind::kResolved);
  EXPECT_EQ(c.at_ns, 4 * kS);
}

TEST(AlertLifecycle, TrueAgainWithinKeepFiringForStaysOneAlert) {
  AlertLifecycle l(0, 3 * kS);
  ASSERT_EQ(Window(l, true, 0).kind, Kind::kFired);
  EXPECT_EQ(Window(l, false, 1).kind, Kind::kNone);
  EXPECT_EQ(Window(l, false, 2).kind, Kind::kNone);
  EXPECT_EQ(Window(l, true, 3).kind, Kind::kNone);  // flaps back: no new notification
  EXPECT_EQ(l.last_true_end_ns(), 4 * kS);
  EXPECT_EQ(Window(l, false, 4).kind, Kind::kNone);
  EXPECT_EQ(Window(l, false, 5).kind, Kind::kNone);
  EXPECT_EQ(Window(l, false, 6).kind, Kind::kResolved);
}

TEST(AlertLifecycle, RunsAreEquivalentToSingleWindows) {
  // A run of n windows must give the same change, at the same time, as n single windows.
  for (int64_t for_s : {0, 1, 4, 10}) {
    for (int64_t keep_s : {0, 1, 4, 10}) {
      for (uint64_t n : {1u, 2u, 3u, 4u, 5u, 10u, 11u, 20u}) {
        AlertLifecycle single(for_s * kS, keep_s * kS);
        AlertLifecycle run(for_s * kS, keep_s * kS);
        // A true run, then a false run.
        for (bool active : {true, false}) {
          AlertLifecycle::Change expected;
          const int64_t base = active ? 0 : static_cast<int64_t>(n);
          for (uint64_t i = 0; i < n; ++i) {
            auto c = Window(single, active, base + static_cast<int64_t>(i));
            if (c.kind != Kind::kNone) {
              expected = c;
            }
          }
          auto got = run.Observe(active, base * kS, kS, n);
          EXPECT_EQ(got.kind, expected.kind) << for_s << " " << keep_s << " " << n << " " << active;
          EXPECT_EQ(got.at_ns, expected.at_ns)
              << for_s << " " << keep_s << " " << n << " " << active;
          EXPECT_EQ(run.state(), single.state());
        }
      }
    }
  }
}

TEST(AlertLifecycle, RunResolvesAtTheRightStep) {
  AlertLifecycle l(0, 60 * kS);
  ASSERT_EQ(Window(l, true, 0).kind, Kind::kFired);
  // 300 idle windows from t=1s: resolution when 60s have passed since the last true end (1s).
  auto c = l.Observe(false, 1 * kS, kS, 300);
  EXPECT_EQ(c.kind, Kind::kResolved);
  EXPECT_EQ(c.at_ns, 61 * kS);
}

TEST(AlertLifecycle, HugeDurationsDoNotOverflow) {
  AlertLifecycle l(INT64_MAX, INT64_MAX);
  EXPECT_EQ(Window(l, true, 1'700'000'000).kind, Kind::kNone);
  EXPECT_EQ(l.Observe(true, 1'700'000'001 * kS, kS, 1'000'000).kind, Kind::kNone);
  EXPECT_EQ(l.state(), State::kPending);
}

TEST(AlertLifecycle, IgnoresEmptyRuns) {
  AlertLifecycle l(0, 0);
  EXPECT_EQ(l.Observe(true, 0, kS, 0).kind, Kind::kNone);
  EXPECT_EQ(l.Observe(true, 0, 0, 1).kind, Kind::kNone);
  EXPECT_EQ(l.state(), State::kInactive);
}

}  // namespace
}  // namespace edgewatch::detector
