// Inputs shared by the detector unit tests: rule sets from YAML text, a client edge and its
// one-second windows.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rules/loader.h"
#include "schema/edge_window.h"

namespace edgewatch::detector::fixtures {

inline constexpr int64_t kS = 1'000'000'000;

// A baseline rule on refused connects that learns for 2 minutes (no seasonality).
inline constexpr const char* kRefusedBaselineRule = R"(business_system: payments
rules:
  - name: RefusedUnusual
    signal: refused
    baseline: {method: edgewatch, sensitivity: 0.5, min_history: 2m, seasonality: none}
    keep_firing_for: 10s
    severity: warning
)";

inline rules::RuleSet Rules(const std::string& yaml) {
  auto set = rules::ParseRuleFile(yaml, "rules/payments.yaml");
  EXPECT_TRUE(set.ok()) << set.error();
  return set.ok() ? *set : rules::RuleSet{};
}

inline schema::Edge ClientEdge(const std::string& workload = "curl", uint16_t port = 8080,
                               const std::string& server_ip = "10.0.0.5") {
  schema::Edge e;
  e.side = schema::Side::kClient;
  e.client.workload = workload;
  e.client.ip = "10.9.0.7";
  e.server.ip = server_ip;
  e.server.port = port;
  return e;
}

// A window [start_s, start_s + 1s) of `edge` on `node` with one connect.
inline schema::EdgeWindow Win(int64_t start_s, uint64_t refused = 0,
                              std::vector<std::string> ids = {},
                              const schema::Edge& edge = ClientEdge(),
                              const std::string& node = "node-1") {
  schema::EdgeWindow w;
  w.node = node;
  w.window_start_ns = start_s * kS;
  w.window_end_ns = (start_s + 1) * kS;
  w.edge = edge;
  w.at(schema::Counter::kRefused) = refused;
  w.at(schema::Counter::kConnects) = 1;
  w.evidence_ids = std::move(ids);
  return w;
}

}  // namespace edgewatch::detector::fixtures
