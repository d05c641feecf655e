// The rule-file model: what LoadRules produces and the detector evaluates. See docs/rules.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/annotation_template.h"
#include "rules/selector.h"
#include "rules/signal.h"
#include "rules/text_position.h"

namespace edgewatch::rules {

enum class Comparison : uint8_t { kGt, kGe, kLt, kLe, kEq, kNe };
std::string_view ComparisonName(Comparison c);  // ">", ">=", ...
std::optional<Comparison> ComparisonFromName(std::string_view name);
bool Compare(Comparison c, double value, double threshold);

// A closed set: it is a metric label (alerts fired per severity) and a routing key.
enum class Severity : uint8_t { kCritical, kWarning, kInfo, kCount_ };
inline constexpr size_t kSeverityCount = static_cast<size_t>(Severity::kCount_);
std::string_view SeverityName(Severity s);
std::optional<Severity> SeverityFromName(std::string_view name);

// Alert labels the detector sets itself; rule files may not set them.
inline constexpr std::string_view kReservedLabels[] = {
    "alertname",
    "severity",
    "business_system",
    "side",
    "client_workload",
    "client_ip",
    "client_container",
    "server",
    "node",
    "client_service",
    "server_service",
    "client_business_system",
    "server_business_system",
};
bool IsReservedLabel(std::string_view name);

struct Annotation {
  std::string name;
  AnnotationTemplate text;
};

// A baseline rule: instead of a fixed threshold, the signal is compared with what this edge
// learned is normal for it (detector/baseline/, docs/baselines.md); the rule holds when the
// anomaly score reaches `sensitivity`.
struct BaselineSpec {
  // "edgewatch" (the combined detector), "ewma", "median_mad", "seasonal", "spot", or "joint"
  // (the rule's signal together with `with`, detector/baseline/joint_baseline.h).
  std::string method = "edgewatch";
  std::vector<Signal> with;  // "joint": 1 to 3 more signals of the edge, viewed with `signal`
  double sensitivity = 0.5;  // anomaly score in (0, 1] at which the rule holds
  int64_t min_history_ns = 600'000'000'000;  // windows learned before the rule can hold
  enum class Seasonality : uint8_t {
    kAuto,
    kNone,
    kDaily,
    kWeekly
  } seasonality = Seasonality::kAuto;
  // Only rises (an increase of failures, latency) are anomalies, not drops; `both` for either.
  enum class Direction : uint8_t { kUp, kDown, kBoth } direction = Direction::kUp;
  bool operator==(const BaselineSpec&) const = default;
};

struct Rule {
  std::string name;  // [A-Za-z_][A-Za-z0-9_]*, unique per business system
  std::string file;  // the file it came from, as given to the loader
  TextPosition at;   // where the rule starts in `file`: its first key, or the "{" of {...}
  std::string business_system;
  Signal signal;
  Comparison comparison = Comparison::kGt;
  double threshold = 0;
  std::optional<BaselineSpec> baseline;  // set: a baseline rule (comparison/threshold unused)
  int64_t for_ns = 0;
  int64_t keep_firing_for_ns = 0;
  Severity severity = Severity::kWarning;
  EdgeSelector match;
  std::map<std::string, std::string> labels;  // file labels overridden by rule labels
  std::vector<Annotation> annotations;        // in file order
  // The rule's YAML as written (canonical dump, positions left out) plus its business system
  // and merged labels: two loads of a file give equal definitions exactly when the rule did
  // not change. Hot reload keeps the state of rules whose definition is unchanged.
  std::string definition;
};

struct RuleFileInfo {
  std::string path;
  std::string business_system;
  std::map<std::string, std::string> cmdb;  // the business system's CMDB tags (owner, tier, …)
  size_t rules = 0;
};

struct RuleSet {
  std::vector<RuleFileInfo> files;  // in load order
  std::vector<Rule> rules;          // every file's rules, in load order

  // Appends `other`'s files and rules.
  void Append(RuleSet other);
};

}  // namespace edgewatch::rules
