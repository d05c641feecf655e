#include "transport/kafka_config.h"

#include <librdkafka/rdkafkacpp.h>

#include <fstream>

namespace edgewatch::transport {
namespace {

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return "";
  const auto last = s.find_last_not_of(" \t\r");
  return std::string(s.substr(first, last - first + 1));
}

}  // namespace

std::string KafkaConfig::AddProperty(std::string_view key_value, std::string origin) {
  const auto eq = key_value.find('=');
  if (eq == std::string_view::npos || Trim(key_value.substr(0, eq)).empty()) {
    return origin + ": \"" + std::string(key_value) +
           "\" is not of the form key=value (e.g. security.protocol=SASL_SSL)";
  }
  properties.push_back(
      {Trim(key_value.substr(0, eq)), Trim(key_value.substr(eq + 1)), std::move(origin)});
  return "";
}

std::string KafkaConfig::LoadPropertiesFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "cannot open Kafka properties file " + path;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (std::string bad = AddProperty(t, path + ":" + std::to_string(n)); !bad.empty()) return bad;
  }
  return "";
}

Result<std::unique_ptr<RdKafka::Conf>> BuildKafkaConf(const KafkaConfig& cfg,
                                                      const KafkaProperties& defaults) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string why;
  for (const auto& [key, value] : defaults) {
    if (conf->set(key, value, why) != RdKafka::Conf::CONF_OK) {
      return Err("Kafka default " + key + "=" + value + ": " + why);
    }
  }
  for (const auto& p : cfg.properties) {
    if (conf->set(p.key, p.value, why) != RdKafka::Conf::CONF_OK) {
      // The value is not echoed: it may be a password.
      return Err(p.origin + ": Kafka property " + p.key + ": " + why);
    }
  }
  if (cfg.brokers.empty()) return Err("no Kafka brokers given (--kafka HOST:PORT[,HOST:PORT…])");
  if (conf->set("bootstrap.servers", cfg.brokers, why) != RdKafka::Conf::CONF_OK) {
    return Err("--kafka " + cfg.brokers + ": " + why);
  }
  return conf;
}

std::string CheckKafkaConfig(const KafkaConfig& cfg) {
  auto conf = BuildKafkaConf(cfg, {});
  return conf ? "" : conf.error();
}

}  // namespace edgewatch::transport
