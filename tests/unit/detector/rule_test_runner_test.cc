// RunRuleTests (`edgewatch rules test`): where its report points, file:line:column.
#include "detector/rule_test_runner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace edgewatch::detector {
namespace {

// A test file of one case whose check expects an alert that never fires.
rules::RuleTestFile FailingTest(const std::string& rule_file) {
  rules::RuleTestFile file;
  file.path = "t.yaml";
  file.rule_files = {rule_file};
  rules::RuleTestCase c;
  c.name = "never fires";
  c.at = {3, 5};
  rules::TestSeries s;
  s.values["refused"] = {0, 0};
  c.series.push_back(s);
  rules::AlertCheck check;
  check.at_ns = 1'000'000'000;
  check.at = {8, 9};
  check.firing.push_back({.rule = "Refused"});
  c.checks.push_back(check);
  file.tests.push_back(c);
  return file;
}

// Runs FailingTest against a rule file (written as `name`) whose one rule has `signal`.
RuleTestReport RunAgainstRule(const std::string& name, const std::string& signal) {
  const std::string rule_file = ::testing::TempDir() + "/" + name;
  std::ofstream(rule_file) << "business_system: p\nrules:\n"
                              "  - {name: Refused, signal: " +
                                  signal + ", comparison: \">\", threshold: 0, severity: info}\n";
  return RunRuleTests(FailingTest(rule_file));
}

TEST(RuleTestRunner, FailuresNameFileLineAndColumn) {
  const RuleTestReport report = RunAgainstRule("ew_runner_rules.yaml", "refused");
  EXPECT_EQ(report.failed, 1u);
  EXPECT_EQ(report.text,
            "  FAIL \"never fires\" (t.yaml:3:5)\n"
            "    at 1s (t.yaml:8:9):\n"
            "      expected firing, but is not: Refused {}\n");
}

TEST(RuleTestRunner, RuleFilesThatDoNotLoadNameLineAndColumn) {
  //          1         2
  // 12345678901234567890123456789
  //   - {name: Refused, signal: refusd, ...}
  const RuleTestReport report = RunAgainstRule("ew_runner_bad_rules.yaml", "refusd");
  EXPECT_EQ(report.failed, 1u);
  EXPECT_EQ(report.text.substr(0, report.text.find("; allowed")),
            "FAILED: t.yaml: the rule files do not load:\n" + ::testing::TempDir() +
                "/ew_runner_bad_rules.yaml:3:29: rules[0].signal: \"refusd\" is not a signal");
}

}  // namespace
}  // namespace edgewatch::detector
