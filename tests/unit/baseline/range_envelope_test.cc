#include "detector/baseline/range_envelope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace edgewatch::baseline {
namespace {

TEST(RangeEnvelope, ExcessIsInUnitsOfTheRangeAndZeroInside) {
  RangeEnvelope e(0);          // no decay
  EXPECT_EQ(e.Update(0), 0);   // the first record: no range yet
  EXPECT_EQ(e.Update(10), 0);  // the first width: nothing to break
  EXPECT_EQ(e.Update(4), 0);
  EXPECT_EQ(e.Update(10), 0);             // touching the edge is not breaking it
  EXPECT_DOUBLE_EQ(e.Update(15), 0.5);    // 5 above a range of 10
  EXPECT_DOUBLE_EQ(e.Update(-7.5), 0.5);  // 7.5 below a range of 15
  EXPECT_DOUBLE_EQ(e.low(), -7.5);
  EXPECT_DOUBLE_EQ(e.high(), 15);
}

TEST(RangeEnvelope, AFlatSignalHasNoRangeToBreak) {
  RangeEnvelope e(0);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(e.Update(42), 0);
  EXPECT_EQ(e.Update(1000), 0) << "no width: the flat-level test's to judge, not an infinite break";
  EXPECT_GT(e.Update(2000), 0.9);  // the range is now 42..1000
}

TEST(RangeEnvelope, NonFiniteValuesAreIgnored) {
  RangeEnvelope e(0);
  e.Update(0);
  e.Update(1);
  EXPECT_EQ(e.Update(NAN), 0);
  EXPECT_EQ(e.Update(INFINITY), 0);
  EXPECT_DOUBLE_EQ(e.high(), 1);
}

TEST(RangeEnvelope, OldExtremesDecayTowardsTheMidpointAtTheHalfLife) {
  RangeEnvelope e(100);
  e.Update(0);
  e.Update(100);  // range 0..100, midpoint 50 (and one record of decay)
  for (int i = 0; i < 99; ++i) e.Update(50);
  // 100 records of decay: half the distance from the midpoint is left.
  EXPECT_NEAR(e.high(), 75, 0.01);
  EXPECT_NEAR(e.low(), 25, 0.01);
  // So a value that was inside the old range now breaks the envelope.
  EXPECT_NEAR(e.Update(90), 0.3, 0.001);
}

TEST(RangeEnvelope, SaveLoadRoundTrip) {
  RangeEnvelope a(1000);
  for (int i = 0; i < 50; ++i) a.Update(std::sin(i) * 10);
  std::string bytes;
  BinaryWriter w(bytes);
  a.Save(w);
  RangeEnvelope b(1000);
  BinaryReader r(bytes);
  ASSERT_TRUE(b.Load(r));
  EXPECT_EQ(b.low(), a.low());
  EXPECT_EQ(b.high(), a.high());
  EXPECT_EQ(a.Update(25), b.Update(25));
}

}  // namespace
}  // namespace edgewatch::baseline
