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
  // HTTP exchanges at least this slow are kept as evidence even when they succeeded.
  uint64_t http_slow_us = 1'000'000;
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
  // For evidence (failed transactions only).
  uint16_t client_port = 0;
  uint32_t pid = 0;
  uint64_t cgroup_id = 0;
  uint16_t id = 0;  // DNS message id
  std::string name;
  uint16_t qtype = 0;
  std::string type;  // qtype mnemonic
  int64_t query_time_ns = 0;
};

// The local socket an observation was made on, and the process that used it.
struct SocketContext {
  std::string local_ip;
  uint16_t local_port = 0;
  std::string remote_ip;
  uint16_t remote_port = 0;
  uint32_t pid = 0;
  std::string comm;
  uint64_t cgroup_id = 0;
  std::string container_id;
  uint32_t netns = 0;
};

// One ended HTTP/1.x exchange on one connection, as the HTTP decoder hands it over.
struct HttpOutcome {
  int64_t time_ns = 0;                    // response (or connection end) time, unix ns
  bool server_side = false;               // the local process served the request (else it sent it)
  const SocketContext* socket = nullptr;  // the connection's; valid during the call
  std::string_view method;                // static storage
  std::string path;                       // templated
  int status = 0;                         // 0: no response
  int64_t request_time_ns = 0;            // unix ns
  uint64_t latency_us = 0;
  std::string traceparent;
  std::string x_request_id;
};

class EdgeAggregator : public StatsSource {
 public:
  explicit EdgeAggregator(AggregatorConfig cfg);

  // Adds one event; a failure also returns its evidence event in `evidence` (true returned).
  bool Add(const TcpEvent& e, schema::EvidenceEvent* evidence);
  // Counts one DNS transaction on its client → resolver edge (protocol "udp" or "tcp"); a
  // failed one (error rcode, timeout) also returns its evidence event (true returned).
  bool AddDns(const DnsOutcome& o, schema::EvidenceEvent* evidence = nullptr);
  // Counts one HTTP exchange on its edge (the same edge as the connection's TCP events); one
  // with a 4xx/5xx status, without response, or slower than http_slow_us also returns its
  // evidence event.
  bool AddHttp(const HttpOutcome& o, schema::EvidenceEvent* evidence = nullptr);

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
  // The window of (role, local, remote) at `time_ns`: open or next.
  schema::EdgeWindow& WindowForSocket(int64_t time_ns, bool server, const std::string& local_ip,
                                      uint16_t local_port, const std::string& remote_ip,
                                      uint16_t remote_port, const std::string& comm,
                                      const std::string& container_id);
  // Room for one more evidence event in `w`? Counts the drop when not.
  bool EvidenceRoom(schema::EdgeWindow& w);
  // Starts evidence event `ev` for window `w` (id, node, edge) and records its id in `w`.
  void BeginEvidence(schema::EdgeWindow& w, schema::EvidenceEvent& ev);
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
