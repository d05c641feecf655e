#include "rules/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "rules/check.h"

namespace edgewatch::rules {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int64_t kS = 1'000'000'000;

class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "ew-rules-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The error text of parsing `yaml` as "payments.yaml"; "" when it parses.
std::string ErrorOf(const std::string& yaml) {
  auto set = ParseRuleFile(yaml, "payments.yaml");
  return set.ok() ? "" : set.error();
}

// A valid file whose first rule gets `extra` appended (indented as rule keys, starting line 9).
std::string WithRule(const std::string& extra) {
  return "business_system: payments\n"  // 1
         "rules:\n"                     // 2
         "  - name: ConnectRefused\n"   // 3
         "    signal: refused\n"        // 4
         "    comparison: \">\"\n"      // 5
         "    threshold: 0\n"           // 6
         "    severity: critical\n"     // 7
         "    for: 0s\n" +              // 8
         extra;                         // 9..
}

TEST(ParseRuleFile, FullRule) {
  const std::string yaml = R"(business_system: payments
labels: {team: payments-sre, tier: "1"}
rules:
  - name: ConnectRefused
    signal: refused
    comparison: ">="
    threshold: 2.5
    for: 1m30s
    keep_firing_for: 1m
    severity: critical
    match:
      side: client
      server_port: 8080
      server_ip: 10.0.0.0/8
      client_workload: curl
    labels: {component: api, tier: "0"}
    annotations:
      summary: "Refused from {{ client_workload }} to {{ server }}"
      description: "{{ value }} > {{ threshold }}"
  - name: Failures
    signal: failures
    comparison: "!="
    threshold: -1
    severity: info
)";
  auto set = ParseRuleFile(yaml, "dir/payments.yaml");
  ASSERT_TRUE(set.ok()) << set.error();
  ASSERT_EQ(set->files.size(), 1u);
  EXPECT_EQ(set->files[0].path, "dir/payments.yaml");
  EXPECT_EQ(set->files[0].business_system, "payments");
  EXPECT_EQ(set->files[0].rules, 2u);
  ASSERT_EQ(set->rules.size(), 2u);

  const Rule& r = set->rules[0];
  EXPECT_EQ(r.name, "ConnectRefused");
  EXPECT_EQ(r.file, "dir/payments.yaml");
  EXPECT_EQ(r.at, (TextPosition{4, 5}));
  EXPECT_EQ(r.business_system, "payments");
  EXPECT_EQ(r.signal.kind(), Signal::Kind::kCounter);
  EXPECT_EQ(r.signal.counter(), schema::Counter::kRefused);
  EXPECT_EQ(r.signal.name(), "refused");
  EXPECT_EQ(r.comparison, Comparison::kGe);
  EXPECT_EQ(r.threshold, 2.5);
  EXPECT_EQ(r.for_ns, 90 * kS);
  EXPECT_EQ(r.keep_firing_for_ns, 60 * kS);
  EXPECT_EQ(r.severity, Severity::kCritical);
  ASSERT_TRUE(r.match.side.has_value());
  EXPECT_EQ(*r.match.side, schema::Side::kClient);
  EXPECT_EQ(r.match.server_port, std::optional<uint16_t>(8080));
  ASSERT_TRUE(r.match.server_ip.has_value());
  EXPECT_EQ(r.match.server_ip->text(), "10.0.0.0/8");
  EXPECT_EQ(r.match.client_workload, std::optional<NamePattern>("curl"));
  // File labels, overridden by rule labels.
  const std::map<std::string, std::string> labels = {
      {"component", "api"}, {"team", "payments-sre"}, {"tier", "0"}};
  EXPECT_EQ(r.labels, labels);
  ASSERT_EQ(r.annotations.size(), 2u);
  EXPECT_EQ(r.annotations[0].name, "summary");
  EXPECT_EQ(r.annotations[0].text.text(), "Refused from {{ client_workload }} to {{ server }}");
  EXPECT_EQ(r.annotations[1].name, "description");

