#include "transport/kafka_topics.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace edgewatch::transport {
namespace {

using Config = std::vector<std::pair<std::string, std::string>>;

// Java's org.apache.kafka.common.utils.Utils.murmur2, transcribed with unsigned arithmetic
// (Java's int wraps; `>>>` is a logical shift).
int32_t JavaMurmur2(std::string_view data) {
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto length = static_cast<uint32_t>(data.size());
  uint32_t h = 0x9747b28c ^ length;
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(data[i])); };
  for (size_t i = 0; i + 4 <= data.size(); i += 4) {
    uint32_t k = byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const size_t tail = data.size() & ~size_t{3};
  switch (data.size() % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

// Java's DefaultPartitioner / BuiltInPartitioner: toPositive(murmur2(key)) % n.
int32_t JavaPartition(int32_t murmur2, int32_t n) {
  return static_cast<int32_t>(static_cast<uint32_t>(murmur2) & 0x7fffffffu) % n;
}

// Kafka's UtilsTest.testMurmur2.
const std::map<std::string, int32_t>& JavaVectors() {
  static const std::map<std::string, int32_t> v = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
  };
  return v;
}

TEST(TopicNames, WithPrefix) {
  const TopicNames d = TopicNames::WithPrefix("edgewatch.");
  EXPECT_EQ(d.edge_windows, "edgewatch.edge-windows");
  EXPECT_EQ(d.evidence, "edgewatch.evidence");
  EXPECT_EQ(d.anomalies, "edgewatch.anomalies");
  EXPECT_EQ(d.alerts, "edgewatch.alerts");
  EXPECT_EQ(d.dead_letters, "edgewatch.dead-letters");
  EXPECT_EQ(d.baselines, "edgewatch.baselines");

  const TopicNames staging = TopicNames::WithPrefix("staging-");
  EXPECT_EQ(staging.edge_windows, "staging-edge-windows");
  EXPECT_EQ(staging.dead_letters, "staging-dead-letters");

  const TopicNames bare = TopicNames::WithPrefix("");
  EXPECT_EQ(bare.edge_windows, "edge-windows");
  EXPECT_EQ(bare.alerts, "alerts");
}

TEST(TopicSpecs, DefaultLayout) {
  const auto specs = TopicSpecs(TopicNames::WithPrefix("edgewatch."), TopicLayout{});
  ASSERT_EQ(specs.size(), 6u);

  EXPECT_EQ(specs[0].name, "edgewatch.edge-windows");
  EXPECT_EQ(specs[0].partitions, 12);
  EXPECT_EQ(specs[0].config, (Config{{"cleanup.policy", "delete"}, {"retention.ms", "86400000"}}));

  EXPECT_EQ(specs[1].name, "edgewatch.evidence");
  EXPECT_EQ(specs[1].partitions, 12);
  EXPECT_EQ(specs[1].config, (Config{{"cleanup.policy", "delete"}, {"retention.ms", "259200000"}}));

  EXPECT_EQ(specs[2].name, "edgewatch.anomalies");
  EXPECT_EQ(specs[2].partitions, 12);
  EXPECT_EQ(specs[2].config, (Config{{"cleanup.policy", "delete"}, {"retention.ms", "604800000"}}));

  EXPECT_EQ(specs[3].name, "edgewatch.alerts");
  EXPECT_EQ(specs[3].partitions, 3);
  EXPECT_EQ(specs[3].config,
            (Config{{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "86400000"}}));

  EXPECT_EQ(specs[4].name, "edgewatch.dead-letters");
  EXPECT_EQ(specs[4].partitions, 1);
  EXPECT_EQ(specs[4].config,
            (Config{{"cleanup.policy", "delete"}, {"retention.ms", "1209600000"}}));

  EXPECT_EQ(specs[5].name, "edgewatch.baselines");
  EXPECT_EQ(specs[5].partitions, 12) << "partitioned as the edge windows";
  EXPECT_EQ(specs[5].config,
            (Config{{"cleanup.policy", "compact,delete"}, {"retention.ms", "604800000"}}));
}

TEST(TopicSpecs, CustomLayoutKeepsWindowsAndEvidenceAligned) {
  TopicLayout layout;
  layout.stream_partitions = 7;
  layout.alert_partitions = 5;
  layout.stream_retention_ms = 1000;
  layout.evidence_retention_ms = 2000;
  layout.anomaly_retention_ms = 3000;
  layout.dead_letter_retention_ms = 4000;
  layout.alert_min_compaction_lag_ms = 5000;
  const auto specs = TopicSpecs(TopicNames::WithPrefix("t."), layout);
  ASSERT_EQ(specs.size(), 6u);
  std::map<std::string, TopicSpec> by_name;
  for (const TopicSpec& s : specs) by_name[s.name] = s;
  ASSERT_EQ(by_name.size(), 6u);  // names are distinct
  EXPECT_EQ(by_name["t.baselines"].partitions, 7);

  EXPECT_EQ(by_name["t.edge-windows"].partitions, 7);
  EXPECT_EQ(by_name["t.evidence"].partitions, by_name["t.edge-windows"].partitions);
  EXPECT_EQ(by_name["t.anomalies"].partitions, 7);
  EXPECT_EQ(by_name["t.alerts"].partitions, 5);
  EXPECT_EQ(by_name["t.dead-letters"].partitions, 1);  // not part of the layout

  EXPECT_EQ(by_name["t.edge-windows"].config[1],
            (std::pair<std::string, std::string>{"retention.ms", "1000"}));
  EXPECT_EQ(by_name["t.evidence"].config[1],
            (std::pair<std::string, std::string>{"retention.ms", "2000"}));
  EXPECT_EQ(by_name["t.anomalies"].config[1],
            (std::pair<std::string, std::string>{"retention.ms", "3000"}));
  EXPECT_EQ(by_name["t.dead-letters"].config[1],
            (std::pair<std::string, std::string>{"retention.ms", "4000"}));
  EXPECT_EQ(by_name["t.alerts"].config,
            (Config{{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "5000"}}));
}

TEST(EdgeRecordKey, NodeBarEdgeKey) {
  EXPECT_EQ(EdgeRecordKey("node-1", "client|curl||10.9.0.7|10.0.0.5:8080|tcp"),
            "node-1|client|curl||10.9.0.7|10.0.0.5:8080|tcp");
  EXPECT_EQ(EdgeRecordKey("", "e"), "|e");
  EXPECT_EQ(EdgeRecordKey("n", ""), "n|");
  EXPECT_NE(EdgeRecordKey("node-1", "e"), EdgeRecordKey("node-2", "e"));
}

TEST(PartitionOfKey, ReferenceMurmur2MatchesKafkaUtilsTestVectors) {
  // Guards the reference implementation the other tests trust.
  for (const auto& [key, hash] : JavaVectors()) {
    EXPECT_EQ(JavaMurmur2(key), hash) << key;
  }
}

TEST(PartitionOfKey, MatchesJavaDefaultPartitionerOnKafkaVectors) {
  for (const int32_t n : {1000, 12, 7, 3, 1}) {
    for (const auto& [key, hash] : JavaVectors()) {
      EXPECT_EQ(PartitionOfKey(key, n), JavaPartition(hash, n)) << key << " n=" << n;
    }
  }
  // Worked out by hand from the vectors: |-973932308| & 0x7fffffff = 1173551340.
  EXPECT_EQ(PartitionOfKey("21", 1000), 340);
  EXPECT_EQ(PartitionOfKey("abc", 1000), 107);  // 479470107 is positive
  EXPECT_EQ(PartitionOfKey("abc", 12), 479470107 % 12);
}

TEST(PartitionOfKey, MatchesJavaForEveryTailLengthAndHighBytes) {
  std::string key;
  for (int len = 0; len <= 40; ++len) {
    for (const int32_t n : {12, 7, 1000}) {
      EXPECT_EQ(PartitionOfKey(key, n), JavaPartition(JavaMurmur2(key), n))
          << "len=" << len << " n=" << n;
    }
    // Bytes >= 0x80 are where a signed-char implementation would differ from Java's `& 0xff`.
    key.push_back(static_cast<char>(0x61 + len * 37));
  }
  const std::string utf8 = "node-\xc3\xa9|client|caf\xc3\xa9||10.0.0.1|[fd00::5]:443|tcp";
  EXPECT_EQ(PartitionOfKey(utf8, 12), JavaPartition(JavaMurmur2(utf8), 12));
}

TEST(PartitionOfKey, EdgeRecordKeysSpreadOverAllPartitionsDeterministically) {
  std::set<int32_t> seen;
  for (int i = 0; i < 500; ++i) {
    const std::string key =
        EdgeRecordKey("node-" + std::to_string(i % 7),
                      "client|curl||10.9.0." + std::to_string(i) + "|10.0.0.5:8080|tcp");
    const int32_t p = PartitionOfKey(key, 12);
    ASSERT_GE(p, 0);
    ASSERT_LT(p, 12);
    EXPECT_EQ(PartitionOfKey(key, 12), p);  // not the random partitioner
    EXPECT_EQ(p, JavaPartition(JavaMurmur2(key), 12)) << key;
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 12u);
}

}  // namespace
}  // namespace edgewatch::transport
