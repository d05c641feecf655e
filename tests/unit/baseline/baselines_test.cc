// The baselines on synthetic series with known answers: step, spike, drift, seasonality, noise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "detector/baseline/burst_density.h"
#include "detector/baseline/ewma_baseline.h"
#include "detector/baseline/median_mad_window.h"
#include "detector/baseline/seasonal_profile.h"
#include "detector/baseline/spot.h"

namespace edgewatch::baseline {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(EwmaBaseline, ConstantThenStep) {
  EwmaBaseline e(0.1);
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 1);
  for (int i = 0; i < 500; ++i) e.Update(10 + noise(rng));
  EXPECT_NEAR(e.mean(), 10, 0.5);
  EXPECT_NEAR(std::sqrt(e.variance()), 1, 0.35);
  EXPECT_GT(e.Update(20), 6);  // a 10σ step is judged before it is learned
}

TEST(EwmaBaseline, NoiseOnlyStaysInsideFourSigma) {
  EwmaBaseline e(0.02);
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0, 3);
  int outside = 0;
  for (int i = 0; i < 5000; ++i) {
    double z = e.Update(noise(rng));
    if (i > 100 && std::fabs(z) > 4) ++outside;
  }
  EXPECT_LT(outside, 5);
}

TEST(EwmaBaseline, DriftIsTrackedWithTheTextbookLag) {
  // For x_t = c·t the EWMA settles c(1 − α)/α behind the ramp.
  const double a = 0.1, c = 0.5;
  EwmaBaseline e(a);
  double x = 0;
  for (int t = 0; t < 1000; ++t) e.Update(x = c * t);
  EXPECT_NEAR(x - e.mean(), c * (1 - a) / a, 1e-6);
}

TEST(EwmaBaseline, GaussianScoreIsMonotoneAndBounded) {
  EXPECT_DOUBLE_EQ(GaussianScore(0), 0);
  EXPECT_NEAR(GaussianScore(1.96), -std::log10(0.05) / 12, 1e-3);
  EXPECT_LT(GaussianScore(5), GaussianScore(7));  // 10^−6.2 vs 10^−11.6
  EXPECT_DOUBLE_EQ(GaussianScore(1e6), 1.0);
}

TEST(MedianMadWindow, KnownMedianAndMad) {
  MedianMadWindow w(9);
  for (int v = 1; v <= 9; ++v) w.Update(v);
  // median 5, |x − 5| = 4 3 2 1 0 1 2 3 4 → MAD 2; z(15) = 0.6745 · 10 / 2.
  EXPECT_NEAR(w.Update(15), 0.6745 * 10 / 2, 1e-9);
  EXPECT_DOUBLE_EQ(w.median(), 5);
  EXPECT_DOUBLE_EQ(w.mad(), 2);
}

TEST(MedianMadWindow, SpikeIsFarNoiseIsNot) {
  MedianMadWindow w(64);
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(100, 2);
  double worst = 0;
  for (int i = 0; i < 2000; ++i) {
    double z = w.Update(noise(rng));
    if (i > 64) worst = std::max(worst, std::fabs(z));
  }
  EXPECT_LT(worst, 6);
  EXPECT_GT(w.Update(140), 15);  // a 20σ spike
}

TEST(MedianMadWindow, SpikeDoesNotMoveTheMedianButAStepDoes) {
  MedianMadWindow w(32);
  for (int i = 0; i < 32; ++i) w.Update(10 + (i % 2));
  w.Update(1000);  // one spike
  w.Update(10);
  EXPECT_LE(w.median(), 11);
  for (int i = 0; i < 17; ++i) w.Update(50 + (i % 2));  // a step held past half the window
  w.Update(50);
  EXPECT_GE(w.median(), 50);
  EXPECT_LT(std::fabs(w.Update(50.5)), 3);
}

TEST(MedianMadWindow, ConstantSeriesStillScoresAChange) {
  MedianMadWindow w(16);
  for (int i = 0; i < 16; ++i) w.Update(7);
  EXPECT_DOUBLE_EQ(w.Update(7), 0);
  EXPECT_GT(w.Update(8), 100);  // MAD = 0: the floor makes a change huge, not infinite
}