  const Rule& f = set->rules[1];
  EXPECT_EQ(f.signal.kind(), Signal::Kind::kFailures);
  EXPECT_EQ(f.comparison, Comparison::kNe);
  EXPECT_EQ(f.threshold, -1);
  EXPECT_EQ(f.for_ns, 0);
  EXPECT_EQ(f.keep_firing_for_ns, 0);
  EXPECT_TRUE(f.match.Empty());
  EXPECT_EQ(f.labels,
            (std::map<std::string, std::string>{{"team", "payments-sre"}, {"tier", "1"}}));
  EXPECT_TRUE(f.annotations.empty());
}

TEST(ParseRuleFile, DerivedSignalsAndAllOperators) {
  for (const char* signal : {"failures", "connect_latency_avg_us", "connect_latency_max_us",
                             "snat_suspect", "syn_retransmits", "resets_received"}) {
    EXPECT_EQ(ErrorOf("business_system: s\nrules:\n  - {name: A, signal: " + std::string(signal) +
                      ", comparison: \">\", threshold: 1, severity: info}\n"),
              "")
        << signal;
  }
  for (const char* op : {">", ">=", "<", "<=", "==", "!="}) {
    EXPECT_EQ(ErrorOf("business_system: s\nrules:\n  - {name: A, signal: refused, comparison: \"" +
                      std::string(op) + "\", threshold: 1, severity: info}\n"),
              "")
        << op;
  }
}

TEST(ParseRuleFile, EmptyRuleListIsValid) {
  auto set = ParseRuleFile("business_system: payments\nrules: []\n", "p.yaml");
  ASSERT_TRUE(set.ok()) << set.error();
  EXPECT_TRUE(set->rules.empty());
  EXPECT_EQ(set->files.size(), 1u);
}

// The example from the brief, verbatim.
TEST(ParseRuleFileErrors, BadComparisonNamesFileLineColumnAndKey) {
  const std::string yaml = R"(business_system: payments
labels: {team: payments-sre}
rules:
  - name: ConnectRefused
    signal: refused
    threshold: 0
    comparison: "=>"
    severity: critical
)";
  EXPECT_EQ(
      ParseRuleFile(yaml, "rules/examples/payments.yaml").error(),
      "rules/examples/payments.yaml:7:17: rules[0].comparison: \"=>\" is not one of > >= < <= "
      "== !=");
}

TEST(ParseRuleFileErrors, UnquotedOperators) {
  // ">" alone starts a YAML folded scalar and arrives empty; ">=" is a YAML syntax error.
  EXPECT_EQ(
      ErrorOf("business_system: p\nrules:\n  - name: A\n    signal: refused\n"
              "    comparison: >\n    threshold: 0\n    severity: info\n"),
      "payments.yaml:5:17: rules[0].comparison: missing value; expected one of > >= < <= == != "
      "(quote it: comparison: \">\")");
  EXPECT_THAT(ErrorOf("business_system: p\nrules:\n  - name: A\n    signal: refused\n"
                      "    comparison: >=\n    threshold: 0\n    severity: info\n"),
              HasSubstr("payments.yaml:5:18: YAML syntax error: "));
  EXPECT_THAT(ErrorOf("business_system: p\nrules:\n  - name: A\n    signal: refused\n"
                      "    comparison: >=\n    threshold: 0\n    severity: info\n"),
              HasSubstr("must be quoted: comparison: \">=\""));
}

TEST(ParseRuleFileErrors, Syntax) {
  EXPECT_THAT(ErrorOf("business_system: p\nrules:\n  - name: [unclosed\n"),
              HasSubstr("payments.yaml:4:1: YAML syntax error: "));
}

// yaml-cpp 0.7's LoadAll loops forever, allocating, on a line starting with "," (yaml-cpp#1040);
// the parser must answer with an error instead.
TEST(ParseRuleFileErrors, MalformedInputThatHangsLoadAll) {
  EXPECT_EQ(ErrorOf(", a: 1\nb: 2\n"),
            "payments.yaml:1:1: YAML syntax error: no document could be read from here on");
  EXPECT_EQ(ErrorOf("# comment\n\n  ,\n"),
            "payments.yaml:3:3: YAML syntax error: no document could be read from here on");
}

