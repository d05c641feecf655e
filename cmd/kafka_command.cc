// edgewatch kafka init: creates edgewatch's topics (docs/schema.md, "Kafka topics").
#include <cstdio>

#include "cmd/commands.h"
#include "cmd/kafka_options.h"
#include "transport/kafka_admin.h"

namespace edgewatch::cmd {

int KafkaCommand(int argc, char** argv) {
  KafkaFlags kf;
  std::string partitions = "12";
  std::string alert_partitions = "3";
  std::string replication = "1";
  Flags flags(
      "kafka init",
      "Creates the edgewatch topics: edge windows, evidence, anomalies, alerts (compacted,\n"
      "keyed by fingerprint) and dead letters. Existing topics are left as they are.\n"
      "Example: edgewatch kafka init --kafka 127.0.0.1:9092 --replication-factor 3");
  kf.Register(flags, true);
  flags.String("partitions", &partitions,
               "partitions of the edge-window, evidence and anomaly topics (the most detectors "
               "that can share the work)",
               "N");
  flags.String("alert-partitions", &alert_partitions, "partitions of the alerts topic", "N");
  flags.String("replication-factor", &replication, "replicas of every topic", "N");
  std::vector<std::string> positional;
  if (auto code = flags.ParseOrExit(argc, argv, 2, &positional)) return *code;
  if (positional.size() != 1 || positional[0] != "init") {
    return Fail("kafka", kExitUsage, "usage: edgewatch kafka init --kafka HOST:PORT [flags]");
  }
  auto number = [](const std::string& flag, const std::string& v) -> Result<int> {
    try {
      size_t used = 0;
      const int n = std::stoi(v, &used);
      if (used == v.size() && n >= 1) return n;
    } catch (const std::exception&) {
    }
    return Err("flag --" + flag + ": \"" + v + "\" is not a positive integer");
  };
  auto p = number("partitions", partitions);
  auto ap = number("alert-partitions", alert_partitions);
  auto rf = number("replication-factor", replication);
  for (const auto* r : {&p, &ap, &rf}) {
    if (!*r) return Fail("kafka init", kExitUsage, r->error());
  }
  if (!kf.enabled()) return Fail("kafka init", kExitUsage, "flag --kafka is required");
  auto cfg = kf.ToConfig();
  if (!cfg) return Fail("kafka init", kExitUsage, cfg.error());
  transport::TopicLayout layout;
  layout.stream_partitions = *p;
  layout.alert_partitions = *ap;
  auto out = transport::CreateTopics(*cfg, transport::TopicSpecs(kf.Topics(), layout), *rf,
                                     std::chrono::seconds(30));
  if (!out) return Fail("kafka init", kExitFailure, out.error());
  int failed = 0;
  for (const transport::TopicOutcome& o : *out) {
    const char* what = o.kind == transport::TopicOutcome::Kind::kCreated  ? "created"
                       : o.kind == transport::TopicOutcome::Kind::kExists ? "exists"
                                                                          : "FAILED";
    std::printf("%-28s %-8s %3d partitions%s%s\n", o.topic.c_str(), what, o.partitions,
                o.message.empty() ? "" : "  ", o.message.c_str());
    if (o.kind == transport::TopicOutcome::Kind::kFailed) ++failed;
  }
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace edgewatch::cmd
