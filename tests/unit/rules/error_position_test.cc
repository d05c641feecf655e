// Where rule-file errors point: file:line:column, both 1-based as compilers and promtool print
// them. The column is the start of the offending value, or of the key for unknown, duplicate and
// misplaced keys; a missing key is reported at the mapping that lacks it. The column rulers in
// the comments count from 1.
#include <gtest/gtest.h>

#include <string>

#include "rules/rule_file_parser.h"
#include "rules/signal.h"
#include "rules/text_position.h"

namespace edgewatch::rules {
namespace {

// The error text of parsing `yaml` as "p.yaml"; "" when it parses.
std::string ErrorOf(const std::string& yaml) {
  auto set = ParseRuleFile(yaml, "p.yaml");
  return set.ok() ? "" : set.error();
}

const std::string kHead = "business_system: p\nrules:\n";  // lines 1 and 2

TEST(TextPosition, Where) {
  EXPECT_EQ(Where("dir/p.yaml", {3, 7}), "dir/p.yaml:3:7");
  EXPECT_LT((TextPosition{3, 7}), (TextPosition{3, 12}));
  EXPECT_LT((TextPosition{3, 70}), (TextPosition{4, 1}));
}

TEST(ErrorPositions, BadValueInAFlowMappingPointsAtTheValue) {
  //          1         2
  // 123456789012345678901234
  //   - {name: A, signal: nope, ...}
  EXPECT_EQ(
      ErrorOf(kHead +
              "  - {name: A, signal: nope, comparison: \">\", threshold: 0, severity: info}\n"),
      "p.yaml:3:23: rules[0].signal: \"nope\" is not a signal; allowed: " + Signal::AllowedNames());
}

TEST(ErrorPositions, BadValuesInBlockStylePointAtTheValues) {
  // A quoted value starts at its quote.
  EXPECT_EQ(ErrorOf(kHead + "  - name: A\n"
                            "    signal: refused\n"
                            "    comparison: \">\"\n"
                            "    threshold: 1.5.2\n"      // value at column 16
                            "    severity: \"warn\"\n"),  // the quote at column 15
            "p.yaml:6:16: rules[0].threshold: \"1.5.2\" is not a finite number\n"
            "p.yaml:7:15: rules[0].severity: \"warn\" is not one of critical, warning, info");
}

TEST(ErrorPositions, AMissingValuePointsAtItsKey) {
  // yaml-cpp places the implicit null of `severity:` at the next token (here: line 7); the error
  // belongs to the key.
  EXPECT_EQ(
      ErrorOf(kHead + "  - name: A\n"
                      "    signal: refused\n"
                      "    comparison: \">\"\n"
                      "    threshold: 0\n"
                      "    severity:\n"
                      "  - {name: B, signal: refused, comparison: \">\", threshold: 0, severity: "
                      "info}\n"),
      "p.yaml:7:5: rules[0].severity: missing value; expected critical, warning or info");
}

TEST(ErrorPositions, UnknownKeysPointAtTheKey) {
  EXPECT_EQ(ErrorOf(kHead + "  - name: A\n"
                            "    signal: refused\n"
                            "    comparison: \">\"\n"
                            "    treshold: 0\n"
                            "    threshold: 0\n"
                            "    severity: info\n"),
            "p.yaml:6:5: rules[0].treshold: unknown key; allowed: name, signal, comparison, "
            "threshold, baseline, for, keep_firing_for, severity, match, labels, annotations");
  //          1         2
  // 123456789012345678901234567
  //     match: {side: client, port: 80}
  EXPECT_EQ(ErrorOf(kHead + "  - name: A\n"
                            "    signal: refused\n"
                            "    comparison: \">\"\n"
                            "    threshold: 0\n"
                            "    severity: info\n"
                            "    match: {side: client, port: 80}\n"),
            "p.yaml:8:27: rules[0].match.port: unknown key; allowed: side, server_port, server_ip, "
            "client_workload, server_workload, client_service, server_service, business_system");
}

TEST(ErrorPositions, DuplicateKeysPointAtTheSecondKey) {
  //          1         2         3         4         5         6         7         8
  // 1234567890123456789012345678901234567890123456789012345678901234567890123456789
  //   - {name: A, signal: refused, comparison: ">", threshold: 0, severity: info, name: B}
  EXPECT_EQ(
      ErrorOf(kHead + "  - {name: A, signal: refused, comparison: \">\", threshold: 0, severity: "
                      "info, name: B}\n"),
      "p.yaml:3:79: rules[0].name: duplicate key");
  EXPECT_EQ(ErrorOf("business_system: p\nrules: []\nbusiness_system: q\n"),
            "p.yaml:3:1: business_system: duplicate key");
}

TEST(ErrorPositions, MissingKeysPointAtTheMappingThatLacksThem) {
  // A block rule: its first key (here indented further than usual).
  EXPECT_EQ(ErrorOf(kHead + "    - name: A\n"
                            "      signal: refused\n"
                            "      comparison: \">\"\n"
                            "      threshold: 0\n"),
            "p.yaml:3:7: rules[0].severity: missing required key");
  // A flow rule: its "{".
  EXPECT_EQ(ErrorOf(kHead + "  - {name: A, signal: refused, comparison: \">\", threshold: 0}\n"),
            "p.yaml:3:5: rules[0].severity: missing required key");
  // The file: its first key, after the comments.
  EXPECT_EQ(ErrorOf("# payments\n\n  business_system: p\n"),
            "p.yaml:3:3: rules: missing required key (a list of rules)");
}

TEST(ErrorPositions, ErrorsOnOneLineAreInColumnOrder) {
  // The baseline's bad sensitivity is found before the comparison that must not be there, and
  // is reported after it: errors are sorted by line, then column.
  //          1         2         3         4         5         6         7
  // 1234567890123456789012345678901234567890123456789012345678901234567890123
  //   - {name: A, signal: refused, comparison: ">", baseline: {sensitivity: 2}, severity: info}
  EXPECT_EQ(ErrorOf(kHead +
                    "  - {name: A, signal: refused, comparison: \">\", baseline: {sensitivity: 2}, "
                    "severity: info}\n"),
            "p.yaml:3:32: rules[0].comparison: a baseline rule learns its threshold; give either "
            "baseline or comparison and threshold\n"
            "p.yaml:3:73: rules[0].baseline.sensitivity: \"2\" is not in (0, 1]; higher pages "
            "less often");
}

TEST(ErrorPositions, YamlSyntaxErrorsPointWhereTheParserGaveUp) {
  //          1
  // 123456789012
  //   - name: A: b
  EXPECT_EQ(ErrorOf(kHead + "  - name: A: b\n"),
            "p.yaml:3:12: YAML syntax error: illegal map value");
  EXPECT_EQ(ErrorOf(kHead + "  - name: [unclosed\n"),
            "p.yaml:4:1: YAML syntax error: end of sequence flow not found");
  // Input yaml-cpp reads as an empty document: the first character that is not blank.
  EXPECT_EQ(ErrorOf("# c\n\n   , x\n"),
            "p.yaml:3:4: YAML syntax error: no document could be read from here on");
  EXPECT_EQ(ErrorOf("business_system: p\nrules: []\n---\nbusiness_system: q\nrules: []\n"),
            "p.yaml:3:1: more than one YAML document; use one file per business system");
}

TEST(ErrorPositions, BadBaselineSubFields) {
  EXPECT_EQ(ErrorOf(kHead + "  - name: A\n"
                            "    signal: refused\n"
                            "    severity: info\n"
                            "    baseline:\n"
                            "      method: ewma\n"
                            "      direction: sideways\n"),  // value at column 18
            "p.yaml:8:18: rules[0].baseline.direction: \"sideways\" is not one of up, down, both");
  //          1         2         3
  // 123456789012345678901234567890
  //     baseline: {method: ewma, window: 5m}
  EXPECT_EQ(ErrorOf(kHead + "  - name: A\n"
                            "    signal: refused\n"
                            "    severity: info\n"
                            "    baseline: {method: ewma, window: 5m}\n"),
            "p.yaml:6:30: rules[0].baseline.window: unknown key; allowed: method, sensitivity, "
            "min_history, seasonality, direction, with");
}

TEST(ErrorPositions, BadMatchSelectors) {
  const std::string rule = kHead +
                           "  - name: A\n"
                           "    signal: refused\n"
                           "    comparison: \">\"\n"
                           "    threshold: 0\n"
                           "    severity: info\n";
  EXPECT_EQ(ErrorOf(rule + "    match:\n"
                           "      side: client\n"
                           "      server_port: 8o80\n"),  // value at column 20
            "p.yaml:10:20: rules[0].match.server_port: \"8o80\" is not a port number 1..65535");
  //          1         2
  // 123456789012345678901234
  //     match: {server_ip: 10.0.0.0/33}
  EXPECT_EQ(ErrorOf(rule + "    match: {server_ip: 10.0.0.0/33}\n"),
            "p.yaml:8:24: rules[0].match.server_ip: \"10.0.0.0/33\": prefix length must be 0..32");
  // Not a mapping at all: the value.
  EXPECT_EQ(ErrorOf(rule + "    match: [client]\n"),
            "p.yaml:8:12: rules[0].match: must be a mapping, e.g. {side: client, server_port: "
            "8080}");
}

TEST(ErrorPositions, RulesKnowWhereTheyStart) {
  auto set = ParseRuleFile(kHead +
                               "  - {name: A, signal: refused, comparison: \">\", threshold: 0, "
                               "severity: info}\n"
                               "  - name: B\n"
                               "    signal: refused\n"
                               "    comparison: \">\"\n"
                               "    threshold: 0\n"
                               "    severity: info\n",
                           "p.yaml");
  ASSERT_TRUE(set.ok()) << set.error();
  ASSERT_EQ(set->rules.size(), 2u);
  EXPECT_EQ(set->rules[0].at, (TextPosition{3, 5}));
  EXPECT_EQ(set->rules[1].at, (TextPosition{4, 5}));
}

}  // namespace
}  // namespace edgewatch::rules