TEST(ParseRuleFileErrors, DocumentShape) {
  EXPECT_EQ(ErrorOf(""),
            "payments.yaml:1:1: empty file; expected a mapping with business_system and rules");
  EXPECT_EQ(ErrorOf("# nothing\n"),
            "payments.yaml:1:1: empty file; expected a mapping with business_system and rules");
  EXPECT_EQ(ErrorOf("- a\n- b\n"),
            "payments.yaml:1:1: expected a mapping with business_system, labels and rules");
  EXPECT_EQ(ErrorOf("business_system: p\nrules: []\n---\nbusiness_system: q\nrules: []\n"),
            "payments.yaml:3:1: more than one YAML document; use one file per business system");
}

TEST(ParseRuleFileErrors, MissingTopLevelKeys) {
  EXPECT_EQ(ErrorOf("rules: []\n"),
            "payments.yaml:1:1: business_system: missing required key (the business system this "
            "file's rules belong to)");
  EXPECT_EQ(ErrorOf("business_system: p\n"),
            "payments.yaml:1:1: rules: missing required key (a list of rules)");
  EXPECT_EQ(
      ErrorOf("business_system:\nrules: []\n"),
      "payments.yaml:1:1: business_system: missing value; expected the business system's name");
  EXPECT_EQ(
      ErrorOf("business_system: p\nrules: {a: 1}\n"),
      "payments.yaml:2:8: rules: must be a list of rules (items starting with \"- name: ...\")");
}

TEST(ParseRuleFileErrors, UnknownKeysAtEveryLevel) {
  EXPECT_EQ(ErrorOf("business_system: p\nrule: []\nrules: []\n"),
            "payments.yaml:2:1: rule: unknown key; allowed: business_system, cmdb, labels, rules");
  EXPECT_EQ(ErrorOf(WithRule("    treshold: 1\n")),
            "payments.yaml:9:5: rules[0].treshold: unknown key; allowed: name, signal, comparison, "
            "threshold, baseline, for, keep_firing_for, severity, match, labels, annotations");
  EXPECT_EQ(
      ErrorOf(WithRule("    match:\n      server_prot: 80\n")),
      "payments.yaml:10:7: rules[0].match.server_prot: unknown key; allowed: side, "
      "server_port, server_ip, client_workload, server_workload, client_service, server_service, "
      "business_system");
}

TEST(ParseRuleFileErrors, DuplicateKey) {
  EXPECT_EQ(ErrorOf(WithRule("    severity: warning\n")),
            "payments.yaml:9:5: rules[0].severity: duplicate key");
}

TEST(ParseRuleFileErrors, RuleShapeAndRequiredKeys) {
  EXPECT_EQ(
      ErrorOf("business_system: p\nrules:\n  - just a string\n"),
      "payments.yaml:3:5: rules[0]: each rule must be a mapping with name, signal, comparison, "
      "threshold, severity");
  EXPECT_EQ(
      ErrorOf("business_system: p\nrules:\n  - name: A\n    signal: refused\n"),
      "payments.yaml:3:5: rules[0].comparison: missing required key (or give a baseline: block)\n"
      "payments.yaml:3:5: rules[0].threshold: missing required key (or give a baseline: block)\n"
      "payments.yaml:3:5: rules[0].severity: missing required key");
}

TEST(ParseRuleFileErrors, Names) {
  EXPECT_EQ(ErrorOf("business_system: p\nrules:\n  - {name: 9lives, signal: refused, comparison: "
                    "\">\", threshold: 0, severity: info}\n"),
            "payments.yaml:3:12: rules[0].name: \"9lives\" must match [A-Za-z_][A-Za-z0-9_]*");
  EXPECT_EQ(
      ErrorOf("business_system: p\nrules:\n"
              "  - {name: A, signal: refused, comparison: \">\", threshold: 0, severity: info}\n"
              "  - {name: B, signal: refused, comparison: \">\", threshold: 0, severity: info}\n"
              "  - {name: A, signal: timeout, comparison: \">\", threshold: 0, severity: info}\n"),
      "payments.yaml:5:12: rules[2].name: \"A\" is already used by the rule at line 3, column "
      "5; names must be unique within a file");
}

