#include "rules/signal.h"

#include <array>
#include <string>

namespace edgewatch::rules {
namespace {

struct Derived {
  std::string_view name;
  Signal::Kind kind;
};

constexpr std::array<Derived, 4> kDerived = {{
    {"failures", Signal::Kind::kFailures},
    {"connect_latency_avg_us", Signal::Kind::kConnectLatencyAvgUs},
    {"connect_latency_max_us", Signal::Kind::kConnectLatencyMaxUs},
    {"snat_suspect", Signal::Kind::kSnatSuspect},
}};

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
  }
  return 0.0;
}

}  // namespace edgewatch::rules
