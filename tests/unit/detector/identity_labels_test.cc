// Identity-file names on alerts: labels, their precedence, placeholders, and rules that select
// by service while the sensor's mapping changes (docs/identity.md "Alerts").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detector/alert_labels.h"
#include "detector/detector.h"
#include "detector/fingerprint.h"
#include "tests/unit/detector/detector_fixtures.h"

namespace edgewatch::detector {
namespace {

using schema::Alert;
using schema::AlertStatus;
using namespace fixtures;

schema::Edge MappedEdge() {
  schema::Edge e = ClientEdge();
  e.client.service = "checkout-web";
  e.client.business_system = "shop";
  e.client.tags = {{"owner", "team-shop"}, {"tier", "2"}};
  e.server.service = "payments-api";
  e.server.business_system = "payments-core";
  e.server.tags = {{"1st", "x"},           // not a label name: left out
                   {"__meta", "x"},        // reserved by Prometheus: left out
                   {"node", "cmdb-node"},  // a detector label: never overridden
                   {"oncall", "pay-oncall"},
                   {"owner", "team-pay"},
                   {"team", "cmdb-team"},  // the rule file's label wins
                   {"tier", "1"}};
  return e;
}

rules::Rule OneRule(const std::string& match = "", const std::string& annotations = "") {
  return Rules(
             "business_system: payments\n"
             "labels: {team: payments-sre}\n"
             "rules:\n"
             "  - name: Refused\n"
             "    signal: refused\n"
             "    comparison: \">\"\n"
             "    threshold: 0\n"
             "    severity: critical\n" +
             match + annotations)
      .rules.at(0);
}

TEST(IdentityLabels, MappedNamesAndServerTags) {
  const Labels labels = AlertLabels(OneRule(), MappedEdge(), "node-1");
  EXPECT_EQ(labels, (Labels{{"alertname", "Refused"},
                            {"business_system", "payments"},  // the rule file's, not the CMDB's
                            {"client_business_system", "shop"},
                            {"client_ip", "10.9.0.7"},
                            {"client_service", "checkout-web"},
                            {"client_workload", "curl"},
                            {"node", "node-1"},
                            {"oncall", "pay-oncall"},
                            {"owner", "team-pay"},
                            {"server", "10.0.0.5:8080"},
                            {"server_business_system", "payments-core"},
                            {"server_service", "payments-api"},
                            {"severity", "critical"},
                            {"side", "client"},
                            {"team", "payments-sre"},
                            {"tier", "1"}}));
}

TEST(IdentityLabels, ClientTagsWhenTheServerIsUnmapped) {
  schema::Edge e = MappedEdge();
  e.server.service.clear();
  e.server.business_system.clear();
  e.server.tags.clear();
  const Labels labels = AlertLabels(OneRule(), e, "node-1");
  EXPECT_EQ(labels.at("owner"), "team-shop");
  EXPECT_EQ(labels.at("tier"), "2");
  EXPECT_EQ(labels.count("server_service"), 0u);
  EXPECT_EQ(labels.count("server_business_system"), 0u);
  EXPECT_EQ(labels.at("client_service"), "checkout-web");
}

TEST(IdentityLabels, UnmappedEdgeHasNoIdentityLabels) {
  const Labels labels = AlertLabels(OneRule(), ClientEdge(), "node-1");
  for (const char* name : {"client_service", "server_service", "client_business_system",
                           "server_business_system", "owner", "tier"}) {
    EXPECT_EQ(labels.count(name), 0u) << name;
  }
  EXPECT_EQ(labels.size(), 9u);
}

TEST(IdentityLabels, Placeholders) {
  const rules::Rule rule =
      OneRule("", "    annotations:\n      s: \"{{ client_service }} -> {{ server_service }}\"\n");
  Evaluation ev;
  ev.active = true;
  EXPECT_EQ(AlertAnnotations(rule, MappedEdge(), "n", ev).at("s"), "checkout-web -> payments-api");
  EXPECT_EQ(AlertAnnotations(rule, ClientEdge(), "n", ev).at("s"), " -> ");
}

// The sensor reloads its identity file: the same edge (same key) comes with other names.
TEST(IdentityDetector, RulesFollowTheMappingOfAnEdge) {
  std::vector<Alert> alerts;
  Detector d(Rules("business_system: payments\n"
                   "rules:\n"
                   "  - name: Refused\n"
                   "    signal: refused\n"
                   "    comparison: \">\"\n"
                   "    threshold: 0\n"
                   "    severity: critical\n"
                   "    match: {server_service: payments-api}\n"
                   "  - name: AnyRefused\n"
                   "    signal: refused\n"
                   "    comparison: \">\"\n"
                   "    threshold: 0\n"
                   "    severity: warning\n"),
             {}, [&](const Alert& a) { alerts.push_back(a); });
  schema::Edge unmapped = ClientEdge();
  schema::Edge mapped = MappedEdge();
  ASSERT_EQ(unmapped.Key(), mapped.Key());

  d.OnWindow(Win(100, 1, {}, unmapped));  // only AnyRefused selects the unmapped edge
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "AnyRefused");
  EXPECT_EQ(alerts[0].labels.count("server_service"), 0u);