TEST(ParseRuleFileErrors, Signal) {
  const std::string err = ErrorOf(WithRule("").replace(WithRule("").find("refused"), 7, "refusd"));
  EXPECT_EQ(
      err,
      "payments.yaml:4:13: rules[0].signal: \"refusd\" is not a signal; allowed: connects, "
      "accepts, refused, timeout, reset, unreachable, other_failures, accept_failures, "
      "syn_retransmits, synack_retransmits, data_retransmits, resets_sent, resets_received, "
      "failures, connect_latency_avg_us, connect_latency_max_us, snat_suspect, dns_queries, "
      "dns_nxdomain, dns_servfail, dns_refused, dns_timeouts, dns_errors, dns_latency_p99_us, "
      "http_requests, http_4xx, http_5xx, http_no_response, http_errors, http_error_ratio, "
      "http_latency_p50_us, http_latency_p90_us, http_latency_p99_us");
}

TEST(ParseRuleFileErrors, Threshold) {
  for (const char* bad : {"abc", ".inf", "nan", "1e999", "0x10", "1,5", "[1]"}) {
    std::string yaml = WithRule("");
    yaml.replace(yaml.find("threshold: 0"), 12, std::string("threshold: ") + bad);
    EXPECT_THAT(ErrorOf(yaml), HasSubstr("payments.yaml:6:16: rules[0].threshold: ")) << bad;
  }
  std::string yaml = WithRule("");
  yaml.replace(yaml.find("threshold: 0"), 12, "threshold: abc");
  EXPECT_EQ(ErrorOf(yaml),
            "payments.yaml:6:16: rules[0].threshold: \"abc\" is not a finite number");
}

TEST(ParseRuleFileErrors, Durations) {
  EXPECT_EQ(
      ErrorOf(WithRule("    keep_firing_for: 5 min\n")),
      "payments.yaml:9:22: rules[0].keep_firing_for: \"5 min\" is not a duration (unknown unit "
      "\" min\"); use e.g. 0s, 500ms, 10s, 5m, 1h30m with units ms s m h d w y, largest first");
  std::string yaml = WithRule("");
  yaml.replace(yaml.find("for: 0s"), 7, "for: 10");
  EXPECT_EQ(
      ErrorOf(yaml),
      "payments.yaml:8:10: rules[0].for: \"10\" is not a duration (missing unit); use e.g. 0s, "
      "500ms, 10s, 5m, 1h30m with units ms s m h d w y, largest first");
}

TEST(ParseRuleFileErrors, Severity) {
  std::string yaml = WithRule("");
  yaml.replace(yaml.find("severity: critical"), 18, "severity: page");
  EXPECT_EQ(
      ErrorOf(yaml),
      "payments.yaml:7:15: rules[0].severity: \"page\" is not one of critical, warning, info");
}

TEST(ParseRuleFileErrors, Match) {
  EXPECT_EQ(ErrorOf(WithRule("    match:\n      side: both\n")),
            "payments.yaml:10:13: rules[0].match.side: \"both\" is not one of client, server");
  for (const char* port : {"0", "65536", "http", "-1", "80.5"}) {
    EXPECT_EQ(ErrorOf(WithRule("    match:\n      server_port: " + std::string(port) + "\n")),
              "payments.yaml:10:20: rules[0].match.server_port: \"" + std::string(port) +
                  "\" is not a port number 1..65535")
        << port;
  }
  EXPECT_EQ(ErrorOf(WithRule("    match:\n      server_ip: 10.0.0.0/40\n")),
            "payments.yaml:10:18: rules[0].match.server_ip: \"10.0.0.0/40\": prefix length must be "
            "0..32");
  EXPECT_EQ(ErrorOf(WithRule("    match:\n      server_ip: payments.internal\n")),
            "payments.yaml:10:18: rules[0].match.server_ip: \"payments.internal\" is not a CIDR "
            "prefix or address (e.g. 10.0.0.0/8, 10.1.2.3, fd00::/8)");
  EXPECT_EQ(
      ErrorOf(WithRule("    match: client\n")),
      "payments.yaml:9:12: rules[0].match: must be a mapping, e.g. {side: client, server_port: "
      "8080}");
  EXPECT_EQ(
      ErrorOf(WithRule("    match:\n      client_workload: [a, b]\n")),
      "payments.yaml:10:24: rules[0].match.client_workload: must be a single value, not a list "
      "or mapping; expected a process or workload name, glob or ~regex");
}

