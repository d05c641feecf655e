#include "rules/signal.h"

#include <gtest/gtest.h>

namespace edgewatch::rules {
namespace {

double Value(const char* name, const schema::EdgeWindow& w) {
  auto s = Signal::FromName(name);
  EXPECT_TRUE(s.has_value()) << name;
  return s ? s->ValueOf(w) : -1;
}

TEST(Signal, SnatSuspectIsOneWhenMarked) {
  schema::EdgeWindow w;
  EXPECT_EQ(Value("snat_suspect", w), 0.0);
  w.snat_suspect = "n/conntrack/host/1";
  EXPECT_EQ(Value("snat_suspect", w), 1.0);
}

TEST(Signal, DnsSignalsReadTheDnsCountsAndAreZeroWithout) {
  schema::EdgeWindow w;
  for (const char* n : {"dns_queries", "dns_nxdomain", "dns_servfail", "dns_refused",
                        "dns_timeouts", "dns_errors", "dns_latency_p99_us"}) {
    EXPECT_EQ(Value(n, w), 0.0) << n;
  }
  schema::DnsCounts& d = w.dns.emplace();
  d.queries = 20;
  d.rcode(schema::DnsRcodeClass::kNoError) = 10;
  d.rcode(schema::DnsRcodeClass::kNxDomain) = 4;
  d.rcode(schema::DnsRcodeClass::kServFail) = 2;
  d.rcode(schema::DnsRcodeClass::kRefused) = 1;
  d.rcode(schema::DnsRcodeClass::kFormErr) = 1;
  d.timeouts = 2;
  for (int i = 0; i < 100; ++i) d.latency.Add(600);
  EXPECT_EQ(Value("dns_queries", w), 20.0);
  EXPECT_EQ(Value("dns_nxdomain", w), 4.0);
  EXPECT_EQ(Value("dns_servfail", w), 2.0);
  EXPECT_EQ(Value("dns_refused", w), 1.0);
  EXPECT_EQ(Value("dns_timeouts", w), 2.0);
  EXPECT_EQ(Value("dns_errors", w), 6.0);  // servfail + refused + formerr + timeouts
  EXPECT_NEAR(Value("dns_latency_p99_us", w), 995.0, 1e-9);
  EXPECT_EQ(Signal::FromName("dns_latency_p99_us")->name(), "dns_latency_p99_us");
}

}  // namespace
}  // namespace edgewatch::rules
