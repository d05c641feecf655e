// Through the real Kafka broker: (1) edge-window records per second per core consumed, decoded
// and evaluated by the detector; (2) end-to-end latency from a sensor's window close (the
// moment it produces the window) to the alert record on the alerts topic.
//
//   kafka_detector_bench --kafka 127.0.0.1:PORT [--records N] [--edges E] [--samples S]
//                        [--rules DIR]
//
// Needs a running broker (deploy/kafka/kafka.sh start). Creates its own topics
// ("bench<pid>.*"). Figures and the command that produced them: BENCHMARKS.md.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "detector/detector.h"
#include "detector/kafka_detector.h"
#include "rules/loader.h"
#include "schema/codec.h"
#include "transport/kafka_admin.h"
#include "transport/kafka_consumer.h"
#include "transport/kafka_producer.h"

using namespace edgewatch;
using Clock = std::chrono::steady_clock;

namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

schema::EdgeWindow Window(int edge, int64_t end_ns, uint64_t seq, uint64_t refused) {
  schema::EdgeWindow w;
  w.node = "bench-node-" + std::to_string(edge % 16);
  w.seq = seq;
  w.window_start_ns = end_ns - 1'000'000'000;
  w.window_end_ns = end_ns;
  w.edge.side = schema::Side::kClient;
  w.edge.client.ip = "10.9." + std::to_string(edge / 250 % 250) + "." + std::to_string(edge % 250);
  w.edge.client.workload = "payments-api";
  w.edge.client.container_id = std::string(64, 'a');
  w.edge.server.ip = "10.2.0." + std::to_string(edge % 200);
  w.edge.server.port = 8443;
  w.at(schema::Counter::kConnects) = 40 + static_cast<uint64_t>(edge % 7);
  w.at(schema::Counter::kDataRetransmits) = static_cast<uint64_t>(edge % 3);
  w.at(schema::Counter::kRefused) = refused;
  w.connect_latency.count = 40;
  w.connect_latency.sum_us = 40ULL * 350;
  w.connect_latency.max_us = 900;
  return w;
}

