// edgewatch sensor: kernel events → edge windows and evidence as JSON lines.
#include <cstdio>
#include <cstring>
#include <memory>

#include "cmd/commands.h"
#include "cmd/kafka_options.h"
#include "cmd/metrics_server.h"
#include "cmd/sensor_options.h"
#include "cmd/signals.h"
#include "sensor/kafka_sink.h"

namespace edgewatch::cmd {
namespace {

int SensorToKafka(const sensor::SensorConfig& cfg, const KafkaFlags& kf, const std::string& metrics,
                  const std::string& flush_timeout) {
  auto timeout = ParseDurationFlag("kafka-flush-timeout", flush_timeout);
  if (!timeout) return Fail("sensor", kExitUsage, timeout.error());
  auto kcfg = kf.ToConfig();
  if (!kcfg) return Fail("sensor", kExitUsage, kcfg.error());
  auto producer = transport::KafkaProducer::Create(*kcfg, "sensor");
  if (!producer) return Fail("sensor", kExitFailure, producer.error());
  std::atomic<bool>& stop = InstallStopSignals();
  sensor::KafkaSink sink(**producer, kf.Topics());
  if (std::string why = sink.Prepare(std::chrono::seconds(10)); !why.empty()) {
    std::fprintf(stderr, "edgewatch sensor: warning: %s; producing anyway\n", why.c_str());
  }
  auto s = sensor::Sensor::Create(cfg, sink);
  if (!s) return Fail("sensor", kExitNoCapability, s.error());
  auto ms = MetricsServer::StartUnlessOff(metrics, {s->get(), producer->get()});
  if (!ms) return Fail("sensor", kExitUsage, ms.error());
  std::fprintf(stderr,
               "edgewatch sensor: attached (%s) on node %s, %lld ms windows, Kafka %s%s%s\n",
               (*s)->attach_mode().c_str(), (*s)->config().node.c_str(),
               static_cast<long long>((*s)->config().window_ns / 1'000'000), kf.brokers.c_str(),
               *ms ? ", metrics on http://" : "", *ms ? (metrics + "/metrics").c_str() : "");
  (*s)->Run(stop);
  const size_t unsent = (*producer)->Flush(std::chrono::milliseconds(*timeout / 1'000'000));
  std::fprintf(stderr,
               "edgewatch sensor: published %llu edge windows (seq %llu..%llu) and %llu evidence "
               "events; delivered %llu, failed %llu, dropped %llu, unsent %zu\n",
               static_cast<unsigned long long>(sink.windows()),
               static_cast<unsigned long long>(sink.first_seq()),
               static_cast<unsigned long long>(sink.last_seq()),
               static_cast<unsigned long long>(sink.evidence()),
               static_cast<unsigned long long>((*producer)->delivered()),
               static_cast<unsigned long long>((*producer)->failed()),
               static_cast<unsigned long long>((*producer)->dropped()), unsent);
  std::fprintf(stderr, "edgewatch sensor: stopped\n");
  return unsent == 0 && (*producer)->failed() == 0 ? kExitOk : kExitFailure;
}

}  // namespace

int SensorCommand(int argc, char** argv) {
  SensorFlags sf;
  std::string output = "-";
  std::string metrics = kDefaultMetricsListen;
  std::string flush_timeout = "10s";
  KafkaFlags kf;
  Flags flags(
      "sensor",
      "Captures connection failures, retransmits and resets from the kernel and writes one\n"
      "JSON record per line: edge windows and evidence events (docs/schema.md); with --kafka\n"
      "it publishes them to the edge-window and evidence topics instead (docs/kafka.md).\n"
      "Needs root (CAP_BPF + CAP_PERFMON). Stop with Ctrl-C: the open window is flushed.");
  sf.Register(flags);
  kf.Register(flags);
  flags.String("kafka-flush-timeout", &flush_timeout,
               "on stop, how long to wait for Kafka to acknowledge what is queued", "DURATION");
  flags.String("output", &output, "file to append records to, - for stdout (without --kafka)",
               "FILE");
  flags.String("metrics-listen", &metrics, "address for /metrics, or off", "HOST:PORT");
  if (auto code = flags.ParseOrExit(argc, argv, 2)) return *code;
  auto cfg = sf.ToConfig();
  if (!cfg) return Fail("sensor", kExitUsage, cfg.error());
  if (kf.enabled()) return SensorToKafka(*cfg, kf, metrics, flush_timeout);
  std::FILE* out = stdout;
  if (output != "-") {
    out = std::fopen(output.c_str(), "a");
    if (out == nullptr) {
      return Fail("sensor", kExitUsage,
                  "cannot open --output " + output + ": " + std::strerror(errno));
    }
  }
  std::atomic<bool>& stop = InstallStopSignals();
  sensor::JsonLinesSink sink(out);
  auto s = sensor::Sensor::Create(*cfg, sink);
  if (!s) return Fail("sensor", kExitNoCapability, s.error());
  auto ms = MetricsServer::StartUnlessOff(metrics, {s->get()});
  if (!ms) return Fail("sensor", kExitUsage, ms.error());
  std::fprintf(stderr, "edgewatch sensor: attached (%s) on node %s, %lld ms windows%s%s\n",
               (*s)->attach_mode().c_str(), (*s)->config().node.c_str(),
               static_cast<long long>((*s)->config().window_ns / 1'000'000),
               *ms ? ", metrics on http://" : "", *ms ? (metrics + "/metrics").c_str() : "");
  (*s)->Run(stop);
  if (out != stdout) std::fclose(out);
  std::fprintf(stderr, "edgewatch sensor: stopped\n");
  return kExitOk;
}

}  // namespace edgewatch::cmd
