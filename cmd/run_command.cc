// edgewatch run: sensor, detector and alerting in one process over an in-process queue.
#include <cstdio>
#include <thread>

#include "cmd/api_server.h"
#include "cmd/commands.h"
#include "cmd/kafka_options.h"
#include "cmd/metrics_server.h"
#include "cmd/pipeline_options.h"
#include "cmd/sensor_options.h"
#include "cmd/signals.h"
#include "common/clock.h"
#include "detector/kafka_detector.h"
#include "sensor/kafka_sink.h"
#include "transport/bounded_queue.h"

namespace edgewatch::cmd {

namespace {

// Queue of `run` between the sensor and the detector; its drops are on /metrics.
class QueueStats : public StatsSource {
 public:
  explicit QueueStats(const transport::BoundedQueue<schema::Record>& q) : q_(q) {}
  void CollectStats(std::vector<StatSample>& out) const override {
    out.push_back(Counter("edgewatch_run_queue_records_total",
                          "Records the sensor handed to the detector.", q_.Pushed()));
    out.push_back(Counter("edgewatch_run_queue_dropped_total",
                          "Records dropped because the sensor→detector queue was full.",
                          q_.Dropped()));
    out.push_back(Gauge("edgewatch_run_queue_length", "Records waiting for the detector.",
                        static_cast<double>(q_.Size())));
  }

 private:
  const transport::BoundedQueue<schema::Record>& q_;
};

// Consumes the queue until it is closed and drained. The watermark given to the detector trails
// the wall clock by one window plus the sensor's flush grace, so that quiet edges are evaluated
// as zero windows (and their alerts resolve) without racing the sensor's window flushes.
void DetectorLoop(transport::BoundedQueue<schema::Record>& q, detector::Detector& d,
                  int64_t window_ns, int64_t grace_ns,
                  const std::function<void(detector::Detector&)>& tick) {
  int64_t last_advance = 0;
  while (!q.Closed()) {
    tick(d);
    if (auto r = q.Pop(std::chrono::milliseconds(50))) {
      if (auto* w = std::get_if<schema::EdgeWindow>(&*r)) {
        d.OnWindow(*w);
      } else if (auto* e = std::get_if<schema::EvidenceEvent>(&*r)) {
        d.OnEvidence(*e);
      } else if (auto* c = std::get_if<schema::ConntrackWindow>(&*r)) {
        d.OnConntrack(*c);
      }
    }
    int64_t now = NowUnixNs();
    if (now - last_advance >= window_ns) {
      int64_t watermark = now - window_ns - 2 * grace_ns;
      d.AdvanceTo(watermark - watermark % window_ns);
      last_advance = now;
    }
  }
}

// `run --kafka`: the sensor publishes to Kafka and a detector of the group consumes from it, in
// one process — the same path as separate `sensor --kafka` and `detector --kafka` processes.
int RunWithKafka(const sensor::SensorConfig& cfg, const PipelineFlags& pf, const KafkaFlags& kf,
                 const KafkaDetectorFlags& kdf, const std::string& metrics,
                 const std::string& api) {
  auto kcfg = kf.ToConfig();
  if (!kcfg) return Fail("run", kExitUsage, kcfg.error());
  auto dcfg = kdf.ToConfig(kf);
  if (!dcfg) return Fail("run", kExitUsage, dcfg.error());
  const int64_t lateness_ns = dcfg->lateness_ns;
  if (std::string bad = pf.CheckForKafka(); !bad.empty()) return Fail("run", kExitUsage, bad);
  auto p = Pipeline::BuildDelivery(pf);
  if (!p) return Fail("run", kExitUsage, p.error());
  auto d = p->BuildKafkaDetector(std::move(*dcfg), cfg.window_ns);
  if (!d) return Fail("run", kExitFailure, d.error());
  (*d)->set_tick(p->Tick());
  auto producer = transport::KafkaProducer::Create(*kcfg, "sensor");
  if (!producer) return Fail("run", kExitFailure, producer.error());
  std::atomic<bool>& stop = InstallStopSignals();
  sensor::KafkaSink sink(**producer, kf.Topics());
  if (std::string why = sink.Prepare(std::chrono::seconds(10)); !why.empty()) {
    std::fprintf(stderr, "edgewatch run: warning: %s; producing anyway\n", why.c_str());
  }
  auto s = sensor::Sensor::Create(cfg, sink);
  if (!s) return Fail("run", kExitNoCapability, s.error());
  auto as = ApiServer::StartUnlessOff(api, (*d)->detector(), *p->board, p->api_options());
  if (!as && api != kDefaultApiListen) return Fail("run", kExitUsage, as.error());
  if (!as) std::fprintf(stderr, "edgewatch run: warning: %s; no HTTP API\n", as.error().c_str());
  ApiServer* api_server = as ? as->get() : nullptr;
  std::vector<const StatsSource*> sources = p->stats_sources();
  sources.insert(sources.end(), {s->get(), producer->get(), d->get(), api_server});
  auto ms = MetricsServer::StartUnlessOff(metrics, sources);
  if (!ms) return Fail("run", kExitUsage, ms.error());
  std::fprintf(
      stderr,
      "edgewatch run: attached (%s) on node %s, %lld ms windows, rules %s, Kafka %s%s%s%s%s\n",
      (*s)->attach_mode().c_str(), (*s)->config().node.c_str(),
      static_cast<long long>(cfg.window_ns / 1'000'000), pf.rules.c_str(), kf.brokers.c_str(),
      *ms ? ", metrics on http://" : "", *ms ? (metrics + "/metrics").c_str() : "",
      api_server != nullptr ? ", API on http://" : "",
      api_server != nullptr ? (api + "/api/v1/alerts").c_str() : "");
  std::atomic<bool> detector_stop{false};
  size_t detector_unsent = 0;
  std::thread detector_thread([&] { detector_unsent = (*d)->Run(detector_stop); });
  (*s)->Run(stop);
  const size_t sensor_unsent = (*producer)->Flush(std::chrono::seconds(10));
  // Let the detector read the last windows before it leaves the group.
  std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(lateness_ns, 2e9)) +
                              std::chrono::milliseconds(500));
  detector_stop = true;
  detector_thread.join();
  p->Shutdown(std::chrono::seconds(5));
  if (sensor_unsent + detector_unsent > 0) {
    std::fprintf(stderr, "edgewatch run: %zu records were not delivered to Kafka\n",
                 sensor_unsent + detector_unsent);
  }
  std::fprintf(stderr, "edgewatch run: stopped\n");
  return sensor_unsent + detector_unsent == 0 ? kExitOk : kExitFailure;
}

}  // namespace

