#include "rules/signal.h"

#include <array>
#include <string>

namespace edgewatch::rules {
namespace {

struct Derived {
  std::string_view name;
  Signal::Kind kind;
};

constexpr std::array<Derived, 20> kDerived = {{
    {"failures", Signal::Kind::kFailures},
    {"connect_latency_avg_us", Signal::Kind::kConnectLatencyAvgUs},
    {"connect_latency_max_us", Signal::Kind::kConnectLatencyMaxUs},
    {"snat_suspect", Signal::Kind::kSnatSuspect},
    {"dns_queries", Signal::Kind::kDnsQueries},
    {"dns_nxdomain", Signal::Kind::kDnsNxDomain},
    {"dns_servfail", Signal::Kind::kDnsServFail},
    {"dns_refused", Signal::Kind::kDnsRefused},
    {"dns_timeouts", Signal::Kind::kDnsTimeouts},
    {"dns_errors", Signal::Kind::kDnsErrors},
    {"dns_latency_p99_us", Signal::Kind::kDnsLatencyP99Us},
    {"http_requests", Signal::Kind::kHttpRequests},
    {"http_4xx", Signal::Kind::kHttp4xx},
    {"http_5xx", Signal::Kind::kHttp5xx},
    {"http_no_response", Signal::Kind::kHttpNoResponse},
    {"http_errors", Signal::Kind::kHttpErrors},
    {"http_error_ratio", Signal::Kind::kHttpErrorRatio},
    {"http_latency_p50_us", Signal::Kind::kHttpLatencyP50Us},
    {"http_latency_p90_us", Signal::Kind::kHttpLatencyP90Us},
    {"http_latency_p99_us", Signal::Kind::kHttpLatencyP99Us},
}};

double DnsValue(Signal::Kind kind, const schema::DnsCounts& d) {
  using R = schema::DnsRcodeClass;
  switch (kind) {
    case Signal::Kind::kDnsQueries:
      return static_cast<double>(d.queries);
    case Signal::Kind::kDnsNxDomain:
      return static_cast<double>(d.rcode(R::kNxDomain));
    case Signal::Kind::kDnsServFail:
      return static_cast<double>(d.rcode(R::kServFail));
    case Signal::Kind::kDnsRefused:
      return static_cast<double>(d.rcode(R::kRefused));
    case Signal::Kind::kDnsTimeouts:
      return static_cast<double>(d.timeouts);
    case Signal::Kind::kDnsErrors:
      return static_cast<double>(d.rcode(R::kServFail) + d.rcode(R::kRefused) +
                                 d.rcode(R::kFormErr) + d.rcode(R::kOther) + d.timeouts);
    case Signal::Kind::kDnsLatencyP99Us:
      return d.latency.Quantile(0.99);
    default:
      return 0.0;
  }
}

double HttpValue(Signal::Kind kind, const schema::HttpCounts& h) {
  using S = schema::HttpStatusClass;
  const auto errors = static_cast<double>(h.at(S::k5xx) + h.no_response);
  switch (kind) {
    case Signal::Kind::kHttpRequests:
      return static_cast<double>(h.requests);
    case Signal::Kind::kHttp4xx:
      return static_cast<double>(h.at(S::k4xx));
    case Signal::Kind::kHttp5xx:
      return static_cast<double>(h.at(S::k5xx));
    case Signal::Kind::kHttpNoResponse:
      return static_cast<double>(h.no_response);
    case Signal::Kind::kHttpErrors:
      return errors;
    case Signal::Kind::kHttpErrorRatio:
      return h.requests == 0 ? 0.0 : errors / static_cast<double>(h.requests);
    case Signal::Kind::kHttpLatencyP50Us:
      return h.latency.Quantile(0.5);
    case Signal::Kind::kHttpLatencyP90Us:
      return h.latency.Quantile(0.9);
    case Signal::Kind::kHttpLatencyP99Us:
      return h.latency.Quantile(0.99);
    default:
      return 0.0;
  }
}

}  // namespace

std::optional<Signal> Signal::FromName(std::string_view name) {
  Signal s;
  if (auto c = schema::CounterFromName(name)) {
    s.kind_ = Kind::kCounter;
    s.counter_ = *c;
    return s;
  }
  for (const Derived& d : kDerived) {
    if (d.name == name) {
      s.kind_ = d.kind;
      return s;
    }
  }
  return std::nullopt;
}

std::string Signal::AllowedNames() {
  std::string out;
  for (size_t i = 0; i < schema::kCounterCount; ++i) {
    out += schema::CounterName(static_cast<schema::Counter>(i));
    out += ", ";
  }
  for (size_t i = 0; i < kDerived.size(); ++i) {
    out += kDerived[i].name;
    if (i + 1 < kDerived.size()) {
      out += ", ";
    }
  }
  return out;
}

std::string_view Signal::name() const {
  if (kind_ == Kind::kCounter) {
    return schema::CounterName(counter_);
  }
  for (const Derived& d : kDerived) {
    if (d.kind == kind_) {
      return d.name;
    }
  }
  return "unknown";
}

double Signal::ValueOf(const schema::EdgeWindow& w) const {
  switch (kind_) {
    case Kind::kCounter:
      return static_cast<double>(w.at(counter_));
    case Kind::kFailures:
      return static_cast<double>(w.Failures());
    case Kind::kConnectLatencyAvgUs:
      return w.connect_latency.count == 0 ? 0.0
                                          : static_cast<double>(w.connect_latency.sum_us) /
                                                static_cast<double>(w.connect_latency.count);
    case Kind::kConnectLatencyMaxUs:
      return static_cast<double>(w.connect_latency.max_us);
    case Kind::kSnatSuspect:
      return w.snat_suspect.empty() ? 0.0 : 1.0;
    case Kind::kDnsQueries:
    case Kind::kDnsNxDomain:
    case Kind::kDnsServFail:
    case Kind::kDnsRefused:
    case Kind::kDnsTimeouts:
    case Kind::kDnsErrors:
    case Kind::kDnsLatencyP99Us:
      return w.dns ? DnsValue(kind_, *w.dns) : 0.0;
    case Kind::kHttpRequests:
    case Kind::kHttp4xx:
    case Kind::kHttp5xx:
    case Kind::kHttpNoResponse:
    case Kind::kHttpErrors:
    case Kind::kHttpErrorRatio:
    case Kind::kHttpLatencyP50Us:
    case Kind::kHttpLatencyP90Us:
    case Kind::kHttpLatencyP99Us:
      return w.http ? HttpValue(kind_, *w.http) : 0.0;
  }
  return 0.0;
}

}  // namespace edgewatch::rules
