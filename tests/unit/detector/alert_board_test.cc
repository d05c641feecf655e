// What GET /api/v1/alerts shows: firing alerts by fingerprint, resolved ones moved aside, bounded.
#include "detector/alert_board.h"

#include <gtest/gtest.h>

#include <string>

namespace edgewatch::detector {
namespace {

schema::Alert A(const std::string& fp, schema::AlertStatus status, int64_t starts) {
  schema::Alert a;
  a.fingerprint = fp;
  a.status = status;
  a.starts_at_ns = starts;
  return a;
}

TEST(AlertBoard, FiringByFingerprintResolvedMovedAsideAndBounded) {
  AlertBoard board(2);
  using S = schema::AlertStatus;
  board.Apply(A("b", S::kFiring, 20));
  board.Apply(A("a", S::kFiring, 10));
  board.Apply(A("a", S::kFiring, 10));  // the same alert again: still one
  auto firing = board.Alerts(false);
  ASSERT_EQ(firing.size(), 2U);
  EXPECT_EQ(firing[0].fingerprint, "a") << "oldest start first";
  board.Apply(A("a", S::kResolved, 10));
  board.Apply(A("c", S::kFiring, 30));
  board.Apply(A("c", S::kResolved, 30));
  board.Apply(A("b", S::kResolved, 20));
  EXPECT_TRUE(board.Alerts(false).empty());
  auto all = board.Alerts(true);
  ASSERT_EQ(all.size(), 2U) << "resolved ones are bounded";
  EXPECT_EQ(all[0].fingerprint, "b") << "newest resolved first";
  EXPECT_EQ(all[1].fingerprint, "c");
}

}  // namespace
}  // namespace edgewatch::detector
