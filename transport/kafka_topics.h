// The Kafka topics of edgewatch, their keys and their settings (docs/schema.md, "Kafka topics").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgewatch::transport {

struct TopicNames {
  std::string edge_windows;  // key: EdgeWindowKey(); sensors → detectors
  std::string evidence;      // key: EdgeWindowKey() of the edge; same partitioning as windows
  std::string anomalies;     // key: edge; detector → correlator (root-cause scoping)
  std::string alerts;        // key: alert fingerprint; compacted: last record = current state
  std::string dead_letters;  // key: the bad record's key; value: the bad record, reason in headers
  // key: EdgeRecordKey() of the edge, same partitioning as windows; value: the edge's learned
  // (rule, edge) states (detector/state_snapshot.h); compacted: the last record per edge counts.
  std::string baselines;

  // "<prefix>edge-windows", "<prefix>evidence", … The default prefix is "edgewatch.".
  static TopicNames WithPrefix(std::string_view prefix);
};

struct TopicSpec {
  std::string name;
  int32_t partitions = 1;
  std::vector<std::pair<std::string, std::string>> config;  // topic-level configs
};

struct TopicLayout {
  // Edge windows and evidence must have the same count: a detector reads the evidence partition
  // with the number of each edge-window partition it owns. 12 splits evenly over 1, 2, 3, 4, 6
  // and 12 detectors.
  int32_t stream_partitions = 12;
  int32_t alert_partitions = 3;
  int64_t stream_retention_ms = 24LL * 3600 * 1000;        // a day of replay after an outage
  int64_t evidence_retention_ms = 3LL * 24 * 3600 * 1000;  // evidence outlives its windows
  int64_t anomaly_retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t dead_letter_retention_ms = 14LL * 24 * 3600 * 1000;  // time to look at bad records
  // Baselines are compacted and also deleted after a week: detectors re-publish the state of
  // every edge they own periodically, so only edges gone for a week lose theirs.
  int64_t baseline_retention_ms = 7LL * 24 * 3600 * 1000;
  // Alerts are compacted, but never before a day: consumers up to a day behind see every
  // transition; later, only each fingerprint's last record (which holds starts_at and ends_at).
  int64_t alert_min_compaction_lag_ms = 24LL * 3600 * 1000;
};

std::vector<TopicSpec> TopicSpecs(const TopicNames& names, const TopicLayout& layout);

// Kafka key of an edge's windows and evidence: "<node>|<Edge::Key()>". One edge of one sensor
// always lands in one partition (murmur2, as Java clients), so its state lives in one detector.
std::string EdgeRecordKey(std::string_view node, std::string_view edge_key);

// The partition Kafka's default partitioner (murmur2, as librdkafka's "murmur2_random" and the
// Java client) puts `key` in.
int32_t PartitionOfKey(std::string_view key, int32_t partition_count);

}  // namespace edgewatch::transport
