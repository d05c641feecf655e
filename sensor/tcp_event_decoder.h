// Raw ring-buffer record → TcpEvent: validates the record, converts addresses and clocks, and
// infers the role of sockets whose owner the probe did not see (opened before the sensor).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/stats.h"
#include "sensor/tcp_event.h"

namespace edgewatch::sensor {

struct EphemeralPortRange {
  uint16_t low = 32768;
  uint16_t high = 60999;
  bool Contains(uint16_t port) const { return port >= low && port <= high; }
  // From /proc/sys/net/ipv4/ip_local_port_range; the Linux default when unreadable.
  static EphemeralPortRange FromProc();
};

class TcpEventDecoder : public StatsSource {
 public:
  // `mono_to_unix_ns` converts bpf_ktime_get_ns() (CLOCK_MONOTONIC) to unix time.
  TcpEventDecoder(EphemeralPortRange ports, int64_t mono_to_unix_ns);

  void set_clock_offset(int64_t mono_to_unix_ns) { offset_ns_ = mono_to_unix_ns; }

  // nullopt for records that are malformed (wrong size, unknown kind or family): counted.
  std::optional<TcpEvent> Decode(const void* data, size_t size);

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  EphemeralPortRange ports_;
  int64_t offset_ns_;
  std::array<StatCounter, kTcpEventKinds> decoded_;  // by kind
  StatCounter malformed_;
  StatCounter role_inferred_;
};

// Current CLOCK_REALTIME − CLOCK_MONOTONIC in ns.
int64_t MonotonicToUnixOffsetNs();

}  // namespace edgewatch::sensor
