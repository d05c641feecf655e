#include "sensor/edge_aggregator.h"

#include <algorithm>
#include <charconv>

namespace edgewatch::sensor {

using C = schema::Counter;

namespace {
// The edge that takes the events of edges past the per-window bound, so totals stay right.
constexpr const char* kOverflowWorkload = "(overflow)";
}  // namespace

EdgeAggregator::EdgeAggregator(AggregatorConfig cfg) : cfg_(std::move(cfg)) {}

namespace {

schema::Edge SocketEdge(bool server, const std::string& local_ip, uint16_t local_port,
                        const std::string& remote_ip, uint16_t remote_port, const std::string& comm,
                        const std::string& container_id) {
  schema::Edge edge;
  if (server) {
    edge.side = schema::Side::kServer;
    edge.client.ip = remote_ip;
    edge.server = {local_ip, local_port, comm, container_id};
  } else {
    edge.side = schema::Side::kClient;
    edge.client = {local_ip, 0, comm, container_id};
    edge.server.ip = remote_ip;
    edge.server.port = remote_port;
  }
  return edge;
}

// The same string as SocketEdge(...).Key(), built without the intermediate Edge (hot path).
void SocketKey(bool server, const std::string& local_ip, uint16_t local_port,
               const std::string& remote_ip, uint16_t remote_port, const std::string& comm,
               const std::string& container_id, std::string& key) {
  const std::string& server_ip = server ? local_ip : remote_ip;
  const uint16_t server_port = server ? local_port : remote_port;
  key.clear();
  key.append(server ? "server|" : "client|");
  if (!server)
    key.append(comm).append(1, '|').append(container_id).append(1, '|');
  else
    key.append("||");
  key.append(server ? remote_ip : local_ip).append(1, '|');
  const bool v6 = server_ip.find(':') != std::string::npos;
  if (v6) key.append(1, '[');
  key.append(server_ip);
  if (v6) key.append(1, ']');
  char port[8];
  auto [end, ec] = std::to_chars(port, port + sizeof port, server_port);
  key.append(1, ':').append(port, end).append("|tcp");
}

// The W3C trace-id of a traceparent value ("00-<32 hex>-<16 hex>-<2 hex>"), or "".
std::string TraceId(std::string_view traceparent) {
  if (traceparent.size() < 55 || traceparent[2] != '-' || traceparent[35] != '-') return {};
  std::string_view id = traceparent.substr(3, 32);
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
  }
  if (id == "00000000000000000000000000000000") return {};
  return std::string(id);
}

const char* HttpEvidenceCause(int status, uint64_t latency_us, uint64_t slow_us) {
  if (status == 0) return "no_response";
  if (status >= 500) return "5xx";
  if (status >= 400) return "4xx";
  if (latency_us >= slow_us) return "slow";
  return nullptr;
}

}  // namespace

schema::Edge EdgeAggregator::EdgeOf(const TcpEvent& e) {
  return SocketEdge(e.role == Role::kServer, e.local_ip, e.local_port, e.remote_ip, e.remote_port,
                    e.comm, e.container_id);
}

void EdgeAggregator::KeyOf(const TcpEvent& e, std::string& key) {
  SocketKey(e.role == Role::kServer, e.local_ip, e.local_port, e.remote_ip, e.remote_port, e.comm,
            e.container_id, key);
}

schema::EdgeWindow& EdgeAggregator::WindowFor(const TcpEvent& e, EdgeMap& edges) {
  KeyOf(e, key_scratch_);
  auto it = edges.find(key_scratch_);
  if (it != edges.end()) return it->second;
  return WindowForKey(EdgeOf(e), edges);
}

