// FormatKernelAddr writes what inet_ntop writes (IPv4 by hand, on the per-event path).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "sensor/bpf_support.h"

namespace edgewatch::sensor {
namespace {

std::string Ntop(int family, const uint8_t* addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, addr, buf, sizeof buf);
  return buf;
}

TEST(FormatKernelAddr, Ipv4AsInetNtopForEveryOctetValue) {
  for (unsigned v = 0; v < 256; ++v) {
    const uint8_t a[16] = {static_cast<uint8_t>(v), static_cast<uint8_t>(255 - v),
                           static_cast<uint8_t>(v * 7), static_cast<uint8_t>(v / 3)};
    EXPECT_EQ(FormatKernelAddr(AF_INET, a), Ntop(AF_INET, a)) << v;
  }
  const uint8_t zero[16] = {};
  EXPECT_EQ(FormatKernelAddr(AF_INET, zero), "0.0.0.0");
  const uint8_t max[16] = {255, 255, 255, 255};
  EXPECT_EQ(FormatKernelAddr(AF_INET, max), "255.255.255.255");
  const uint8_t mixed[16] = {10, 100, 0, 9};
  EXPECT_EQ(FormatKernelAddr(AF_INET, mixed), "10.100.0.9");
}

TEST(FormatKernelAddr, Ipv4MappedIpv6IsPlainIpv4AndIpv6AsInetNtop) {
  const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 33};
  EXPECT_EQ(FormatKernelAddr(AF_INET6, mapped), "192.0.2.33");
  const uint8_t v6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(FormatKernelAddr(AF_INET6, v6), "fd00::1");
  EXPECT_EQ(FormatKernelAddr(AF_INET6, v6), Ntop(AF_INET6, v6));
}

}  // namespace
}  // namespace edgewatch::sensor
