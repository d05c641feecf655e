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

schema::Edge EdgeAggregator::EdgeOf(const TcpEvent& e) {
  schema::Edge edge;
  if (e.role == Role::kServer) {
    edge.side = schema::Side::kServer;
    edge.client.ip = e.remote_ip;
    edge.server = {e.local_ip, e.local_port, e.comm, e.container_id};
  } else {
    edge.side = schema::Side::kClient;
    edge.client = {e.local_ip, 0, e.comm, e.container_id};
    edge.server.ip = e.remote_ip;
    edge.server.port = e.remote_port;
  }
  return edge;
}

void EdgeAggregator::KeyOf(const TcpEvent& e, std::string& key) {
  // The same string as EdgeOf(e).Key(), built without the intermediate Edge (hot path).
  const bool server = e.role == Role::kServer;
  const std::string& server_ip = server ? e.local_ip : e.remote_ip;
  const uint16_t server_port = server ? e.local_port : e.remote_port;
  key.clear();
  key.append(server ? "server|" : "client|");
  if (!server)
    key.append(e.comm).append(1, '|').append(e.container_id).append(1, '|');
  else
    key.append("||");
  key.append(server ? e.remote_ip : e.local_ip).append(1, '|');
  const bool v6 = server_ip.find(':') != std::string::npos;
  if (v6) key.append(1, '[');
  key.append(server_ip);
  if (v6) key.append(1, ']');
  char port[8];
  auto [end, ec] = std::to_chars(port, port + sizeof port, server_port);
  key.append(1, ':').append(port, end).append("|tcp");
}

schema::EdgeWindow& EdgeAggregator::WindowFor(const TcpEvent& e, EdgeMap& edges) {
  KeyOf(e, key_scratch_);
  auto it = edges.find(key_scratch_);
  if (it != edges.end()) return it->second;
  return WindowForKey(EdgeOf(e), edges);
}

void EdgeAggregator::AddDns(const DnsOutcome& o) {
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
  if (!failure || evidence == nullptr) return false;
  if (w.evidence_ids.size() >= cfg_.max_evidence_per_edge) {
    ++w.evidence_dropped;
    evidence_dropped_.Add();
    return false;
  }
  schema::EvidenceEvent& ev = *evidence;
  ev = schema::EvidenceEvent{};
  ev.id = cfg_.node + "/" + std::to_string(cfg_.run_id) + "/" + std::to_string(++evidence_seq_);
  ev.node = cfg_.node;
  ev.kind = ev_kind;
  ev.cause = e.kind == TcpEventKind::kAcceptFailed && e.sk_err == 0
                 ? "other"
                 : FailureCause(e.kind, e.sk_err);
  ev.time_ns = e.time_ns;
  ev.edge = w.edge;
  ev.edge_key = w.edge.Key();
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
  w.evidence_ids.push_back(ev.id);
  evidence_emitted_.Add();
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