TEST(MedianMadWindow, AFlatWindowIsJudgedByTheLongRunDeviation) {
  MedianMadWindow w(16);
  for (int i = 0; i < 16; ++i) w.Update(0);
  // The whole window is 0: the caller's long-run mean absolute deviation (0.5) stands in, as
  // σ = 0.5 / 0.7979.
  EXPECT_NEAR(w.Update(2, 0.5), 2 / (0.5 / 0.7979), 1e-9);
  // One value off the median, MAD still 0: the long-run deviation again, not the window's
  // mean absolute deviation (2 / 16, set by that one value).
  EXPECT_NEAR(w.Update(2, 0.5), 2 / (0.5 / 0.7979), 1e-9);
  // Without a long-run deviation, the window's mean absolute deviation (two values of 2).
  EXPECT_NEAR(w.Update(2), 2 / (4.0 / 16 / 0.7979), 1e-9);
}

// A daily sine, 5-minute records, amplitude 50 around 100, noise σ = 1.
double Daily(int64_t t) { return 100 + 50 * std::sin(2 * kPi * static_cast<double>(t) / 86400); }

TEST(SeasonalProfile, DailySeriesIsSeasonalAndNoiseIsNot) {
  SeasonalProfile daily(86400, 48, 0.1), flat(86400, 48, 0.1);
  std::mt19937 rng(4);
  std::normal_distribution<double> noise(0, 1);
  for (int64_t t = 0; t < int64_t{6} * 86400; t += 300) {
    daily.Update(t, Daily(t) + noise(rng));
    flat.Update(t, 100 + noise(rng));
  }
  EXPECT_TRUE(daily.seasonal());
  EXPECT_FALSE(flat.seasonal());
}

TEST(SeasonalProfile, NotSeasonalBeforeTwoPeriods) {
  SeasonalProfile p(86400, 48, 0.1);
  for (int64_t t = 0; t < 86400 + 43200; t += 300) p.Update(t, Daily(t));
  EXPECT_FALSE(p.seasonal());
}

TEST(SeasonalProfile, MissingDailyPeakIsFarFromItsBin) {
  SeasonalProfile p(86400, 48, 0.1);
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0, 1);
  int64_t t = 0;
  for (; t < int64_t{6} * 86400; t += 300) p.Update(t, Daily(t) + noise(rng));
  // The next day's peak (6 h) as usual, then the same peak flattened to the mean.
  double usual = p.Update(t + 21600, Daily(t + 21600) + noise(rng));
  EXPECT_LT(std::fabs(usual), 4);
  double flat = p.Update(t + 86400 + 21600, 100);
  EXPECT_LT(flat, -8);
}

// n records of U(from, from + 1) into q's estimate of quantile p.
void AddUniform(P2Quantile& q, double p, int n, double from, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(from, from + 1);
  for (int i = 0; i < n; ++i) q.Add(u(rng), p);
}

TEST(P2Quantile, UniformNinetiethPercentile) {
  P2Quantile q;
  std::mt19937 rng(6);
  AddUniform(q, 0.9, 20000, 0, rng);
  EXPECT_NEAR(q.value(), 0.9, 0.02);
}

TEST(P2Quantile, HalvedHistoryFollowsAChangedDistribution) {
  // 40 000 records of U(0, 1), then 100 000 of U(10, 11). Over all of them the 10th percentile
  // is among the first (40 of 140 thousand); halving the history at every 32 768 records
  // leaves the first ~1/8 of the weight, so the estimate moves to the new distribution's.
  P2Quantile q;
  std::mt19937 rng(7);
  AddUniform(q, 0.1, 40000, 0, rng);
  EXPECT_NEAR(q.value(), 0.1, 0.02);
  AddUniform(q, 0.1, 100000, 10, rng);
  EXPECT_GT(q.value(), 10.0);
  EXPECT_NEAR(q.value(), 10.1, 0.05);
  EXPECT_LE(q.count(), P2Quantile::kMaxCount);
}

