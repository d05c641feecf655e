#include "detector/alert_labels.h"

#include <gtest/gtest.h>

#include "rules/loader.h"

namespace edgewatch::detector {
namespace {

rules::Rule OneRule() {
  auto set = rules::ParseRuleFile(R"(business_system: payments
labels: {team: sre}
rules:
  - name: Refused
    signal: refused
    comparison: ">="
    threshold: 2
    severity: warning
    labels: {team: api}
    annotations:
      a: "{{ client_workload }}|{{ client_ip }}|{{ server }}|{{ server_ip }}|{{ server_port }}"
      b: "{{ side }}|{{ value }}|{{ threshold }}|{{ signal }}|{{ rule }}|{{ node }}|{{ business_system }}"
)",
                                  "p.yaml");
  EXPECT_TRUE(set.ok()) << set.error();
  return set.ok() ? set->rules.at(0) : rules::Rule{};
}

TEST(HostPort, BracketsIpv6) {
  using schema::HostPort;
  EXPECT_EQ(HostPort("10.0.0.5", 8080), "10.0.0.5:8080");
  EXPECT_EQ(HostPort("fd00::5", 443), "[fd00::5]:443");
  EXPECT_EQ(HostPort("", 0), ":0");
}

TEST(FormatNumber, ShortestExact) {
  EXPECT_EQ(FormatNumber(3), "3");
  EXPECT_EQ(FormatNumber(0), "0");
  EXPECT_EQ(FormatNumber(0.5), "0.5");
  EXPECT_EQ(FormatNumber(-2), "-2");
  EXPECT_EQ(FormatNumber(12500), "12500");
  EXPECT_EQ(FormatNumber(1e20), "1e+20");
}

TEST(AlertLabels, ServerSideEdgeLeavesEmptyValuesOut) {
  schema::Edge e;
  e.side = schema::Side::kServer;
  e.client.ip = "192.0.2.7";  // remote client: no workload, no container
  e.server.ip = "fd00::5";
  e.server.port = 443;
  e.server.workload = "nginx";  // not part of the identity
  const Labels labels = AlertLabels(OneRule(), e, "");
  EXPECT_EQ(labels, (Labels{{"alertname", "Refused"},
                            {"business_system", "payments"},
                            {"client_ip", "192.0.2.7"},
                            {"server", "[fd00::5]:443"},
                            {"severity", "warning"},
                            {"side", "server"},
                            {"team", "api"}}));
}

TEST(AlertLabels, ClientContainerIsPartOfTheIdentity) {
  schema::Edge e;
  e.client.workload = "curl";
  e.client.ip = "10.9.0.7";
  e.client.container_id = "abc123";
  e.server.ip = "10.0.0.5";
  e.server.port = 8080;
  const Labels labels = AlertLabels(OneRule(), e, "node-1");
  EXPECT_EQ(labels.at("client_container"), "abc123");
  EXPECT_EQ(labels.at("node"), "node-1");
  EXPECT_EQ(labels.at("client_workload"), "curl");
  EXPECT_EQ(labels.size(), 10u);
}

TEST(AlertAnnotations, EveryPlaceholder) {
  schema::Edge e;
  e.client.workload = "curl";
  e.client.ip = "10.9.0.7";
  e.server.ip = "10.0.0.5";
  e.server.port = 8080;
  Evaluation ev;
  ev.active = true;
  ev.value = 2.5;
  ev.threshold = 2;
  const auto a = AlertAnnotations(OneRule(), e, "node-1", ev);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.at("a"), "curl|10.9.0.7|10.0.0.5:8080|10.0.0.5|8080");
  EXPECT_EQ(a.at("b"), "client|2.5|2|refused|Refused|node-1|payments");
}

}  // namespace
}  // namespace edgewatch::detector