struct Args {
  std::string brokers;
  long records = 2'000'000;
  int edges = 10'000;
  int samples = 200;
  std::vector<std::string> properties;  // --kafka-property k=v, for every client
  std::string reuse;  // topic prefix of an earlier run: skip producing (for profiling)
  std::string rules = std::string(EDGEWATCH_SOURCE_DIR) + "/rules/examples";
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--kafka")
      a.brokers = v;
    else if (k == "--records")
      a.records = std::stol(v);
    else if (k == "--edges")
      a.edges = std::stoi(v);
    else if (k == "--samples")
      a.samples = std::stoi(v);
    else if (k == "--rules")
      a.rules = v;
    else if (k == "--reuse")
      a.reuse = v;
    else if (k == "--kafka-property")
      a.properties.push_back(v);
  }
  if (a.brokers.empty()) {
    std::fprintf(stderr, "usage: kafka_detector_bench --kafka HOST:PORT [--records N] ...\n");
    return 2;
  }
  transport::KafkaConfig kcfg{a.brokers, {}};
  for (const std::string& p : a.properties) {
    if (std::string bad = kcfg.AddProperty(p, "--kafka-property"); !bad.empty()) {
      std::fprintf(stderr, "%s\n", bad.c_str());
      return 2;
    }
  }
  const std::string prefix = a.reuse.empty() ? "bench" + std::to_string(getpid()) + "." : a.reuse;
  std::printf("topics %s*\n", prefix.c_str());
  const auto topics = transport::TopicNames::WithPrefix(prefix);
  auto created =
      transport::CreateTopics(kcfg, transport::TopicSpecs(topics, {}), 1, std::chrono::seconds(30));
  if (!created) {
    std::fprintf(stderr, "topics: %s\n", created.error().c_str());
    return 1;
  }
  auto rules = rules::LoadRules(a.rules);
  if (!rules) {
    std::fprintf(stderr, "rules: %s\n", rules.error().c_str());
    return 1;
  }

  // 1. Produce the records (as sensors would), windows of E edges in time order.
  auto producer = transport::KafkaProducer::Create(kcfg, "bench");
  if (!producer) return 1;
  const int64_t base =
      NowUnixNs() / 1'000'000'000 * 1'000'000'000 - (a.records / a.edges + 10) * 1'000'000'000LL;
  size_t bytes = 0;
  auto t0 = Clock::now();
  for (long i = 0; a.reuse.empty() && i < a.records; ++i) {
    const int edge = static_cast<int>(i % a.edges);
    const int64_t end = base + (i / a.edges + 1) * 1'000'000'000LL;
    schema::EdgeWindow w = Window(edge, end, static_cast<uint64_t>(i + 1), 0);
    const std::string v = schema::Encode(w);
    bytes += v.size();
    while (!(*producer)->Produce(topics.edge_windows,
                                 transport::EdgeRecordKey(w.node, w.edge.Key()), v)) {
      (*producer)->Poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if ((i & 1023) == 0) (*producer)->Poll();
  }
  (*producer)->Flush(std::chrono::seconds(120));
  const double produce_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("produced %ld edge windows (%.0f bytes avg, %d edges) in %.2f s: %.0f records/s\n",
              a.records, static_cast<double>(bytes) / static_cast<double>(a.records), a.edges,
              produce_s, static_cast<double>(a.records) / produce_s);

  // 2. Consume + decode + evaluate, on one thread.
  {
    auto consumer = transport::KafkaConsumer::Create(kcfg, {.client = "bench"});
    std::vector<transport::TopicPartitionId> parts;
    parts.reserve(12);
    for (int32_t p = 0; p < 12; ++p) parts.push_back({topics.edge_windows, p});
    if (!consumer || !(*consumer)->Assign(parts, -1).empty()) return 1;
    detector::DetectorConfig dc;
    detector::Detector det(*rules, dc, [](const schema::Alert&) {});
    schema::Decoder decoder;
    schema::EdgeWindow w;
    long n = 0;
    long bad = 0;
    const double cpu0 = ThreadCpuSeconds();
    const double pcpu0 = ProcessCpuSeconds();
    t0 = Clock::now();
    while (n < a.records) {
      (*consumer)->Poll(std::chrono::milliseconds(100), [&](const transport::ConsumedRecord& r) {
        ++n;
        if (decoder.DecodeEdgeWindowInto(r.value, w).empty()) {
          det.OnWindow(w);
        } else {
          ++bad;
        }
      });
      if (Clock::now() - t0 > std::chrono::minutes(5)) break;
    }
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = ThreadCpuSeconds() - cpu0;
    const double pcpu = ProcessCpuSeconds() - pcpu0;
    std::printf(
        "consumed+decoded+evaluated %ld records (%ld bad, %zu edges, %zu rules) in %.2f s wall: "
        "%.0f records/s; %.0f records per CPU-second of the detector thread; %.0f per CPU-second "
        "of the whole process (librdkafka threads included)\n",
        n, bad, det.edges(), rules->rules.size(), wall, static_cast<double>(n) / wall,
        static_cast<double>(n) / cpu, static_cast<double>(n) / pcpu);
  }

  // 3. Latency: a window with a refused connect, produced at its close, to its alert record.
  {
    detector::KafkaDetectorConfig kd;
    kd.kafka = kcfg;
    kd.topics = topics;
    kd.group_id = "bench-detector";
    kd.lateness_ns = 2'000'000'000;
    detector::DetectorConfig dc;
    auto d = detector::KafkaDetector::Create(kd, *rules, dc, nullptr);
    if (!d) {
      std::fprintf(stderr, "detector: %s\n", d.error().c_str());
      return 1;
    }
    std::atomic<bool> stop{false};
    std::thread run([&] { (*d)->Run(stop); });
    auto alerts = transport::KafkaConsumer::Create(kcfg, {.client = "bench-alerts"});
    std::vector<transport::TopicPartitionId> aparts;
    aparts.reserve(3);
    for (int32_t p = 0; p < 3; ++p) aparts.push_back({topics.alerts, p});
    (void)(*alerts)->Assign(aparts, -1);
    std::mutex mu;
    std::map<std::string, Clock::time_point> sent;  // client ip → produce time
    std::vector<double> ms;
    std::vector<double> order;        // in sample order, to show warm-up effects
    std::vector<double> to_alert_ms;  // sample sent → alert record created (its Kafka timestamp)
    std::map<std::string, int64_t> sent_wall;
    std::atomic<bool> stop_reader{false};
    std::thread reader([&] {
      schema::Decoder dec;
      while (!stop_reader) {
        (*alerts)->Poll(std::chrono::milliseconds(50), [&](const transport::ConsumedRecord& r) {
          const auto now = Clock::now();
          auto al = dec.DecodeAlert(r.value);
          if (!al || al->status != schema::AlertStatus::kFiring) return;
          std::lock_guard lock(mu);
          if (auto it = sent.find(al->edge.client.ip); it != sent.end()) {
            ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
            order.push_back(ms.back());
            const double created_ms = static_cast<double>(r.timestamp_ms) -
                                      static_cast<double>(sent_wall[al->edge.client.ip]) / 1e6;
            to_alert_ms.push_back(created_ms);
            sent.erase(it);
          }
        });
      }
    });
    std::this_thread::sleep_for(std::chrono::seconds(8));  // group join, backlog read
    for (int i = 0; i < a.samples; ++i) {
      const int64_t now = NowUnixNs();
      schema::EdgeWindow w = Window(100000 + i, now - now % 1'000'000'000, 1, 1);
      w.node = "latency-node";
      w.edge.client.ip = "10.200." + std::to_string(i / 250) + "." + std::to_string(i % 250);
      {
        std::lock_guard lock(mu);
        sent[w.edge.client.ip] = Clock::now();
        sent_wall[w.edge.client.ip] = NowUnixNs();
      }
      (*producer)->Produce(topics.edge_windows, transport::EdgeRecordKey(w.node, w.edge.Key()),
                           schema::Encode(w));
      (*producer)->Poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));
    stop_reader = true;
    reader.join();
    stop = true;
    run.join();
    std::lock_guard lock(mu);
    if (ms.empty()) {
      std::printf("latency: no alerts arrived\n");
      return 1;
    }
    std::printf(
        "window produced -> alert on the alerts topic, %zu of %d samples: p50 %.1f ms, p99 %.1f "
        "ms, max %.1f ms\n",
        ms.size(), a.samples, Percentile(ms, 0.5), Percentile(ms, 0.99), Percentile(ms, 1.0));
    std::printf(
        "of which window produced -> alert record created by the detector: p50 %.1f ms, p99 %.1f "
        "ms\n",
        Percentile(to_alert_ms, 0.5), Percentile(to_alert_ms, 0.99));
    std::printf("samples over 50 ms (sample:ms):");
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i] > 50) std::printf(" %zu:%.0f", i, order[i]);
    }
    std::printf("\n");
  }
  return 0;
}
