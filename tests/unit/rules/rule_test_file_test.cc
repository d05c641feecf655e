// The series notation of rule unit tests (promtool's) and the test-file parser's errors.
#include "rules/rule_test_file.h"

#include <gtest/gtest.h>

#include <fstream>

namespace edgewatch::rules {
namespace {

using V = std::vector<std::optional<double>>;

TEST(ExpandSeries, PromtoolNotation) {
  EXPECT_EQ(*ExpandSeries("1 2 3"), (V{1, 2, 3}));
  EXPECT_EQ(*ExpandSeries("0+2x3"), (V{0, 2, 4, 6}));
  EXPECT_EQ(*ExpandSeries("10-1x2"), (V{10, 9, 8}));
  EXPECT_EQ(*ExpandSeries("5x2"), (V{5, 5, 5}));
  EXPECT_EQ(*ExpandSeries("-3 _ 1.5"), (V{-3, std::nullopt, 1.5}));
  EXPECT_EQ(*ExpandSeries("_x2 7"), (V{std::nullopt, std::nullopt, 7}));
  EXPECT_EQ(*ExpandSeries("1+1x0"), (V{1}));
}

TEST(ExpandSeries, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(ExpandSeries("1 two").error(),
            "\"two\" is not a value: use a, axN, a+bxN, a-bxN, _ or _xN");
  EXPECT_EQ(ExpandSeries("1x-2").error(),
            "\"1x-2\": the count after x must be a whole number (0–1000000)");
  EXPECT_EQ(ExpandSeries("1+2").error(),
            "\"1+2\" is not a value: use a, axN, a+bxN, a-bxN, _ or _xN");
  EXPECT_EQ(ExpandSeries("  ").error(), "empty series");
}

TEST(RuleTestFile, ParsesAndResolvesRuleFilesNextToIt) {
  const std::string path = ::testing::TempDir() + "/ew_rules_test.yaml";
  std::ofstream(path)
      << "rule_files: [payments.yaml, /abs/dns.yaml]\n"
         "window: 500ms\n"
         "tests:\n"
         "  - name: one\n"
         "    edges:\n"
         "      - node: n1\n"
         "        edge: {side: server, server: \"[fd00::1]:443\", server_service: web}\n"
         "        series: {http_5xx: \"1x2\", refused: \"_ 1\"}\n"
         "    alerts:\n"
         "      - at: 1s\n"
         "        firing: [{rule: A, labels: {x: y}}]\n"
         "      - at: 2s\n"
         "        firing: []\n";
  auto f = LoadRuleTestFile(path);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(f->rule_files[0], ::testing::TempDir() + "payments.yaml");
  EXPECT_EQ(f->rule_files[1], "/abs/dns.yaml");
  EXPECT_EQ(f->window_ns, 500'000'000);
  ASSERT_EQ(f->tests.size(), 1u);
  const RuleTestCase& c = f->tests[0];
  ASSERT_EQ(c.series.size(), 1u);
  EXPECT_EQ(c.series[0].node, "n1");
  EXPECT_EQ(c.series[0].edge.side, schema::Side::kServer);
  EXPECT_EQ(c.series[0].edge.server.ip, "fd00::1");
  EXPECT_EQ(c.series[0].edge.server.port, 443);
  EXPECT_EQ(c.series[0].edge.server.service, "web");
  EXPECT_EQ(c.series[0].values.at("refused"), (V{std::nullopt, 1}));
  ASSERT_EQ(c.checks.size(), 2u);
  EXPECT_EQ(c.checks[0].at_ns, 1'000'000'000);
  EXPECT_EQ(c.checks[0].firing[0].labels.at("x"), "y");
  EXPECT_EQ(c.at, (TextPosition{4, 5}));
  EXPECT_EQ(c.series[0].at, (TextPosition{6, 9}));
  EXPECT_EQ(c.checks[0].at, (TextPosition{10, 9}));
  EXPECT_EQ(c.checks[0].firing[0].at, (TextPosition{11, 18}));
  EXPECT_TRUE(c.checks[1].firing.empty());
}

TEST(RuleTestFile, EveryProblemWithItsLineColumnAndKey) {
  const std::string path = ::testing::TempDir() + "/ew_rules_bad_test.yaml";
  std::ofstream(path) << "window: fast\n"
                         "tests:\n"
                         "  - name: one\n"
                         "    edges:\n"
                         "      - edge: {side: up, server: nowhere}\n"
                         "        series: {refusd: \"1\"}\n"
                         "    alerts:\n"
                         "      - firing: [{labels: {a: b}}]\n";
  auto f = LoadRuleTestFile(path);
  ASSERT_FALSE(f.ok());
  const std::string& e = f.error();
  EXPECT_NE(e.find(path + ":1:9: window: must be a positive duration"), std::string::npos) << e;
  EXPECT_NE(e.find(path + ":5:22: tests[0].edges[0].edge.side: must be client or server"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(path + ":5:34: tests[0].edges[0].edge.server: must be ip:port"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(path + ":6:18: tests[0].edges[0].series.refusd: not an input"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(path + ":8:9: tests[0].alerts[0].at: missing"), std::string::npos) << e;
  EXPECT_NE(e.find(path + ":8:18: tests[0].alerts[0].firing[0].rule: missing"), std::string::npos)
      << e;
  EXPECT_NE(e.find(path + ":1:1: rule_files: missing"), std::string::npos) << e;
}

}  // namespace
}  // namespace edgewatch::rules
