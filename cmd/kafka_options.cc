#include "cmd/kafka_options.h"

#include "detector/kafka_detector.h"

namespace edgewatch::cmd {

void KafkaFlags::Register(Flags& f, bool required) {
  f.String("kafka", &brokers,
           required ? "Kafka bootstrap brokers (required)"
                    : "Kafka bootstrap brokers; without it no Kafka is used",
           "HOST:PORT[,…]");
  f.List("kafka-property", &properties,
         "librdkafka property, e.g. security.protocol=SASL_SSL (docs/kafka.md)", "KEY=VALUE");
  f.String("kafka-properties-file", &properties_file,
           "file of librdkafka key=value lines (# comments); flags override it", "FILE");
  f.String("topic-prefix", &topic_prefix, "prefix of the edgewatch topic names", "PREFIX");
}

Result<transport::KafkaConfig> KafkaFlags::ToConfig() const {
  transport::KafkaConfig cfg;
  cfg.brokers = brokers;
  if (!properties_file.empty()) {
    if (std::string bad = cfg.LoadPropertiesFile(properties_file); !bad.empty()) {
      return Err("flag --kafka-properties-file: " + bad);
    }
  }
  for (const std::string& p : properties) {
    if (std::string bad = cfg.AddProperty(p, "--kafka-property"); !bad.empty()) return Err(bad);
  }
  // Validate now (every property, bootstrap list), so a typo fails at start with its name.
  if (std::string bad = transport::CheckKafkaConfig(cfg); !bad.empty()) return Err(bad);
  return cfg;
}

Result<detector::KafkaDetectorConfig> KafkaDetectorFlags::ToConfig(const KafkaFlags& kf) const {
  detector::KafkaDetectorConfig c;
  auto kafka = kf.ToConfig();
  if (!kafka) return Err(kafka.error());
  c.kafka = std::move(*kafka);
  c.topics = kf.Topics();
  if (group.empty()) return Err("flag --group must not be empty");
  c.group_id = group;
  auto l = ParseDurationFlag("lateness", lateness);
  if (!l) return Err(l.error());
  c.lateness_ns = *l;
  c.record_path = record;
  auto b = ParseDurationFlag("baseline-save-interval", baseline_save_interval);
  if (!b) return Err(b.error());
  if (*b < 0) return Err("flag --baseline-save-interval: must be >= 0 (0: off)");
  c.baseline_save_interval_ns = *b;
  return c;
}

void KafkaDetectorFlags::Register(Flags& f) {
  f.String("group", &group, "Kafka consumer group of the detectors (with --kafka)", "NAME");
  f.String("lateness", &lateness,
           "how long after its end a window may still arrive (with --kafka); later ones are "
           "counted as late",
           "DURATION");
  f.String("record", &record,
           "append every consumed window and evidence record to FILE (JSON lines, replayable "
           "with --input; with --kafka)",
           "FILE");
  f.String("baseline-save-interval", &baseline_save_interval,
           "how often the learned baselines of the owned edges go to the baselines topic (also "
           "at handovers and at shutdown; with --kafka; 0: never)",
           "DURATION");
}

}  // namespace edgewatch::cmd
