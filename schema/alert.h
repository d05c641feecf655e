// An alert as the detector emits it and alerting delivers it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/edge.h"
#include "schema/evidence_event.h"

namespace edgewatch::schema {

inline constexpr std::string_view kAlertSchema = "edgewatch.alert.v1";

enum class AlertStatus : uint8_t { kFiring, kResolved };
const char* AlertStatusName(AlertStatus s);

// A symptom alert the correlator attached to a root-cause alert.
struct SymptomRef {
  std::string fingerprint;  // of the symptom alert (rule, edge)
  std::string rule;
  std::string severity;
  std::string node;
  std::string edge;  // the edge's key (Edge::Key())
  std::string business_system;
  std::string signal;
  double value = 0;                   // the signal's value when the symptom started firing
  std::vector<std::string> symptoms;  // what the edge showed: "refused", "snat_suspect", …
  int64_t starts_at_ns = 0;
  int64_t ends_at_ns = 0;  // 0 while firing
  bool operator==(const SymptomRef&) const = default;
};

// What the correlator found (docs/schema.md, "Root-cause alerts").
struct RootCauseInfo {
  std::string cause;  // snat_conflict, dns_resolver_failure, dns_name_missing, endpoint_down, …
  std::vector<std::pair<std::string, std::string>> scope;  // attribute → value, all hold
  uint64_t edge_count = 0;                                 // affected edges (blast radius)
  std::vector<std::string> business_systems;               // of the affected edges, sorted
  std::vector<SymptomRef> symptoms;     // attached symptom alerts (bounded, see truncated)
  uint64_t symptoms_truncated = 0;      // attached symptoms left out of `symptoms`
  uint64_t healthy_edges_in_scope = 0;  // edges in scope without symptoms when localized
  uint64_t conntrack_conflicts = 0;     // insert_failed + drop of the NATs / nodes in scope
  bool operator==(const RootCauseInfo&) const = default;
};

struct Alert {
  std::string fingerprint;  // 16 hex digits, stable for (rule, edge) across restarts
  AlertStatus status = AlertStatus::kFiring;
  std::string rule;       // rule name
  std::string rule_file;  // file the rule came from
  std::string business_system;
  std::string severity;
  std::map<std::string, std::string> labels;       // rule labels + alertname, severity, edge labels
  std::map<std::string, std::string> annotations;  // rule annotations, templated
  std::string node;
  Edge edge;
  std::string signal;      // counter or derived signal the rule compares
  std::string comparison;  // ">", ">=", "<", "<=", "==", "!="
  double threshold = 0;
  double value = 0;  // value at the evaluation that changed the status
  int64_t starts_at_ns = 0;
  int64_t ends_at_ns = 0;                 // 0 while firing
  int64_t window_end_ns = 0;              // end of the window whose evaluation produced this record
  std::vector<std::string> evidence_ids;  // all evidence the firing windows referred to (bounded)
  std::vector<EvidenceEvent> evidence;    // those the detector still held, inline
  // Set on root-cause alerts (JSON "kind": "root_cause"): one alert for many symptom alerts,
  // which are attached here instead of being sent on their own. Unset: a symptom alert of one
  // (rule, edge) (JSON "kind": "symptom").
  std::optional<RootCauseInfo> root_cause;
};

}  // namespace edgewatch::schema
