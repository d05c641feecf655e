// Per-connection matching of HTTP/1.x responses to requests. HTTP/1.1 answers pipelined
// requests in the order they were sent (RFC 9112 §9.3.2), so matching is FIFO; requests still
// unanswered when the connection closes are reported as "no response".
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "common/stats.h"
#include "sensor/http1_parser.h"

namespace edgewatch::sensor {

inline constexpr size_t kMaxPathTemplateBytes = 128;

struct HttpExchange {
  std::string_view method;    // static storage, one of a closed set (KnownHttpMethod)
  std::string path_template;  // TemplatePath of the request-target
  int status = 0;             // 0: no response before the connection closed
  int64_t request_ts_ns = 0;  // first byte of the request
  int64_t latency_ns = 0;     // first byte of the response − first byte of the request
  std::string traceparent;
  std::string x_request_id;

  bool no_response() const { return status == 0; }
};

struct HttpStitcherConfig {
  // Requests awaiting a response, per connection. More means the responses are not seen (the
  // other direction is not captured, or not HTTP): the oldest are dropped.
  size_t max_outstanding = 32;
};

// Shared by every stitcher of a sensor (there is one per connection).
class HttpStitcherStats : public StatsSource {
 public:
  void CollectStats(std::vector<StatSample>& out) const override;

  StatCounter exchanges;            // requests matched with a response
  StatCounter no_response;          // requests without a response at close
  StatCounter unmatched_responses;  // responses without an outstanding request
  StatCounter requests_dropped;     // over max_outstanding
};

class HttpStitcher {
 public:
  // `stats` is shared and must outlive the stitcher.
  HttpStitcher(const HttpStitcherConfig& cfg, HttpStitcherStats* stats);

  // A message parsed in either direction. A response completes the oldest outstanding request
  // and appends the exchange to `out`; a response without one is counted and dropped.
  void Add(HttpMessage msg, std::vector<HttpExchange>& out);

  // The connection closed: each outstanding request is appended with status 0, oldest first.
  void Close(std::vector<HttpExchange>& out);

  size_t outstanding() const { return pending_.size(); }

 private:
  HttpStitcherConfig cfg_;
  HttpStitcherStats* stats_;
  std::deque<HttpExchange> pending_;  // oldest first
};

// The request-target as a low-cardinality route: the path of an absolute-form target, without
// query and fragment; segments that are all digits, UUIDs or ≥ 16 hex digits become "{id}";
// at most kMaxPathTemplateBytes. "/api/users/12345/orders?x=1" → "/api/users/{id}/orders".
// "*" stays "*"; an authority-form target (CONNECT host:port) becomes "{authority}".
std::string TemplatePath(std::string_view target);

// "1xx" ... "5xx"; "none" for 0 (no response); "other" for anything else.
std::string_view HttpStatusClass(int status);

}  // namespace edgewatch::sensor
