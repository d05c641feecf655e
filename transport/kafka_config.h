// Client configuration shared by every Kafka producer and consumer of edgewatch.
//
// Any librdkafka property (https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md)
// can be set, from `--kafka-property key=value` flags or a properties file (`key=value` lines,
// `#` comments), so SASL/SSL clusters work without code changes. Precedence, lowest first: the
// component's defaults (e.g. the producer's idempotence), the properties file, the flags.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace RdKafka {
class Conf;
}  // namespace RdKafka

namespace edgewatch::transport {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

struct KafkaConfig {
  std::string brokers;  // bootstrap.servers, "host:port[,host:port…]"
  // Properties in the order they were given, each with where it came from (for errors).
  struct Property {
    std::string key;
    std::string value;
    std::string origin;  // "--kafka-property" or "FILE:LINE"
  };
  std::vector<Property> properties;

  // "key=value"; "" when added, otherwise what is wrong.
  std::string AddProperty(std::string_view key_value, std::string origin);
  // Reads `key=value` lines; blank lines and lines starting with '#' are skipped.
  std::string LoadPropertiesFile(const std::string& path);
};

// Builds a librdkafka global config: `defaults`, then cfg.properties, then bootstrap.servers.
// Errors name the property, its origin and librdkafka's reason. Secrets are never echoed.
Result<std::unique_ptr<RdKafka::Conf>> BuildKafkaConf(const KafkaConfig& cfg,
                                                      const KafkaProperties& defaults);

// BuildKafkaConf() for its errors only: "" when every property is accepted.
std::string CheckKafkaConfig(const KafkaConfig& cfg);

}  // namespace edgewatch::transport
