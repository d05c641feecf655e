// The joint (Mahalanobis) view of several signals: χ² tails, a combination no single signal
// shows, noise alone, flat signals, and state that survives save and load.
#include "detector/baseline/joint_baseline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "detector/baseline/ewma_baseline.h"

namespace edgewatch::baseline {
namespace {

TEST(JointBaseline, ChiSquareTailsMatchTables) {
  // Upper 5 % points of χ² with 1..4 degrees of freedom, and 1 % for 2.
  EXPECT_NEAR(JointBaseline::ChiSquareTail(1, 3.841), 0.05, 1e-4);
  EXPECT_NEAR(JointBaseline::ChiSquareTail(2, 5.991), 0.05, 1e-4);
  EXPECT_NEAR(JointBaseline::ChiSquareTail(3, 7.815), 0.05, 1e-4);
  EXPECT_NEAR(JointBaseline::ChiSquareTail(4, 9.488), 0.05, 1e-4);
  EXPECT_NEAR(JointBaseline::ChiSquareTail(2, 9.210), 0.01, 1e-4);
  EXPECT_EQ(JointBaseline::ChiSquareTail(3, 0), 1);
}

// Rate ~ 100 requests (±5 %) and a p99 latency that follows it (busier → slower: elasticity 4,
// so +5 % rate is ~+20 % latency), with 2 % noise of its own. Multiplicative, as load and
// latency are, so the relation is linear in the log1p space the baseline works in.
struct Traffic {
  std::mt19937 rng{7};
  std::normal_distribution<double> n{0, 1};
  void Next(double* x) {
    const double z = 0.05 * n(rng);
    x[0] = 100 * std::exp(z);
    x[1] = 2000 * std::exp(4 * z + 0.02 * n(rng));
  }
};

TEST(JointBaseline, ACombinationNoSingleSignalShowsIsAnomalous) {
  JointBaseline joint(2);
  EwmaBaseline rate, latency;
  Traffic t;
  double x[2];
  double max_noise = 0;
  for (int i = 0; i < 3000; ++i) {
    t.Next(x);
    rate.Update(x[0]);
    latency.Update(x[1]);
    const double s = joint.Score(x);
    if (i > 200) max_noise = std::max(max_noise, s);
  }
  EXPECT_LT(max_noise, 0.5) << "noise alone must not look like a 1e-6 tail";
  // A busy edge that is fast: +2σ rate with −2σ latency. Each alone is ordinary.
  x[0] = 100 * std::exp(0.1);
  x[1] = 2000 * std::exp(-0.4);
  EXPECT_LT(std::fabs(rate.Update(x[0])), 3);
  EXPECT_LT(std::fabs(latency.Update(x[1])), 3);
  const double s = joint.Score(x);
  EXPECT_GT(s, 0.5) << "D² " << joint.last_distance2();
}

TEST(JointBaseline, AFlatSignalDoesNotBreakItAndItsStepScores) {
  JointBaseline joint(3);
  Traffic t;
  double x[3];
  for (int i = 0; i < 500; ++i) {
    t.Next(x);
    x[2] = 0;  // errors: never any
    const double s = joint.Score(x);
    ASSERT_TRUE(std::isfinite(s)) << i;
  }
  t.Next(x);
  x[2] = 25;  // errors appear
  EXPECT_EQ(joint.Score(x), 1.0);
}

TEST(JointBaseline, AnIncidentIsNotLearnedWhileItLasts) {
  JointBaseline joint(2);
  Traffic t;
  double x[2];
  for (int i = 0; i < 1000; ++i) {
    t.Next(x);
    joint.Score(x);
  }
  // Thirty records of a latency five times normal: each one scores, none becomes normal.
  for (int i = 0; i < 30; ++i) {
    t.Next(x);
    x[1] *= 5;
    EXPECT_GT(joint.Score(x), 0.5) << i;
  }
}

TEST(JointBaseline, StateSurvivesSaveAndLoad) {
  JointBaseline a(3);
  Traffic t;
  double x[3];
  for (int i = 0; i < 400; ++i) {
    t.Next(x);
    x[2] = i % 7;
    a.Score(x);
  }
  std::string bytes;
  BinaryWriter w(bytes);
  a.Save(w);
  JointBaseline b(3);
  BinaryReader r(bytes);
  ASSERT_TRUE(b.Load(r));
  EXPECT_TRUE(r.done());
  for (int i = 0; i < 100; ++i) {
    t.Next(x);
    x[2] = i % 5;
    ASSERT_EQ(a.Score(x), b.Score(x)) << i;
  }
  JointBaseline two(2);
  BinaryReader r2(bytes);
  EXPECT_FALSE(two.Load(r2)) << "a state of 3 signals does not load into 2";
  EXPECT_LE(a.StateBytes(), 128U);
}

}  // namespace
}  // namespace edgewatch::baseline