  d.OnWindow(Win(101, 1, {}, mapped));  // now mapped: Refused selects it and fires
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].rule, "Refused");
  EXPECT_EQ(alerts[1].labels.at("server_service"), "payments-api");
  EXPECT_EQ(alerts[1].edge.server.service, "payments-api");
  EXPECT_EQ(d.edges(), 1u);

  // Unmapped again while Refused fires: it goes on until it resolves, with the labels it fired
  // with (same fingerprint), and then no longer selects the edge.
  d.OnWindow(Win(102, 0, {}, unmapped));
  ASSERT_EQ(alerts.size(), 4u);
  for (const Alert& a : {alerts[2], alerts[3]}) {
    EXPECT_EQ(a.status, AlertStatus::kResolved);
  }
  const Alert& resolved = alerts[2].rule == "Refused" ? alerts[2] : alerts[3];
  EXPECT_EQ(resolved.rule, "Refused");
  EXPECT_EQ(resolved.fingerprint, alerts[1].fingerprint);
  EXPECT_EQ(resolved.labels.at("server_service"), "payments-api");
  d.OnWindow(Win(103, 1, {}, unmapped));
  ASSERT_EQ(alerts.size(), 5u);
  EXPECT_EQ(alerts[4].rule, "AnyRefused");
  EXPECT_EQ(alerts[4].status, AlertStatus::kFiring);

  std::vector<StatSample> stats;
  d.CollectStats(stats);
  double changes = -1;
  for (const StatSample& s : stats) {
    if (s.name == "edgewatch_detector_edge_identity_changes_total") changes = s.value;
  }
  EXPECT_EQ(changes, 2);
}

// An edge only a service selector chose is forgotten when the mapping no longer names it.
TEST(IdentityDetector, EdgeNoRuleSelectsAnyMoreIsForgotten) {
  std::vector<Alert> alerts;
  Detector d(Rules("business_system: payments\n"
                   "rules:\n"
                   "  - name: Refused\n"
                   "    signal: refused\n"
                   "    comparison: \">\"\n"
                   "    threshold: 5\n"
                   "    severity: critical\n"
                   "    match: {business_system: payments-core}\n"),
             {}, [&](const Alert& a) { alerts.push_back(a); });
  d.OnWindow(Win(100, 0, {}, ClientEdge()));
  EXPECT_EQ(d.edges(), 0u);
  d.OnWindow(Win(101, 0, {}, MappedEdge()));
  EXPECT_EQ(d.edges(), 1u);
  d.OnWindow(Win(102, 0, {}, ClientEdge()));
  EXPECT_EQ(d.edges(), 0u);
  EXPECT_TRUE(alerts.empty());
}

}  // namespace
}  // namespace edgewatch::detector
