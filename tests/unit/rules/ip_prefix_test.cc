#include "rules/ip_prefix.h"

#include <gtest/gtest.h>

#include "rules/selector.h"

namespace edgewatch::rules {
namespace {

IpPrefix P(const char* text) {
  auto p = IpPrefix::Parse(text);
  EXPECT_TRUE(p.ok()) << text << ": " << (p.ok() ? "" : p.error());
  return p.ok() ? *p : IpPrefix();
}

TEST(IpPrefix, V4) {
  const IpPrefix p = P("10.0.0.0/8");
  EXPECT_TRUE(p.Contains("10.0.0.0"));
  EXPECT_TRUE(p.Contains("10.255.255.255"));
  EXPECT_FALSE(p.Contains("11.0.0.0"));
  EXPECT_FALSE(p.Contains("9.255.255.255"));
  EXPECT_EQ(p.text(), "10.0.0.0/8");
}

TEST(IpPrefix, V4NonOctetBoundary) {
  const IpPrefix p = P("192.168.4.0/22");
  EXPECT_TRUE(p.Contains("192.168.4.1"));
  EXPECT_TRUE(p.Contains("192.168.7.255"));
  EXPECT_FALSE(p.Contains("192.168.8.0"));
  EXPECT_FALSE(p.Contains("192.168.3.255"));
}

TEST(IpPrefix, SingleAddressIsHostPrefix) {
  const IpPrefix v4 = P("10.1.2.3");
  EXPECT_TRUE(v4.Contains("10.1.2.3"));
  EXPECT_FALSE(v4.Contains("10.1.2.4"));
  const IpPrefix v6 = P("::1");
  EXPECT_TRUE(v6.Contains("::1"));
  EXPECT_TRUE(v6.Contains("0:0:0:0:0:0:0:1"));  // another spelling of the same address
  EXPECT_FALSE(v6.Contains("::2"));
}

TEST(IpPrefix, V6) {
  const IpPrefix p = P("fd00:1234::/32");
  EXPECT_TRUE(p.Contains("fd00:1234::1"));
  EXPECT_TRUE(p.Contains("fd00:1234:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(p.Contains("fd00:1235::1"));
  EXPECT_FALSE(p.Contains("10.0.0.1"));
  const IpPrefix odd = P("2001:db8::/29");
  EXPECT_TRUE(odd.Contains("2001:dbf::1"));
  EXPECT_FALSE(odd.Contains("2001:dc0::1"));
}

TEST(IpPrefix, FamiliesDoNotMixButV4MappedMatchesV4) {
  const IpPrefix v4 = P("10.0.0.0/8");
  EXPECT_TRUE(v4.Contains("::ffff:10.1.2.3"));  // dual-stack sockets report these
  EXPECT_FALSE(v4.Contains("::a01:203"));       // IPv4-compatible, not mapped: a v6 address
  const IpPrefix all6 = P("::/0");
  EXPECT_TRUE(all6.Contains("2001:db8::1"));
  EXPECT_FALSE(all6.Contains("10.1.2.3"));
  const IpPrefix all4 = P("0.0.0.0/0");
  EXPECT_TRUE(all4.Contains("203.0.113.9"));
  EXPECT_FALSE(all4.Contains("2001:db8::1"));
}

TEST(IpPrefix, UnparsableEdgeAddressNeverMatches) {
  const IpPrefix all4 = P("0.0.0.0/0");
  EXPECT_FALSE(all4.Contains(""));
  EXPECT_FALSE(all4.Contains("not-an-ip"));
  EXPECT_FALSE(all4.Contains("10.0.0.1:80"));
}

TEST(IpPrefix, Errors) {
  auto host_bits = IpPrefix::Parse("10.1.2.3/8");
  ASSERT_FALSE(host_bits.ok());
  EXPECT_EQ(host_bits.error(),
            "\"10.1.2.3/8\": address has bits set beyond the /8 prefix; did you mean 10.0.0.0/8?");
  auto host_bits6 = IpPrefix::Parse("fd00::1/8");
  ASSERT_FALSE(host_bits6.ok());
  EXPECT_NE(host_bits6.error().find("did you mean fd00::/8?"), std::string::npos);
  auto too_long = IpPrefix::Parse("10.0.0.0/33");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error(), "\"10.0.0.0/33\": prefix length must be 0..32");
  auto too_long6 = IpPrefix::Parse("fd00::/129");
  ASSERT_FALSE(too_long6.ok());
  EXPECT_EQ(too_long6.error(), "\"fd00::/129\": prefix length must be 0..128");
  for (const char* bad :
       {"", "10.0.0", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/8/8", "host.local", "10.0.0.0/-1"}) {
    EXPECT_FALSE(IpPrefix::Parse(bad).ok()) << bad;
  }
}

schema::Edge MakeEdge(schema::Side side, const char* workload, const char* server_ip,
                      uint16_t port) {
  schema::Edge e;
  e.side = side;
  e.client.workload = workload;
  e.client.ip = "10.9.0.7";
  e.server.ip = server_ip;
  e.server.port = port;
  return e;
}

TEST(EdgeSelector, EmptyMatchesEverything) {
  EdgeSelector s;
  EXPECT_TRUE(s.Empty());
  EXPECT_TRUE(s.Matches(MakeEdge(schema::Side::kServer, "", "fd00::1", 443)));
}

TEST(EdgeSelector, AllGivenFieldsMustMatch) {
  EdgeSelector s;
  s.side = schema::Side::kClient;
  s.server_port = 8080;
  s.server_ip = P("10.0.0.0/8");
  s.client_workload = "curl";
  EXPECT_FALSE(s.Empty());
  EXPECT_TRUE(s.Matches(MakeEdge(schema::Side::kClient, "curl", "10.1.2.3", 8080)));
  EXPECT_FALSE(s.Matches(MakeEdge(schema::Side::kServer, "curl", "10.1.2.3", 8080)));
  EXPECT_FALSE(s.Matches(MakeEdge(schema::Side::kClient, "wget", "10.1.2.3", 8080)));
  EXPECT_FALSE(s.Matches(MakeEdge(schema::Side::kClient, "curl", "11.1.2.3", 8080)));
  EXPECT_FALSE(s.Matches(MakeEdge(schema::Side::kClient, "curl", "10.1.2.3", 8081)));
  EXPECT_FALSE(s.Matches(MakeEdge(schema::Side::kClient, "curl2", "10.1.2.3", 8080)));  // exact
}

TEST(EdgeSelector, V6ServerPrefix) {
  EdgeSelector s;
  s.server_ip = P("fd00::/8");
  EXPECT_TRUE(s.Matches(MakeEdge(schema::Side::kClient, "api", "fd12::9", 443)));
  EXPECT_FALSE(s.Matches(MakeEdge(schema::Side::kClient, "api", "fe80::9", 443)));
  EXPECT_FALSE(s.Matches(MakeEdge(schema::Side::kClient, "api", "10.0.0.1", 443)));
}

}  // namespace
}  // namespace edgewatch::rules
