#include "rules/rule_file_parser.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "rules/duration.h"
#include "rules/text_position.h"
#include "rules/yaml_document.h"

namespace edgewatch::rules {
namespace {

constexpr size_t kMaxErrorsPerFile = 20;
constexpr size_t kMaxErrorsKept = 1000;  // a binary file must not build a huge message

constexpr std::array<std::string_view, 4> kFileKeys = {"business_system", "cmdb", "labels",
                                                       "rules"};
constexpr std::array<std::string_view, 11> kRuleKeys = {
    "name",     "signal", "comparison", "threshold",  "baseline", "for", "keep_firing_for",
    "severity", "match",  "labels",     "annotations"};
constexpr std::array<std::string_view, 6> kBaselineKeys = {
    "method", "sensitivity", "min_history", "seasonality", "direction", "with"};
// comparison and threshold are required unless the rule has a baseline block.
constexpr std::array<std::string_view, 5> kRequiredRuleKeys = {"name", "signal", "comparison",
                                                               "threshold", "severity"};
constexpr std::array<std::string_view, 8> kMatchKeys = {
    "side",           "server_port",    "server_ip",      "client_workload", "server_workload",
    "client_service", "server_service", "business_system"};

// One key of a YAML mapping, with where the key and its value start.
struct Entry {
  std::string key;
  TextPosition key_at;
  YAML::Node value;
  TextPosition value_at;  // see ValuePosition
};

std::string Quote(std::string_view s) {
  constexpr size_t kMaxQuoted = 80;
  std::string out = "\"";
  out += s.substr(0, kMaxQuoted);
  if (s.size() > kMaxQuoted) {
    out += "...";
  }
  out += '"';
  return out;
}

std::string Join(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += n;
  }
  return out;
}

bool IsIdentifier(std::string_view s) {
  const auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  return !s.empty() && alpha(s[0]) && std::all_of(s.begin() + 1, s.end(), [&](char c) {
    return alpha(c) || (c >= '0' && c <= '9');
  });
}

bool HasControlChars(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string Child(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

const Entry* Find(const std::vector<Entry>& entries, std::string_view key) {
  for (const Entry& e : entries) {
    if (e.key == key) {
      return &e;
    }
  }
  return nullptr;
}

// Value parsers: the value, or what is wrong with the text (the caller adds the position and
// the key).

Result<std::string> ParseName(const std::string& s) {
  if (IsIdentifier(s)) {
    return s;
  }
  return Err(Quote(s) + " must match [A-Za-z_][A-Za-z0-9_]*");
}

Result<Signal> ParseSignal(const std::string& s) {
  if (auto signal = Signal::FromName(s)) {
    return *signal;
  }
  return Err(Quote(s) + " is not a signal; allowed: " + Signal::AllowedNames());
}

Result<Comparison> ParseComparison(const std::string& s) {
  if (auto c = ComparisonFromName(s)) {
    return *c;
  }
  return Err(Quote(s) + " is not one of > >= < <= == !=");
}

Result<double> ParseThreshold(const std::string& s) {
  double t = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), t);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(t)) {
    return Err(Quote(s) + " is not a finite number");
  }
  return t;
}

Result<Severity> ParseSeverity(const std::string& s) {
  if (auto sev = SeverityFromName(s)) {
    return *sev;
  }
  return Err(Quote(s) + " is not one of critical, warning, info");
}

Result<schema::Side> ParseSide(const std::string& s) {
  if (s == "client") {
    return schema::Side::kClient;
  }
  if (s == "server") {
    return schema::Side::kServer;
  }
  return Err(Quote(s) + " is not one of client, server");
}

Result<uint16_t> ParsePort(const std::string& s) {
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  if (ec != std::errc() || end != s.data() + s.size() || port < 1 || port > 65535) {
    return Err(Quote(s) + " is not a port number 1..65535");
  }
  return static_cast<uint16_t>(port);
}

Result<std::string> ParseLabelValue(const std::string& s) {
  if (HasControlChars(s)) {
    return Err("contains control characters");
  }
  return s;
}

Result<NamePattern> ParseNamePattern(const std::string& s) { return NamePattern::Parse(s); }

Result<NamePattern> ParseIdentityPattern(const std::string& s) {
  auto v = ParseLabelValue(s);
  if (!v) return Err(v.error());
  return NamePattern::Parse(*v);
}

// Parses one file; collects every error instead of stopping at the first.
class FileParser {
 public:
  explicit FileParser(const std::string& path) : path_(path) {}

