#include "detector/baseline/nab_scorer.h"

#include <gtest/gtest.h>

#include <cmath>

namespace edgewatch::baseline {
namespace {

constexpr int64_t kStep = 300;

// 100 records, 5 minutes apart; probation = floor(0.15 · 100) = 15 records.
NabSeries Series(const std::vector<std::pair<int, int>>& windows = {{50, 59}}) {
  NabSeries s;
  s.name = "g/a.csv";
  s.group = "g";
  for (int i = 0; i < 100; ++i) s.timestamps.push_back(1'400'000'000 + i * kStep);
  s.scores.assign(100, 0.0);
  for (auto [a, b] : windows) s.windows.emplace_back(s.timestamps[a], s.timestamps[b]);
  return s;
}

const NabProfile& Standard() { return NabProfiles()[0]; }
const NabProfile& LowFp() { return NabProfiles()[1]; }
const NabProfile& LowFn() { return NabProfiles()[2]; }

TEST(NabScorer, ProfilesAreNabs) {
  ASSERT_EQ(NabProfiles().size(), 3u);
  EXPECT_EQ(Standard().name, "standard");
  EXPECT_DOUBLE_EQ(LowFp().fp, 0.22);
  EXPECT_DOUBLE_EQ(LowFn().fn, 2.0);
}

TEST(NabScorer, ScaledSigmoidValues) {
  EXPECT_NEAR(ScaledSigmoid(-1.0), 0.98661, 1e-5);
  EXPECT_NEAR(ScaledSigmoid(-0.5), 0.84828, 1e-5);
  EXPECT_NEAR(ScaledSigmoid(0.0), 0.0, 1e-12);
  EXPECT_NEAR(ScaledSigmoid(1.0), -0.98661, 1e-5);
  EXPECT_EQ(ScaledSigmoid(3.0), -1.0);
  EXPECT_EQ(ScaledSigmoid(7.0), -1.0);
}

TEST(NabScorer, ProbationIsFifteenPercentCappedAt750) {
  EXPECT_EQ(ProbationLength(100), 15u);
  EXPECT_EQ(ProbationLength(4033), 604u);
  EXPECT_EQ(ProbationLength(22695), 750u);
}

TEST(NabScorer, NothingDetectedCostsFnPerWindow) {
  auto s = Series({{30, 39}, {60, 69}});
  EXPECT_DOUBLE_EQ(RawScore(s, Standard(), 0.5), -2.0);
  EXPECT_DOUBLE_EQ(RawScore(s, LowFn(), 0.5), -4.0);
  EXPECT_DOUBLE_EQ(NullScore(s, Standard()), -2.0);
  EXPECT_DOUBLE_EQ(PerfectScore(s, Standard()), 2.0);
}

TEST(NabScorer, DetectionAtWindowStartEarnsFullTp) {
  auto s = Series();
  s.scores[50] = 1.0;
  EXPECT_DOUBLE_EQ(RawScore(s, Standard(), 0.5), 1.0);
}

TEST(NabScorer, LaterDetectionEarnsLessAndOnlyTheEarliestCounts) {
  auto s = Series();
  s.scores[59] = 1.0;  // last record: position −1/10
  EXPECT_NEAR(RawScore(s, Standard(), 0.5), 0.2482415, 1e-6);
  s.scores[55] = 1.0;  // position −5/10 → S(−0.5)/S(−1)
  EXPECT_NEAR(RawScore(s, Standard(), 0.5), 0.8597926, 1e-6);
}

TEST(NabScorer, FalsePositivesBeforeAnyWindowCostFp) {
  auto s = Series();
  s.scores[20] = 1.0;
  s.scores[21] = 1.0;
  EXPECT_NEAR(RawScore(s, Standard(), 0.5), -1.0 - 2 * 0.11, 1e-12);
  EXPECT_NEAR(RawScore(s, LowFp(), 0.5), -1.0 - 2 * 0.22, 1e-12);
}

TEST(NabScorer, FalsePositiveAfterWindowFadesWithDistance) {
  auto s = Series();
  s.scores[50] = 1.0;
  s.scores[60] = 1.0;  // one record after the window: |59 − 60| / (10 − 1) = 1/9
  EXPECT_NEAR(RawScore(s, Standard(), 0.5), 1.0 - 0.0297932, 1e-6);
  s.scores[60] = 0.0;
  s.scores[64] = 1.0;  // 5/9 of a width later, low-FP profile
  EXPECT_NEAR(RawScore(s, LowFp(), 0.5), 1.0 - 0.1942438, 1e-6);
  s.scores[64] = 0.0;
  s.scores[90] = 1.0;  // ≥ 3 widths later: the full −fp
  EXPECT_NEAR(RawScore(s, Standard(), 0.5), 1.0 - 0.11, 1e-12);
}

TEST(NabScorer, ProbationIsIgnored) {
  auto s = Series({{5, 9}, {50, 59}});  // the first window lies wholly in probation
  s.scores[3] = 1.0;                    // a false positive in probation
  s.scores[7] = 1.0;                    // a detection in probation
  EXPECT_DOUBLE_EQ(RawScore(s, Standard(), 0.5), -1.0);  // only the second window counts
  EXPECT_DOUBLE_EQ(NullScore(s, Standard()), -1.0);
}

TEST(NabScorer, ThresholdIsInclusive) {
  auto s = Series();
  s.scores[50] = 0.7;
  EXPECT_DOUBLE_EQ(RawScore(s, Standard(), 0.7), 1.0);
  EXPECT_DOUBLE_EQ(RawScore(s, Standard(), 0.7000001), -1.0);
}

TEST(NabScorer, OptimizerPicksTheBestThresholdOverAllSeries) {
  auto a = Series();
  a.scores[50] = 0.9;   // a true positive at 0.9
  a.scores[30] = 0.95;  // a false positive at 0.95, before the window
  auto b = Series({});
  b.scores[40] = 0.5;  // a false positive at 0.5 in a file without windows
  auto best = OptimizeThreshold({a, b}, Standard());
  EXPECT_DOUBLE_EQ(best.threshold, 0.9);
  EXPECT_NEAR(best.raw, 1.0 - 0.11, 1e-12);
  // When a false positive costs more than a window is worth, detecting nothing wins.
  NabProfile harsh{"harsh", 1.0, 3.0, 1.0};
  auto none = OptimizeThreshold({a, b}, harsh);
  EXPECT_DOUBLE_EQ(none.threshold, 1.1);
  EXPECT_DOUBLE_EQ(none.raw, -1.0);
}

TEST(NabScorer, CorpusScoreNormalisesPerGroupAndInTotal) {
  auto a = Series();
  a.group = "g1";
  a.scores[50] = 0.9;
  a.scores[30] = 0.95;
  auto b = Series();
  b.group = "g2";  // missed entirely
  auto score = ScoreCorpus({a, b}, Standard());
  EXPECT_DOUBLE_EQ(score.threshold, 0.9);
  ASSERT_EQ(score.groups.size(), 2u);
  EXPECT_NEAR(score.groups[0].normalized, 100 * (0.89 + 1) / 2, 1e-9);
  EXPECT_NEAR(score.groups[1].normalized, 0.0, 1e-12);
  EXPECT_NEAR(score.total.normalized, 100 * (0.89 - 1 + 2) / 4, 1e-9);
  EXPECT_EQ(score.total.windows, 2u);
}

TEST(NabScorer, NormalizeMapsNullToZeroAndPerfectToHundred) {
  EXPECT_DOUBLE_EQ(Normalize(-3, -3, 3), 0);
  EXPECT_DOUBLE_EQ(Normalize(3, -3, 3), 100);
  EXPECT_DOUBLE_EQ(Normalize(0, 0, 0), 0);
}

}  // namespace
}  // namespace edgewatch::baseline