TEST(ParseRuleFileErrors, V6SelectorLoads) {
  auto set = ParseRuleFile(WithRule("    match:\n      server_ip: fd00::/8\n"), "p.yaml");
  ASSERT_TRUE(set.ok()) << set.error();
  EXPECT_EQ(set->rules[0].match.server_ip->text(), "fd00::/8");
}

TEST(ParseRuleFileErrors, Labels) {
  EXPECT_EQ(ErrorOf(WithRule("    labels: {severity: page}\n")),
            "payments.yaml:9:14: rules[0].labels.severity: label is set by the detector and cannot "
            "be set in a rule file");
  EXPECT_EQ(
      ErrorOf(WithRule("    labels:\n      team-name: x\n")),
      "payments.yaml:10:7: rules[0].labels.team-name: name must match [A-Za-z_][A-Za-z0-9_]*");
  EXPECT_EQ(ErrorOf(WithRule("    labels:\n      team: {a: b}\n")),
            "payments.yaml:10:13: rules[0].labels.team: must be a single value, not a list or "
            "mapping; expected a label value");
  EXPECT_EQ(ErrorOf(WithRule("    labels: [a]\n")),
            "payments.yaml:9:13: rules[0].labels: must be a mapping of label names to values, e.g. "
            "{team: payments-sre}");
  EXPECT_EQ(
      ErrorOf("business_system: p\nlabels:\n  alertname: x\nrules: []\n"),
      "payments.yaml:3:3: labels.alertname: label is set by the detector and cannot be set in "
      "a rule file");
}

TEST(ParseRuleFileErrors, Annotations) {
  EXPECT_EQ(
      ErrorOf(WithRule("    annotations:\n      summary: \"{{ $value }} refused\"\n")),
      "payments.yaml:10:16: rules[0].annotations.summary: unknown placeholder \"{{ $value }}\"; "
      "allowed: client_workload, client_ip, server, server_ip, server_port, side, value, "
      "threshold, signal, rule, node, business_system, client_service, server_service");
  EXPECT_EQ(ErrorOf(WithRule("    annotations:\n      summary: \"{{ value\"\n")),
            "payments.yaml:10:16: rules[0].annotations.summary: unterminated \"{{\" at offset 0; "
            "placeholders are written {{ name }}");
}

TEST(ParseRuleFileErrors, AllErrorsInPositionOrderAndBounded) {
  // Two mistakes: both reported, in line order.
  EXPECT_EQ(
      ErrorOf("business_system: p\nrules:\n"
              "  - {name: A, signal: nope, comparison: \">\", threshold: 0, severity: info}\n"
              "  - {name: B, signal: refused, comparison: \"=<\", threshold: 0, severity: "
              "info}\n"),
      "payments.yaml:3:23: rules[0].signal: \"nope\" is not a signal; allowed: connects, "
      "accepts, refused, timeout, reset, unreachable, other_failures, accept_failures, "
      "syn_retransmits, synack_retransmits, data_retransmits, resets_sent, resets_received, "
      "failures, connect_latency_avg_us, connect_latency_max_us, snat_suspect, dns_queries, "
      "dns_nxdomain, dns_servfail, dns_refused, dns_timeouts, dns_errors, dns_latency_p99_us, "
      "http_requests, http_4xx, http_5xx, http_no_response, http_errors, http_error_ratio, "
      "http_latency_p50_us, http_latency_p90_us, http_latency_p99_us\n"
      "payments.yaml:4:44: rules[1].comparison: \"=<\" is not one of > >= < <= == !=");
  // 30 bad rules: 20 shown, the rest counted.
  std::string yaml = "business_system: p\nrules:\n";
  for (int i = 0; i < 30; ++i) {
    yaml += "  - {name: R" + std::to_string(i) +
            ", signal: refused, comparison: \">\", threshold: 0, severity: nope}\n";
  }
  const std::string err = ErrorOf(yaml);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 20);
  EXPECT_THAT(err, HasSubstr("payments.yaml:22:75: rules[19].severity"));
  EXPECT_THAT(err, ::testing::EndsWith("\npayments.yaml: ... and 10 more errors"));
}