  Result<RuleSet> Parse(std::string_view text);

 private:
  void Error(TextPosition at, std::string_view key, std::string_view message);
  std::string ErrorText();  // all errors in position order, at most kMaxErrorsPerFile

  // The entries of a mapping; reports non-string keys, duplicates and, when `allowed` is not
  // empty, keys not in it.
  std::vector<Entry> Entries(const YAML::Node& map, const std::string& path,
                             std::span<const std::string_view> allowed);
  // Entries with user-chosen names (labels, annotations), which must be identifiers.
  std::vector<Entry> NamedEntries(const YAML::Node& map, const std::string& path);
  // A non-empty scalar, or an error naming what was expected.
  std::optional<std::string> Scalar(const Entry& e, const std::string& key, std::string_view what);

  // If `name` is among `entries`, parses its scalar with `parse` into `out`, or reports why not.
  template <typename Out, typename Parse>
  void Field(const std::vector<Entry>& entries, const std::string& parent, std::string_view name,
             std::string_view what, Parse parse, Out& out) {
    const Entry* e = Find(entries, name);
    if (e == nullptr) {
      return;
    }
    const std::string key = Child(parent, name);
    if (auto text = Scalar(*e, key, what)) {
      auto value = parse(*text);
      if (value.ok()) {
        out = std::move(*value);
      } else {
        Error(e->value_at, key, value.error());
      }
    }
  }

  std::optional<Rule> ParseRule(const YAML::Node& node, const std::string& key, TextPosition at);
  void ParseRules(const Entry& rules, const RuleFileInfo& info,
                  const std::map<std::string, std::string>& file_labels, RuleSet& out);
  std::map<std::string, std::string> ParseLabels(const Entry& e, const std::string& key);
  void ParseMatch(const Entry& e, const std::string& key, EdgeSelector& out);
  std::optional<BaselineSpec> ParseBaseline(const Entry& e, const std::string& key);
  std::vector<Annotation> ParseAnnotations(const Entry& e, const std::string& key);

  const std::string& path_;
  std::vector<std::pair<TextPosition, std::string>> errors_;  // (position, message)
};

void FileParser::Error(TextPosition at, std::string_view key, std::string_view message) {
  if (errors_.size() >= kMaxErrorsKept) {
    return;
  }
  std::string text = Where(path_, at) + ": ";
  if (!key.empty()) {
    text += key;
    text += ": ";
  }
  text += message;
  errors_.emplace_back(at, std::move(text));
}

std::string FileParser::ErrorText() {
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (size_t i = 0; i < errors_.size() && i < kMaxErrorsPerFile; ++i) {
    if (i != 0) {
      out += '\n';
    }
    out += errors_[i].second;
  }
  if (errors_.size() > kMaxErrorsPerFile) {
    out += "\n" + path_ + ": ... and " + std::to_string(errors_.size() - kMaxErrorsPerFile) +
           " more errors";
  }
  return out;
}

