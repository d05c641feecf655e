#include "rules/duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace edgewatch::rules {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1000 * kMs;
constexpr int64_t kDay = 86400 * kS;

TEST(ParseDuration, AcceptsPrometheusForms) {
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("0s"), 0);
  EXPECT_EQ(*ParseDuration("500ms"), 500 * kMs);
  EXPECT_EQ(*ParseDuration("10s"), 10 * kS);
  EXPECT_EQ(*ParseDuration("5m"), 300 * kS);
  EXPECT_EQ(*ParseDuration("1h"), 3600 * kS);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400 * kS);
  EXPECT_EQ(*ParseDuration("1d2h3m4s5ms"), ((26 * 60 + 3) * 60 + 4) * kS + 5 * kMs);
  EXPECT_EQ(*ParseDuration("2w"), 14 * kDay);
  EXPECT_EQ(*ParseDuration("1y"), 365 * kDay);
  EXPECT_EQ(*ParseDuration("90s"), 90 * kS);  // no carrying rule: 90s is fine, as in Prometheus
}

TEST(ParseDuration, RejectsWithReason) {
  struct Case {
    const char* text;
    const char* reason;
  };
  for (const Case& c : {Case{"", "empty"}, Case{"5", "missing unit"},
                        Case{"5 m", "unknown unit \" m\""}, Case{"5min", "unknown unit \"min\""},
                        Case{"m", "expected a number"}, Case{"-5s", "expected a number"},
                        Case{"1m1h", "out of order"}, Case{"1s1s", "out of order or repeated"},
                        Case{"1.5s", "unknown unit \".\""}, Case{"99999999999y", "too large"}}) {
    auto d = ParseDuration(c.text);
    ASSERT_FALSE(d.ok()) << c.text;
    EXPECT_NE(d.error().find(c.reason), std::string::npos) << c.text << ": " << d.error();
    EXPECT_NE(d.error().find("use e.g. 0s, 500ms"), std::string::npos) << d.error();
  }
}

TEST(FormatDuration, ShortestForm) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(-5), "0s");
  EXPECT_EQ(FormatDuration(500 * kMs), "500ms");
  EXPECT_EQ(FormatDuration(5400 * kS), "1h30m");
  EXPECT_EQ(FormatDuration(14 * kDay), "14d");
  EXPECT_EQ(FormatDuration(60 * kS + 1), "1m");  // sub-millisecond rest is dropped
}

TEST(FormatDuration, RoundTrips) {
  for (const char* text : {"1m", "10s", "1h30m", "2d3h", "1s250ms"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

}  // namespace
}  // namespace edgewatch::rules
