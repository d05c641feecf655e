// What a rule compares: one counter of an EdgeWindow, or a value derived from a window.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "schema/edge_window.h"

namespace edgewatch::rules {

class Signal {
 public:
  enum class Kind : uint8_t {
    kCounter,              // counts[counter]
    kFailures,             // EdgeWindow::Failures()
    kConnectLatencyAvgUs,  // connect_latency.sum_us / count; 0 when the window had no connect
    kConnectLatencyMaxUs,  // connect_latency.max_us
    kSnatSuspect,          // 1 when the window is marked SNAT-suspect, else 0
    kDnsQueries,           // dns.queries
    kDnsNxDomain,          // dns.rcodes.nxdomain
    kDnsServFail,          // dns.rcodes.servfail
    kDnsRefused,           // dns.rcodes.refused
    kDnsTimeouts,          // dns.timeouts
    kDnsErrors,            // servfail + refused + formerr + other rcodes + timeouts
    kDnsLatencyP99Us,      // dns.latency_us p99 estimate
    kHttpRequests,         // http.requests
    kHttp4xx,              // http.status.4xx
    kHttp5xx,              // http.status.5xx
    kHttpNoResponse,       // http.no_response
    kHttpErrors,           // 5xx + no_response
    kHttpErrorRatio,       // (5xx + no_response) / requests; 0 without requests
    kHttpLatencyP50Us,     // http.latency_us quantile estimates
    kHttpLatencyP90Us,
    kHttpLatencyP99Us,
  };

  // A counter name ("refused", "syn_retransmits", ...) or a derived name ("failures",
  // "connect_latency_avg_us", "connect_latency_max_us", "snat_suspect"); nullopt for anything
  // else.
  static std::optional<Signal> FromName(std::string_view name);
  // Every accepted name, comma-separated, for error messages.
  static std::string AllowedNames();

  Kind kind() const { return kind_; }
  schema::Counter counter() const { return counter_; }  // meaningful for kCounter only
  std::string_view name() const;

  double ValueOf(const schema::EdgeWindow& w) const;
  bool operator==(const Signal&) const = default;

 private:
  Kind kind_ = Kind::kCounter;
  schema::Counter counter_ = schema::Counter::kConnects;
};

}  // namespace edgewatch::rules
