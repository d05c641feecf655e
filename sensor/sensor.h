// The sensor pipeline of one node: BPF source → decoder → identity → edge aggregator → sink.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "common/stats.h"
#include "sensor/conntrack_stats.h"
#include "sensor/container_resolver.h"
#include "sensor/dns_decoder.h"
#include "sensor/dns_source.h"
#include "sensor/edge_aggregator.h"
#include "sensor/http_decoder.h"
#include "sensor/http_source.h"
#include "sensor/identity_map.h"
#include "sensor/nat_drop_source.h"
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
  // The identity file, loaded (and so validated) at start; null: peers stay unmapped. The
  // sensor checks it for changes once per window.
  std::shared_ptr<IdentityMapReloader> identity;
  // Network namespaces whose conntrack statistics are watched for SNAT conflicts; the
  // sensor's own ("host") by default.
  std::vector<ConntrackNamespace> conntrack = {{"host", ""}};
  // A client edge whose SYN retransmits met a conflict stays SNAT-suspect this long, so its
  // connect timeout is linked too: it covers Linux's default 6 SYN retries (127 s).
  int64_t snat_lookback_ns = 130'000'000'000;
  bool dns = true;                         // capture DNS (cgroup_skb on the cgroup v2 root)
  int64_t dns_timeout_ns = 2'000'000'000;  // a query unanswered this long is a timeout
  bool http = true;  // HTTP/1.x RED from socket syscalls (syscall tracepoints)
  // Successful HTTP exchanges at least this slow are kept as evidence (errors always are).
  int64_t http_slow_ns = 1'000'000'000;
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
  // Publishes scratch_evidence_ when `emitted`, its edge named from the identity map.
  void PublishEvidence(bool emitted);
  // Drains every source once without waiting.
  void DrainSources();
  void CloseWindow(int64_t end_ns);
  // The NAT drops of a client connect event's socket, or nullptr.
  const NatDropRecord* NatDropsOf(const TcpEvent& e);
  // Once per window: follows the identity file and takes the map in use for the next window.
  void ReloadIdentity();
  // Polls conntrack for [start, end), marks the SNAT-suspect client edges of `edges` and
  // publishes the conntrack windows.
  void PublishConntrack(int64_t start_ns, int64_t end_ns, std::vector<schema::EdgeWindow>& edges);

  SensorConfig cfg_;
  RecordSink& sink_;
  TcpEventDecoder decoder_;
  ContainerResolver containers_;
  EdgeAggregator aggregator_;
  std::unique_ptr<TcpLifecycleSource> source_;
  ConntrackPoller conntrack_;
  DnsDecoder dns_decoder_;
  std::unique_ptr<DnsSource> dns_source_;  // null when DNS capture is off or unavailable
  HttpDecoder http_decoder_;
  std::unique_ptr<HttpSource> http_source_;    // null when HTTP capture is off or unavailable
  std::unique_ptr<NatDropSource> nat_source_;  // null when unavailable
  NatDropIndex nat_drops_;
  // Client edges (by key) whose SYNs a NAT dropped, with that NAT's netns and the time of the
  // event that showed it (it belongs to the window that holds that time).
  struct NatMark {
    uint32_t netns = 0;
    int64_t time_ns = 0;
  };
  std::unordered_map<std::string, NatMark> nat_marked_;
  std::unordered_map<uint32_t, std::string> watched_netns_;  // inode → conntrack namespace name
  std::string key_scratch_;
  int64_t clock_offset_ns_ = 0;  // CLOCK_MONOTONIC → unix
  struct LastConflict {
    std::string id;  // ConntrackWindow id
    std::string netns;
    int64_t end_ns = 0;
  };
  std::map<std::string, LastConflict> last_conflict_;  // by namespace name
  struct SnatSuspect {
    std::string conntrack_id;
    std::string netns;
    int64_t until_ns = 0;
  };
  std::unordered_map<std::string, SnatSuspect> snat_suspects_;  // by edge key, bounded
  schema::EvidenceEvent scratch_evidence_;
  std::shared_ptr<const IdentityMap> identity_map_;  // null without an identity file
  UnknownPeers unknown_peers_;                       // of the last closed window
};

// The host name, or "unknown".
std::string HostName();

}  // namespace edgewatch::sensor