bool EdgeAggregator::AddDns(const DnsOutcome& o, schema::EvidenceEvent* evidence) {
  if (o.time_ns < window_start_ns_) late_events_.Add();  // kept: counted in the open window
  const bool next = o.time_ns >= window_start_ns_ + cfg_.window_ns;
  schema::Edge edge;
  edge.side = schema::Side::kClient;
  edge.client.ip = o.client_ip;
  edge.client.workload = o.comm;
  edge.client.container_id = o.container_id;
  edge.server.ip = o.server_ip;
  edge.server.port = o.server_port;
  edge.protocol = o.tcp ? "tcp" : "udp";
  key_scratch_.clear();
  edge.AppendKey(key_scratch_);
  EdgeMap& edges = next ? next_edges_ : edges_;
  auto it = edges.find(key_scratch_);
  schema::EdgeWindow& w = it != edges.end() ? it->second : WindowForKey(std::move(edge), edges);
  schema::DnsCounts& d = w.dns ? *w.dns : w.dns.emplace();
  ++d.queries;
  if (o.timed_out) {
    ++d.timeouts;
  } else {
    ++d.rcode(o.rcode);
    d.latency.Add(o.latency_us);
  }
  const bool failed = o.timed_out || o.rcode != schema::DnsRcodeClass::kNoError;
  if (!failed || evidence == nullptr || !EvidenceRoom(w)) return false;
  schema::EvidenceEvent& ev = *evidence;
  BeginEvidence(w, ev);
  ev.kind = schema::EvidenceKind::kDnsQuery;
  ev.cause = o.timed_out ? "timeout" : std::string(schema::DnsRcodeClassName(o.rcode));
  ev.time_ns = o.time_ns;
  ev.protocol = w.edge.protocol;
  ev.src_ip = o.client_ip;
  ev.src_port = o.client_port;
  ev.dst_ip = o.server_ip;
  ev.dst_port = o.server_port;
  ev.pid = o.pid;
  ev.comm = o.comm;
  ev.container_id = o.container_id;
  ev.cgroup_id = o.cgroup_id;
  if (o.query_time_ns > 0 && o.time_ns >= o.query_time_ns) {
    ev.duration_us = static_cast<uint64_t>(o.time_ns - o.query_time_ns) / 1000;
  }
  schema::DnsEvidence& dns = ev.dns.emplace();
  dns.name = o.name;
  dns.qtype = o.qtype;
  dns.type = o.type;
  dns.rcode = o.timed_out ? "" : std::string(schema::DnsRcodeClassName(o.rcode));
  dns.id = o.id;
  return true;
}

schema::EdgeWindow& EdgeAggregator::WindowForSocket(int64_t time_ns, bool server,
                                                    const std::string& local_ip,
                                                    uint16_t local_port,
                                                    const std::string& remote_ip,
                                                    uint16_t remote_port, const std::string& comm,
                                                    const std::string& container_id) {
  if (time_ns < window_start_ns_) late_events_.Add();  // kept: counted in the open window
  EdgeMap& edges = time_ns >= window_start_ns_ + cfg_.window_ns ? next_edges_ : edges_;
  SocketKey(server, local_ip, local_port, remote_ip, remote_port, comm, container_id, key_scratch_);
  auto it = edges.find(key_scratch_);
  if (it == edges.end()) {
    return WindowForKey(
        SocketEdge(server, local_ip, local_port, remote_ip, remote_port, comm, container_id),
        edges);
  }
  // A server's process is not part of the key: the window may have been opened by a kernel
  // event that did not know it (a listener older than the sensor). The syscall does.
  schema::Peer& peer = it->second.edge.server;
  if (server && peer.workload.empty() && !comm.empty()) {
    peer.workload = comm;
    peer.container_id = container_id;
  }
  return it->second;
}

