#include "transport/kafka_topics.h"

#include <librdkafka/rdkafka.h>

namespace edgewatch::transport {

TopicNames TopicNames::WithPrefix(std::string_view prefix) {
  const std::string p(prefix);
  return {p + "edge-windows", p + "evidence",     p + "anomalies",
          p + "alerts",       p + "dead-letters", p + "baselines"};
}

std::vector<TopicSpec> TopicSpecs(const TopicNames& names, const TopicLayout& layout) {
  auto ms = [](int64_t v) { return std::to_string(v); };
  return {
      {names.edge_windows,
       layout.stream_partitions,
       {{"cleanup.policy", "delete"}, {"retention.ms", ms(layout.stream_retention_ms)}}},
      {names.evidence,
       layout.stream_partitions,
       {{"cleanup.policy", "delete"}, {"retention.ms", ms(layout.evidence_retention_ms)}}},
      {names.anomalies,
       layout.stream_partitions,
       {{"cleanup.policy", "delete"}, {"retention.ms", ms(layout.anomaly_retention_ms)}}},
      {names.alerts,
       layout.alert_partitions,
       {{"cleanup.policy", "compact"},
        {"min.compaction.lag.ms", ms(layout.alert_min_compaction_lag_ms)}}},
      {names.dead_letters,
       1,
       {{"cleanup.policy", "delete"}, {"retention.ms", ms(layout.dead_letter_retention_ms)}}},
      {names.baselines,
       layout.stream_partitions,
       {{"cleanup.policy", "compact,delete"}, {"retention.ms", ms(layout.baseline_retention_ms)}}},
  };
}

std::string EdgeRecordKey(std::string_view node, std::string_view edge_key) {
  std::string key;
  key.reserve(node.size() + 1 + edge_key.size());
  key.append(node).append("|").append(edge_key);
  return key;
}

int32_t PartitionOfKey(std::string_view key, int32_t partition_count) {
  // librdkafka's murmur2 partitioner does not use its topic or opaque arguments.
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partition_count, nullptr,
                                          nullptr);
}

}  // namespace edgewatch::transport
