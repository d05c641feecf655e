// The nat_drops BPF probe (bpf/nat_drops.bpf.c): TCP packets netfilter dropped after SNAT and
// before their conntrack entry was confirmed — what an SNAT port conflict kills — with the
// connection's original tuple, delivered as NatDrops; and NatDropIndex, which remembers them
// so the sensor can name the client sockets whose SYNs died in a NAT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "common/stats.h"

struct nat_drops;
struct ring_buffer;

namespace edgewatch::sensor {

struct NatDrop {
  uint64_t ts_ns = 0;  // CLOCK_MONOTONIC
  uint32_t netns = 0;  // inode of the namespace that dropped it
  uint8_t tcp_flags = 0;
  std::string client_ip;  // the original direction: the client's own view
  uint16_t client_port = 0;
  std::string server_ip;
  uint16_t server_port = 0;
  std::string nat_ip;  // the source NAT chose for it
  uint16_t nat_port = 0;
};

// Decodes one ring-buffer record; false when it is not one.
bool DecodeNatDropEvent(const void* data, size_t size, NatDrop& out);

class NatDropSource : public StatsSource {
 public:
  using Callback = std::function<void(const NatDrop&)>;
  // Opens, loads and attaches the probe (classic tracepoint: mounts tracefs if needed).
  static Result<std::unique_ptr<NatDropSource>> Create(Callback callback);
  ~NatDropSource() override;
  NatDropSource(const NatDropSource&) = delete;
  NatDropSource& operator=(const NatDropSource&) = delete;

  int Poll(int timeout_ms);  // records consumed, or a negative errno (EINTR as 0)
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  NatDropSource() = default;
  uint64_t ReadCounter(uint32_t idx) const;
  static int OnSample(void* ctx, void* data, size_t size);

  nat_drops* skel_ = nullptr;
  ring_buffer* rb_ = nullptr;
  Callback callback_;
  StatCounter drops_;
  StatCounter malformed_;
};

// What a connection's dropped SYNs say about it.
struct NatDropRecord {
  uint32_t netns = 0;
  std::string nat_ip;
  uint16_t nat_port = 0;
  uint32_t drops = 0;
  int64_t last_ns = 0;  // CLOCK_MONOTONIC of the last drop
};

// Dropped connections by their original tuple, bounded and forgotten after `ttl_ns`.
// Single-threaded. Plain class: unit-testable.
class NatDropIndex {
 public:
  NatDropIndex(size_t capacity, int64_t ttl_ns) : capacity_(capacity), ttl_ns_(ttl_ns) {}

  void Add(const NatDrop& d);
  // The record of the connection client_ip:client_port → server_ip:server_port, or nullptr.
  const NatDropRecord* Find(const std::string& client_ip, uint16_t client_port,
                            const std::string& server_ip, uint16_t server_port);
  // Forgets connections whose last drop is older than now_ns − ttl (CLOCK_MONOTONIC).
  void Expire(int64_t now_ns);
  size_t size() const { return by_tuple_.size(); }
  uint64_t overflowed() const { return overflowed_.Get(); }  // any thread

 private:
  void Key(const std::string& client_ip, uint16_t client_port, const std::string& server_ip,
           uint16_t server_port);

  size_t capacity_;
  int64_t ttl_ns_;
  std::string key_;
  std::unordered_map<std::string, NatDropRecord> by_tuple_;
  StatCounter overflowed_;
};

}  // namespace edgewatch::sensor
