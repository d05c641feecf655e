#include "sensor/dns_transaction_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace edgewatch::sensor {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

// 10.0.0.5:<port> → 10.0.0.53:53 over UDP, DNS id `id`.
DnsTransactionKey Key(uint16_t id, uint16_t client_port = 40000) {
  DnsTransactionKey k;
  k.client_ip = DnsTransactionKey::MapV4({10, 0, 0, 5});
  k.server_ip = DnsTransactionKey::MapV4({10, 0, 0, 53});
  k.client_port = client_port;
  k.server_port = 53;
  k.id = id;
  k.protocol = DnsProtocol::kUdp;
  return k;
}

// The value of the sample `name` (with label rcode=`rcode` when given); -1 when absent.
double Stat(const DnsTransactionTable& t, const std::string& name, const std::string& rcode = "") {
  std::vector<StatSample> samples;
  t.CollectStats(samples);
  for (const auto& s : samples) {
    if (s.name != name) continue;
    if (rcode.empty() && s.labels.empty()) return s.value;
    if (!rcode.empty() && s.labels.size() == 1 && s.labels[0].first == "rcode" &&
        s.labels[0].second == rcode) {
      return s.value;
    }
  }
  return -1;
}

TEST(DnsTransactionTable, MapsV4AddressesToSixteenBytes) {
  auto a = DnsTransactionKey::MapV4({192, 0, 2, 1});
  EXPECT_EQ(a, (std::array<uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}));
  EXPECT_EQ(DnsTransactionKeyHash{}(Key(7)), DnsTransactionKeyHash{}(Key(7)));
  EXPECT_NE(DnsTransactionKeyHash{}(Key(7)), DnsTransactionKeyHash{}(Key(8)));
}

TEST(DnsTransactionTable, MatchesAResponseToItsQuery) {
  DnsTransactionTable t({});
  t.OnQuery(Key(0x1234), "example.com", kDnsTypeA, 10 * kMs);
  EXPECT_EQ(t.outstanding(), 1u);
  auto done = t.OnResponse(Key(0x1234), DnsRcode::kNxDomain, 13 * kMs);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->key, Key(0x1234));
  EXPECT_EQ(done->name, "example.com");
  EXPECT_EQ(done->qtype, kDnsTypeA);
  EXPECT_EQ(done->rcode, DnsRcode::kNxDomain);
  EXPECT_FALSE(done->timed_out);
  EXPECT_EQ(done->query_ts_ns, 10 * kMs);
  EXPECT_EQ(done->latency_ns, 3 * kMs);
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_queries_total"), 1);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_responses_total", "nxdomain"), 1);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_responses_total", "noerror"), 0);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_outstanding"), 0);

  // A second copy of the response finds nothing.
  EXPECT_FALSE(t.OnResponse(Key(0x1234), DnsRcode::kNxDomain, 14 * kMs));
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_unmatched_responses_total"), 1);
}

TEST(DnsTransactionTable, EveryKeyFieldTellsTransactionsApart) {
  DnsTransactionTable t({});
  t.OnQuery(Key(1), "a.example", kDnsTypeA, 0);
  std::vector<DnsTransactionKey> others(6, Key(1));
  others[0].id = 2;
  others[1].client_port = 40001;
  others[2].server_port = 5353;
  others[3].protocol = DnsProtocol::kTcp;
  others[4].client_ip[15] = 6;
  others[5].server_ip = DnsTransactionKey::MapV4({10, 0, 0, 54});
  for (const auto& k : others) EXPECT_FALSE(t.OnResponse(k, DnsRcode::kNoError, kMs));
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_unmatched_responses_total"), 6);
  EXPECT_EQ(t.outstanding(), 1u);
  auto done = t.OnResponse(Key(1), DnsRcode::kServFail, 2 * kMs);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->rcode, DnsRcode::kServFail);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_responses_total", "servfail"), 1);
}

TEST(DnsTransactionTable, CountsUnmatchedResponses) {
  DnsTransactionTable t({});
  EXPECT_FALSE(t.OnResponse(Key(9), DnsRcode::kRefused, 5));
  EXPECT_FALSE(t.OnResponse(Key(9), DnsRcode::kRefused, 6));
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_unmatched_responses_total"), 2);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_responses_total", "refused"), 0);
}

TEST(DnsTransactionTable, ExpiresUnansweredQueriesAfterTheTimeout) {
  DnsTransactionTable t({});  // 2 s
  ASSERT_EQ(t.config().timeout_ns, 2 * kSec);
  t.OnQuery(Key(1), "first.example", kDnsTypeAaaa, 1 * kSec);
  t.OnQuery(Key(2), "second.example", kDnsTypeA, 1 * kSec + 500 * kMs);
  t.OnQuery(Key(3), "answered.example", kDnsTypeA, 1 * kSec + 600 * kMs);
  ASSERT_TRUE(t.OnResponse(Key(3), DnsRcode::kNoError, 1 * kSec + 700 * kMs));

  std::vector<DnsTransaction> out;
  t.Expire(3 * kSec - 1, out);
  EXPECT_TRUE(out.empty());
  t.Expire(3 * kSec, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key, Key(1));
  EXPECT_EQ(out[0].name, "first.example");
  EXPECT_EQ(out[0].qtype, kDnsTypeAaaa);
  EXPECT_TRUE(out[0].timed_out);
  EXPECT_EQ(out[0].query_ts_ns, 1 * kSec);
  EXPECT_EQ(out[0].latency_ns, 2 * kSec);

  t.Expire(10 * kSec, out);  // appends
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].name, "second.example");
  EXPECT_EQ(out[1].latency_ns, 8 * kSec + 500 * kMs);
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_timeouts_total"), 2);

  // The answer after the timeout is not a match.
  EXPECT_FALSE(t.OnResponse(Key(1), DnsRcode::kNoError, 11 * kSec));
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_unmatched_responses_total"), 1);
}

