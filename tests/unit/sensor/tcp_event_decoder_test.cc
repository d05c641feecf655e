#include "sensor/tcp_event_decoder.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>

#include "sensor/container_resolver.h"
#include "sensor/tcp_lifecycle_abi.h"

namespace edgewatch::sensor {
namespace {

ew_tcp_event RawV4(uint32_t kind, uint8_t role, uint16_t sport, uint16_t dport) {
  ew_tcp_event r{};
  r.ts_ns = 5'000;
  r.start_ns = 1'000;
  r.kind = kind;
  r.role = role;
  r.family = AF_INET;
  r.sport = sport;
  r.dport = dport;
  r.pid = 99;
  inet_pton(AF_INET, "192.168.1.2", r.saddr);
  inet_pton(AF_INET, "192.168.1.1", r.daddr);
  std::strcpy(r.comm, "app");
  return r;
}

TEST(TcpEventDecoder, DecodesAddressesClockAndRole) {
  TcpEventDecoder d(EphemeralPortRange{32768, 60999}, 1'000'000);
  auto raw = RawV4(EW_TCP_CONNECT_FAILED, EW_ROLE_CLIENT, 40000, 443);
  raw.sk_err = 111;
  auto e = d.Decode(&raw, sizeof raw);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, TcpEventKind::kConnectFailed);
  EXPECT_EQ(e->role, Role::kClient);
  EXPECT_EQ(e->local_ip, "192.168.1.2");
  EXPECT_EQ(e->remote_ip, "192.168.1.1");
  EXPECT_EQ(e->local_port, 40000);
  EXPECT_EQ(e->remote_port, 443);
  EXPECT_EQ(e->time_ns, 1'005'000);
  EXPECT_EQ(e->start_ns, 1'001'000);
  EXPECT_EQ(e->comm, "app");
  EXPECT_EQ(e->sk_err, 111);
}

TEST(TcpEventDecoder, InfersRoleFromEphemeralPorts) {
  TcpEventDecoder d(EphemeralPortRange{32768, 60999}, 0);
  auto raw = RawV4(EW_TCP_RETRANSMIT, EW_ROLE_UNKNOWN, 8080, 45000);
  EXPECT_EQ(d.Decode(&raw, sizeof raw)->role, Role::kServer);
  raw = RawV4(EW_TCP_RETRANSMIT, EW_ROLE_UNKNOWN, 45000, 8080);
  EXPECT_EQ(d.Decode(&raw, sizeof raw)->role, Role::kClient);
}

TEST(TcpEventDecoder, MapsV4MappedV6ToV4) {
  TcpEventDecoder d(EphemeralPortRange{}, 0);
  auto raw = RawV4(EW_TCP_CONNECTED, EW_ROLE_CLIENT, 40000, 80);
  raw.family = AF_INET6;
  std::memset(raw.saddr, 0, 16);
  raw.saddr[10] = raw.saddr[11] = 0xff;
  inet_pton(AF_INET, "10.1.2.3", raw.saddr + 12);
  inet_pton(AF_INET6, "fd00::1", raw.daddr);
  auto e = d.Decode(&raw, sizeof raw);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->local_ip, "10.1.2.3");
  EXPECT_EQ(e->remote_ip, "fd00::1");
}

TEST(TcpEventDecoder, RejectsMalformedRecordsAndCountsThem) {
  TcpEventDecoder d(EphemeralPortRange{}, 0);
  auto raw = RawV4(EW_TCP_CONNECTED, EW_ROLE_CLIENT, 1, 2);
  EXPECT_FALSE(d.Decode(&raw, sizeof raw - 1));
  raw.kind = 77;
  EXPECT_FALSE(d.Decode(&raw, sizeof raw));
  raw = RawV4(EW_TCP_CONNECTED, EW_ROLE_CLIENT, 1, 2);
  raw.family = 1;
  EXPECT_FALSE(d.Decode(&raw, sizeof raw));
  std::vector<StatSample> s;
  d.CollectStats(s);
  bool found = false;
  for (const auto& x : s) {
    if (x.name == "edgewatch_sensor_events_malformed_total") {
      EXPECT_EQ(x.value, 3);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(TcpEventDecoder, FailureCauses) {
  EXPECT_STREQ(FailureCause(TcpEventKind::kConnectFailed, 111), "refused");
  EXPECT_STREQ(FailureCause(TcpEventKind::kConnectFailed, 110), "timeout");
  EXPECT_STREQ(FailureCause(TcpEventKind::kConnectFailed, 0), "timeout");
  EXPECT_STREQ(FailureCause(TcpEventKind::kConnectFailed, 113), "unreachable");
  EXPECT_STREQ(FailureCause(TcpEventKind::kConnectFailed, 101), "unreachable");
  EXPECT_STREQ(FailureCause(TcpEventKind::kReset, 104), "reset");
  EXPECT_STREQ(FailureCause(TcpEventKind::kReset, 32), "reset");
  EXPECT_STREQ(FailureCause(TcpEventKind::kConnectFailed, 5), "other");
}

TEST(ContainerResolver, ContainerIdFromRuntimePaths) {
  const std::string id(64, 'a');
  const std::string id2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  EXPECT_EQ(ContainerResolver::ContainerIdFromPath("/system.slice/docker-" + id + ".scope"), id);
  EXPECT_EQ(ContainerResolver::ContainerIdFromPath(
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/"
                "cri-containerd-" +
                id2 + ".scope"),
            id2);
  EXPECT_EQ(ContainerResolver::ContainerIdFromPath("/kubepods/besteffort/pod9/" + id2), id2);
  EXPECT_EQ(ContainerResolver::ContainerIdFromPath("/user.slice/user-0.slice/session-3.scope"), "");
  EXPECT_EQ(ContainerResolver::ContainerIdFromPath("/x/" + std::string(64, 'g')), "");
  EXPECT_EQ(ContainerResolver::ContainerIdFromPath("/x/foo" + id), "") << "needs a separator";
}

}  // namespace
}  // namespace edgewatch::sensor
