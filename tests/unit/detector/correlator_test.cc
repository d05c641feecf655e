// Root-cause localization on the shapes of issue 6's scenarios: many anomalous edges, healthy
// background traffic, the right cause and the smallest scope that explains them.
#include "detector/correlator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace edgewatch::detector {
namespace {

EdgeObservation E(const std::string& node, const std::string& client, const std::string& server,
                  const std::string& system, uint32_t symptoms = 0) {
  EdgeObservation e;
  e.id = node + "/" + client + "->" + server;
  e.at(Attr::kNode) = node;
  e.at(Attr::kClientWorkload) = client;
  e.at(Attr::kServerEndpoint) = server;
  e.at(Attr::kBusinessSystem) = system;
  e.symptoms = symptoms;
  return e;
}

// Healthy traffic: 3 nodes × 4 clients × 3 servers.
std::vector<EdgeObservation> Background() {
  std::vector<EdgeObservation> v;
  for (int n = 1; n <= 3; ++n) {
    for (int c = 1; c <= 4; ++c) {
      for (int s = 1; s <= 3; ++s) {
        v.push_back(E("node-" + std::to_string(n), "app-" + std::to_string(c),
                      "10.2.0." + std::to_string(s) + ":8080", "sys-" + std::to_string(c % 3)));
      }
    }
  }
  return v;
}

TEST(Correlator, NothingAnomalousNoCause) { EXPECT_TRUE(Localize(Background(), {}).empty()); }

TEST(Correlator, SnatExhaustionIsOneCauseOnTheNatNamespace) {
  auto edges = Background();
  // 14 edges of 3 business systems behind node-7's NAT time out with SYN retransmits.
  for (int c = 0; c < 14; ++c) {
    EdgeObservation e =
        E("node-7", "pod-" + std::to_string(c), "10.9.0." + std::to_string(c % 5) + ":443",
          "bank-" + std::to_string(c % 3),
          Bit(Symptom::kTimeout) | Bit(Symptom::kSynRetransmits) | Bit(Symptom::kSnatSuspect));
    e.at(Attr::kNat) = "node-7/netns/4026532";
    edges.push_back(e);
  }
  // ...and node-7 has healthy edges too (not SNAT-ed).
  for (int c = 0; c < 5; ++c)
    edges.push_back(E("node-7", "local-" + std::to_string(c), "10.2.0.1:8080", "ops"));
  auto causes = Localize(edges, {{"node-7", "node-7/netns/4026532", 812}});
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].cause, Cause::kSnatConflict);
  EXPECT_EQ(causes[0].scope.ToString(), "nat=node-7/netns/4026532");
  EXPECT_EQ(causes[0].edges.size(), 14U);
  EXPECT_EQ(causes[0].conntrack_conflicts, 812U);
  EXPECT_EQ(causes[0].business_systems, (std::vector<std::string>{"bank-0", "bank-1", "bank-2"}));
}

TEST(Correlator, OneEndpointRefusingManyClientsIsEndpointDown) {
  auto edges = Background();
  for (auto& e : edges) {
    if (e.at(Attr::kServerEndpoint) == "10.2.0.2:8080") e.symptoms = Bit(Symptom::kRefused);
  }
  auto causes = Localize(edges, {});
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].cause, Cause::kEndpointDown);
  EXPECT_EQ(causes[0].scope.ToString(), "server_endpoint=10.2.0.2:8080");
  EXPECT_EQ(causes[0].edges.size(), 12U);  // 3 nodes × 4 clients
  EXPECT_EQ(causes[0].healthy_in_scope, 0U);
}

TEST(Correlator, OneClientOnAWrongPortIsClientMisconfig) {
  auto edges = Background();
  edges.push_back(E("node-2", "app-3", "10.2.0.1:8081", "sys-0", Bit(Symptom::kRefused)));
  auto causes = Localize(edges, {});
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].cause, Cause::kClientMisconfig);
  EXPECT_EQ(causes[0].scope.ToString(), "client_workload=app-3, server_endpoint=10.2.0.1:8081");
}

TEST(Correlator, TwoFaultsAtOnceAreTwoCauses) {
  auto edges = Background();
  for (auto& e : edges) {
    if (e.at(Attr::kServerEndpoint) == "10.2.0.3:8080") e.symptoms = Bit(Symptom::kReset);
  }
  edges.push_back(E("node-1", "app-2", "10.2.0.1:9999", "sys-2", Bit(Symptom::kRefused)));
  auto causes = Localize(edges, {});
  ASSERT_EQ(causes.size(), 2U);
  EXPECT_EQ(causes[0].cause, Cause::kEndpointDown);
  EXPECT_EQ(causes[0].scope.ToString(), "server_endpoint=10.2.0.3:8080");
  EXPECT_EQ(causes[1].cause, Cause::kClientMisconfig);
  EXPECT_EQ(causes[1].edges.size(), 1U);
}

