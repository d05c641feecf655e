// Runs rule unit tests (`edgewatch rules test`): each test case feeds its input series, one
// window per step, through a Detector with the file's rules, and compares the alerts firing at
// each check time with the expected ones (as `promtool test rules` does for Prometheus).
#pragma once

#include <string>

#include "rules/rule_test_file.h"

namespace edgewatch::detector {

struct RuleTestReport {
  size_t cases = 0;
  size_t failed = 0;
  std::string text;  // one line per case, plus the details of each failure
  bool ok() const { return failed == 0 && cases > 0; }
};

RuleTestReport RunRuleTests(const rules::RuleTestFile& file);

}  // namespace edgewatch::detector
