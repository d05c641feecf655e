// Rule unit-test files (`edgewatch rules test`), modelled on `promtool test rules`: input
// series per edge in promtool's expanding notation, and the alerts expected to be firing at
// given times. Format in docs/rules.md ("Testing rules"). This is the parsed model; the runner
// lives in detector/rule_test_runner.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "rules/text_position.h"
#include "schema/edge.h"

namespace edgewatch::rules {

// Expands promtool's series notation: space-separated items, each `a`, `a+bxN` / `a-bxN`
// (N+1 values a, a±b, …, a±N·b), `axN` (a repeated N+1 times), `_` (no window sent) or `_xN`
// (N windows not sent). nullopt stands for `_`.
Result<std::vector<std::optional<double>>> ExpandSeries(std::string_view text);

struct TestSeries {
  std::string node = "test-node";
  schema::Edge edge;
  std::map<std::string, std::vector<std::optional<double>>> values;  // input name → per window
  TextPosition at;
};

struct ExpectedAlert {
  std::string rule;
  std::map<std::string, std::string> labels;       // each must be on the alert
  std::map<std::string, std::string> annotations;  // each must be on the alert
  TextPosition at;
};

struct AlertCheck {
  int64_t at_ns = 0;                  // from the start of the first window
  std::vector<ExpectedAlert> firing;  // exactly the alerts firing then
  TextPosition at;
};

struct RuleTestCase {
  std::string name;
  std::vector<TestSeries> series;
  std::vector<AlertCheck> checks;
  TextPosition at;
};

struct RuleTestFile {
  std::string path;
  std::vector<std::string> rule_files;  // resolved against the test file's directory
  int64_t window_ns = 1'000'000'000;
  std::vector<RuleTestCase> tests;
};

// The input names a series may set: every counter, and
// snat_suspect (0/1), connect_latency_us, dns_noerror, dns_nxdomain, dns_servfail,
// dns_refused, dns_formerr, dns_timeouts, dns_latency_us, http_2xx, http_3xx, http_4xx,
// http_5xx, http_no_response, http_latency_us.
bool IsSeriesInput(std::string_view name);
std::string SeriesInputNames();

// Reads and parses a test file; every problem as "<file>:<line>:<column>: <key>: <message>".
Result<RuleTestFile> LoadRuleTestFile(const std::string& path);

}  // namespace edgewatch::rules
