// HTTP chunks → per-connection parsers and stitcher → ended exchanges (HttpOutcome) for the
// EdgeAggregator. Sits between HttpSource (the kernel's copies of socket syscall buffers) and
// the aggregator; plain class, so it is testable with synthetic chunks.
//
// Each connection has one Http1Parser per direction and one HttpStitcher. Which end the local
// process is comes from where requests appear: requests it writes make it the client, requests
// it reads make it the server. A connection whose bytes are not HTTP/1.x (after all: TLS,
// HTTP/2, a tunnel after CONNECT or 101) is handed to `ignore`, which tells the kernel to stop
// copying it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/stats.h"
#include "sensor/edge_aggregator.h"
#include "sensor/http1_parser.h"
#include "sensor/http_source.h"
#include "sensor/http_stitcher.h"

namespace edgewatch::sensor {

struct HttpDecoderConfig {
  size_t max_connections = 16384;  // connections followed at once; more are not followed
  // A connection silent this long is forgotten; its requests still waiting count as having
  // had no response.
  int64_t idle_timeout_ns = 300'000'000'000;
  Http1ParserConfig parser;
  HttpStitcherConfig stitcher;
};

class HttpDecoder : public StatsSource {
 public:
  using Sink = std::function<void(const HttpOutcome&)>;
  using ContainerOf = std::function<std::string(uint64_t cgroup_id, uint32_t pid)>;
  using Ignore = std::function<void(uint64_t conn_id)>;

  HttpDecoder(HttpDecoderConfig cfg, Sink sink, ContainerOf container_of = nullptr,
              Ignore ignore = nullptr);
  ~HttpDecoder() override;

  // `clock_offset_ns` turns the chunk's CLOCK_MONOTONIC time into unix time.
  void OnChunk(const HttpChunk& c, int64_t clock_offset_ns);
  // Forgets connections idle since before `now_ns - idle_timeout` (unix time).
  void Expire(int64_t now_ns);

  size_t connections() const { return conns_.size(); }
  const Http1ParserStats& parser_stats() const { return parser_stats_; }
  const HttpStitcherStats& stitcher_stats() const { return stitcher_stats_; }
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  struct Connection;
  Connection* Find(const HttpChunk& c, int64_t clock_offset_ns);
  void Feed(Connection& conn, const HttpChunk& c);
  void Report(Connection& conn, std::vector<HttpExchange>& exchanges, int64_t time_ns);
  void Forget(uint64_t conn_id, Connection& conn, int64_t time_ns);

  HttpDecoderConfig cfg_;
  Sink sink_;
  ContainerOf container_of_;
  Ignore ignore_;
  Http1ParserStats parser_stats_;
  HttpStitcherStats stitcher_stats_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  std::vector<HttpMessage> messages_;
  std::vector<HttpExchange> exchanges_;
  StatCounter connections_opened_;
  StatCounter connections_dropped_;  // over max_connections
  StatCounter connections_expired_;
  StatCounter not_http_;
  StatCounter reused_;
  StatCounter unannounced_;
  std::atomic<size_t> tracked_{0};
};

}  // namespace edgewatch::sensor
