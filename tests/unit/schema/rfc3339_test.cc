#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "schema/codec.h"

namespace edgewatch::schema {
namespace {

constexpr int64_t kExampleNs = 1'795'342'503'123'456'789;  // 2026-11-22T10:15:03.123456789Z

TEST(FormatTime, EpochAndExample) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatTime(kExampleNs), "2026-11-22T10:15:03.123456789Z");
  EXPECT_EQ(FormatTime(1), "1970-01-01T00:00:00.000000001Z");
}

TEST(FormatTime, LeapDay) {
  EXPECT_EQ(FormatTime(int64_t{1'709'251'199} * 1'000'000'000), "2024-02-29T23:59:59.000000000Z");
}

TEST(FormatTime, BeforeEpochFloorsTowardsThePast) {
  EXPECT_EQ(FormatTime(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatTime(-1'000'000'000), "1969-12-31T23:59:59.000000000Z");
}

TEST(FormatTime, Int64Limits) {
  EXPECT_EQ(FormatTime(std::numeric_limits<int64_t>::max()), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(FormatTime(std::numeric_limits<int64_t>::min()), "1677-09-21T00:12:43.145224192Z");
}

int64_t MustParse(std::string_view s) {
  Result<int64_t> r = ParseTime(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error());
  return r.ok() ? *r : -42;
}

TEST(ParseTime, FractionalDigitsZeroToNine) {
  constexpr int64_t kSec = int64_t{1'795'342'503} * 1'000'000'000;
  EXPECT_EQ(MustParse("2026-11-22T10:15:03Z"), kSec);
  EXPECT_EQ(MustParse("2026-11-22T10:15:03.1Z"), kSec + 100'000'000);
  EXPECT_EQ(MustParse("2026-11-22T10:15:03.12Z"), kSec + 120'000'000);
  EXPECT_EQ(MustParse("2026-11-22T10:15:03.000001Z"), kSec + 1'000);
  EXPECT_EQ(MustParse("2026-11-22T10:15:03.123456789Z"), kExampleNs);
}

TEST(ParseTime, Offsets) {
  constexpr int64_t kUtc = int64_t{1'795'313'703} * 1'000'000'000;  // 2026-11-22T02:15:03Z
  EXPECT_EQ(MustParse("2026-11-22T10:15:03+08:00"), kUtc);
  EXPECT_EQ(MustParse("2026-11-21T20:45:03-05:30"), kUtc);
  EXPECT_EQ(MustParse("2026-11-22T02:15:03+00:00"), kUtc);
  EXPECT_EQ(MustParse("2026-11-22T02:15:03-00:00"), kUtc);
  // An offset can move the instant across a day, month and year boundary.
  EXPECT_EQ(MustParse("2027-01-01T07:59:59.5+08:00"), MustParse("2026-12-31T23:59:59.500Z"));
}

TEST(ParseTime, LowerCaseSeparatorsPerRfc3339) {
  EXPECT_EQ(MustParse("2026-11-22t10:15:03.123456789z"), kExampleNs);
}

TEST(ParseTime, Int64Limits) {
  EXPECT_EQ(MustParse("2262-04-11T23:47:16.854775807Z"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(MustParse("1677-09-21T00:12:43.145224192Z"), std::numeric_limits<int64_t>::min());
}

TEST(ParseTime, RejectsInvalid) {
  for (const char* bad : {
           "",
           "2026-11-22",
           "2026-11-22T10:15:03",              // no zone
           "2026-11-22T10:15Z",                // no seconds
           "2026-11-22 10:15:03Z",             // space separator
           "2026-11-22T10:15:03.Z",            // '.' without digits
           "2026-11-22T10:15:03.1234567890Z",  // ten fractional digits
           "2026-13-01T00:00:00Z",
           "2026-00-01T00:00:00Z",
           "2026-02-29T00:00:00Z",  // not a leap year
           "2026-04-31T00:00:00Z",
           "2026-11-22T24:00:00Z",
           "2026-11-22T10:60:00Z",
           "2026-11-22T10:15:60Z",  // leap second
           "2026-11-22T10:15:03+08",
           "2026-11-22T10:15:03+0800",
           "2026-11-22T10:15:03+24:00",
           "2026-11-22T10:15:03+08:60",
           "2026-11-22T10:15:03ZZ",
           "2026-11-22T10:15:03Z ",
           " 2026-11-22T10:15:03Z",
           "2026-1-22T10:15:03Z",
           "20261122T101503Z",
           "2026-11-22T10:15:0x.123456789Z",  // canonical shape, not digits
           "2026-11-22T10:15:03.12345678xZ",
           "2026-11-22T10:15:03.-23456789Z",
           "202a-11-22T10:15:03.123456789Z",
           "2262-04-11T23:47:16.854775808Z",  // one ns past int64
           "1677-09-21T00:12:43.145224191Z",  // one ns before int64
           "9999-12-31T23:59:59Z",
       }) {
    EXPECT_FALSE(ParseTime(bad).ok()) << '"' << bad << '"';
  }
}

TEST(ParseTime, ErrorNamesInputAndReason) {
  Result<int64_t> r = ParseTime("2026-11-22T10:15:03");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(),
            "invalid RFC 3339 time \"2026-11-22T10:15:03\": expected 'Z' or an offset ±hh:mm");
  r = ParseTime("2026-02-30T00:00:00Z");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "invalid RFC 3339 time \"2026-02-30T00:00:00Z\": day out of range");
}

TEST(Rfc3339, FormatParseRoundTripOverTheWholeRange) {
  std::mt19937_64 rng(20261122);
  std::uniform_int_distribution<int64_t> any(std::numeric_limits<int64_t>::min(),
                                             std::numeric_limits<int64_t>::max());
  for (int i = 0; i < 20000; ++i) {
    const int64_t ns =
        i < 10000 ? any(rng) : static_cast<int64_t>(rng() % 4'000'000'000'000'000'000);
    const std::string s = FormatTime(ns);
    ASSERT_EQ(s.size(), 30u) << s;
    Result<int64_t> back = ParseTime(s);
    ASSERT_TRUE(back.ok()) << s << ": " << back.error();
    ASSERT_EQ(*back, ns) << s;
  }
}

}  // namespace
}  // namespace edgewatch::schema