TEST(LoadRuleFile, RefusesHugeFiles) {
  TempDir dir;
  const std::string path = dir.Write("big.yaml", std::string(5 << 20, '#'));
  auto set = LoadRuleFile(path);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error(), path + ": rule file larger than 4 MiB; split it or check the path");
}

TEST(LoadRuleFile, MissingFile) {
  auto set = LoadRuleFile("/nonexistent/rules.yaml");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error(),
            "/nonexistent/rules.yaml: cannot open rule file: No such file or directory");
}

TEST(LoadRules, DirectoryIsSortedAndFiltered) {
  TempDir dir;
  dir.Write("b.yml",
            "business_system: billing\nrules:\n  - {name: B, signal: refused, "
            "comparison: \">\", threshold: 0, severity: info}\n");
  dir.Write("a.yaml",
            "business_system: payments\nrules:\n  - {name: A, signal: refused, "
            "comparison: \">\", threshold: 0, severity: info}\n");
  dir.Write(".hidden.yaml", "not: [valid");
  dir.Write("README.md", "not a rule file");
  dir.Write("c.yaml.bak", "not: [valid");
  fs::create_directory(dir.path() + "/sub.yaml");  // directories are skipped
  auto set = LoadRules(dir.path());
  ASSERT_TRUE(set.ok()) << set.error();
  ASSERT_EQ(set->files.size(), 2u);
  EXPECT_EQ(set->files[0].path, dir.path() + "/a.yaml");
  EXPECT_EQ(set->files[1].path, dir.path() + "/b.yml");
  ASSERT_EQ(set->rules.size(), 2u);
  EXPECT_EQ(set->rules[0].name, "A");
  EXPECT_EQ(set->rules[0].business_system, "payments");
  EXPECT_EQ(set->rules[1].name, "B");
  EXPECT_EQ(set->rules[1].file, dir.path() + "/b.yml");
}

TEST(LoadRules, SingleFile) {
  TempDir dir;
  const std::string path = dir.Write("p.yaml", "business_system: p\nrules: []\n");
  auto set = LoadRules(path);
  ASSERT_TRUE(set.ok()) << set.error();
  EXPECT_EQ(set->files.size(), 1u);
}

TEST(LoadRules, EmptyOrMissingDirectory) {
  TempDir dir;
  auto empty = LoadRules(dir.path());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error(), dir.path() + ": no rule files (*.yaml, *.yml) in this directory");
  auto missing = LoadRules(dir.path() + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), dir.path() + "/nope: no such rule file or directory");
}

TEST(LoadRules, ErrorsOfEveryFile) {
  TempDir dir;
  dir.Write("a.yaml", "business_system: p\nrules: 3\n");
  dir.Write("b.yaml", "business_system: q\nrules: []\nextra: 1\n");
  auto set = LoadRules(dir.path());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error(), dir.path() +
                             "/a.yaml:2:8: rules: must be a list of rules (items starting "
                             "with \"- name: ...\")\n" +
                             dir.path() +
                             "/b.yaml:3:1: extra: unknown key; allowed: "
                             "business_system, cmdb, labels, rules");
}

TEST(LoadRules, RuleNamesUniquePerBusinessSystemAcrossFiles) {
  TempDir dir;
  const std::string rule =
      "  - {name: A, signal: refused, comparison: \">\", threshold: 0, severity: info}\n";
  dir.Write("1.yaml", "business_system: payments\nrules:\n" + rule);
  dir.Write("2.yaml", "business_system: billing\nrules:\n" + rule);  // other system: fine
  dir.Write("3.yaml",
            "business_system: payments\nrules:\n  - {name: B, signal: refused, "
            "comparison: \">\", threshold: 0, severity: info}\n" +
                rule);
  auto set = LoadRules(dir.path());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error(), dir.path() +
                             "/3.yaml:4:5: name: \"A\" of business system \"payments\" is "
                             "already defined at " +
                             dir.path() + "/1.yaml:3:5");
}

