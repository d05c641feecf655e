#include "detector/rule_test_runner.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "detector/detector.h"
#include "rules/loader.h"

namespace edgewatch::detector {
namespace {

using Values = std::map<std::string, std::vector<std::optional<double>>>;

uint64_t U(double v) { return v <= 0 ? 0 : static_cast<uint64_t>(v); }

// The window of step `i` of a series, or false when the series sends none then.
bool WindowAt(const rules::TestSeries& s, size_t i, int64_t window_ns, schema::EdgeWindow& w) {
  bool any = false;
  w = schema::EdgeWindow{};
  w.node = s.node;
  w.edge = s.edge;
  w.window_start_ns = static_cast<int64_t>(i) * window_ns;
  w.window_end_ns = w.window_start_ns + window_ns;
  schema::DnsCounts dns;
  bool has_dns = false;
  std::optional<double> dns_latency;
  schema::HttpCounts http;
  bool has_http = false;
  std::optional<double> http_latency;
  for (const auto& [name, values] : s.values) {
    if (i >= values.size() || !values[i]) continue;
    any = true;
    const double v = *values[i];
    if (auto c = schema::CounterFromName(name)) {
      w.at(*c) = U(v);
    } else if (name == "snat_suspect") {
      if (v != 0) w.snat_suspect = s.node + "/conntrack/test";
    } else if (name == "connect_latency_us") {
      w.connect_latency = {1, U(v), U(v)};
    } else if (name.starts_with("dns_")) {
      has_dns = true;
      using R = schema::DnsRcodeClass;
      if (name == "dns_latency_us") dns_latency = v;
      if (name == "dns_noerror") dns.rcode(R::kNoError) = U(v);
      if (name == "dns_nxdomain") dns.rcode(R::kNxDomain) = U(v);
      if (name == "dns_servfail") dns.rcode(R::kServFail) = U(v);
      if (name == "dns_refused") dns.rcode(R::kRefused) = U(v);
      if (name == "dns_formerr") dns.rcode(R::kFormErr) = U(v);
      if (name == "dns_timeouts") dns.timeouts = U(v);
    } else if (name.starts_with("http_")) {
      has_http = true;
      using S = schema::HttpStatusClass;
      if (name == "http_latency_us") http_latency = v;
      if (name == "http_2xx") http.at(S::k2xx) = U(v);
      if (name == "http_3xx") http.at(S::k3xx) = U(v);
      if (name == "http_4xx") http.at(S::k4xx) = U(v);
      if (name == "http_5xx") http.at(S::k5xx) = U(v);
      if (name == "http_no_response") http.no_response = U(v);
    }
  }
  if (has_dns) {
    uint64_t answered = 0;
    for (uint64_t n : dns.rcodes) answered += n;
    dns.queries = answered + dns.timeouts;
    for (uint64_t k = 0; dns_latency && k < answered; ++k) dns.latency.Add(U(*dns_latency));
    w.dns = dns;
  }
  if (has_http) {
    uint64_t answered = 0;
    for (uint64_t n : http.status) answered += n;
    http.requests = answered + http.no_response;
    for (uint64_t k = 0; http_latency && k < answered; ++k) http.latency.Add(U(*http_latency));
    w.http = http;
  }
  return any;
}

bool Subset(const std::map<std::string, std::string>& want,
            const std::map<std::string, std::string>& have) {
  return std::all_of(want.begin(), want.end(), [&](const auto& kv) {
    auto it = have.find(kv.first);
    return it != have.end() && it->second == kv.second;
  });
}

std::string Describe(const std::string& rule, const std::map<std::string, std::string>& labels) {
  std::string out = rule + " {";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (k == "alertname") continue;
    out += (first ? "" : ", ") + k + "=\"" + v + "\"";
    first = false;
  }
  return out + "}";
}

std::string Seconds(int64_t ns) {
  std::ostringstream s;
  s << static_cast<double>(ns) / 1e9 << "s";
  return s.str();
}

}  // namespace

RuleTestReport RunRuleTests(const rules::RuleTestFile& file) {
  RuleTestReport report;
  rules::RuleSet set;
  rules::RuleNameIndex names;
  std::string load_errors;
  for (const std::string& path : file.rule_files) {
    auto loaded = rules::LoadRules(path);
    if (!loaded) {
      load_errors += loaded.error() + "\n";
      continue;
    }
    load_errors += names.Add(*loaded);
    set.Append(std::move(*loaded));
  }
  if (!load_errors.empty()) {
    report.failed = 1;
    report.text = "FAILED: " + file.path + ": the rule files do not load:\n" + load_errors;
    return report;
  }
  for (const rules::RuleTestCase& c : file.tests) {
    ++report.cases;
    std::map<std::string, schema::Alert> firing;  // by fingerprint
    DetectorConfig cfg;
    cfg.window_ns = file.window_ns;
    Detector d(set, cfg, [&](const schema::Alert& a) {
      if (a.status == schema::AlertStatus::kFiring) {
        firing[a.fingerprint] = a;
      } else {
        firing.erase(a.fingerprint);
      }
    });
    size_t steps = 0;
    for (const auto& s : c.series) {
      for (const auto& [name, v] : s.values) steps = std::max(steps, v.size());
    }
    std::vector<rules::AlertCheck> checks = c.checks;
    std::stable_sort(checks.begin(), checks.end(),
                     [](const auto& a, const auto& b) { return a.at_ns < b.at_ns; });
    std::string failures;
    size_t step = 0;
    schema::EdgeWindow w;
    for (const rules::AlertCheck& check : checks) {
      // Every window that ends at or before the check time, then the watermark there.
      for (; step < steps && static_cast<int64_t>(step + 1) * file.window_ns <= check.at_ns;
           ++step) {
        for (const auto& s : c.series) {
          if (WindowAt(s, step, file.window_ns, w)) d.OnWindow(w);
        }
        d.AdvanceTo(static_cast<int64_t>(step + 1) * file.window_ns);
      }
      d.AdvanceTo(check.at_ns - check.at_ns % file.window_ns);
      std::vector<const schema::Alert*> unmatched;
      unmatched.reserve(firing.size());
      for (const auto& [fp, a] : firing) unmatched.push_back(&a);
      std::vector<const rules::ExpectedAlert*> missing;
      for (const rules::ExpectedAlert& want : check.firing) {
        auto it = std::find_if(unmatched.begin(), unmatched.end(), [&](const schema::Alert* a) {
          return a->rule == want.rule && Subset(want.labels, a->labels) &&
                 Subset(want.annotations, a->annotations);
        });
        if (it == unmatched.end()) {
          missing.push_back(&want);
        } else {
          unmatched.erase(it);
        }
      }
      if (missing.empty() && unmatched.empty()) continue;
      failures +=
          "    at " + Seconds(check.at_ns) + " (" + rules::Where(file.path, check.at) + "):\n";
      for (const auto* want : missing) {
        failures += "      expected firing, but is not: " + Describe(want->rule, want->labels) +
                    (want->annotations.empty() ? "" : " with the annotations given") + "\n";
      }
      for (const auto* a : unmatched) {
        failures += "      firing, but not expected: " + Describe(a->rule, a->labels) + "\n";
      }
    }
    const std::string title = "\"" + c.name + "\" (" + rules::Where(file.path, c.at) + ")";
    if (failures.empty()) {
      report.text += "  PASS " + title + "\n";
    } else {
      ++report.failed;
      report.text += "  FAIL " + title + "\n" + failures;
    }
  }
  if (report.cases == 0) report.text += "  no test cases in " + file.path + "\n";
  return report;
}

}  // namespace edgewatch::detector
