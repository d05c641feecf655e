// The dns BPF probe: load it, attach it to the cgroup v2 root, and deliver every DNS packet (UDP
// and TCP port 53) that a local socket sends or receives, with its first bytes, as a DnsPacket.
//
// Why cgroup programs on the cgroup v2 root: every socket belongs to a cgroup v2 (its
// creator's, the root when nothing else is set up), programs attached at the root run for all
// of them, in every network namespace, with no per-interface or per-namespace attachment, and
// the attachment is a bpf_link that goes away with this object (or the process) — nothing is
// left behind in the kernel after a crash. kprobes and fentry on udp_sendmsg are not available
// on our hosts (ARCHITECTURE.md, "Kernel facts"). The owning process of a socket is recorded by
// cgroup/connect and cgroup/sendmsg hooks, which run in its context (bpf/dns.bpf.c).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/stats.h"

struct dns;
struct ring_buffer;
struct bpf_link;

namespace edgewatch::sensor {

struct DnsSourceOptions {
  // Packets of sockets owned by this process are ignored (0 = none).
  uint32_t self_pid = 0;
  // Where cgroup2 is mounted; empty = /sys/fs/cgroup when it is cgroup2 (unified layout), else
  // /sys/fs/cgroup/unified (hybrid layout).
  std::string cgroup_root;
};

// One DNS packet as seen at a local socket. Addresses and ports are the packet's (src → dst).
struct DnsPacket {
  uint64_t ts_ns = 0;   // CLOCK_MONOTONIC
  bool egress = false;  // sent by the local socket (else received by it)
  bool tcp = false;     // the payload then starts with (or continues) a 2-byte length prefix
  int family = 0;       // AF_INET or AF_INET6
  std::array<uint8_t, 16> src_ip{};  // IPv4 in the first 4 bytes
  std::array<uint8_t, 16> dst_ip{};
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t pid = 0;  // tgid of the owning process; 0 when unknown (socket predates the sensor)
  std::string comm;  // empty when unknown
  uint64_t cgroup_id = 0;
  uint64_t sock_cookie = 0;
  uint64_t netns_cookie = 0;  // SO_NETNS_COOKIE of the socket's namespace; 0 when unknown
  // The first bytes of the L4 payload; valid only during the callback.
  std::span<const uint8_t> payload;
  uint32_t payload_len = 0;  // the whole L4 payload; > payload.size() when the capture was cut

  std::string src_ip_string() const;  // "10.0.0.1", "fd00::1"
  std::string dst_ip_string() const;
};

// Decodes one ring-buffer record of the dns probe; false when it is not one (wrong size or
// values out of range). `out.payload` points into `data`.
bool DecodeDnsEvent(const void* data, size_t size, DnsPacket& out);

class DnsSource : public StatsSource {
 public:
  using Callback = std::function<void(const DnsPacket&)>;

  // Opens, loads and attaches the probe. Errors name what is missing and what to do.
  static Result<std::unique_ptr<DnsSource>> Create(const DnsSourceOptions& options,
                                                   Callback callback);
  ~DnsSource() override;  // detaches
  DnsSource(const DnsSource&) = delete;
  DnsSource& operator=(const DnsSource&) = delete;

  // Waits up to timeout_ms for packets and hands each to the callback. Returns the number of
  // records consumed, or a negative errno (EINTR is returned as 0).
  int Poll(int timeout_ms);

  const std::string& cgroup_root() const { return cgroup_root_; }
  // Packets the kernel side could not deliver (ring buffer full), summed over CPUs.
  uint64_t LostEvents() const;
  uint64_t OwnerMissing() const;

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  DnsSource() = default;
  Result<bool> Attach(int cgroup_fd);
  uint64_t ReadCounter(uint32_t idx) const;
  static int OnSample(void* ctx, void* data, size_t size);

  dns* skel_ = nullptr;
  ring_buffer* rb_ = nullptr;
  std::vector<bpf_link*> links_;
  Callback callback_;
  std::string cgroup_root_;
  StatCounter egress_;
  StatCounter ingress_;
  StatCounter malformed_;
};

}  // namespace edgewatch::sensor
