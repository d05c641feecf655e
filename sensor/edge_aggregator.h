// Per-edge windows: TcpEvents in, one EdgeWindow per active edge per window out, plus evidence
// events for failures (bounded per edge per window). Plain class: no kernel, no clock, no
// threads, so it is unit-testable on synthetic events.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/stats.h"
#include "schema/edge_window.h"
#include "schema/evidence_event.h"
#include "sensor/tcp_event.h"

namespace edgewatch::sensor {

struct AggregatorConfig {
  std::string node;
  int64_t window_ns = 1'000'000'000;
  size_t max_edges = 10000;           // per window; further edges go to the overflow edge
  size_t max_evidence_per_edge = 16;  // per window
  uint64_t run_id = 0;                // makes evidence ids unique per sensor run
};

// One ended DNS transaction (answered or timed out), as the DNS decoder hands it over.
struct DnsOutcome {
  int64_t time_ns = 0;  // response or timeout time, unix ns
  std::string client_ip;
  std::string comm;  // client process name ("" when unknown)
  std::string container_id;
  std::string server_ip;
  uint16_t server_port = 53;
  bool tcp = false;
  bool timed_out = false;
  schema::DnsRcodeClass rcode = schema::DnsRcodeClass::kNoError;  // when answered
  uint64_t latency_us = 0;                                        // when answered
};

class EdgeAggregator : public StatsSource {
 public:
  explicit EdgeAggregator(AggregatorConfig cfg);

  // Adds one event; a failure also returns its evidence event in `evidence` (true returned).
  bool Add(const TcpEvent& e, schema::EvidenceEvent* evidence);
  // Counts one DNS transaction on its client → resolver edge (protocol "udp" or "tcp").
  void AddDns(const DnsOutcome& o);

  // Closes the current window at `window_end_ns` (aligned by the caller) and returns its edges
  // in a stable order (by edge key); the next window starts there. Events stamped at or after
  // the open window's end (they arrive during the flush grace) are held for the next window.
  std::vector<schema::EdgeWindow> CloseWindow(int64_t window_end_ns);

  int64_t window_start_ns() const { return window_start_ns_; }
  void set_window_start(int64_t ns) { window_start_ns_ = ns; }
  // No event held, neither for the open window nor for the next.
  bool empty() const { return edges_.empty() && next_edges_.empty(); }

  // The edge an event belongs to (client workload → server ip:port).
  static schema::Edge EdgeOf(const TcpEvent& e);
  // EdgeOf(e).Key(), into `key` (reusing its capacity).
  static void KeyOf(const TcpEvent& e, std::string& key);

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  using EdgeMap = std::unordered_map<std::string, schema::EdgeWindow>;
  schema::EdgeWindow& WindowFor(const TcpEvent& e, EdgeMap& edges);
  // The window of `edge` whose key is in key_scratch_.
  schema::EdgeWindow& WindowForKey(schema::Edge&& edge, EdgeMap& edges);
  void PublishActive();

  AggregatorConfig cfg_;
  int64_t window_start_ns_ = 0;
  uint64_t window_seq_ = 0;
  uint64_t evidence_seq_ = 0;
  EdgeMap edges_;       // the open window
  EdgeMap next_edges_;  // events already past the open window's end
  std::string key_scratch_;
  StatCounter windows_emitted_;
  StatCounter evidence_emitted_;
  StatCounter evidence_dropped_;
  StatCounter edges_overflowed_;
  StatCounter late_events_;
  std::atomic<size_t> active_edges_{0};  // edges_.size() for scrapes from other threads
};

}  // namespace edgewatch::sensor