TEST(Correlator, AResolverAnsweringServfailToEveryoneIsResolverFailure) {
  auto edges = Background();
  for (int c = 1; c <= 6; ++c) {
    edges.push_back(E("node-" + std::to_string(c % 3 + 1), "app-" + std::to_string(c),
                      "10.3.0.53:53", "sys-1", Bit(Symptom::kDnsServfail)));
  }
  edges.push_back(E("node-1", "app-1", "10.3.0.54:53", "sys-1"));  // the other resolver is fine
  auto causes = Localize(edges, {});
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].cause, Cause::kDnsResolverFailure);
  EXPECT_EQ(causes[0].scope.ToString(), "server_endpoint=10.3.0.53:53");
}

TEST(Correlator, OneClientAskingForAMissingNameIsNameMissing) {
  auto edges = Background();
  edges.push_back(E("node-1", "app-1", "10.3.0.53:53", "sys-1"));
  EdgeObservation nx = E("node-2", "app-4", "10.3.0.53:53", "sys-1", Bit(Symptom::kDnsNxdomain));
  nx.at(Attr::kDnsName) = "paymnets.bank.internal";
  edges.push_back(nx);
  auto causes = Localize(edges, {});
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].cause, Cause::kDnsNameMissing);
  EXPECT_NE(causes[0].scope.ToString().find("dns_name=paymnets.bank.internal"), std::string::npos)
      << causes[0].scope.ToString();
}

TEST(Correlator, AServiceAnswering503IsServiceDegraded) {
  auto edges = Background();
  for (auto& e : edges) {
    e.at(Attr::kServerService) = "svc-" + e.at(Attr::kServerEndpoint).substr(7, 1);
    if (e.at(Attr::kServerService) == "svc-1") e.symptoms = Bit(Symptom::kHttp5xx);
  }
  auto causes = Localize(edges, {});
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].cause, Cause::kServiceDegraded);
  EXPECT_EQ(causes[0].edges.size(), 12U);
  EXPECT_EQ(causes[0].scope.terms.size(), 1U) << causes[0].scope.ToString();
}

TEST(Correlator, RetransmitsAcrossANodeAreTheNetworkPath) {
  auto edges = Background();
  for (auto& e : edges) {
    if (e.at(Attr::kNode) == "node-3") e.symptoms = Bit(Symptom::kDataRetransmits);
  }
  auto causes = Localize(edges, {});
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].cause, Cause::kNetworkPath);
  EXPECT_EQ(causes[0].scope.ToString(), "node=node-3");
  EXPECT_EQ(causes[0].edges.size(), 12U);
}

TEST(Correlator, ThePureScopeWinsOverABroadOneThatAlsoCoversAll) {
  std::vector<EdgeObservation> edges;
  edges.reserve(14);
  // Six clients of business system "pay" are refused by one endpoint; "pay" also has four
  // healthy edges elsewhere, and node-1 has healthy edges too. Three scopes explain all six;
  // only the endpoint is pure.
  for (int c = 0; c < 6; ++c) {
    edges.push_back(
        E("node-1", "pay-" + std::to_string(c), "10.5.0.9:7000", "pay", Bit(Symptom::kRefused)));
  }
  for (int c = 0; c < 4; ++c) {
    edges.push_back(E("node-2", "pay-" + std::to_string(c), "10.5.0.1:7000", "pay"));
    edges.push_back(E("node-1", "ops-" + std::to_string(c), "10.5.0.2:7000", "ops"));
  }
  auto causes = Localize(edges, {});
  ASSERT_EQ(causes.size(), 1U);
  EXPECT_EQ(causes[0].scope.ToString(), "server_endpoint=10.5.0.9:7000");
  EXPECT_EQ(causes[0].cause, Cause::kEndpointDown);
}

TEST(Correlator, EveryAnomalousEdgeIsExplainedExactlyOnce) {
  auto edges = Background();
  // A noisy mix: a few scattered failures with nothing in common.
  edges[0].symptoms = Bit(Symptom::kRefused);
  edges[7].symptoms = Bit(Symptom::kTimeout);
  edges[19].symptoms = Bit(Symptom::kHttp5xx);
  edges[30].symptoms = Bit(Symptom::kReset);
  auto causes = Localize(edges, {});
  std::vector<int> seen(edges.size(), 0);
  for (const auto& c : causes) {
    for (size_t i : c.edges) ++seen[i];
  }
  for (size_t i = 0; i < edges.size(); ++i) {
    EXPECT_EQ(seen[i], edges[i].anomalous() ? 1 : 0) << i;
  }
}

}  // namespace
}  // namespace edgewatch::detector