bool EdgeAggregator::AddHttp(const HttpOutcome& o, schema::EvidenceEvent* evidence) {
  const SocketContext& sock = *o.socket;
  schema::EdgeWindow& w =
      WindowForSocket(o.time_ns, o.server_side, sock.local_ip, sock.local_port, sock.remote_ip,
                      sock.remote_port, sock.comm, sock.container_id);
  schema::HttpCounts& h = w.http ? *w.http : w.http.emplace();
  ++h.requests;
  if (o.status == 0) {
    ++h.no_response;
  } else {
    ++h.at(schema::HttpStatusClassOf(o.status));
    h.latency.Add(o.latency_us);
  }
  const char* cause = HttpEvidenceCause(o.status, o.latency_us, cfg_.http_slow_us);
  if (cause == nullptr || evidence == nullptr || !EvidenceRoom(w)) return false;
  schema::EvidenceEvent& ev = *evidence;
  BeginEvidence(w, ev);
  ev.kind = schema::EvidenceKind::kHttpRequest;
  ev.cause = cause;
  ev.time_ns = o.time_ns;
  ev.src_ip = sock.local_ip;
  ev.src_port = sock.local_port;
  ev.dst_ip = sock.remote_ip;
  ev.dst_port = sock.remote_port;
  ev.pid = sock.pid;
  ev.comm = sock.comm;
  ev.container_id = sock.container_id;
  ev.cgroup_id = sock.cgroup_id;
  ev.netns = sock.netns;
  ev.old_state = "ESTABLISHED";
  if (o.request_time_ns > 0 && o.time_ns >= o.request_time_ns) {
    ev.duration_us = static_cast<uint64_t>(o.time_ns - o.request_time_ns) / 1000;
  }
  schema::HttpEvidence& http = ev.http.emplace();
  http.method = o.method;
  http.path = o.path;
  http.status = static_cast<uint16_t>(o.status);
  http.latency_us = o.latency_us;
  http.traceparent = o.traceparent;
  http.trace_id = TraceId(o.traceparent);
  http.x_request_id = o.x_request_id;
  return true;
}

bool EdgeAggregator::EvidenceRoom(schema::EdgeWindow& w) {
  if (w.evidence_ids.size() < cfg_.max_evidence_per_edge) return true;
  ++w.evidence_dropped;
  evidence_dropped_.Add();
  return false;
}

void EdgeAggregator::BeginEvidence(schema::EdgeWindow& w, schema::EvidenceEvent& ev) {
  ev = schema::EvidenceEvent{};
  ev.id = cfg_.node + "/" + std::to_string(cfg_.run_id) + "/" + std::to_string(++evidence_seq_);
  ev.node = cfg_.node;
  ev.edge = w.edge;
  ev.edge_key = w.edge.Key();
  w.evidence_ids.push_back(ev.id);
  evidence_emitted_.Add();
}

schema::EdgeWindow& EdgeAggregator::WindowForKey(schema::Edge&& edge, EdgeMap& edges) {
  if (edges.size() >= cfg_.max_edges) {
    edges_overflowed_.Add();
    schema::Edge overflow;
    overflow.side = edge.side;
    overflow.client.workload = kOverflowWorkload;
    std::string key = overflow.Key();
    auto it = edges.find(key);
    if (it != edges.end()) return it->second;
    it = edges.emplace(std::move(key), schema::EdgeWindow{}).first;
    it->second.edge = overflow;
    PublishActive();
    return it->second;
  }
  auto it = edges.emplace(key_scratch_, schema::EdgeWindow{}).first;
  it->second.edge = std::move(edge);
  PublishActive();
  return it->second;
}

void EdgeAggregator::PublishActive() {
  active_edges_.store(edges_.size() + next_edges_.size(), std::memory_order_relaxed);
}

