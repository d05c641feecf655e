#include "transport/kafka_config.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace edgewatch::transport {
namespace {

// A properties file in the test's temp dir, removed at the end of the test.
class PropertiesFile {
 public:
  explicit PropertiesFile(const std::string& text) {
    path_ = ::testing::TempDir() + "edgewatch_kafka_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter_++) + ".properties";
    std::ofstream(path_) << text;
  }
  ~PropertiesFile() { std::remove(path_.c_str()); }
  PropertiesFile(const PropertiesFile&) = delete;
  PropertiesFile& operator=(const PropertiesFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

// The value librdkafka holds for `key`, or "<unset>".
std::string Get(const RdKafka::Conf& conf, const std::string& key) {
  std::string value;
  if (conf.get(key, value) != RdKafka::Conf::CONF_OK) return "<unset>";
  return value;
}

TEST(KafkaConfigAddProperty, TrimsKeyAndValueAndKeepsOrigin) {
  KafkaConfig cfg;
  EXPECT_EQ(cfg.AddProperty("  security.protocol = SASL_SSL \t", "--kafka-property"), "");
  ASSERT_EQ(cfg.properties.size(), 1u);
  EXPECT_EQ(cfg.properties[0].key, "security.protocol");
  EXPECT_EQ(cfg.properties[0].value, "SASL_SSL");
  EXPECT_EQ(cfg.properties[0].origin, "--kafka-property");
}

TEST(KafkaConfigAddProperty, ValueKeepsFurtherEqualsSignsAndMayBeEmpty) {
  KafkaConfig cfg;
  EXPECT_EQ(cfg.AddProperty("sasl.oauthbearer.config=scope=a principal=b", "flag"), "");
  EXPECT_EQ(cfg.AddProperty("client.id=", "flag"), "");
  ASSERT_EQ(cfg.properties.size(), 2u);
  EXPECT_EQ(cfg.properties[0].key, "sasl.oauthbearer.config");
  EXPECT_EQ(cfg.properties[0].value, "scope=a principal=b");
  EXPECT_EQ(cfg.properties[1].key, "client.id");
  EXPECT_EQ(cfg.properties[1].value, "");
}

TEST(KafkaConfigAddProperty, KeepsTheOrderGiven) {
  KafkaConfig cfg;
  EXPECT_EQ(cfg.AddProperty("b=2", "first"), "");
  EXPECT_EQ(cfg.AddProperty("a=1", "second"), "");
  EXPECT_EQ(cfg.AddProperty("b=3", "third"), "");
  ASSERT_EQ(cfg.properties.size(), 3u);
  EXPECT_EQ(cfg.properties[0].origin, "first");
  EXPECT_EQ(cfg.properties[1].key, "a");
  EXPECT_EQ(cfg.properties[2].value, "3");
}

TEST(KafkaConfigAddProperty, RejectsTextWithoutKeyNamingTheOrigin) {
  KafkaConfig cfg;
  EXPECT_EQ(cfg.AddProperty("security.protocol", "--kafka-property"),
            "--kafka-property: \"security.protocol\" is not of the form key=value (e.g. "
            "security.protocol=SASL_SSL)");
  const std::string empty_key = cfg.AddProperty(" =SASL_SSL", "kafka.properties:3");
  EXPECT_EQ(empty_key.rfind("kafka.properties:3: ", 0), 0u) << empty_key;
  EXPECT_NE(empty_key.find("not of the form key=value"), std::string::npos) << empty_key;
  EXPECT_NE(cfg.AddProperty("", "x"), "");
  EXPECT_TRUE(cfg.properties.empty());
}

TEST(KafkaConfigLoadPropertiesFile, SkipsCommentsAndBlankLinesAndNamesFileAndLine) {
  PropertiesFile file(
      "# SASL over TLS\n"
      "\n"
      "security.protocol=SASL_SSL\n"
      "   # an indented comment\n"
      "  \t\n"
      "sasl.mechanisms = PLAIN\r\n"
      "sasl.password=p#ss=word\n");
  KafkaConfig cfg;
  ASSERT_EQ(cfg.LoadPropertiesFile(file.path()), "");
  ASSERT_EQ(cfg.properties.size(), 3u);
  EXPECT_EQ(cfg.properties[0].key, "security.protocol");
  EXPECT_EQ(cfg.properties[0].value, "SASL_SSL");
  EXPECT_EQ(cfg.properties[0].origin, file.path() + ":3");
  EXPECT_EQ(cfg.properties[1].key, "sasl.mechanisms");
  EXPECT_EQ(cfg.properties[1].value, "PLAIN");  // "\r" of a CRLF file is not part of the value
  EXPECT_EQ(cfg.properties[1].origin, file.path() + ":6");
  EXPECT_EQ(cfg.properties[2].value, "p#ss=word");  // '#' only starts a comment at line start
  EXPECT_EQ(cfg.properties[2].origin, file.path() + ":7");
}

TEST(KafkaConfigLoadPropertiesFile, BadLineNamesFileAndLine) {
  PropertiesFile file(
      "client.id=edgewatch\n"
      "# next line is wrong\n"
      "security.protocol SASL_SSL\n"
      "acks=all\n");
  KafkaConfig cfg;
  const std::string err = cfg.LoadPropertiesFile(file.path());
  EXPECT_EQ(err, file.path() +
                     ":3: \"security.protocol SASL_SSL\" is not of the form key=value (e.g. "
                     "security.protocol=SASL_SSL)");
  // Lines before the bad one were taken, lines after it were not read.
  ASSERT_EQ(cfg.properties.size(), 1u);
  EXPECT_EQ(cfg.properties[0].key, "client.id");
}

TEST(KafkaConfigLoadPropertiesFile, MissingFileIsAnError) {
  KafkaConfig cfg;
  const std::string path = ::testing::TempDir() + "edgewatch_no_such_dir/kafka.properties";
  EXPECT_EQ(cfg.LoadPropertiesFile(path), "cannot open Kafka properties file " + path);
  EXPECT_TRUE(cfg.properties.empty());
}

TEST(KafkaConfigLoadPropertiesFile, EmptyFileAddsNothing) {
  PropertiesFile file("");
  KafkaConfig cfg;
  EXPECT_EQ(cfg.LoadPropertiesFile(file.path()), "");
  EXPECT_TRUE(cfg.properties.empty());
}

TEST(BuildKafkaConf, DefaultsThenPropertiesThenBrokers) {
  KafkaConfig cfg;
  cfg.brokers = "kafka-1:9092,kafka-2:9092";
  ASSERT_EQ(cfg.AddProperty("enable.idempotence=false", "kafka.properties:1"), "");
  ASSERT_EQ(cfg.AddProperty("client.id=from-file", "kafka.properties:2"), "");
  ASSERT_EQ(cfg.AddProperty("client.id=from-flag", "--kafka-property"), "");
  // A bootstrap.servers property loses to --kafka.
  ASSERT_EQ(cfg.AddProperty("bootstrap.servers=elsewhere:1", "--kafka-property"), "");
  auto conf = BuildKafkaConf(cfg, {{"enable.idempotence", "true"}, {"linger.ms", "7"}});
  ASSERT_TRUE(conf.ok()) << conf.error();
  EXPECT_EQ(Get(**conf, "enable.idempotence"), "false");
  EXPECT_EQ(Get(**conf, "linger.ms"), "7");
  EXPECT_EQ(Get(**conf, "client.id"), "from-flag");
  EXPECT_EQ(Get(**conf, "bootstrap.servers"), "kafka-1:9092,kafka-2:9092");
}

TEST(BuildKafkaConf, UnknownPropertyNamesKeyAndOriginButNotTheValue) {
  KafkaConfig cfg;
  cfg.brokers = "localhost:9092";
  ASSERT_EQ(cfg.AddProperty("security.protocol=SASL_SSL", "/etc/edgewatch/kafka.properties:1"), "");
  ASSERT_EQ(cfg.AddProperty("sasl.pasword=hunter2-Secret", "/etc/edgewatch/kafka.properties:2"),
            "");
  auto conf = BuildKafkaConf(cfg, {});
  ASSERT_FALSE(conf.ok());
  const std::string& err = conf.error();
  EXPECT_EQ(err.rfind("/etc/edgewatch/kafka.properties:2: Kafka property sasl.pasword: ", 0), 0u)
      << err;
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;
  EXPECT_EQ(err.find("kafka.properties:1"), std::string::npos) << err;
}

TEST(BuildKafkaConf, SecretPropertiesAreNeverEchoed) {
  // Accepted, or (when this librdkafka lacks the feature) rejected without the value.
  for (const char* key : {"sasl.password", "ssl.key.password", "sasl.oauthbearer.client.secret"}) {
    KafkaConfig cfg;
    cfg.brokers = "localhost:9092";
    ASSERT_EQ(cfg.AddProperty(std::string(key) + "=hunter2-Secret", "kafka.properties:4"), "");
    auto conf = BuildKafkaConf(cfg, {});
    if (conf.ok()) {
      EXPECT_EQ(Get(**conf, key), "hunter2-Secret") << key;
    } else {
      EXPECT_EQ(conf.error().find("hunter2"), std::string::npos) << conf.error();
      EXPECT_NE(conf.error().find(std::string("kafka.properties:4: Kafka property ") + key),
                std::string::npos)
          << conf.error();
    }
  }
}

TEST(BuildKafkaConf, FirstRejectedPropertyIsReported) {
  KafkaConfig cfg;
  cfg.brokers = "localhost:9092";
  ASSERT_EQ(cfg.AddProperty("no.such.one=1", "--kafka-property"), "");
  ASSERT_EQ(cfg.AddProperty("no.such.two=2", "--kafka-property"), "");
  auto conf = BuildKafkaConf(cfg, {});
  ASSERT_FALSE(conf.ok());
  EXPECT_NE(conf.error().find("no.such.one"), std::string::npos) << conf.error();
  EXPECT_EQ(conf.error().find("no.such.two"), std::string::npos) << conf.error();
}

TEST(BuildKafkaConf, InvalidValueOfAKnownPropertyNamesKeyAndOrigin) {
  KafkaConfig cfg;
  cfg.brokers = "localhost:9092";
  ASSERT_EQ(cfg.AddProperty("acks=several", "--kafka-property"), "");
  auto conf = BuildKafkaConf(cfg, {});
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(conf.error().rfind("--kafka-property: Kafka property acks: ", 0), 0u) << conf.error();
  // librdkafka's reason follows.
  EXPECT_GT(conf.error().size(), std::string("--kafka-property: Kafka property acks: ").size());
}

TEST(BuildKafkaConf, BadDefaultIsReportedAsADefault) {
  KafkaConfig cfg;
  cfg.brokers = "localhost:9092";
  auto conf = BuildKafkaConf(cfg, {{"no.such.default", "1"}});
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(conf.error().rfind("Kafka default no.such.default=1: ", 0), 0u) << conf.error();
}

TEST(BuildKafkaConf, NoBrokersIsAnError) {
  KafkaConfig cfg;
  auto conf = BuildKafkaConf(cfg, {});
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(conf.error(), "no Kafka brokers given (--kafka HOST:PORT[,HOST:PORT…])");
}

TEST(CheckKafkaConfig, EmptyWhenAcceptedAndBuildKafkaConfErrorOtherwise) {
  KafkaConfig good;
  good.brokers = "localhost:9092";
  ASSERT_EQ(good.AddProperty("client.id=edgewatch-test", "--kafka-property"), "");
  EXPECT_EQ(CheckKafkaConfig(good), "");

  KafkaConfig bad = good;
  ASSERT_EQ(bad.AddProperty("sasl.pasword=hunter2", "kafka.properties:9"), "");
  const std::string err = CheckKafkaConfig(bad);
  auto built = BuildKafkaConf(bad, {});
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(err, built.error());
  EXPECT_EQ(err.rfind("kafka.properties:9: Kafka property sasl.pasword: ", 0), 0u) << err;
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;

  KafkaConfig no_brokers;
  EXPECT_EQ(CheckKafkaConfig(no_brokers),
            "no Kafka brokers given (--kafka HOST:PORT[,HOST:PORT…])");
}

}  // namespace
}  // namespace edgewatch::transport
