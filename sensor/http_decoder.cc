#include "sensor/http_decoder.h"

#include <utility>

namespace edgewatch::sensor {

struct HttpDecoder::Connection {
  Connection(const HttpDecoderConfig& cfg, Http1ParserStats* ps, HttpStitcherStats* ss)
      : send(cfg.parser, ps), recv(cfg.parser, ps), stitcher(cfg.stitcher, ss) {}

  Http1Parser send;  // what the local process writes
  Http1Parser recv;  // what it reads
  HttpStitcher stitcher;
  bool ignored = false;
  bool role_known = false;
  bool server_side = false;  // the local process reads requests
  int64_t clock_offset_ns = 0;
  int64_t last_ns = 0;   // unix
  SocketContext socket;  // who and where, from the connection's first chunk
};

HttpDecoder::HttpDecoder(HttpDecoderConfig cfg, Sink sink, ContainerOf container_of, Ignore ignore)
    : cfg_(cfg),
      sink_(std::move(sink)),
      container_of_(std::move(container_of)),
      ignore_(std::move(ignore)) {}

HttpDecoder::~HttpDecoder() = default;

HttpDecoder::Connection* HttpDecoder::Find(const HttpChunk& c, int64_t clock_offset_ns) {
  auto it = conns_.find(c.conn_id);
  if (it != conns_.end()) {
    const SocketContext& s = it->second->socket;
    if (c.close || !c.has_socket ||
        (s.local_port == c.local_port && s.remote_port == c.remote_port &&
         s.remote_ip == c.remote_ip)) {
      return it->second.get();
    }
    // The kernel reused the address of a socket whose end we missed (a close is skipped when
    // it would nest inside another tracing program on its CPU): the old one is over.
    reused_.Add();
    Forget(c.conn_id, *it->second, static_cast<int64_t>(c.ts_ns) + clock_offset_ns);
  }
  if (c.close) return nullptr;
  if (!c.has_socket) {
    // Its first chunk, which said who and where, was lost (ring buffer full): not followed.
    unannounced_.Add();
    return nullptr;
  }
  if (conns_.size() >= cfg_.max_connections) {
    connections_dropped_.Add();
    return nullptr;
  }
  auto conn = std::make_unique<Connection>(cfg_, &parser_stats_, &stitcher_stats_);
  conn->clock_offset_ns = clock_offset_ns;
  conn->socket = {c.local_ip, c.local_port, c.remote_ip, c.remote_port, c.pid,
                  c.comm,     c.cgroup_id,  "",          c.netns};
  if (container_of_) conn->socket.container_id = container_of_(c.cgroup_id, c.pid);
  connections_opened_.Add();
  Connection* raw = conn.get();
  conns_.emplace(c.conn_id, std::move(conn));
  tracked_.store(conns_.size(), std::memory_order_relaxed);
  return raw;
}

void HttpDecoder::OnChunk(const HttpChunk& c, int64_t clock_offset_ns) {
  Connection* conn = Find(c, clock_offset_ns);
  if (conn == nullptr) return;
  const int64_t now = static_cast<int64_t>(c.ts_ns) + clock_offset_ns;
  conn->last_ns = now;
  if (c.close) {
    Forget(c.conn_id, *conn, now);
    return;
  }
  if (conn->ignored) return;
  Feed(*conn, c);
  const bool gave_up = conn->send.role() == Http1Role::kNotHttp ||
                       conn->recv.role() == Http1Role::kNotHttp || conn->send.tunneled() ||
                       conn->recv.tunneled();
  if (gave_up) {
    conn->ignored = true;
    not_http_.Add();
    if (ignore_) ignore_(c.conn_id);
  }
}

void HttpDecoder::Feed(Connection& conn, const HttpChunk& c) {
  Http1Parser& parser = c.send ? conn.send : conn.recv;
  Http1Parser& other = c.send ? conn.recv : conn.send;
  messages_.clear();
  parser.Feed(c.captured, c.real_len, static_cast<int64_t>(c.ts_ns), messages_);
  if (messages_.empty()) return;
  exchanges_.clear();
  for (HttpMessage& m : messages_) {
    if (m.kind == HttpMessageKind::kRequest) {
      if (!conn.role_known) {
        conn.role_known = true;
        conn.server_side = !c.send;
      }
      // The answers travel the other way: frame them knowing the method (HEAD, CONNECT).
      other.ExpectResponseTo(m.method);
    }
    conn.stitcher.Add(std::move(m), exchanges_);
  }
  Report(conn, exchanges_, static_cast<int64_t>(c.ts_ns) + conn.clock_offset_ns);
}

void HttpDecoder::Report(Connection& conn, std::vector<HttpExchange>& exchanges, int64_t time_ns) {
  for (HttpExchange& x : exchanges) {
    HttpOutcome o;
    o.time_ns = time_ns;
    o.server_side = conn.server_side;
    o.socket = &conn.socket;
    o.method = x.method;
    o.path = std::move(x.path_template);
    o.status = x.status;
    o.request_time_ns = x.request_ts_ns + conn.clock_offset_ns;
    o.latency_us = static_cast<uint64_t>(x.latency_ns) / 1000;
    o.traceparent = std::move(x.traceparent);
    o.x_request_id = std::move(x.x_request_id);
    sink_(o);
  }
}

void HttpDecoder::Forget(uint64_t conn_id, Connection& conn, int64_t time_ns) {
  if (!conn.ignored) {
    exchanges_.clear();
    conn.stitcher.Close(exchanges_);
    Report(conn, exchanges_, time_ns);
  }
  conns_.erase(conn_id);
  tracked_.store(conns_.size(), std::memory_order_relaxed);
}

void HttpDecoder::Expire(int64_t now_ns) {
  const int64_t cutoff = now_ns - cfg_.idle_timeout_ns;
  std::vector<uint64_t> idle;
  for (const auto& [id, conn] : conns_) {
    if (conn->last_ns < cutoff) idle.push_back(id);
  }
  for (uint64_t id : idle) {
    connections_expired_.Add();
    Forget(id, *conns_.at(id), now_ns);
  }
}

void HttpDecoder::CollectStats(std::vector<StatSample>& out) const {
  parser_stats_.CollectStats(out);
  stitcher_stats_.CollectStats(out);
  out.push_back(Counter("edgewatch_sensor_http_connections_total",
                        "HTTP connections followed (sockets the kernel classified as HTTP/1.x).",
                        static_cast<double>(connections_opened_.Get())));
  out.push_back(Counter("edgewatch_sensor_http_connections_dropped_total",
                        "HTTP connections not followed: max_connections were followed already.",
                        static_cast<double>(connections_dropped_.Get())));
  out.push_back(Counter("edgewatch_sensor_http_connections_expired_total",
                        "HTTP connections forgotten after the idle timeout.",
                        static_cast<double>(connections_expired_.Get())));
  out.push_back(Counter("edgewatch_sensor_http_connections_not_http_total",
                        "Connections given up: their bytes were not HTTP/1.x after all.",
                        static_cast<double>(not_http_.Get())));
  out.push_back(Counter("edgewatch_sensor_http_chunks_unannounced_total",
                        "HTTP chunks of connections whose first chunk was lost; not followed.",
                        static_cast<double>(unannounced_.Get())));
  out.push_back(Counter("edgewatch_sensor_http_connections_reused_total",
                        "HTTP connections ended because their socket address was reused (their "
                        "close was not seen).",
                        static_cast<double>(reused_.Get())));
  out.push_back(Gauge("edgewatch_sensor_http_connections_tracked", "HTTP connections followed now.",
                      static_cast<double>(tracked_.load(std::memory_order_relaxed))));
}

}  // namespace edgewatch::sensor
