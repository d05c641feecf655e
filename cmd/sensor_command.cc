// edgewatch sensor: kernel events → edge windows and evidence as JSON lines.
#include <cstdio>
#include <cstring>
#include <memory>

#include "cmd/commands.h"
#include "cmd/metrics_server.h"
#include "cmd/sensor_options.h"
#include "cmd/signals.h"

namespace edgewatch::cmd {

int SensorCommand(int argc, char** argv) {
  SensorFlags sf;
  std::string output = "-";
  std::string metrics = kDefaultMetricsListen;
  Flags flags(
      "sensor",
      "Captures connection failures, retransmits and resets from the kernel and writes one\n"
      "JSON record per line: edge windows and evidence events (docs/schema.md).\n"
      "Needs root (CAP_BPF + CAP_PERFMON). Stop with Ctrl-C: the open window is flushed.");
  sf.Register(flags);
  flags.String("output", &output, "file to append records to, - for stdout", "FILE");
  flags.String("metrics-listen", &metrics, "address for /metrics, or off", "HOST:PORT");
  if (auto code = flags.ParseOrExit(argc, argv, 2)) return *code;
  auto cfg = sf.ToConfig();
  if (!cfg) return Fail("sensor", kExitUsage, cfg.error());
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
