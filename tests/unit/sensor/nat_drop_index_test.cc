// NatDropIndex: connections whose SYNs a NAT dropped, by their original tuple.
#include <gtest/gtest.h>

#include "sensor/nat_drop_source.h"

namespace edgewatch::sensor {
namespace {

NatDrop Drop(uint16_t client_port, uint16_t nat_port, uint64_t ts_ns) {
  NatDrop d;
  d.ts_ns = ts_ns;
  d.netns = 4026532481;
  d.tcp_flags = 0x02;
  d.client_ip = "10.78.1.2";
  d.client_port = client_port;
  d.server_ip = "10.78.2.2";
  d.server_port = 8080;
  d.nat_ip = "10.78.2.1";
  d.nat_port = nat_port;
  return d;
}

TEST(NatDropIndex, CountsDropsPerConnectionAndKeepsTheLatestTranslation) {
  NatDropIndex index(16, 1'000'000'000);
  index.Add(Drop(50000, 40000, 100));
  index.Add(Drop(50000, 40001, 200));
  index.Add(Drop(50001, 40000, 300));
  const NatDropRecord* r = index.Find("10.78.1.2", 50000, "10.78.2.2", 8080);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->drops, 2u);
  EXPECT_EQ(r->nat_port, 40001);
  EXPECT_EQ(r->nat_ip, "10.78.2.1");
  EXPECT_EQ(r->netns, 4026532481u);
  EXPECT_EQ(r->last_ns, 200);
  EXPECT_EQ(index.Find("10.78.1.2", 50001, "10.78.2.2", 8080)->drops, 1u);
  // Another port of the same client, another server port: other connections.
  EXPECT_EQ(index.Find("10.78.1.2", 50002, "10.78.2.2", 8080), nullptr);
  EXPECT_EQ(index.Find("10.78.1.2", 50000, "10.78.2.2", 8081), nullptr);
}

TEST(NatDropIndex, ForgetsAfterTheTtlAndStaysBounded) {
  NatDropIndex index(2, 1'000);
  index.Add(Drop(1, 40000, 100));
  index.Add(Drop(2, 40000, 5'000));
  index.Add(Drop(3, 40000, 5'000));  // over capacity: not kept, counted
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.overflowed(), 1u);
  EXPECT_EQ(index.Find("10.78.1.2", 3, "10.78.2.2", 8080), nullptr);
  index.Expire(5'500);  // the first is 5.4 µs old, beyond the 1 µs ttl
  EXPECT_EQ(index.Find("10.78.1.2", 1, "10.78.2.2", 8080), nullptr);
  EXPECT_NE(index.Find("10.78.1.2", 2, "10.78.2.2", 8080), nullptr);
}

}  // namespace
}  // namespace edgewatch::sensor
