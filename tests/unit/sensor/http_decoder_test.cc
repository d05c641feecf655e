// HttpDecoder on synthetic chunks (what HttpSource hands over), and the HTTP and DNS outcomes
// in the aggregator: edges, counts, latency and evidence.
#include "sensor/http_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace edgewatch::sensor {
namespace {

constexpr int64_t kOffset = 1'000'000'000'000;  // CLOCK_MONOTONIC → unix in these tests

struct Chunks {
  uint64_t conn = 0xffff8880'12345678;
  std::vector<std::string> keep;  // backing store for the spans

  HttpChunk Make(bool send, std::string bytes, uint64_t ts_ns, uint32_t real_len = 0) {
    keep.push_back(std::move(bytes));
    HttpChunk c;
    c.ts_ns = ts_ns;
    c.conn_id = conn;
    c.has_socket = true;
    c.send = send;
    c.pid = 77;
    c.comm = "checkout";
    c.cgroup_id = 5;
    c.netns = 4026531993;
    c.local_ip = "10.0.0.2";
    c.local_port = 41000;
    c.remote_ip = "10.0.0.9";
    c.remote_port = 8080;
    c.captured = std::span<const char>(keep.back().data(), keep.back().size());
    c.real_len = real_len != 0 ? real_len : static_cast<uint32_t>(keep.back().size());
    return c;
  }
  HttpChunk Close(uint64_t ts_ns) {
    HttpChunk c = Make(false, "", ts_ns);
    c.close = true;
    return c;
  }
};

struct Fixture {
  std::vector<HttpOutcome> outcomes;
  std::vector<SocketContext> sockets;  // copies: outcome.socket is valid only during the call
  std::vector<uint64_t> ignored;
  HttpDecoder decoder{HttpDecoderConfig{},
                      [this](const HttpOutcome& o) {
                        outcomes.push_back(o);
                        sockets.push_back(*o.socket);
                      },
                      [](uint64_t, uint32_t) { return std::string("c0ffee"); },
                      [this](uint64_t id) { ignored.push_back(id); }};
};

const std::string kTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

TEST(HttpDecoder, ClientSideExchangesWithLatencyAndTraceHeaders) {
  Fixture f;
  Chunks c;
  f.decoder.OnChunk(c.Make(true,
                           "GET /api/users/42?x=1 HTTP/1.1\r\nHost: a\r\ntraceparent: " + kTrace +
                               "\r\nX-Request-ID: r-1\r\n\r\n",
                           1'000'000),
                    kOffset);
  f.decoder.OnChunk(c.Make(false, "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy", 3'500'000),
                    kOffset);
  // Keep-alive: a second request whose response body comes in a second read, uncaptured.
  f.decoder.OnChunk(c.Make(true, "POST /pay HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 4'000'000),
                    kOffset);
  f.decoder.OnChunk(c.Make(false, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", 5'000'000),
                    kOffset);
  f.decoder.OnChunk(c.Make(false, "", 5'100'000, 5000), kOffset);
  f.decoder.OnChunk(c.Make(true, "GET /next HTTP/1.1\r\n\r\n", 6'000'000), kOffset);
  f.decoder.OnChunk(c.Close(9'000'000), kOffset);

  ASSERT_EQ(f.outcomes.size(), 3u);
  const HttpOutcome& a = f.outcomes[0];
  EXPECT_FALSE(a.server_side);
  EXPECT_EQ(a.method, "GET");
  EXPECT_EQ(a.path, "/api/users/{id}");
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.latency_us, 2500u);
  EXPECT_EQ(a.time_ns, kOffset + 3'500'000);
  EXPECT_EQ(a.request_time_ns, kOffset + 1'000'000);
  EXPECT_EQ(a.traceparent, kTrace);
  EXPECT_EQ(a.x_request_id, "r-1");
  EXPECT_EQ(f.sockets[0].container_id, "c0ffee");
  EXPECT_EQ(f.sockets[0].remote_port, 8080);
  EXPECT_EQ(f.outcomes[1].status, 200);
  EXPECT_EQ(f.outcomes[1].method, "POST");
  // The request still waiting at close: no response, reported at the close.
  EXPECT_EQ(f.outcomes[2].status, 0);
  EXPECT_EQ(f.outcomes[2].path, "/next");
  EXPECT_EQ(f.outcomes[2].time_ns, kOffset + 9'000'000);
  EXPECT_EQ(f.decoder.connections(), 0u);
}

TEST(HttpDecoder, ServerSideIsWhereRequestsAreRead) {
  Fixture f;
  Chunks c;
  f.decoder.OnChunk(c.Make(false, "HEAD /x HTTP/1.1\r\n\r\n", 1'000), kOffset);
  // A HEAD response announces a length but has no body: the next response must still parse.
  f.decoder.OnChunk(c.Make(true, "HTTP/1.1 404 No\r\nContent-Length: 99\r\n\r\n", 2'000), kOffset);
  f.decoder.OnChunk(c.Make(false, "GET /y HTTP/1.1\r\n\r\n", 3'000), kOffset);
  f.decoder.OnChunk(c.Make(true, "HTTP/1.1 500 E\r\nContent-Length: 0\r\n\r\n", 4'000), kOffset);
  ASSERT_EQ(f.outcomes.size(), 2u);
  EXPECT_TRUE(f.outcomes[0].server_side);
  EXPECT_EQ(f.outcomes[0].status, 404);
  EXPECT_EQ(f.outcomes[1].status, 500);
  EXPECT_EQ(f.outcomes[1].path, "/y");
}

TEST(HttpDecoder, NotHttpIsIgnoredAndToldToTheKernel) {
  Fixture f;
  Chunks c;
  // Classified by the kernel on "GET " but the rest is not HTTP/1.x.
  f.decoder.OnChunk(c.Make(true, "GET \x01\x02\x03 binary\r\n\r\n", 1'000), kOffset);
  f.decoder.OnChunk(c.Make(true, "\x16\x03\x01 more", 2'000), kOffset);
  EXPECT_EQ(f.ignored, std::vector<uint64_t>{c.conn});
  EXPECT_TRUE(f.outcomes.empty());
  f.decoder.OnChunk(c.Close(3'000), kOffset);
  EXPECT_TRUE(f.outcomes.empty());  // nothing reported for an ignored connection
  EXPECT_EQ(f.decoder.connections(), 0u);
}

TEST(HttpDecoder, AReusedSocketAddressStartsANewConnection) {
  Fixture f;
  Chunks c;
  f.decoder.OnChunk(c.Make(true, "GET /a HTTP/1.1\r\n\r\n", 1'000), kOffset);
  // Same struct sock address, other ports: the old socket's close was missed.
  HttpChunk next = c.Make(true, "GET /b HTTP/1.1\r\n\r\n", 2'000);
  next.local_port = 41001;
  f.decoder.OnChunk(next, kOffset);
  ASSERT_EQ(f.outcomes.size(), 1u);
  EXPECT_EQ(f.outcomes[0].path, "/a");
  EXPECT_EQ(f.outcomes[0].status, 0);
  HttpChunk resp = c.Make(false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 3'000);
  resp.local_port = 41001;
  f.decoder.OnChunk(resp, kOffset);
  ASSERT_EQ(f.outcomes.size(), 2u);
  EXPECT_EQ(f.outcomes[1].path, "/b");
  EXPECT_EQ(f.sockets[1].local_port, 41001);
}

TEST(HttpDecoder, OnlyTheFirstChunkSaysWhoAndWhere) {
  Fixture f;
  Chunks c;
  f.decoder.OnChunk(c.Make(true, "GET /a HTTP/1.1\r\n\r\n", 1'000), kOffset);
  // Later chunks of the socket carry only its id (the kernel sends the addresses once).
  HttpChunk resp = c.Make(false, "HTTP/1.1 502 Bad\r\nContent-Length: 0\r\n\r\n", 2'000);
  resp.has_socket = false;
  resp.local_ip.clear();
  resp.local_port = 0;
  resp.remote_ip.clear();
  resp.remote_port = 0;
  f.decoder.OnChunk(resp, kOffset);
  ASSERT_EQ(f.outcomes.size(), 1u);
  EXPECT_EQ(f.outcomes[0].status, 502);
  EXPECT_EQ(f.sockets[0].remote_port, 8080);
  EXPECT_EQ(f.sockets[0].comm, "checkout");
  // A socket whose first chunk was lost: its chunks are not followed.
  HttpChunk orphan = resp;
  orphan.conn_id = 99;
  f.decoder.OnChunk(orphan, kOffset);
  EXPECT_EQ(f.decoder.connections(), 1u);
}

TEST(HttpDecoder, IdleConnectionsExpireAndTheCapHolds) {
  HttpDecoderConfig cfg;
  cfg.max_connections = 2;
  cfg.idle_timeout_ns = 1'000'000'000;
  std::vector<HttpOutcome> out;
  HttpDecoder d(cfg, [&](const HttpOutcome& o) { out.push_back(o); });
  Chunks c;
  for (uint64_t i = 0; i < 3; ++i) {
    c.conn = 100 + i;
    d.OnChunk(c.Make(true, "GET /p HTTP/1.1\r\n\r\n", 1'000), kOffset);
  }
  EXPECT_EQ(d.connections(), 2u);  // the third was not followed
  d.Expire(kOffset + 2'000'000'000);
  EXPECT_EQ(d.connections(), 0u);
  EXPECT_EQ(out.size(), 2u);  // their waiting requests: no response
  for (const auto& o : out) EXPECT_EQ(o.status, 0);
}

// --- the aggregator's side -------------------------------------------------------------------

AggregatorConfig Config() {
  AggregatorConfig a;
  a.node = "n1";
  a.window_ns = 1'000'000'000;
  a.max_evidence_per_edge = 2;
  a.run_id = 9;
  a.http_slow_us = 100'000;
  return a;
}

HttpOutcome Outcome(const SocketContext& s, int status, uint64_t latency_us, bool server) {
  HttpOutcome o;
  o.time_ns = 500'000'000;
  o.server_side = server;
  o.socket = &s;
  o.method = "GET";
  o.path = "/p";
  o.status = status;
  o.latency_us = latency_us;
  o.request_time_ns = o.time_ns - static_cast<int64_t>(latency_us) * 1000;
  o.traceparent = kTrace;
  return o;
}

TEST(EdgeAggregatorHttp, CountsOnTheTcpEdgeAndKeepsFailedAndSlowAsEvidence) {
  EdgeAggregator agg(Config());
  agg.set_window_start(0);
  SocketContext s{"10.0.0.2", 41000, "10.0.0.9", 8080, 77, "checkout", 5, "", 1};
  schema::EvidenceEvent ev;
  EXPECT_FALSE(agg.AddHttp(Outcome(s, 200, 900, false), &ev));
  EXPECT_TRUE(agg.AddHttp(Outcome(s, 502, 1200, false), &ev));
  EXPECT_EQ(ev.kind, schema::EvidenceKind::kHttpRequest);
  EXPECT_EQ(ev.cause, "5xx");
  ASSERT_TRUE(ev.http.has_value());
  EXPECT_EQ(ev.http->status, 502);
  EXPECT_EQ(ev.http->trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(ev.src_port, 41000);
  EXPECT_EQ(ev.duration_us, 1200u);
  EXPECT_TRUE(agg.AddHttp(Outcome(s, 200, 250'000, false), &ev));  // slow
  EXPECT_EQ(ev.cause, "slow");
  EXPECT_FALSE(agg.AddHttp(Outcome(s, 0, 0, false), &ev));  // over the evidence bound
  // A TCP event of the same socket lands on the same edge.
  TcpEvent t;
  t.kind = TcpEventKind::kConnected;
  t.role = Role::kClient;
  t.time_ns = 600'000'000;
  t.local_ip = s.local_ip;
  t.local_port = s.local_port;
  t.remote_ip = s.remote_ip;
  t.remote_port = s.remote_port;
  t.comm = s.comm;
  agg.Add(t, nullptr);
  auto windows = agg.CloseWindow(1'000'000'000);
  ASSERT_EQ(windows.size(), 1u);
  const schema::EdgeWindow& w = windows[0];
  EXPECT_EQ(w.at(schema::Counter::kConnects), 1u);
  ASSERT_TRUE(w.http.has_value());
  EXPECT_EQ(w.http->requests, 4u);
  EXPECT_EQ(w.http->at(schema::HttpStatusClass::k2xx), 2u);
  EXPECT_EQ(w.http->at(schema::HttpStatusClass::k5xx), 1u);
  EXPECT_EQ(w.http->no_response, 1u);
  EXPECT_EQ(w.http->latency.count(), 3u);
  EXPECT_EQ(w.evidence_ids.size(), 2u);
  EXPECT_EQ(w.evidence_dropped, 1u);
}

TEST(EdgeAggregatorHttp, ServerEdgeLearnsItsProcessFromTheSyscall) {
  EdgeAggregator agg(Config());
  agg.set_window_start(0);
  // The accept was seen without an owner (a listener older than the sensor).
  TcpEvent t;
  t.kind = TcpEventKind::kAccepted;
  t.role = Role::kServer;
  t.time_ns = 100'000'000;
  t.local_ip = "10.0.0.9";
  t.local_port = 8080;
  t.remote_ip = "10.0.0.2";
  t.remote_port = 41000;
  agg.Add(t, nullptr);
  SocketContext s{"10.0.0.9", 8080, "10.0.0.2", 41000, 12, "nginx", 3, "abc", 1};
  agg.AddHttp(Outcome(s, 200, 10, true), nullptr);
  auto windows = agg.CloseWindow(1'000'000'000);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].edge.server.workload, "nginx");
  EXPECT_EQ(windows[0].edge.server.container_id, "abc");
  EXPECT_EQ(windows[0].at(schema::Counter::kAccepts), 1u);
  EXPECT_EQ(windows[0].http->requests, 1u);
}

TEST(EdgeAggregatorDns, FailedQueriesAreEvidenceWithTheirName) {
  EdgeAggregator agg(Config());
  agg.set_window_start(0);
  DnsOutcome o;
  o.time_ns = 300'000'000;
  o.client_ip = "10.0.0.2";
  o.client_port = 53001;
  o.comm = "checkout";
  o.pid = 77;
  o.server_ip = "10.0.0.53";
  o.name = "payments.internal";
  o.qtype = 28;
  o.type = "AAAA";
  o.id = 4711;
  o.query_time_ns = 299'000'000;
  schema::EvidenceEvent ev;
  EXPECT_FALSE(agg.AddDns(o, &ev));  // NOERROR: counted, no evidence
  o.rcode = schema::DnsRcodeClass::kNxDomain;
  ASSERT_TRUE(agg.AddDns(o, &ev));
  EXPECT_EQ(ev.kind, schema::EvidenceKind::kDnsQuery);
  EXPECT_EQ(ev.cause, "nxdomain");
  EXPECT_EQ(ev.protocol, "udp");
  EXPECT_EQ(ev.src_port, 53001);
  EXPECT_EQ(ev.dst_port, 53);
  EXPECT_EQ(ev.duration_us, 1000u);
  ASSERT_TRUE(ev.dns.has_value());
  EXPECT_EQ(ev.dns->name, "payments.internal");
  EXPECT_EQ(ev.dns->type, "AAAA");
  EXPECT_EQ(ev.dns->rcode, "nxdomain");
  EXPECT_EQ(ev.dns->id, 4711);
  o.timed_out = true;
  ASSERT_TRUE(agg.AddDns(o, &ev));
  EXPECT_EQ(ev.cause, "timeout");
  EXPECT_EQ(ev.dns->rcode, "");
  auto windows = agg.CloseWindow(1'000'000'000);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].dns->queries, 3u);
  EXPECT_EQ(windows[0].evidence_ids.size(), 2u);
}

}  // namespace
}  // namespace edgewatch::sensor
