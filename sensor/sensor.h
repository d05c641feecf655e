// The sensor pipeline of one node: BPF source → decoder → identity → edge aggregator → sink.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/stats.h"
#include "sensor/container_resolver.h"
#include "sensor/edge_aggregator.h"
#include "sensor/record_sink.h"
#include "sensor/tcp_event_decoder.h"
#include "sensor/tcp_lifecycle_source.h"

namespace edgewatch::sensor {

struct SensorConfig {
  std::string node;                      // default: the host name
  int64_t window_ns = 1'000'000'000;     // window length; windows align to multiples of it
  int64_t flush_grace_ns = 200'000'000;  // wait after a window's end for late ring-buffer events
  size_t max_edges = 10000;
  size_t max_evidence_per_edge = 16;
  AttachMode attach_mode = AttachMode::kAuto;
  bool ignore_self = true;  // drop this process's own connections (webhooks, Kafka)
};

class Sensor : public StatsSource {
 public:
  static Result<std::unique_ptr<Sensor>> Create(SensorConfig cfg, RecordSink& sink);

  // Runs until `stop` is set; then closes the open window, publishes it and flushes the sink.
  void Run(const std::atomic<bool>& stop);

  const std::string& attach_mode() const { return source_->attach_mode(); }
  const SensorConfig& config() const { return cfg_; }
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  Sensor(SensorConfig cfg, RecordSink& sink);
  void OnRawEvent(const void* data, size_t size);
  void CloseWindow(int64_t end_ns);

  SensorConfig cfg_;
  RecordSink& sink_;
  TcpEventDecoder decoder_;
  ContainerResolver containers_;
  EdgeAggregator aggregator_;
  std::unique_ptr<TcpLifecycleSource> source_;
  schema::EvidenceEvent scratch_evidence_;
};

// The host name, or "unknown".
std::string HostName();

}  // namespace edgewatch::sensor
