// Topic administration: create edgewatch's topics (`edgewatch kafka init`) and read partition
// counts. Uses librdkafka's Admin API (C), through a short-lived client.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"
#include "transport/kafka_config.h"
#include "transport/kafka_topics.h"

namespace edgewatch::transport {

struct TopicOutcome {
  enum class Kind { kCreated, kExists, kFailed };
  std::string topic;
  Kind kind = Kind::kFailed;
  int32_t partitions = 0;  // the topic's partition count after the call (0 when unknown)
  std::string message;     // why it failed, or a warning (existing topic with another layout)
};

// Creates each missing topic with `replication_factor`; an existing topic is left as it is
// and reported (with a warning when its partition count differs from the spec). An error
// result means the cluster could not be reached at all.
Result<std::vector<TopicOutcome>> CreateTopics(const KafkaConfig& cfg,
                                               const std::vector<TopicSpec>& specs,
                                               int replication_factor,
                                               std::chrono::milliseconds timeout);

// Partition count of each topic, in order; 0 for a topic the cluster does not have.
Result<std::vector<int32_t>> PartitionCounts(const KafkaConfig& cfg,
                                             const std::vector<std::string>& topics,
                                             std::chrono::milliseconds timeout);

}  // namespace edgewatch::transport