bool EdgeAggregator::Add(const TcpEvent& e, schema::EvidenceEvent* evidence) {
  if (e.time_ns < window_start_ns_) late_events_.Add();  // kept: counted in the open window
  const bool next = e.time_ns >= window_start_ns_ + cfg_.window_ns;
  schema::EdgeWindow& w = WindowFor(e, next ? next_edges_ : edges_);
  bool failure = false;
  schema::EvidenceKind ev_kind = schema::EvidenceKind::kConnectFailed;
  switch (e.kind) {
    case TcpEventKind::kConnected:
      ++w.at(C::kConnects);
      if (e.start_ns > 0 && e.time_ns >= e.start_ns) {
        w.connect_latency.Add(static_cast<uint64_t>(e.time_ns - e.start_ns) / 1000);
      }
      break;
    case TcpEventKind::kAccepted:
      ++w.at(C::kAccepts);
      break;
    case TcpEventKind::kConnectFailed: {
      std::string_view cause = FailureCause(e.kind, e.sk_err);
      C c = cause == "refused"       ? C::kRefused
            : cause == "timeout"     ? C::kTimeout
            : cause == "reset"       ? C::kReset
            : cause == "unreachable" ? C::kUnreachable
                                     : C::kOtherFailures;
      ++w.at(c);
      failure = true;
      break;
    }
    case TcpEventKind::kAcceptFailed:
      ++w.at(C::kAcceptFailures);
      failure = true;
      ev_kind = schema::EvidenceKind::kAcceptFailed;
      break;
    case TcpEventKind::kReset:
      ++w.at(C::kReset);
      failure = true;
      ev_kind = schema::EvidenceKind::kReset;
      break;
    case TcpEventKind::kRetransmit:
      ++w.at(e.old_state == 2 /* SYN_SENT */ ? C::kSynRetransmits : C::kDataRetransmits);
      break;
    case TcpEventKind::kSynackRetransmit:
      ++w.at(C::kSynackRetransmits);
      break;
    case TcpEventKind::kResetSent:
      ++w.at(C::kResetsSent);
      break;
    case TcpEventKind::kResetReceived:
      ++w.at(C::kResetsReceived);
      break;
  }
  if (!failure || evidence == nullptr || !EvidenceRoom(w)) return false;
  schema::EvidenceEvent& ev = *evidence;
  BeginEvidence(w, ev);
  ev.kind = ev_kind;
  ev.cause = e.kind == TcpEventKind::kAcceptFailed && e.sk_err == 0
                 ? "other"
                 : FailureCause(e.kind, e.sk_err);
  ev.time_ns = e.time_ns;
  ev.src_ip = e.local_ip;
  ev.src_port = e.local_port;
  ev.dst_ip = e.remote_ip;
  ev.dst_port = e.remote_port;
  ev.pid = e.pid;
  ev.comm = e.comm;
  ev.container_id = e.container_id;
  ev.cgroup_id = e.cgroup_id;
  ev.netns = e.netns;
  ev.sk_err = e.sk_err;
  ev.old_state = TcpStateName(e.old_state);
  ev.syn_retransmits = e.syn_retransmits;
  if (e.start_ns > 0 && e.time_ns >= e.start_ns) {
    ev.duration_us = static_cast<uint64_t>(e.time_ns - e.start_ns) / 1000;
  }
  return true;
}

std::vector<schema::EdgeWindow> EdgeAggregator::CloseWindow(int64_t window_end_ns) {
  std::vector<schema::EdgeWindow> out;
  out.reserve(edges_.size());
  for (auto& [key, w] : edges_) {
    w.node = cfg_.node;
    w.window_start_ns = window_start_ns_;
    w.window_end_ns = window_end_ns;
    out.push_back(std::move(w));
  }
  edges_.clear();
  edges_.swap(next_edges_);
  PublishActive();
  std::sort(out.begin(), out.end(), [](const schema::EdgeWindow& a, const schema::EdgeWindow& b) {
    return a.edge.Key() < b.edge.Key();
  });
  for (auto& w : out) w.seq = ++window_seq_;
  windows_emitted_.Add(out.size());
  window_start_ns_ = window_end_ns;
  return out;
}

void EdgeAggregator::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_windows_emitted_total", "Edge windows emitted.",
                        windows_emitted_.Get()));
  out.push_back(Counter("edgewatch_sensor_evidence_emitted_total", "Evidence events emitted.",
                        evidence_emitted_.Get()));
  out.push_back(Counter("edgewatch_sensor_evidence_dropped_total",
                        "Evidence events left out by the per-edge, per-window bound.",
                        evidence_dropped_.Get()));
  out.push_back(Counter("edgewatch_sensor_edges_overflowed_total",
                        "Events of new edges past max_edges, counted in the overflow edge.",
                        edges_overflowed_.Get()));
  out.push_back(Counter("edgewatch_sensor_late_events_total",
                        "Events older than the open window (counted in it).", late_events_.Get()));
  out.push_back(Gauge("edgewatch_sensor_edges_active", "Edges in the open window.",
                      static_cast<double>(active_edges_.load(std::memory_order_relaxed))));
}

}  // namespace edgewatch::sensor