int RunCommand(int argc, char** argv) {
  SensorFlags sf;
  PipelineFlags pf;
  KafkaFlags kf;
  KafkaDetectorFlags kdf;
  std::string metrics = kDefaultMetricsListen;
  std::string api = kDefaultApiListen;
  Flags flags("run",
              "Sensor, detector and alerting in one process: captures connection failures,\n"
              "retransmits and resets from the kernel, evaluates the rules per service edge and\n"
              "prints alerts as JSON lines (and POSTs them to --webhook). Needs root.\n"
              "With --kafka, records go through Kafka topics instead of an in-process queue.\n"
              "Example: edgewatch run --rules rules/examples --webhook http://127.0.0.1:9000/");
  pf.Register(flags);
  sf.Register(flags);
  kf.Register(flags);
  kdf.Register(flags);
  flags.String("metrics-listen", &metrics, "address for /metrics, or off", "HOST:PORT");
  flags.String("api-listen", &api,
               "address of the HTTP API (GET /api/v1/alerts, /api/v1/evidence/{id}; "
               "docs/api.md), or off",
               "HOST:PORT");
  if (auto code = flags.ParseOrExit(argc, argv, 2)) return *code;
  auto cfg = sf.ToConfig();
  if (!cfg) return Fail("run", kExitUsage, cfg.error());
  if (kf.enabled()) return RunWithKafka(*cfg, pf, kf, kdf, metrics, api);
  auto pipeline = Pipeline::Build(pf, cfg->window_ns);
  if (!pipeline) return Fail("run", kExitUsage, pipeline.error());
  std::atomic<bool>& stop = InstallStopSignals();
  transport::BoundedQueue<schema::Record> queue(1 << 16);
  sensor::QueueSink sink(queue);
  auto s = sensor::Sensor::Create(*cfg, sink);
  if (!s) return Fail("run", kExitNoCapability, s.error());
  QueueStats queue_stats(queue);
  auto as = ApiServer::StartUnlessOff(api, *pipeline->detector, *pipeline->board,
                                      pipeline->api_options());
  if (!as && api != kDefaultApiListen) return Fail("run", kExitUsage, as.error());
  if (!as) std::fprintf(stderr, "edgewatch run: warning: %s; no HTTP API\n", as.error().c_str());
  ApiServer* api_server = as ? as->get() : nullptr;
  std::vector<const StatsSource*> sources = pipeline->stats_sources();
  sources.insert(sources.end(), {s->get(), &queue_stats, pipeline->detector.get(),
                                 pipeline->state.get(), api_server});
  auto ms = MetricsServer::StartUnlessOff(metrics, sources);
  if (!ms) return Fail("run", kExitUsage, ms.error());
  std::fprintf(stderr,
               "edgewatch run: attached (%s) on node %s, %lld ms windows, rules %s%s%s%s%s\n",
               (*s)->attach_mode().c_str(), (*s)->config().node.c_str(),
               static_cast<long long>(cfg->window_ns / 1'000'000), pf.rules.c_str(),
               *ms ? ", metrics on http://" : "", *ms ? (metrics + "/metrics").c_str() : "",
               api_server != nullptr ? ", API on http://" : "",
               api_server != nullptr ? (api + "/api/v1/alerts").c_str() : "");

  std::thread detector_thread(DetectorLoop, std::ref(queue), std::ref(*pipeline->detector),
                              cfg->window_ns, cfg->flush_grace_ns, pipeline->Tick());
  (*s)->Run(stop);  // returns on SIGINT/SIGTERM after publishing the open window
  queue.Close();
  detector_thread.join();
  pipeline->Shutdown(std::chrono::seconds(5));
  std::fprintf(stderr, "edgewatch run: stopped\n");
  return kExitOk;
}

}  // namespace edgewatch::cmd