// Alarms of a BurstDensity fed a signal on [0, 10] with median 0: a 2-record spike to 10 every
// `gap` records for `n` records from record `from` on; the alarms' record numbers.
std::vector<uint32_t> BurstAlarms(BurstDensity& b, uint32_t from, uint32_t n, uint32_t gap,
                                  double level = 0) {
  std::vector<uint32_t> alarms;
  for (uint32_t i = from; i < from + n; ++i) {
    const double x = level > 0 ? level : (i % gap < 2 ? 10.0 : 0.0);
    if (b.Update(x, 0, 0, 10, i, i >= 500) < BurstDensity::kTrigger) alarms.push_back(i);
  }
  return alarms;
}

TEST(BurstDensity, DenserBurstsAlarmOncePerEpisode) {
  BurstDensity b;
  EXPECT_TRUE(BurstAlarms(b, 0, 3000, 100).empty()) << "its usual rate: 2 %";
  EXPECT_NEAR(b.long_rate(), 0.02, 0.005);
  const auto dense = BurstAlarms(b, 3000, 300, 5);  // 40 %: one episode, one alarm
  ASSERT_EQ(dense.size(), 1u);
  EXPECT_LT(dense[0], 3050u);
  // Back to the usual rate: re-armed. Bursts like these are less news for a while (the long
  // rate has risen); once it is back near 2 %, a new episode alarms again.
  EXPECT_TRUE(BurstAlarms(b, 3300, 3000, 100).empty());
  EXPECT_NEAR(b.long_rate(), 0.02, 0.005);
  EXPECT_EQ(BurstAlarms(b, 6300, 300, 5).size(), 1u);
}

TEST(BurstDensity, ALevelShiftIsNotABurst) {
  // The median lags a step for half a window: only the first kRun records above it count.
  BurstDensity b;
  EXPECT_TRUE(BurstAlarms(b, 0, 3000, 100).empty());
  EXPECT_TRUE(BurstAlarms(b, 3000, 500, 100, 10.0).empty());
  EXPECT_LT(b.short_rate(), 0.01);
}

// Records of a BurstDensity (median 0) whose bound passed kTrigger, for records [from, to) with
// values x(i), range (0, high(i)) and range excess excess(i); alarms from record 500 on.
template <typename X, typename High, typename Excess>
std::vector<uint32_t> DensityAlarms(BurstDensity& b, uint32_t from, uint32_t to, X x, High high,
                                    Excess excess) {
  std::vector<uint32_t> alarms;
  for (uint32_t i = from; i < to; ++i) {
    if (b.Update(x(i), 0, 0, high(i), i, i >= 500, excess(i)) < BurstDensity::kTrigger)
      alarms.push_back(i);
  }
  return alarms;
}

// 1 on the 2-record spikes that begin at `starts`, else 0.
auto SpikesAt(const std::vector<uint32_t>& starts) {
  return [starts](uint32_t i) {
    return std::any_of(starts.begin(), starts.end(),
                       [i](uint32_t s) { return i == s || i == s + 1; })
               ? 10.0
               : 0.0;
  };
}

TEST(BurstDensity, AQuietLongerThanEverAlarmsOnce) {
  // 2-record spikes every 60–140 records (2 % of the records count), none from 3 000 to 3 700,
  // then as before. Past 1.3 × the longest gap (~180) the gap must also be improbable at the
  // rate it began with, ~2 %: 0.98^n < 10⁻⁴ from n ≈ 456.
  std::mt19937 rng(21);
  std::uniform_int_distribution<uint32_t> gap(60, 140);
  std::vector<uint32_t> starts;
  for (uint32_t s = 20; s < 6000; s += gap(rng)) {
    if (s < 3000 || s >= 3700) starts.push_back(s);
  }
  const auto none = [](uint32_t) { return 0.0; };
  const auto ten = [](uint32_t) { return 10.0; };
  BurstDensity b;
  EXPECT_TRUE(DensityAlarms(b, 0, 2990, SpikesAt(starts), ten, none).empty());
  EXPECT_NEAR(b.long_rate(), 0.02, 0.005);
  EXPECT_GE(b.longest_gap(), 120u);
  EXPECT_LE(b.longest_gap(), 145u);
  const uint32_t longest = b.longest_gap();
  const auto quiet = DensityAlarms(b, 2990, 3700, SpikesAt(starts), ten, none);
  ASSERT_EQ(quiet.size(), 1u) << "one alarm per gap";
  const uint32_t last = *std::prev(std::lower_bound(starts.begin(), starts.end(), 3000u)) + 1;
  EXPECT_GT(quiet[0] - last, 1.3 * longest);
  EXPECT_GT(quiet[0] - last, 400u);
  EXPECT_LT(quiet[0] - last, 470u);
  // The spikes are back; their gaps are ordinary again.
  EXPECT_TRUE(DensityAlarms(b, 3700, 6000, SpikesAt(starts), ten, none).empty());
}

