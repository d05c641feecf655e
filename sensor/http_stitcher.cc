#include "sensor/http_stitcher.h"

#include <algorithm>
#include <utility>

namespace edgewatch::sensor {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

// A segment that names one resource among many (an id), not a route.
bool IsIdSegment(std::string_view s) {
  if (s.empty()) return false;
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return true;
  return IsUuid(s) || (s.size() >= 16 && std::all_of(s.begin(), s.end(), IsHex));
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

}  // namespace

void HttpStitcherStats::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_http_exchanges_total",
                        "HTTP/1.x requests matched with their response.", exchanges.Get()));
  out.push_back(Counter("edgewatch_sensor_http_no_response_total",
                        "HTTP/1.x requests without a response when their connection closed.",
                        no_response.Get()));
  out.push_back(Counter("edgewatch_sensor_http_unmatched_responses_total",
                        "HTTP/1.x responses without an outstanding request (request not seen); "
                        "dropped.",
                        unmatched_responses.Get()));
  out.push_back(Counter("edgewatch_sensor_http_requests_dropped_total",
                        "HTTP/1.x requests dropped over the per-connection cap of requests "
                        "awaiting a response.",
                        requests_dropped.Get()));
}

HttpStitcher::HttpStitcher(const HttpStitcherConfig& cfg, HttpStitcherStats* stats)
    : cfg_(cfg), stats_(stats) {}

void HttpStitcher::Add(HttpMessage msg, std::vector<HttpExchange>& out) {
  if (msg.kind == HttpMessageKind::kRequest) {
    if (cfg_.max_outstanding == 0) {
      stats_->requests_dropped.Add();
      return;
    }
    if (pending_.size() >= cfg_.max_outstanding) {
      pending_.pop_front();
      stats_->requests_dropped.Add();
    }
    HttpExchange& x = pending_.emplace_back();
    x.method = msg.method;
    x.path_template = TemplatePath(msg.path);
    x.request_ts_ns = msg.ts_ns;
    x.traceparent = std::move(msg.traceparent);
    x.x_request_id = std::move(msg.x_request_id);
    return;
  }
  if (pending_.empty()) {
    stats_->unmatched_responses.Add();
    return;
  }
  HttpExchange& x = out.emplace_back(std::move(pending_.front()));
  pending_.pop_front();
  x.status = msg.status;
  // Events from different CPUs can be stamped slightly out of order.
  x.latency_ns = std::max<int64_t>(0, msg.ts_ns - x.request_ts_ns);
  stats_->exchanges.Add();
}

void HttpStitcher::Close(std::vector<HttpExchange>& out) {
  stats_->no_response.Add(pending_.size());
  for (HttpExchange& x : pending_) out.push_back(std::move(x));
  pending_.clear();
}

std::string TemplatePath(std::string_view target) {
  if (target == "*") return "*";
  if (StartsWithIgnoreCase(target, "http://") || StartsWithIgnoreCase(target, "https://")) {
    // absolute-form (requests to a proxy): the path after the authority.
    target.remove_prefix(target.find("://") + 3);
    size_t path = target.find_first_of("/?#");
    target = path == std::string_view::npos || target[path] != '/' ? "/" : target.substr(path);
  } else if (!target.starts_with('/')) {
    return "{authority}";
  }
  target = target.substr(0, target.find_first_of("?#"));
  std::string out;
  out.reserve(std::min(target.size(), kMaxPathTemplateBytes));
  while (out.size() < kMaxPathTemplateBytes) {
    size_t slash = target.find('/', 1);
    std::string_view segment =
        target.substr(1, slash == std::string_view::npos ? slash : slash - 1);
    out += '/';
    out.append(IsIdSegment(segment) ? "{id}" : segment);
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash);
  }
  if (out.size() > kMaxPathTemplateBytes) out.resize(kMaxPathTemplateBytes);
  return out;
}

std::string_view HttpStatusClass(int status) {
  static constexpr std::string_view kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  if (status == 0) return "none";
  if (status < 100 || status > 599) return "other";
  return kClasses[status / 100 - 1];
}

}  // namespace edgewatch::sensor
