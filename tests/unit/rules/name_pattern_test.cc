// Name selectors: exact, glob and ~regex, and their errors in rule files.
#include "rules/name_pattern.h"

#include <gtest/gtest.h>

#include "rules/loader.h"

namespace edgewatch::rules {
namespace {

TEST(NamePattern, ExactGlobAndRegex) {
  auto exact = NamePattern::Parse("checkout");
  ASSERT_TRUE(exact.ok());
  EXPECT_TRUE(exact->Matches("checkout"));
  EXPECT_FALSE(exact->Matches("checkout-v2"));
  auto glob = NamePattern::Parse("payments-*");
  ASSERT_TRUE(glob.ok());
  EXPECT_TRUE(glob->Matches("payments-api"));
  EXPECT_TRUE(glob->Matches("payments-"));
  EXPECT_FALSE(glob->Matches("pay-api"));
  EXPECT_TRUE(NamePattern::Parse("db-[0-9]")->Matches("db-7"));
  EXPECT_FALSE(NamePattern::Parse("db-?")->Matches("db-10"));
  auto re = NamePattern::Parse("~(checkout|cart)-v[0-9]+");
  ASSERT_TRUE(re.ok());
  EXPECT_TRUE(re->Matches("cart-v12"));
  EXPECT_FALSE(re->Matches("xcart-v12")) << "the whole name must match";
  EXPECT_FALSE(re->Matches("cart-v"));
}

TEST(NamePattern, BadPatternsAreRuleFileErrors) {
  auto set = ParseRuleFile(R"(business_system: p
rules:
  - name: A
    signal: refused
    comparison: ">"
    threshold: 0
    severity: info
    match: {client_workload: "~(unclosed", server_workload: "db-[0-9"}
)",
                           "p.yaml");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().find("p.yaml:8:30: rules[0].match.client_workload: \"~(unclosed\" is not a "
                             "valid regular expression"),
            std::string::npos)
      << set.error();
  EXPECT_NE(
      set.error().find("p.yaml:8:61: rules[0].match.server_workload: \"db-[0-9\": unbalanced"),
      std::string::npos)
      << set.error();
}

TEST(NamePattern, SelectorsUseThem) {
  auto set = ParseRuleFile(R"(business_system: p
rules:
  - name: A
    signal: refused
    comparison: ">"
    threshold: 0
    severity: info
    match: {client_workload: "checkout-*", server_workload: "~postgres|mysql", business_system: "pay*"}
)",
                           "p.yaml");
  ASSERT_TRUE(set.ok()) << set.error();
  const EdgeSelector& m = set->rules[0].match;
  schema::Edge e;
  e.client.workload = "checkout-7";
  e.server.workload = "mysql";
  e.server.business_system = "payments";
  EXPECT_TRUE(m.Matches(e));
  e.server.business_system = "";
  EXPECT_FALSE(m.Matches(e)) << "an unmapped end has no business system to match";
  e.client.business_system = "payroll";
  EXPECT_TRUE(m.Matches(e));
  e.server.workload = "mysqld";
  EXPECT_FALSE(m.Matches(e));
}

}  // namespace
}  // namespace edgewatch::rules
