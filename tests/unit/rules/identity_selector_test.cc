// Selectors and placeholders on identity-file names: client_service, server_service and
// business_system (docs/rules.md "Selectors", docs/identity.md).
#include <gtest/gtest.h>

#include <string>

#include "rules/loader.h"
#include "rules/selector.h"

namespace edgewatch::rules {
namespace {

schema::Edge MappedEdge() {
  schema::Edge e;
  e.side = schema::Side::kClient;
  e.client.ip = "10.0.0.1";
  e.client.workload = "curl";
  e.client.service = "checkout-web";
  e.client.business_system = "shop";
  e.server.ip = "10.0.0.2";
  e.server.port = 8443;
  e.server.service = "payments-api";
  e.server.business_system = "payments";
  return e;
}

TEST(IdentitySelector, ExactMatchOnEachEnd) {
  const schema::Edge e = MappedEdge();
  EdgeSelector s;
  s.client_service = "checkout-web";
  EXPECT_FALSE(s.Empty());
  EXPECT_TRUE(s.Matches(e));
  s.client_service = "checkout";  // exact, not a prefix
  EXPECT_FALSE(s.Matches(e));
  s = {};
  s.server_service = "payments-api";
  EXPECT_TRUE(s.Matches(e));
  s.server_service = "checkout-web";  // the client's name does not match the server end
  EXPECT_FALSE(s.Matches(e));
  s = {};
  s.server_service = "payments-api";
  s.client_service = "checkout-web";
  s.side = schema::Side::kServer;  // every given key must match
  EXPECT_FALSE(s.Matches(e));
}

TEST(IdentitySelector, BusinessSystemMatchesEitherEnd) {
  const schema::Edge e = MappedEdge();
  EdgeSelector s;
  s.business_system = "payments";
  EXPECT_TRUE(s.Matches(e));
  s.business_system = "shop";
  EXPECT_TRUE(s.Matches(e));
  s.business_system = "finance";
  EXPECT_FALSE(s.Matches(e));
}

TEST(IdentitySelector, UnmappedEndsNeverMatch) {
  schema::Edge e = MappedEdge();
  e.client.service.clear();
  e.client.business_system.clear();
  e.server.service.clear();
  e.server.business_system.clear();
  EdgeSelector s;
  for (auto field : {&EdgeSelector::client_service, &EdgeSelector::server_service,
                     &EdgeSelector::business_system}) {
    s = {};
    s.*field = "payments-api";
    EXPECT_FALSE(s.Matches(e));
  }
}

std::string RuleWithMatch(const std::string& match) {
  return "business_system: payments\n"  // 1
         "rules:\n"                     // 2
         "  - name: ConnectRefused\n"   // 3
         "    signal: refused\n"        // 4
         "    comparison: \">\"\n"      // 5
         "    threshold: 0\n"           // 6
         "    severity: critical\n"     // 7
         "    match:\n" +               // 8
         match +                        // 9..
         "    annotations:\n"
         "      summary: \"{{ client_service }} -> {{ server_service }}\"\n";
}

TEST(IdentitySelector, ParsedFromRuleFiles) {
  auto set = ParseRuleFile(RuleWithMatch("      client_service: checkout-web\n"
                                         "      server_service: payments-api\n"
                                         "      business_system: payments\n"),
                           "p.yaml");
  ASSERT_TRUE(set.ok()) << set.error();
  const EdgeSelector& m = set->rules[0].match;
  EXPECT_EQ(m.client_service, std::optional<std::string>("checkout-web"));
  EXPECT_EQ(m.server_service, std::optional<std::string>("payments-api"));
  EXPECT_EQ(m.business_system, std::optional<std::string>("payments"));
  EXPECT_TRUE(m.Matches(MappedEdge()));
  TemplateValues values{};
  values[static_cast<size_t>(Placeholder::kClientService)] = "checkout-web";
  values[static_cast<size_t>(Placeholder::kServerService)] = "payments-api";
  EXPECT_EQ(set->rules[0].annotations[0].text.Render(values), "checkout-web -> payments-api");
}

TEST(IdentitySelector, ErrorsNameFileLineColumnAndKey) {
  auto error = [](const std::string& match) {
    auto set = ParseRuleFile(RuleWithMatch(match), "p.yaml");
    return set.ok() ? std::string() : set.error();
  };
  EXPECT_EQ(error("      client_service: [a, b]\n"),
            "p.yaml:9:23: rules[0].match.client_service: must be a single value, not a list or "
            "mapping; expected a service name from the identity file");
  EXPECT_EQ(error("      server_service:\n"),
            "p.yaml:9:7: rules[0].match.server_service: missing value; expected a service name "
            "from the identity file");
  EXPECT_EQ(error("      side: client\n      business_system: {a: b}\n"),
            "p.yaml:10:24: rules[0].match.business_system: must be a single value, not a list or "
            "mapping; expected a business system name from the identity file");
  EXPECT_EQ(error("      server_service: \"pay\\tments\"\n"),
            "p.yaml:9:23: rules[0].match.server_service: contains control characters");
  EXPECT_EQ(error("      server_servise: payments-api\n"),
            "p.yaml:9:7: rules[0].match.server_servise: unknown key; allowed: side, server_port, "
            "server_ip, client_workload, server_workload, client_service, server_service, "
            "business_system");
}

TEST(IdentitySelector, MappedLabelsAreReserved) {
  for (const char* name :
       {"client_service", "server_service", "client_business_system", "server_business_system"}) {
    auto set = ParseRuleFile(
        RuleWithMatch("      side: client\n") + "    labels: {" + std::string(name) + ": x}\n",
        "p.yaml");
    ASSERT_FALSE(set.ok()) << name;
    EXPECT_NE(set.error().find("label is set by the detector"), std::string::npos) << set.error();
  }
}

}  // namespace
}  // namespace edgewatch::rules