std::vector<Entry> FileParser::Entries(const YAML::Node& map, const std::string& path,
                                       std::span<const std::string_view> allowed) {
  std::vector<Entry> out;
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const TextPosition at = PositionOf(it->first, PositionOf(map));
    if (!it->first.IsScalar()) {
      Error(at, path, "keys must be plain strings");
      continue;
    }
    Entry e{it->first.Scalar(), at, it->second, ValuePosition(it->first, it->second)};
    const std::string key = Child(path, e.key);
    if (!seen.insert(e.key).second) {
      Error(at, key, "duplicate key");
    } else if (!allowed.empty() &&
               std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
      Error(at, key, "unknown key; allowed: " + Join(allowed));
    } else {
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::vector<Entry> FileParser::NamedEntries(const YAML::Node& map, const std::string& path) {
  std::vector<Entry> out;
  for (Entry& e : Entries(map, path, {})) {
    if (IsIdentifier(e.key)) {
      out.push_back(std::move(e));
    } else {
      Error(e.key_at, Child(path, e.key), "name must match [A-Za-z_][A-Za-z0-9_]*");
    }
  }
  return out;
}

std::optional<std::string> FileParser::Scalar(const Entry& e, const std::string& key,
                                              std::string_view what) {
  if (e.value.IsNull() || (e.value.IsScalar() && e.value.Scalar().empty())) {
    Error(e.value_at, key, "missing value; expected " + std::string(what));
    return std::nullopt;
  }
  if (!e.value.IsScalar()) {
    Error(e.value_at, key,
          "must be a single value, not a list or mapping; expected " + std::string(what));
    return std::nullopt;
  }
  return e.value.Scalar();
}

std::map<std::string, std::string> FileParser::ParseLabels(const Entry& e, const std::string& key) {
  std::map<std::string, std::string> out;
  if (e.value.IsNull()) {
    return out;
  }
  if (!e.value.IsMap()) {
    Error(e.value_at, key, "must be a mapping of label names to values, e.g. {team: payments-sre}");
    return out;
  }
  for (const Entry& l : NamedEntries(e.value, key)) {
    if (IsReservedLabel(l.key)) {
      Error(l.key_at, Child(key, l.key),
            "label is set by the detector and cannot be set in a rule file");
      continue;
    }
    std::optional<std::string> value;
    Field({l}, key, l.key, "a label value", ParseLabelValue, value);
    if (value) {
      out.emplace(l.key, std::move(*value));
    }
  }
  return out;
}

void FileParser::ParseMatch(const Entry& e, const std::string& key, EdgeSelector& out) {
  if (e.value.IsNull()) {
    return;
  }
  if (!e.value.IsMap()) {
    Error(e.value_at, key, "must be a mapping, e.g. {side: client, server_port: 8080}");
    return;
  }
  const std::vector<Entry> m = Entries(e.value, key, kMatchKeys);
  Field(m, key, "side", "client or server", ParseSide, out.side);
  Field(m, key, "server_port", "a port number 1..65535", ParsePort, out.server_port);
  Field(m, key, "server_ip", "a CIDR prefix or address, e.g. 10.0.0.0/8", IpPrefix::Parse,
        out.server_ip);
  Field(m, key, "client_workload", "a process or workload name, glob or ~regex", ParseNamePattern,
        out.client_workload);
  Field(m, key, "server_workload", "a process or workload name, glob or ~regex", ParseNamePattern,
        out.server_workload);
  // Names from the sensor's identity file: the same text rules as there (no control characters).
  Field(m, key, "client_service", "a service name from the identity file", ParseIdentityPattern,
        out.client_service);
  Field(m, key, "server_service", "a service name from the identity file", ParseIdentityPattern,
        out.server_service);
  Field(m, key, "business_system", "a business system name from the identity file",
        ParseIdentityPattern, out.business_system);
}

std::optional<BaselineSpec> FileParser::ParseBaseline(const Entry& e, const std::string& key) {
  BaselineSpec spec;
  if (e.value.IsNull()) return spec;  // `baseline:` alone: every default
  if (!e.value.IsMap()) {
    Error(e.value_at, key, "must be a mapping, e.g. {method: edgewatch, sensitivity: 0.5}");
    return std::nullopt;
  }
  const std::vector<Entry> m = Entries(e.value, key, kBaselineKeys);
  Field(
      m, key, "method", "edgewatch, ewma, median_mad, seasonal, spot or joint",
      [](const std::string& v) -> Result<std::string> {
        for (const char* name : {"edgewatch", "ewma", "median_mad", "seasonal", "spot", "joint"}) {
          if (v == name) return v;
        }
        return Err(Quote(v) + " is not one of edgewatch, ewma, median_mad, seasonal, spot, joint");
      },
      spec.method);
  // with: the other signals of a joint baseline.
  const auto with =
      std::find_if(m.begin(), m.end(), [](const Entry& x) { return x.key == "with"; });
  if (with != m.end()) {
    const std::string wkey = Child(key, "with");
    if (spec.method != "joint") {
      Error(with->key_at, wkey, "only for method: joint (the signals viewed together)");
    } else if (!with->value.IsSequence() || with->value.size() < 1 || with->value.size() > 3) {
      Error(with->value_at, wkey,
            "must be a list of 1 to 3 signals, e.g. [http_error_ratio, http_latency_p99_us]");
    } else {
      for (size_t i = 0; i < with->value.size(); ++i) {
        const YAML::Node& n = with->value[i];
        const std::string ikey = wkey + "[" + std::to_string(i) + "]";
        auto sig =
            n.IsScalar() ? ParseSignal(n.Scalar()) : Result<Signal>(Err("must be a signal name"));
        if (sig) {
          spec.with.push_back(*sig);
        } else {
          Error(PositionOf(n, with->value_at), ikey, sig.error());
        }
      }
    }
  } else if (spec.method == "joint") {
    Error(e.value_at, Child(key, "with"),
          "missing required key for method: joint (the signals viewed with the rule's signal, "
          "e.g. [http_error_ratio, http_latency_p99_us])");
  }
  Field(
      m, key, "sensitivity", "a score in (0, 1]",
      [](const std::string& v) -> Result<double> {
        auto x = ParseThreshold(v);
        if (!x) return Err(x.error());
        if (!(*x > 0 && *x <= 1)) {
          return Err(Quote(v) + " is not in (0, 1]; higher pages less often");
        }
        return *x;
      },
      spec.sensitivity);
  Field(m, key, "min_history", "a duration such as 10m", ParseDuration, spec.min_history_ns);
  using S = BaselineSpec::Seasonality;
  Field(
      m, key, "seasonality", "auto, none, daily or weekly",
      [](const std::string& v) -> Result<S> {
        if (v == "auto") return S::kAuto;
        if (v == "none") return S::kNone;
        if (v == "daily") return S::kDaily;
        if (v == "weekly") return S::kWeekly;
        return Err(Quote(v) + " is not one of auto, none, daily, weekly");
      },
      spec.seasonality);
  using D = BaselineSpec::Direction;
  Field(
      m, key, "direction", "up, down or both",
      [](const std::string& v) -> Result<D> {
        if (v == "up") return D::kUp;
        if (v == "down") return D::kDown;
        if (v == "both") return D::kBoth;
        return Err(Quote(v) + " is not one of up, down, both");
      },
      spec.direction);
  return spec;
}

std::vector<Annotation> FileParser::ParseAnnotations(const Entry& e, const std::string& key) {
  std::vector<Annotation> out;
  if (e.value.IsNull()) {
    return out;
  }
  if (!e.value.IsMap()) {
    Error(e.value_at, key, "must be a mapping, e.g. {summary: \"...\", description: \"...\"}");
    return out;
  }
  for (const Entry& a : NamedEntries(e.value, key)) {
    std::optional<AnnotationTemplate> text;
    Field({a}, key, a.key, "a text with optional {{ placeholder }}s", AnnotationTemplate::Parse,
          text);
    if (text) {
      out.push_back({a.key, std::move(*text)});
    }
  }
  return out;
}

std::optional<Rule> FileParser::ParseRule(const YAML::Node& node, const std::string& key,
                                          TextPosition at) {
  if (!node.IsMap()) {
    Error(at, key,
          "each rule must be a mapping with name, signal, comparison, threshold, severity");
    return std::nullopt;
  }
  const size_t errors_before = errors_.size();
  const std::vector<Entry> entries = Entries(node, key, kRuleKeys);
  // Missing required keys are reported at the rule (its first key, or the "{" of a flow mapping).
  const bool has_baseline = Find(entries, "baseline") != nullptr;
  for (std::string_view required : kRequiredRuleKeys) {
    const bool learned = required == "comparison" || required == "threshold";
    if (learned && has_baseline) continue;
    if (Find(entries, required) == nullptr) {
      Error(at, Child(key, required),
            learned ? "missing required key (or give a baseline: block)" : "missing required key");
    }
  }
  Rule rule;
  rule.file = path_;
  rule.at = at;
  Field(entries, key, "name", "an alert name", ParseName, rule.name);
  Field(entries, key, "signal", "a signal name", ParseSignal, rule.signal);
  // An unquoted `>` is a YAML folded-block marker and arrives as an empty value.
  Field(entries, key, "comparison", "one of > >= < <= == != (quote it: comparison: \">\")",
        ParseComparison, rule.comparison);
  Field(entries, key, "threshold", "a number", ParseThreshold, rule.threshold);
  if (const Entry* b = Find(entries, "baseline")) {
    rule.baseline = ParseBaseline(*b, Child(key, "baseline"));
    for (std::string_view k : {"comparison", "threshold"}) {
      if (const Entry* e = Find(entries, k)) {
        Error(e->key_at, Child(key, k),
              "a baseline rule learns its threshold; give either baseline or comparison and "
              "threshold");
      }
    }
  }
  Field(entries, key, "for", "a duration such as 0s, 30s, 5m", ParseDuration, rule.for_ns);
  Field(entries, key, "keep_firing_for", "a duration such as 0s, 30s, 5m", ParseDuration,
        rule.keep_firing_for_ns);
  Field(entries, key, "severity", "critical, warning or info", ParseSeverity, rule.severity);
  if (const Entry* e = Find(entries, "match")) {
    ParseMatch(*e, Child(key, "match"), rule.match);
  }
  if (const Entry* e = Find(entries, "labels")) {
    rule.labels = ParseLabels(*e, Child(key, "labels"));
  }
  if (const Entry* e = Find(entries, "annotations")) {
    rule.annotations = ParseAnnotations(*e, Child(key, "annotations"));
  }
  if (errors_.size() != errors_before) {
    return std::nullopt;
  }
  return rule;
}

void FileParser::ParseRules(const Entry& rules, const RuleFileInfo& info,
                            const std::map<std::string, std::string>& file_labels, RuleSet& out) {
  if (rules.value.IsNull()) {
    return;
  }
  if (!rules.value.IsSequence()) {
    Error(rules.value_at, "rules", "must be a list of rules (items starting with \"- name: ...\")");
    return;
  }
  std::map<std::string, TextPosition> names;  // name → rule position, for duplicates
  for (size_t i = 0; i < rules.value.size(); ++i) {
    const YAML::Node item = rules.value[i];
    const std::string key = "rules[" + std::to_string(i) + "]";
    const TextPosition at = PositionOf(item, rules.value_at);
    std::optional<Rule> rule = ParseRule(item, key, at);
    if (!rule) {
      continue;
    }
    if (auto [it, inserted] = names.emplace(rule->name, at); !inserted) {
      Error(PositionOf(item["name"], at), key + ".name",
            Quote(rule->name) + " is already used by the rule at line " +
                std::to_string(it->second.line) + ", column " + std::to_string(it->second.column) +
                "; names must be unique within a file");
      continue;
    }
    rule->business_system = info.business_system;
    std::map<std::string, std::string> labels = file_labels;
    for (auto& [k, v] : rule->labels) {
      labels[k] = v;  // rule labels override file labels
    }
    rule->labels = std::move(labels);
    rule->definition = YAML::Dump(item) + "\n# business_system: " + rule->business_system;
    for (const auto& [k, v] : rule->labels) rule->definition += "\n# label " + k + "=" + v;
    out.rules.push_back(std::move(*rule));
  }
}

Result<RuleSet> FileParser::Parse(std::string_view text) {
  YamlDocument doc = LoadSingleYamlDocument(text);
  if (!doc.ok()) {
    Error(doc.error_at, "", doc.error);
    return Err(ErrorText());
  }
  const YAML::Node& root = doc.root;
  if (root.IsNull()) {
    Error({1, 1}, "", "empty file; expected a mapping with business_system and rules");
    return Err(ErrorText());
  }
  if (!root.IsMap()) {
    Error(PositionOf(root), "", "expected a mapping with business_system, labels and rules");
    return Err(ErrorText());
  }

  const std::vector<Entry> entries = Entries(root, "", kFileKeys);
  RuleFileInfo info;
  info.path = path_;
  if (Find(entries, "business_system") == nullptr) {
    Error(PositionOf(root), "business_system",
          "missing required key (the business system this file's rules belong to)");
  }
  Field(entries, "", "business_system", "the business system's name", ParseLabelValue,
        info.business_system);
  // CMDB tags (owner, tier, oncall, …) are labels of every alert of the file, under the
  // file's and the rules' own labels.
  std::map<std::string, std::string> file_labels;
  if (const Entry* e = Find(entries, "cmdb")) {
    info.cmdb = ParseLabels(*e, "cmdb");
    file_labels = info.cmdb;
  }
  if (const Entry* e = Find(entries, "labels")) {
    for (auto& [k, v] : ParseLabels(*e, "labels")) file_labels[k] = v;
  }
  RuleSet set;
  if (const Entry* rules = Find(entries, "rules")) {
    ParseRules(*rules, info, file_labels, set);
  } else {
    Error(PositionOf(root), "rules", "missing required key (a list of rules)");
  }
  if (!errors_.empty()) {
    return Err(ErrorText());
  }
  info.rules = set.rules.size();
  set.files.push_back(std::move(info));
  return set;
}

}  // namespace

Result<RuleSet> ParseRuleFile(std::string_view yaml, const std::string& path) {
  FileParser parser(path);
  try {
    return parser.Parse(yaml);
  } catch (const YAML::Exception& e) {
    // Parse checks node types before every access, so this is not expected; but a rule file is
    // input, and input must not take the process down.
    return Err(Where(path, PositionOf(e.mark)) + ": cannot parse: " + e.msg);
  }
}

}  // namespace edgewatch::rules