TEST(BurstDensity, AQuietAsLongAsTheUsualOnesIsNoNews) {
  // A daytime job: spikes every 10 records for 200 records, then 100 quiet ones, over and over.
  // Each night is improbable at the day's rate, but no longer than the nights before.
  std::vector<uint32_t> starts;
  for (uint32_t s = 0; s < 6000; s += 10) {
    if (s % 300 < 200) starts.push_back(s);
  }
  BurstDensity b;
  EXPECT_TRUE(
      DensityAlarms(
          b, 0, 6000, SpikesAt(starts), [](uint32_t) { return 10.0; }, [](uint32_t) { return 0.0; })
          .empty());
  EXPECT_GE(b.longest_gap(), 95u);
}

TEST(BurstDensity, TheGapAfterARangeWideningSpikeIsNoQuiet) {
  // Spikes to 10 every 100 records; at 3 000 one to 60 widens the range to (0, 60) (excess 5):
  // the spikes to 10 are now below the reach (0.3 × 60), and one to 40 at 3 100 is the only
  // excursion of the new reach. Nothing says the old spikes stopped.
  std::vector<uint32_t> starts;
  for (uint32_t s = 50; s < 6000; s += 100) starts.push_back(s);
  const auto x = [spikes = SpikesAt(starts)](uint32_t i) {
    return i == 3000 ? 60.0 : i == 3100 ? 40.0 : spikes(i);
  };
  const auto high = [](uint32_t i) { return i <= 3000 ? 10.0 : 60.0; };
  BurstDensity b;
  EXPECT_TRUE(
      DensityAlarms(b, 0, 6000, x, high, [](uint32_t i) { return i == 3000 ? 5.0 : 0.0; }).empty());
  // Told nothing of the widening, the view calls the gap after 3 100 a quiet.
  BurstDensity unaware;
  EXPECT_FALSE(DensityAlarms(unaware, 0, 6000, x, high, [](uint32_t) { return 0.0; }).empty());
}

TEST(Spot, ExponentialTailIsRecovered) {
  // Exp(1): excesses over any threshold are Exp(1) again (GPD with γ = 0, σ = 1), and
  // P(X > x) = e^−x.
  const SpotConfig c{.q0 = 0.98, .risk = 1e-9, .forget = 1e-3, .min_peaks = 10};
  Spot spot;
  std::mt19937 rng(7);
  std::exponential_distribution<double> e(1.0);
  for (int i = 0; i < 50000; ++i) spot.Update(c, e(rng));
  EXPECT_NEAR(spot.initial_threshold(), -std::log(0.02), 0.3);
  EXPECT_NEAR(spot.gamma(), 0, 0.15);
  EXPECT_NEAR(spot.sigma(), 1, 0.2);
  EXPECT_NEAR(spot.Threshold(c, 1e-4), -std::log(1e-4), 1.0);
  double p = spot.Update(c, 8.0);
  EXPECT_GT(p, std::exp(-8.0) / 3);
  EXPECT_LT(p, std::exp(-8.0) * 3);
  EXPECT_DOUBLE_EQ(spot.Update(c, 0.5), 1.0);  // below t: not a peak
}

TEST(Spot, AnomaliesBelowRiskAreNotLearned) {
  const SpotConfig c{.q0 = 0.9, .risk = 1e-3, .forget = 1e-2, .min_peaks = 10};
  Spot spot;
  std::mt19937 rng(8);
  std::normal_distribution<double> n(0, 1);
  for (int i = 0; i < 5000; ++i) spot.Update(c, std::fabs(n(rng)));
  double before = spot.sigma();
  for (int i = 0; i < 50; ++i) EXPECT_LT(spot.Update(c, 40.0), 1e-3);
  EXPECT_DOUBLE_EQ(spot.sigma(), before);
}

}  // namespace
}  // namespace edgewatch::baseline