TEST(CheckRules, ReportLikePromtool) {
  TempDir dir;
  dir.Write("a.yaml",
            "business_system: payments\nrules:\n"
            "  - {name: A, signal: refused, comparison: \">\", threshold: 0, severity: critical}\n"
            "  - {name: B, signal: timeout, comparison: \">\", threshold: 0, severity: critical}\n"
            "  - {name: C, signal: reset, comparison: \">\", threshold: 0, severity: info}\n");
  dir.Write("b.yaml",
            "business_system: billing\nrules:\n"
            "  - {name: A, signal: refused, comparison: \"=>\", threshold: 0, severity: info}\n");
  dir.Write("c.yaml",
            "business_system: billing\nrules:\n"
            "  - {name: A, signal: refused, comparison: \">\", threshold: 0, severity: warning}\n");
  const RuleCheckReport report = CheckRules(dir.path());
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.rules(), 4u);
  ASSERT_EQ(report.files.size(), 3u);
  EXPECT_EQ(report.Text(),
            "Checking " + dir.path() +
                "/a.yaml\n"
                "  SUCCESS: 3 rules found (business_system payments: 2 critical, 1 info)\n"
                "Checking " +
                dir.path() +
                "/b.yaml\n"
                "  FAILED:\n" +
                dir.path() +
                "/b.yaml:3:44: rules[0].comparison: \"=>\" is not one of > "
                ">= < <= == !=\n"
                "Checking " +
                dir.path() +
                "/c.yaml\n"
                "  SUCCESS: 1 rule found (business_system billing: 1 warning)\n");
}

TEST(CheckRules, CrossFileDuplicateFailsTheLaterFile) {
  TempDir dir;
  const std::string rule =
      "  - {name: A, signal: refused, comparison: \">\", threshold: 0, severity: info}\n";
  dir.Write("a.yaml", "business_system: p\nrules:\n" + rule);
  dir.Write("b.yaml", "business_system: p\nrules:\n" + rule);
  const RuleCheckReport report = CheckRules(dir.path());
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.files.size(), 2u);
  EXPECT_EQ(report.files[0].error, "");
  EXPECT_EQ(report.files[1].error, dir.path() +
                                       "/b.yaml:3:5: name: \"A\" of business system \"p\" "
                                       "is already defined at " +
                                       dir.path() + "/a.yaml:3:5");
}

TEST(CheckRules, UnusablePath) {
  const RuleCheckReport report = CheckRules("/nonexistent/rules");
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.Text(), "FAILED: /nonexistent/rules: no such rule file or directory\n");
}

// The shipped example is what the README runs: it must load, and its refused rule must fire on
// the first refused connect and keep firing for a minute.
std::string ExamplesDir() {
#ifdef EDGEWATCH_SOURCE_DIR
  return std::string(EDGEWATCH_SOURCE_DIR) + "/rules/examples";
#else
  return (fs::path(__FILE__).parent_path() / "../../../rules/examples").lexically_normal().string();
#endif
}

TEST(Examples, LoadAndRefusedRuleFiresAtOnce) {
  const std::string dir = ExamplesDir();
  if (!fs::exists(dir)) {
    GTEST_SKIP() << "source tree not found at " << dir;
  }
  const RuleCheckReport report = CheckRules(dir);
  EXPECT_TRUE(report.ok()) << report.Text();
  auto set = LoadRules(dir);
  ASSERT_TRUE(set.ok()) << set.error();
  const Rule* refused = nullptr;
  for (const Rule& r : set->rules) {
    if (r.business_system == "payments" && r.name == "ConnectRefused") {
      refused = &r;
    }
  }
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->signal.name(), "refused");
  EXPECT_EQ(refused->comparison, Comparison::kGt);
  EXPECT_EQ(refused->threshold, 0);
  EXPECT_EQ(refused->for_ns, 0);
  EXPECT_EQ(refused->keep_firing_for_ns, 60 * kS);
  EXPECT_EQ(refused->severity, Severity::kCritical);
}

}  // namespace
}  // namespace edgewatch::rules
