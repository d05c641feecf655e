// HTTP/1.x RED end to end in the sensor: a client in one namespace talks to nginx in another,
// with every syscall form the probe follows (send/recv, write/read, writev/readv,
// sendmsg/recvmsg, and nginx's own sendfile and writev). The sensor must count every exchange
// on both edges — the client's and nginx's — by status class, with the slow ones in the right
// latency bucket, and keep the failed and slow ones as evidence with their trace ids.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sensor/sensor.h"
#include "tests/support/collecting_sink.h"
#include "tests/support/http_peer.h"
#include "tests/support/netns.h"
#include "tests/support/running_sensor.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using schema::HttpStatusClass;
using testing::ForkInNetns;
using testing::HttpIo;
using testing::NetnsPair;
using testing::WaitChild;
using testing::WaitFor;

using Sink = testing::CollectingSink<sensor::RecordSink>;

constexpr const char* kClientComm = "ew-http-client";
constexpr int kPort = 8080;
constexpr int kSlowMs = 300;

struct Step {
  const char* path;
  int status;
};

// One keep-alive connection per syscall form, each with this sequence.
const std::vector<Step> kSteps = {
    {"/ok", 200},   {"/static", 200}, {"/missing", 404},
    {"/ok", 200},   {"/boom", 500},   {"/slow", 200},
    {"/busy", 503}, {"/static", 200}, {"/users/12345/orders", 404},
};
const std::vector<HttpIo> kForms = {HttpIo::kSendRecv, HttpIo::kWriteRead, HttpIo::kWritevReadv,
                                    HttpIo::kSendmsgRecvmsg};

// Request n's trace number: unique per (connection, step).
unsigned TraceNumber(size_t form, size_t step) { return static_cast<unsigned>(form * 100 + step); }

schema::HttpCounts Total(const std::vector<schema::EdgeWindow>& windows) {
  schema::HttpCounts sum;
  for (const auto& w : windows) {
    sum.requests += w.http->requests;
    sum.no_response += w.http->no_response;
    for (size_t i = 0; i < sum.status.size(); ++i) sum.status[i] += w.http->status[i];
    for (size_t i = 0; i < sum.latency.buckets.size(); ++i) {
      sum.latency.buckets[i] += w.http->latency.buckets[i];
    }
  }
  return sum;
}

