// An alert as the detector emits it and alerting delivers it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "schema/edge.h"
#include "schema/evidence_event.h"

namespace edgewatch::schema {

inline constexpr std::string_view kAlertSchema = "edgewatch.alert.v1";

enum class AlertStatus : uint8_t { kFiring, kResolved };
const char* AlertStatusName(AlertStatus s);

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
};

}  // namespace edgewatch::schema
