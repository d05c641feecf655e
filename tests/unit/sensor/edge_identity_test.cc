// The identity stage: both ends of an edge named from the identity file, unknown ends counted.
#include "sensor/edge_identity.h"

#include <gtest/gtest.h>

namespace edgewatch::sensor {
namespace {

using Tags = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kIds = R"(services:
  - name: payments-api
    business_system: payments
    tags: {owner: team-pay, tier: "1"}
    match:
      endpoints: ["10.2.0.14:8443"]
  - name: checkout
    business_system: shop
    match:
      processes: [checkout]
  - name: office
    business_system: corp
    match:
      cidrs: [192.0.2.0/24]
)";

IdentityMap Map() {
  auto map = IdentityMap::Parse(kIds, "ids.yaml");
  EXPECT_TRUE(map.ok()) << map.error();
  return std::move(map).value();
}

double Stat(const StatsSource& s, const std::string& name) {
  std::vector<StatSample> out;
  s.CollectStats(out);
  for (const StatSample& x : out) {
    if (x.name == name) return x.value;
  }
  ADD_FAILURE() << "no stat " << name;
  return -1;
}

schema::Edge ClientEdge() {
  schema::Edge e;
  e.side = schema::Side::kClient;
  e.client = {"10.9.0.7", 0, "checkout", ""};
  e.server = {"10.2.0.14", 8443, "", ""};
  return e;
}

TEST(EdgeIdentity, NamesBothEndsAndKeepsTheKey) {
  const IdentityMap map = Map();
  schema::Edge e = ClientEdge();
  const std::string key = e.Key();
  UnknownPeers unknown;
  MapEdgeIdentity(map, e, &unknown);
  EXPECT_EQ(e.client.service, "checkout");
  EXPECT_EQ(e.client.business_system, "shop");
  EXPECT_TRUE(e.client.tags.empty());
  EXPECT_EQ(e.server.service, "payments-api");
  EXPECT_EQ(e.server.business_system, "payments");
  EXPECT_EQ(e.server.tags, (Tags{{"owner", "team-pay"}, {"tier", "1"}}));
  EXPECT_EQ(e.Key(), key);
  EXPECT_EQ(Stat(unknown, "edgewatch_sensor_identity_unknown_lookups_total"), 0);
}

TEST(EdgeIdentity, ClientIsLookedUpWithoutAPort) {
  // An endpoint entry names a server address and port; a client at that address (its port is
  // collapsed to 0) is not that endpoint.
  const IdentityMap map = Map();
  schema::Edge e;
  e.side = schema::Side::kServer;
  e.client = {"10.2.0.14", 0, "", ""};
  e.server = {"192.0.2.9", 443, "nginx", ""};
  UnknownPeers unknown;
  MapEdgeIdentity(map, e, &unknown);
  EXPECT_EQ(e.client.service, "");
  EXPECT_EQ(e.server.service, "office");
  EXPECT_EQ(unknown.keys(), (std::set<std::string, std::less<>>{"10.2.0.14:0"}));
}

TEST(EdgeIdentity, UnknownEndsAreClearedAndCounted) {
  const IdentityMap map = Map();
  schema::Edge e;
  e.client = {"fd00::1", 0, "curl", ""};
  e.server = {"fd00::2", 53, "", ""};
  e.client.service = "stale";  // from a decoded or reused record
  e.server.tags = {{"owner", "stale"}};
  UnknownPeers unknown;
  MapEdgeIdentity(map, e, &unknown);
  EXPECT_EQ(e.client.service, "");
  EXPECT_TRUE(e.server.tags.empty());
  EXPECT_EQ(unknown.keys(), (std::set<std::string, std::less<>>{"[fd00::1]:0", "[fd00::2]:53"}));
  EXPECT_EQ(Stat(unknown, "edgewatch_sensor_identity_unknown_lookups_total"), 2);
  MapEdgeIdentity(map, e, nullptr);  // evidence: not counted
  EXPECT_EQ(Stat(unknown, "edgewatch_sensor_identity_unknown_lookups_total"), 2);
}

TEST(EdgeIdentity, OverflowEdgeIsLeftAlone) {
  const IdentityMap map = Map();
  schema::Edge overflow;
  overflow.client.workload = "(overflow)";
  UnknownPeers unknown;
  MapEdgeIdentity(map, overflow, &unknown);
  EXPECT_EQ(overflow.client.service, "");
  EXPECT_EQ(Stat(unknown, "edgewatch_sensor_identity_unknown_lookups_total"), 0);
}

}  // namespace
}  // namespace edgewatch::sensor
