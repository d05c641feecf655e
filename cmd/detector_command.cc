// edgewatch detector: evaluate rules over a recorded sensor stream, or as a member of a Kafka
// consumer group (--kafka).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cmd/api_server.h"
#include "cmd/commands.h"
#include "cmd/kafka_options.h"
#include "cmd/metrics_server.h"
#include "cmd/pipeline_options.h"
#include "cmd/signals.h"
#include "detector/kafka_detector.h"
#include "detector/replay.h"

namespace edgewatch::cmd {
namespace {

int Replay(const PipelineFlags& pf, const std::string& input, int64_t window_ns) {
  auto p = Pipeline::Build(pf, window_ns);
  if (!p) return Fail("detector", kExitUsage, p.error());
  std::ifstream file;
  std::istream* in = &std::cin;
  if (input != "-") {
    file.open(input);
    if (!file) return Fail("detector", kExitUsage, "cannot open --input " + input);
    in = &file;
  }
  auto stats = detector::Replay(*in, *p->detector);
  p->Shutdown(std::chrono::seconds(30));
  if (!stats) {
    std::fprintf(stderr, "edgewatch detector: reading %s: %s\n", input.c_str(),
                 stats.error().c_str());
    return kExitFailure;
  }
  for (const auto& e : stats->errors) {
    std::fprintf(stderr, "edgewatch detector: %s: %s\n", input.c_str(), e.c_str());
  }
  std::fprintf(stderr,
               "edgewatch detector: %llu lines: %llu windows, %llu evidence, %llu bad lines\n",
               static_cast<unsigned long long>(stats->lines),
               static_cast<unsigned long long>(stats->windows),
               static_cast<unsigned long long>(stats->evidence),
               static_cast<unsigned long long>(stats->bad_lines));
  return kExitOk;
}

}  // namespace

int DetectorCommand(int argc, char** argv) {
  PipelineFlags pf;
  KafkaFlags kf;
  KafkaDetectorFlags kdf;
  std::string input = "-";
  std::string window = "1s";
  std::string metrics = kDefaultDetectorMetricsListen;
  std::string api = "off";
  Flags flags("detector",
              "Evaluates rules per service edge and delivers the alerts they raise.\n"
              "Without --kafka it reads a recorded sensor stream (JSON lines, --input); bad lines\n"
              "are reported and skipped. With --kafka it joins a consumer group on the\n"
              "edge-window topic and publishes alerts to the alerts topic (docs/kafka.md).");
  pf.Register(flags);
  kf.Register(flags);
  kdf.Register(flags);
  flags.String("input", &input, "JSON-lines file to read, - for stdin (without --kafka)", "FILE");
  flags.String("window", &window, "the sensors' window length", "DURATION");
  flags.String("metrics-listen", &metrics, "address for /metrics, or off (with --kafka)",
               "HOST:PORT");
  flags.String("api-listen", &api,
               "address of the HTTP API (GET /api/v1/alerts, /api/v1/evidence/{id} of the "
               "partitions this detector owns; docs/api.md), or off (with --kafka)",
               "HOST:PORT");
  if (auto code = flags.ParseOrExit(argc, argv, 2)) return *code;
  auto w = ParseDurationFlag("window", window);
  if (!w) return Fail("detector", kExitUsage, w.error());
  if (!kf.enabled()) return Replay(pf, input, *w);

  auto cfg = kdf.ToConfig(kf);
  if (!cfg) return Fail("detector", kExitUsage, cfg.error());
  if (std::string bad = pf.CheckForKafka(); !bad.empty()) return Fail("detector", kExitUsage, bad);
  auto p = Pipeline::BuildDelivery(pf);
  if (!p) return Fail("detector", kExitUsage, p.error());
  auto d = p->BuildKafkaDetector(std::move(*cfg), *w);
  if (!d) return Fail("detector", kExitFailure, d.error());
  (*d)->set_tick(p->Tick());
  auto as = ApiServer::StartUnlessOff(api, (*d)->detector(), *p->board, p->api_options());
  if (!as) return Fail("detector", kExitUsage, as.error());
  std::vector<const StatsSource*> sources = p->stats_sources();
  sources.insert(sources.end(), {d->get(), as->get()});
  auto ms = MetricsServer::StartUnlessOff(metrics, sources);
  if (!ms) return Fail("detector", kExitUsage, ms.error());
  std::atomic<bool>& stop = InstallStopSignals();
  std::fprintf(stderr, "edgewatch detector: group %s on %s, rules %s%s%s%s%s\n", kdf.group.c_str(),
               kf.brokers.c_str(), pf.rules.c_str(), *ms ? ", metrics on http://" : "",
               *ms ? (metrics + "/metrics").c_str() : "", *as ? ", API on http://" : "",
               *as ? (api + "/api/v1/alerts").c_str() : "");
  const size_t unsent = (*d)->Run(stop);
  p->Shutdown(std::chrono::seconds(10));
  if (unsent > 0) {
    std::fprintf(stderr, "edgewatch detector: %zu records were not delivered to Kafka\n", unsent);
  }
  std::fprintf(stderr, "edgewatch detector: stopped\n");
  return unsent == 0 ? kExitOk : kExitFailure;
}

}  // namespace edgewatch::cmd
