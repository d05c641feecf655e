#include "alerting/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace edgewatch::alerting {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(BackoffTest, DefaultScheduleDoublesFrom500msUpTo30s) {
  const RetryPolicy policy;
  std::vector<nanoseconds> schedule;
  for (uint32_t retry = 1; retry <= 9; ++retry) {
    schedule.push_back(BaseBackoff(policy, retry));
  }
  const std::vector<nanoseconds> want = {
      milliseconds(500),   milliseconds(1000),  milliseconds(2000),
      milliseconds(4000),  milliseconds(8000),  milliseconds(16000),
      milliseconds(30000), milliseconds(30000), milliseconds(30000)};
  EXPECT_EQ(schedule, want);
}

TEST(BackoffTest, HugeRetryNumbersStayAtTheCap) {
  const RetryPolicy policy;
  EXPECT_EQ(BaseBackoff(policy, 1000), milliseconds(30000));
  EXPECT_EQ(BaseBackoff(policy, UINT32_MAX), milliseconds(30000));
  EXPECT_EQ(JitteredBackoff(policy, UINT32_MAX, 1.0), milliseconds(30000));
}

TEST(BackoffTest, JitterScalesWithinBoundsAndNeverExceedsTheCap) {
  RetryPolicy policy;
  policy.jitter = 0.2;
  EXPECT_EQ(JitteredBackoff(policy, 1, 0.0), milliseconds(400));
  EXPECT_EQ(JitteredBackoff(policy, 1, 0.5), milliseconds(500));
  EXPECT_EQ(JitteredBackoff(policy, 1, 1.0), milliseconds(600));
  EXPECT_EQ(JitteredBackoff(policy, 7, 0.0), milliseconds(24000));
  EXPECT_EQ(JitteredBackoff(policy, 7, 1.0), milliseconds(30000));  // 36s capped
  // Out-of-range random input is clamped rather than trusted.
  EXPECT_EQ(JitteredBackoff(policy, 1, -3.0), milliseconds(400));
  EXPECT_EQ(JitteredBackoff(policy, 1, 7.0), milliseconds(600));
}

TEST(BackoffTest, SeededBackoffIsDeterministicAndWithinBounds) {
  RetryPolicy policy;
  policy.jitter = 0.5;
  Backoff a(policy, 42);
  Backoff b(policy, 42);
  for (uint32_t retry = 1; retry <= 20; ++retry) {
    const nanoseconds base = BaseBackoff(policy, retry);
    const nanoseconds got = a.Delay(retry);
    EXPECT_EQ(got, b.Delay(retry));
    EXPECT_GE(got, base / 2) << "retry " << retry;
    EXPECT_LE(got, std::min<nanoseconds>(base * 3 / 2, policy.max_backoff)) << "retry " << retry;
  }
}

TEST(BackoffTest, ZeroJitterIsExact) {
  RetryPolicy policy;
  policy.jitter = 0;
  Backoff backoff(policy, 1);
  EXPECT_EQ(backoff.Delay(1), milliseconds(500));
  EXPECT_EQ(backoff.Delay(2), milliseconds(1000));
}

TEST(BackoffTest, ValidateNamesTheKey) {
  EXPECT_FALSE(RetryPolicy{}.Validate().has_value());

  RetryPolicy p;
  p.max_attempts = 0;  // no cap: until give_up_after
  EXPECT_FALSE(p.Validate().has_value());
  p.give_up_after = milliseconds(-1);
  ASSERT_TRUE(p.Validate().has_value());
  EXPECT_NE(p.Validate()->message.find("alerting.retry.give_up_after"), std::string::npos);

  p = {};
  p.initial_backoff = milliseconds(0);
  ASSERT_TRUE(p.Validate().has_value());
  EXPECT_NE(p.Validate()->message.find("alerting.retry.initial_backoff"), std::string::npos);

  p = {};
  p.multiplier = 0.5;
  ASSERT_TRUE(p.Validate().has_value());
  EXPECT_NE(p.Validate()->message.find("alerting.retry.multiplier"), std::string::npos);

  p = {};
  p.max_backoff = milliseconds(100);
  ASSERT_TRUE(p.Validate().has_value());
  EXPECT_NE(p.Validate()->message.find("alerting.retry.max_backoff"), std::string::npos);

  p = {};
  p.jitter = 1.5;
  ASSERT_TRUE(p.Validate().has_value());
  EXPECT_NE(p.Validate()->message.find("alerting.retry.jitter"), std::string::npos);
}

}  // namespace
}  // namespace edgewatch::alerting