TEST(DnsTransactionTable, HonoursAConfiguredTimeout) {
  DnsTransactionTable t({.timeout_ns = 100 * kMs});
  t.OnQuery(Key(1), "x.example", kDnsTypeA, 0);
  std::vector<DnsTransaction> out;
  t.Expire(99 * kMs, out);
  EXPECT_TRUE(out.empty());
  t.Expire(100 * kMs, out);
  EXPECT_EQ(out.size(), 1u);
}

TEST(DnsTransactionTable, RetransmissionKeepsTheFirstTimestamp) {
  DnsTransactionTable t({});
  t.OnQuery(Key(5), "slow.example", kDnsTypeSrv, 0);
  t.OnQuery(Key(5), "slow.example", kDnsTypeSrv, 1 * kSec);  // resolver retry, same id and port
  EXPECT_EQ(t.outstanding(), 1u);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_retransmits_total"), 1);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_queries_total"), 1);
  auto done = t.OnResponse(Key(5), DnsRcode::kNoError, 1 * kSec + 200 * kMs);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->query_ts_ns, 0);
  EXPECT_EQ(done->latency_ns, 1 * kSec + 200 * kMs);

  // Unanswered, it times out from the first transmission.
  t.OnQuery(Key(6), "lost.example", kDnsTypeA, 10 * kSec);
  t.OnQuery(Key(6), "lost.example", kDnsTypeA, 11 * kSec);
  std::vector<DnsTransaction> out;
  t.Expire(12 * kSec, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].query_ts_ns, 10 * kSec);
}

TEST(DnsTransactionTable, EvictsTheOldestWhenFull) {
  DnsTransactionTable t({.capacity = 3});
  // Arrival order differs from time order (ring buffers of different CPUs).
  t.OnQuery(Key(1), "one", kDnsTypeA, 20);
  t.OnQuery(Key(2), "two", kDnsTypeA, 10);
  t.OnQuery(Key(3), "three", kDnsTypeA, 30);
  t.OnQuery(Key(4), "four", kDnsTypeA, 40);
  EXPECT_EQ(t.outstanding(), 3u);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_evicted_total"), 1);
  EXPECT_FALSE(t.OnResponse(Key(2), DnsRcode::kNoError, 50));  // the oldest, evicted
  ASSERT_TRUE(t.OnResponse(Key(1), DnsRcode::kNoError, 50));

  // Evicted queries are not reported as timeouts.
  std::vector<DnsTransaction> out;
  t.Expire(100 * kSec, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "three");
  EXPECT_EQ(out[1].name, "four");
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_timeouts_total"), 2);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_queries_total"), 4);
}

TEST(DnsTransactionTable, ClampsLatencyOfResponsesStampedBeforeTheirQuery) {
  DnsTransactionTable t({});
  t.OnQuery(Key(1), "x", kDnsTypeA, 1000);
  auto done = t.OnResponse(Key(1), DnsRcode::kNoError, 990);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->latency_ns, 0);
}

TEST(DnsTransactionTable, StatsUseOnlyClosedLabelValues) {
  DnsTransactionTable t({});
  t.OnQuery(Key(1), "secret.internal", kDnsTypeA, 0);
  std::vector<StatSample> samples;
  t.CollectStats(samples);
  size_t by_rcode = 0;
  for (const auto& s : samples) {
    EXPECT_EQ(s.name.rfind("edgewatch_sensor_dns_", 0), 0u) << s.name;
    for (const auto& [label, value] : s.labels) {
      EXPECT_EQ(label, "rcode");
      EXPECT_NE(value, "secret.internal");
      ++by_rcode;
    }
  }
  EXPECT_EQ(by_rcode, kDnsRcodeCount);
  EXPECT_EQ(Stat(t, "edgewatch_sensor_dns_outstanding"), 1);
}

TEST(DnsTransactionTable, ValidatesItsConfig) {
  EXPECT_FALSE(DnsTransactionTableConfig{}.Validate().has_value());
  auto bad_timeout = DnsTransactionTableConfig{.timeout_ns = 0}.Validate();
  ASSERT_TRUE(bad_timeout);
  EXPECT_NE(bad_timeout->message.find("sensor.dns.timeout_ns"), std::string::npos);
  auto bad_capacity = DnsTransactionTableConfig{.capacity = 0}.Validate();
  ASSERT_TRUE(bad_capacity);
  EXPECT_NE(bad_capacity->message.find("sensor.dns.capacity"), std::string::npos);
}

}  // namespace
}  // namespace edgewatch::sensor
