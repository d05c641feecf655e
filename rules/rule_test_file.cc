#include "rules/rule_test_file.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules/duration.h"
#include "rules/yaml_document.h"
#include "schema/edge_window.h"

namespace edgewatch::rules {
namespace {

constexpr std::string_view kDerivedInputs[] = {
    "snat_suspect", "connect_latency_us", "dns_noerror",  "dns_nxdomain",     "dns_servfail",
    "dns_refused",  "dns_formerr",        "dns_timeouts", "dns_latency_us",   "http_2xx",
    "http_3xx",     "http_4xx",           "http_5xx",     "http_no_response", "http_latency_us"};

std::optional<double> Number(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

class TestFileParser {
 public:
  explicit TestFileParser(std::string path) : path_(std::move(path)) {}

  Result<RuleTestFile> Parse(std::string_view text) {
    RuleTestFile out;
    out.path = path_;
    YamlDocument doc = LoadSingleYamlDocument(text);
    if (!doc.ok()) return Err(Where(path_, doc.error_at) + ": " + doc.error);
    if (!doc.root.IsMap()) {
      return Err(Where(path_, PositionOf(doc.root)) +
                 ": the file must be a mapping (rule_files, tests)");
    }
    for (const auto& kv : doc.root) {
      const std::string key = kv.first.as<std::string>("");
      const YAML::Node& v = kv.second;
      if (key == "rule_files") {
        if (!v.IsSequence()) {
          Error(ValuePosition(kv.first, v), key, "must be a list of rule files or directories");
          continue;
        }
        const std::filesystem::path base = std::filesystem::path(path_).parent_path();
        for (const auto& f : v) {
          const std::string name = f.as<std::string>("");
          out.rule_files.push_back(std::filesystem::path(name).is_absolute()
                                       ? name
                                       : (base / name).lexically_normal().string());
        }
      } else if (key == "window") {
        auto d = ParseDuration(v.as<std::string>(""));
        if (!d || *d <= 0) {
          Error(ValuePosition(kv.first, v), key, "must be a positive duration such as 1s");
        } else {
          out.window_ns = *d;
        }
      } else if (key == "tests") {
        if (!v.IsSequence()) {
          Error(ValuePosition(kv.first, v), key, "must be a list of test cases");
          continue;
        }
        for (size_t i = 0; i < v.size(); ++i) {
          out.tests.push_back(ParseCase(v[i], "tests[" + std::to_string(i) + "]", out.window_ns));
        }
      } else {
        Error(PositionOf(kv.first), key, "unknown key; allowed: rule_files, window, tests");
      }
    }
    if (out.rule_files.empty()) {
      Error(PositionOf(doc.root), "rule_files", "missing: name the rule files");
    }
    if (!errors_.empty()) return Err(errors_);
    return out;
  }

 private:
  void Error(TextPosition at, const std::string& key, const std::string& what) {
    if (!errors_.empty()) errors_ += "\n";
    errors_ += Where(path_, at) + ": " + key + ": " + what;
  }
  // Where a test case, series or check starts; {0, 0} when yaml-cpp has no position for it.
  static TextPosition At(const YAML::Node& n) { return PositionOf(n, TextPosition{}); }

  RuleTestCase ParseCase(const YAML::Node& n, const std::string& key, int64_t window_ns) {
    RuleTestCase c;
    c.at = At(n);
    if (!n.IsMap()) {
      Error(PositionOf(n), key, "must be a mapping (name, edges, alerts)");
      return c;
    }
    for (const auto& kv : n) {
      const std::string k = kv.first.as<std::string>("");
      const std::string at = key + "." + k;
      if (k == "name") {
        c.name = kv.second.as<std::string>("");
      } else if (k == "edges" && kv.second.IsSequence()) {
        for (size_t i = 0; i < kv.second.size(); ++i) {
          c.series.push_back(ParseSeries(kv.second[i], at + "[" + std::to_string(i) + "]"));
        }
      } else if (k == "alerts" && kv.second.IsSequence()) {
        for (size_t i = 0; i < kv.second.size(); ++i) {
          c.checks.push_back(ParseCheck(kv.second[i], at + "[" + std::to_string(i) + "]"));
        }
      } else if (k == "edges" || k == "alerts") {
        Error(ValuePosition(kv.first, kv.second), at, "must be a list");
      } else {
        Error(PositionOf(kv.first), at, "unknown key; allowed: name, edges, alerts");
      }
    }
    (void)window_ns;
    return c;
  }

  TestSeries ParseSeries(const YAML::Node& n, const std::string& key) {
    TestSeries s;
    s.at = At(n);
    if (!n.IsMap()) {
      Error(PositionOf(n), key, "must be a mapping (edge, node, series)");
      return s;
    }
    bool have_edge = false;
    for (const auto& kv : n) {
      const std::string k = kv.first.as<std::string>("");
      const std::string at = key + "." + k;
      if (k == "node") {
        s.node = kv.second.as<std::string>("");
      } else if (k == "edge") {
        have_edge = true;
        ParseEdge(kv.second, ValuePosition(kv.first, kv.second), at, s.edge);
      } else if (k == "series" && kv.second.IsMap()) {
        for (const auto& sv : kv.second) {
          const std::string name = sv.first.as<std::string>("");
          if (!IsSeriesInput(name)) {
            Error(PositionOf(sv.first), at + "." + name,
                  "not an input; allowed: " + SeriesInputNames());
            continue;
          }
          auto values = ExpandSeries(sv.second.as<std::string>(""));
          if (!values) {
            Error(ValuePosition(sv.first, sv.second), at + "." + name, values.error());
            continue;
          }
          s.values[name] = std::move(*values);
        }
      } else {
        Error(PositionOf(kv.first), at,
              k == "series" ? "must map input names to series"
                            : "unknown key; allowed: edge, node, series");
      }
    }
    if (!have_edge) {
      Error(PositionOf(n), key + ".edge",
            "missing: give the edge (side, client_workload, server, …)");
    }
    return s;
  }

  // `value_at`: where the edge's value starts (see ValuePosition).
  bool ParseEdge(const YAML::Node& n, TextPosition value_at, const std::string& key,
                 schema::Edge& e) {
    if (!n.IsMap()) {
      Error(value_at, key, "must be a mapping");
      return false;
    }
    bool ok = true;
    for (const auto& kv : n) {
      const std::string k = kv.first.as<std::string>("");
      const std::string v = kv.second.as<std::string>("");
      if (k == "side") {
        if (v != "client" && v != "server") {
          Error(ValuePosition(kv.first, kv.second), key + ".side", "must be client or server");
          ok = false;
        }
        e.side = v == "server" ? schema::Side::kServer : schema::Side::kClient;
      } else if (k == "server") {
        const size_t colon = v.rfind(':');
        uint16_t port = 0;
        auto [p, ec] = colon == std::string::npos
                           ? std::from_chars_result{v.data(), std::errc::invalid_argument}
                           : std::from_chars(v.data() + colon + 1, v.data() + v.size(), port);
        if (ec != std::errc() || p != v.data() + v.size()) {
          Error(ValuePosition(kv.first, kv.second), key + ".server",
                "must be ip:port, e.g. 10.0.0.5:8080");
          ok = false;
          continue;
        }
        std::string ip = v.substr(0, colon);
        if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']')
          ip = ip.substr(1, ip.size() - 2);
        e.server.ip = ip;
        e.server.port = port;
      } else if (k == "client_workload") {
        e.client.workload = v;
      } else if (k == "client_ip") {
        e.client.ip = v;
      } else if (k == "client_container") {
        e.client.container_id = v;
      } else if (k == "server_workload") {
        e.server.workload = v;
      } else if (k == "protocol") {
        e.protocol = v;
      } else if (k == "client_service") {
        e.client.service = v;
      } else if (k == "server_service") {
        e.server.service = v;
      } else if (k == "client_business_system") {
        e.client.business_system = v;
      } else if (k == "server_business_system") {
        e.server.business_system = v;
      } else {
        Error(PositionOf(kv.first), key + "." + k,
              "unknown key; allowed: side, client_workload, client_ip, client_container, server, "
              "server_workload, protocol, client_service, server_service, "
              "client_business_system, server_business_system");
        ok = false;
      }
    }
    return ok;
  }

  AlertCheck ParseCheck(const YAML::Node& n, const std::string& key) {
    AlertCheck c;
    c.at = At(n);
    if (!n.IsMap()) {
      Error(PositionOf(n), key, "must be a mapping (at, firing)");
      return c;
    }
    bool have_at = false;
    for (const auto& kv : n) {
      const std::string k = kv.first.as<std::string>("");
      if (k == "at") {
        auto d = ParseDuration(kv.second.as<std::string>(""));
        if (!d || *d < 0) {
          Error(ValuePosition(kv.first, kv.second), key + ".at",
                "must be a duration from the start, such as 10s");
        } else {
          c.at_ns = *d;
          have_at = true;
        }
      } else if (k == "firing" && (kv.second.IsSequence() || kv.second.IsNull())) {
        for (size_t i = 0; kv.second.IsSequence() && i < kv.second.size(); ++i) {
          c.firing.push_back(
              ParseExpected(kv.second[i], key + ".firing[" + std::to_string(i) + "]"));
        }
      } else {
        Error(PositionOf(kv.first), key + "." + k,
              k == "firing" ? "must be a list of alerts ([] for none)"
                            : "unknown key; allowed: at, firing");
      }
    }
    if (!have_at) Error(PositionOf(n), key + ".at", "missing: when to check, e.g. at: 10s");
    return c;
  }

  ExpectedAlert ParseExpected(const YAML::Node& n, const std::string& key) {
    ExpectedAlert a;
    a.at = At(n);
    if (!n.IsMap()) {
      Error(PositionOf(n), key, "must be a mapping (rule, labels, annotations)");
      return a;
    }
    for (const auto& kv : n) {
      const std::string k = kv.first.as<std::string>("");
      if (k == "rule") {
        a.rule = kv.second.as<std::string>("");
      } else if ((k == "labels" || k == "annotations") && kv.second.IsMap()) {
        auto& out = k == "labels" ? a.labels : a.annotations;
        for (const auto& lv : kv.second)
          out[lv.first.as<std::string>("")] = lv.second.as<std::string>("");
      } else {
        Error(PositionOf(kv.first), key + "." + k,
              "unknown key or not a mapping; allowed: rule, labels, annotations");
      }
    }
    if (a.rule.empty()) Error(PositionOf(n), key + ".rule", "missing: the rule's name");
    return a;
  }

  std::string path_;
  std::string errors_;
};

}  // namespace

Result<std::vector<std::optional<double>>> ExpandSeries(std::string_view text) {
  std::vector<std::optional<double>> out;
  std::istringstream in{std::string(text)};
  std::string item;
  while (in >> item) {
    const size_t x = item.find('x');
    std::string_view head = item;
    int64_t n = 0;
    if (x != std::string::npos) {
      head = std::string_view(item).substr(0, x);
      std::string_view count = std::string_view(item).substr(x + 1);
      auto [p, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
      if (ec != std::errc() || p != count.data() + count.size() || n < 0 || n > 1'000'000) {
        return Err("\"" + item + "\": the count after x must be a whole number (0–1000000)");
      }
    }
    if (head == "_") {
      for (int64_t i = 0; i < (x == std::string::npos ? 1 : n); ++i) out.push_back(std::nullopt);
      continue;
    }
    // a, a+b or a-b (the sign after the first character, so that "-3" is a number).
    const size_t op = head.find_first_of("+-", 1);
    auto a = Number(head.substr(0, op));
    std::optional<double> b = 0.0;
    if (op != std::string_view::npos) {
      b = Number(head.substr(op + 1));
      if (b && head[op] == '-') *b = -*b;
    }
    if (!a || !b || (op != std::string_view::npos && x == std::string::npos)) {
      return Err("\"" + item + "\" is not a value: use a, axN, a+bxN, a-bxN, _ or _xN");
    }
    for (int64_t i = 0; i <= (x == std::string::npos ? 0 : n); ++i) {
      out.push_back(*a + static_cast<double>(i) * *b);
    }
  }
  if (out.empty()) return Err("empty series");
  return out;
}

bool IsSeriesInput(std::string_view name) {
  if (schema::CounterFromName(name)) return true;
  for (std::string_view d : kDerivedInputs) {
    if (d == name) return true;
  }
  return false;
}

std::string SeriesInputNames() {
  std::string out;
  for (size_t i = 0; i < schema::kCounterCount; ++i) {
    out += schema::CounterName(static_cast<schema::Counter>(i));
    out += ", ";
  }
  for (std::string_view d : kDerivedInputs) {
    out += d;
    if (d != kDerivedInputs[std::size(kDerivedInputs) - 1]) out += ", ";
  }
  return out;
}

Result<RuleTestFile> LoadRuleTestFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Err(path + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  return TestFileParser(path).Parse(text.str());
}

}  // namespace edgewatch::rules
