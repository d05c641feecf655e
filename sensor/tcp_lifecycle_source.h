// The tcp_lifecycle BPF probe: open, choose attach types, load, attach, and read its ring buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/stats.h"

struct tcp_lifecycle;
struct ring_buffer;

namespace edgewatch::sensor {

enum class AttachMode { kAuto, kTpBtf, kTracepoint };

struct TcpLifecycleOptions {
  AttachMode mode = AttachMode::kAuto;
  uint32_t self_pid = 0;  // connections of this process are ignored (0 = none)
};

class TcpLifecycleSource : public StatsSource {
 public:
  using Handler = std::function<void(const void* data, size_t size)>;

  static Result<std::unique_ptr<TcpLifecycleSource>> Open(const TcpLifecycleOptions& opts,
                                                          Handler handler);
  ~TcpLifecycleSource() override;
  TcpLifecycleSource(const TcpLifecycleSource&) = delete;
  TcpLifecycleSource& operator=(const TcpLifecycleSource&) = delete;

  // Waits up to timeout_ms for events and hands each to the handler. Returns the number of
  // events consumed, or a negative errno (EINTR is returned as 0).
  int Poll(int timeout_ms);

  // "tp_btf" or "tracepoint".
  const std::string& attach_mode() const { return mode_name_; }
  // Events the kernel side could not deliver (ring buffer full), summed over CPUs.
  uint64_t LostEvents() const;
  uint64_t OwnerMissing() const;

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  TcpLifecycleSource() = default;
  uint64_t ReadCounter(uint32_t idx) const;
  static int OnSample(void* ctx, void* data, size_t size);

  tcp_lifecycle* skel_ = nullptr;
  ring_buffer* rb_ = nullptr;
  Handler handler_;
  std::string mode_name_;
  StatCounter polled_;
};

}  // namespace edgewatch::sensor