// Exchanges at or above 250 ms (the bucket bounds are shared: schema/latency_histogram.h).
uint64_t AtLeast250ms(const schema::HttpCounts& h) {
  uint64_t n = 0;
  for (size_t i = 0; i < h.latency.buckets.size(); ++i) {
    if (i > 0 && schema::kLatencyBoundsUs[i - 1] >= 250'000) n += h.latency.buckets[i];
  }
  return n;
}

// Half-second windows, HTTP only, and a 200 ms slow threshold (the slow location takes 300).
sensor::SensorConfig HttpSensorConfig() {
  sensor::SensorConfig cfg;
  cfg.node = "http-node";
  cfg.window_ns = 500'000'000;
  cfg.flush_grace_ns = 100'000'000;
  cfg.max_evidence_per_edge = 64;
  cfg.http_slow_ns = 200'000'000;
  cfg.conntrack.clear();
  cfg.dns = false;
  return cfg;
}

TEST(HttpRed, RequestsStatusLatencyAndTraceIdsOnClientAndServerEdges) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, tracefs, namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  auto nginx = testing::NginxPeer::Start(net->server_ns(), net->server_ip(), kPort, kSlowMs, &why);
  ASSERT_NE(nginx, nullptr) << why;

  Sink sink;
  auto s = testing::RunningSensor::Start(HttpSensorConfig(), sink);
  ASSERT_TRUE(s.ok()) << s.error();

  const std::string server = net->server_ip();
  const pid_t client = ForkInNetns(net->client_ns(), kClientComm, [&] {
    signal(SIGPIPE, SIG_IGN);  // a peer that closed early is a failed step, not a dead child
    int bad = 0;
    for (size_t f = 0; f < kForms.size(); ++f) {
      int fd = -1;
      if (testing::TcpConnect(server, kPort, 0, &fd) != 0) return 100;
      for (size_t i = 0; i < kSteps.size(); ++i) {
        const unsigned n = TraceNumber(f, i);
        bool closes = false;
        const int got = testing::HttpGet(fd, kForms[f], kSteps[i].path, testing::MakeTraceparent(n),
                                         "req-" + std::to_string(n), &closes);
        if (closes) {  // nginx ends keep-alive after a 500: go on with a new connection
          close(fd);
          if (testing::TcpConnect(server, kPort, 0, &fd) != 0) return 102;
        }
        if (got != kSteps[i].status) {
          std::fprintf(stderr, "%s (form %zu): status %d, expected %d\n", kSteps[i].path, f, got,
                       kSteps[i].status);
          ++bad;
        }
      }
      close(fd);
    }
    // A request whose client gives up before the answer: no response on the client's edge.
    int fd = -1;
    if (testing::TcpConnect(server, kPort, 0, &fd) != 0) return 101;
    bad += !testing::HttpSendOnly(fd, "/slow", testing::MakeTraceparent(999));
    return bad;
  });
  ASSERT_EQ(WaitChild(client, 30s), 0) << "a request got an unexpected answer";

  const size_t per_side = kForms.size() * kSteps.size();
  auto client_edge = [&](const schema::EdgeWindow& w) {
    return w.http.has_value() && w.edge.side == schema::Side::kClient &&
           w.edge.client.workload == kClientComm;
  };
  auto server_edge = [&](const schema::EdgeWindow& w) {
    return w.http.has_value() && w.edge.side == schema::Side::kServer &&
           w.edge.server.port == kPort && w.edge.server.ip == server;
  };
  EXPECT_TRUE(WaitFor(
      [&] {
        return Total(sink.Windows(client_edge)).requests >= per_side + 1 &&
               Total(sink.Windows(server_edge)).requests >= per_side + 1;
      },
      10s))
      << Total(sink.Windows(client_edge)).requests << " / "
      << Total(sink.Windows(server_edge)).requests;
  (*s)->Stop();
  EXPECT_TRUE(nginx->Stop());

  // Per side: 4 connections × (4 × 200 + 1 slow 200, 2 × 404, 1 × 500, 1 × 503), plus the
  // abandoned /slow (the client saw no response; nginx still answered it, 200).
  const uint64_t n_forms = kForms.size();
  for (bool server_side : {false, true}) {
    SCOPED_TRACE(server_side ? "server edge" : "client edge");
    const auto windows =
        sink.Windows(server_side ? std::function(server_edge) : std::function(client_edge));
    ASSERT_FALSE(windows.empty());
    const schema::HttpCounts h = Total(windows);
    EXPECT_EQ(h.requests, per_side + 1);
    EXPECT_EQ(h.at(HttpStatusClass::k2xx), n_forms * 5 + (server_side ? 1 : 0));
    EXPECT_EQ(h.at(HttpStatusClass::k4xx), n_forms * 2);
    EXPECT_EQ(h.at(HttpStatusClass::k5xx), n_forms * 2);
    EXPECT_EQ(
        h.at(HttpStatusClass::k3xx) + h.at(HttpStatusClass::k1xx) + h.at(HttpStatusClass::kOther),
        0u);
    EXPECT_EQ(h.no_response, server_side ? 0u : 1u);
    // The slow location and only it takes ≥ 250 ms.
    EXPECT_EQ(AtLeast250ms(h), n_forms + (server_side ? 1 : 0));
    EXPECT_EQ(h.latency.count(), h.requests - h.no_response);
    for (const auto& w : windows) {
      EXPECT_EQ(w.node, "http-node");
      if (server_side) {
        EXPECT_EQ(w.edge.server.workload, "nginx");
        EXPECT_EQ(w.edge.client.ip, net->client_ip());
      } else {
        EXPECT_EQ(w.edge.client.ip, net->client_ip());
        EXPECT_EQ(w.edge.server.ip, server);
        EXPECT_EQ(w.edge.server.port, kPort);
      }
    }

    // Evidence: every 4xx, 5xx and slow exchange, with its trace id and request id.
    std::set<std::string> edge_keys;
    for (const auto& w : windows) edge_keys.insert(w.edge.Key());
    const auto evidence = sink.Evidence([&](const schema::EvidenceEvent& e) {
      return e.kind == schema::EvidenceKind::kHttpRequest && edge_keys.count(e.edge_key) > 0;
    });
    std::map<std::string, schema::HttpEvidence> by_trace;
    for (const auto& e : evidence) {
      ASSERT_TRUE(e.http.has_value());
      by_trace[e.http->trace_id] = *e.http;
      EXPECT_EQ(e.comm, server_side ? "nginx" : kClientComm);
    }
    size_t expected = 0;
    for (size_t f = 0; f < kForms.size(); ++f) {
      for (size_t i = 0; i < kSteps.size(); ++i) {
        const bool slow = std::string(kSteps[i].path) == "/slow";
        if (kSteps[i].status < 400 && !slow) continue;
        ++expected;
        const unsigned n = TraceNumber(f, i);
        auto it = by_trace.find(testing::TraceIdOf(n));
        ASSERT_NE(it, by_trace.end()) << "no evidence for " << kSteps[i].path << " #" << n;
        EXPECT_EQ(it->second.method, "GET");
        EXPECT_EQ(it->second.status, kSteps[i].status);
        EXPECT_EQ(it->second.x_request_id, "req-" + std::to_string(n));
        EXPECT_EQ(it->second.traceparent, testing::MakeTraceparent(n));
        const std::string path = kSteps[i].path;
        EXPECT_EQ(it->second.path,
                  path == "/users/12345/orders" ? std::string("/users/{id}/orders") : path);
        if (slow) {
          EXPECT_GE(it->second.latency_us, 250'000u);
        }
      }
    }
    // The abandoned request: evidence of no response on the client, slow on the server.
    auto abandoned = by_trace.find(testing::TraceIdOf(999));
    ASSERT_NE(abandoned, by_trace.end());
    EXPECT_EQ(abandoned->second.status, server_side ? 200 : 0);
    EXPECT_EQ(evidence.size(), expected + 1);
  }
}

// The value of a counter the sensor reports on /metrics (summed over label sets matching
// `label`, "" for all).
double Stat(const sensor::Sensor& s, const std::string& name, const std::string& label = "") {
  std::vector<StatSample> samples;
  s.CollectStats(samples);
  double v = 0;
  for (const auto& x : samples) {
    if (x.name != name) continue;
    bool match = label.empty();
    for (const auto& [k, val] : x.labels) match |= val == label;
    if (match) v += x.value;
  }
  return v;
}

bool SendAll(int fd, const std::string& data) {
  return send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

// Reads until the peer closes; returns what came.
std::string ReadToEof(int fd) {
  std::string in;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) in.append(buf, static_cast<size_t>(n));
  return in;
}

TEST(HttpRed, PipeliningHugeHeadersBinaryAndNonHttpAreCountedSafely) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, tracefs, namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  auto nginx = testing::NginxPeer::Start(net->server_ns(), net->server_ip(), kPort, 10, &why);
  ASSERT_NE(nginx, nullptr) << why;

  Sink sink;
  auto s = testing::RunningSensor::Start(HttpSensorConfig(), sink);
  ASSERT_TRUE(s.ok()) << s.error();

  const std::string server = net->server_ip();
  constexpr int kSinkPort = 9099;  // a non-HTTP service in the server namespace
  const pid_t sink_server = ForkInNetns(net->server_ns(), "ew-binary-srv", [] {
    const int l = testing::TcpListen("10.77.0.1", kSinkPort);
    if (l < 0) return 1;
    const int c = accept(l, nullptr, nullptr);
    char buf[512];
    while (recv(c, buf, sizeof buf, 0) > 0) {
      send(c, "\x00\x01", 2, MSG_NOSIGNAL);  // binary acks
    }
    return 0;
  });
  ASSERT_TRUE(WaitFor(
      [&] {
        return NetnsPair::Exec(net->server_ns(), "ss -Hltn 'sport = :" + std::to_string(kSinkPort) +
                                                     "' | grep -q .") == 0;
      },
      5s));

  const pid_t client = ForkInNetns(net->client_ns(), kClientComm, [&] {
    signal(SIGPIPE, SIG_IGN);
    int bad = 0;
    // 1. Three pipelined requests in one write, the last one closing the connection.
    int fd = -1;
    if (testing::TcpConnect(server, kPort, 0, &fd) != 0) return 100;
    bad += !SendAll(fd,
                    "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n"
                    "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n"
                    "GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const std::string answers = ReadToEof(fd);
    bad += answers.find("HTTP/1.1 404") == std::string::npos;
    close(fd);
    // 2. A header section far over the 1 KiB capture; traceparent after the cut.
    if (testing::TcpConnect(server, kPort, 0, &fd) != 0) return 101;
    bool closes = false;
    bad += testing::HttpGet(fd, HttpIo::kSendRecv, "/boom",
                            std::string(3000, 'x') + "\r\nX-Late: y", "", &closes) != 500;
    close(fd);
    // 3. Binary bytes to the HTTP port: nginx answers 400 and closes.
    if (testing::TcpConnect(server, kPort, 0, &fd) != 0) return 102;
    std::string binary(2048, '\0');
    for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>((i * 131 + 7) & 0xff);
    binary[0] = 0x16;
    bad += !SendAll(fd, binary);
    bad += ReadToEof(fd).find("HTTP/1.1 400") == std::string::npos;
    close(fd);
    // 4. A binary protocol on another port: 20 exchanges, never HTTP.
    if (testing::TcpConnect(server, kSinkPort, 0, &fd) != 0) return 103;
    for (int i = 0; i < 20; ++i) {
      char ack[2];
      bad += !SendAll(fd, binary.substr(0, 100));
      bad += recv(fd, ack, sizeof ack, MSG_WAITALL) != 2;
    }
    close(fd);
    return bad;
  });
  ASSERT_EQ(WaitChild(client, 30s), 0);
  EXPECT_EQ(WaitChild(sink_server, 5s), 0);

  auto client_edge = [&](const schema::EdgeWindow& w) {
    return w.http.has_value() && w.edge.side == schema::Side::kClient &&
           w.edge.client.workload == kClientComm;
  };
  auto server_edge = [&](const schema::EdgeWindow& w) {
    return w.http.has_value() && w.edge.side == schema::Side::kServer &&
           w.edge.server.port == kPort;
  };
  EXPECT_TRUE(WaitFor(
      [&] {
        return Total(sink.Windows(client_edge)).requests >= 4 &&
               Total(sink.Windows(server_edge)).requests >= 4 &&
               Stat((*s)->sensor(), "edgewatch_sensor_http_sockets_classified_total", "other") >= 2;
      },
      10s));
  const sensor::Sensor& sensor = (*s)->sensor();
  // Both ends of the binary protocol's connection were given up in the kernel.
  EXPECT_GE(Stat(sensor, "edgewatch_sensor_http_sockets_classified_total", "other"), 2);
  // The 400 to the binary bytes answers no request nginx's client made: unmatched, both ends.
  EXPECT_GE(Stat(sensor, "edgewatch_sensor_http_unmatched_responses_total"), 2);
  EXPECT_GE(Stat(sensor, "edgewatch_sensor_http_parse_errors_total", "capture_gap"), 1);
  (*s)->Stop();
  EXPECT_TRUE(nginx->Stop());

  for (bool server_side : {false, true}) {
    SCOPED_TRACE(server_side ? "server edge" : "client edge");
    const auto windows =
        sink.Windows(server_side ? std::function(server_edge) : std::function(client_edge));
    const schema::HttpCounts h = Total(windows);
    EXPECT_EQ(h.requests, 4u);
    EXPECT_EQ(h.at(HttpStatusClass::k2xx), 2u);
    EXPECT_EQ(h.at(HttpStatusClass::k4xx), 1u);
    EXPECT_EQ(h.at(HttpStatusClass::k5xx), 1u);
    EXPECT_EQ(h.no_response, 0u);
  }
  // The 500 behind the huge header is evidence with its start line; its trace header was cut.
  const auto boom = sink.Evidence(
      [](const schema::EvidenceEvent& e) { return e.http.has_value() && e.http->status == 500; });
  ASSERT_EQ(boom.size(), 2u);  // client and server
  for (const auto& e : boom) {
    EXPECT_EQ(e.http->path, "/boom");
    EXPECT_EQ(e.http->trace_id, "");
  }
  // Nothing was counted on the binary service.
  EXPECT_TRUE(sink.Windows([&](const schema::EdgeWindow& w) {
                    return w.http.has_value() && w.edge.server.port == kSinkPort;
                  })
                  .empty());
}

}  // namespace
}  // namespace edgewatch
