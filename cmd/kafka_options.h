// Kafka flags shared by `edgewatch run|sensor|detector|kafka`.
#pragma once

#include <string>
#include <vector>

#include "cmd/flags.h"
#include "transport/kafka_config.h"
#include "transport/kafka_topics.h"

namespace edgewatch::cmd {

struct KafkaFlags {
  std::string brokers;
  std::vector<std::string> properties;
  std::string properties_file;
  std::string topic_prefix = "edgewatch.";

  // `required`: the command only works with Kafka (e.g. `kafka init`).
  void Register(Flags& f, bool required = false);
  bool enabled() const { return !brokers.empty(); }
  // The client config; errors name the flag, the file and line, or the property.
  Result<transport::KafkaConfig> ToConfig() const;
  transport::TopicNames Topics() const { return transport::TopicNames::WithPrefix(topic_prefix); }
};

}  // namespace edgewatch::cmd

namespace edgewatch::detector {
struct KafkaDetectorConfig;
}  // namespace edgewatch::detector

namespace edgewatch::cmd {

// Flags of the Kafka detector (`edgewatch detector --kafka`, `edgewatch run --kafka`).
struct KafkaDetectorFlags {
  std::string group = "edgewatch-detector";
  std::string lateness = "2s";
  std::string record;
  std::string baseline_save_interval = "5m";

  void Register(Flags& f);
  Result<detector::KafkaDetectorConfig> ToConfig(const KafkaFlags& kf) const;
};

}  // namespace edgewatch::cmd
