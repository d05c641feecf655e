// The http BPF probe: load it, attach its syscall tracepoints, and deliver what processes read
// from and write to TCP sockets that carry HTTP/1.x, as HttpChunks (bpf/http.bpf.c says how
// sockets are classified and why syscall tracepoints).
#pragma once

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
#include "sensor/tcp_lifecycle_source.h"  // AttachMode

struct http;
struct ring_buffer;

namespace edgewatch::sensor {

struct HttpSourceOptions {
  uint32_t self_pid = 0;  // this process's own sockets are not observed (0 = none)
  // kAuto: the raw sys_enter/sys_exit tracepoints (tp_btf) when the kernel has them, which
  // avoids the per-syscall tracepoints' perf path; else the per-syscall tracepoints.
  AttachMode mode = AttachMode::kAuto;
};

// One syscall's bytes on one socket, or the socket's end (`close`).
struct HttpChunk {
  uint64_t ts_ns = 0;    // CLOCK_MONOTONIC
  uint64_t conn_id = 0;  // the socket, unique while it lives
  bool close = false;
  // The socket's addresses, comm and cgroup are set (its first chunk, and closes); later
  // chunks carry only conn_id, pid and the bytes.
  bool has_socket = false;
  bool send = false;  // written by the local process (else read)
  uint8_t syscall = 0;
  uint32_t pid = 0;
  std::string comm;
  uint64_t cgroup_id = 0;
  uint32_t netns = 0;
  std::string local_ip;  // "10.0.0.1", "fd00::1"; IPv4-mapped IPv6 as IPv4
  uint16_t local_port = 0;
  std::string remote_ip;
  uint16_t remote_port = 0;
  uint32_t real_len = 0;           // bytes the syscall moved
  std::span<const char> captured;  // their start; valid only during the callback
};

// Decodes one ring-buffer record; false when it is not one (too short, values out of range).
// `out.captured` points into `data`.
bool DecodeHttpEvent(const void* data, size_t size, HttpChunk& out);

class HttpSource : public StatsSource {
 public:
  using Callback = std::function<void(const HttpChunk&)>;

  // Opens, loads and attaches the probe (mounting tracefs if needed). Errors name what is
  // missing and what to do.
  static Result<std::unique_ptr<HttpSource>> Create(const HttpSourceOptions& options,
                                                    Callback callback);
  ~HttpSource() override;
  HttpSource(const HttpSource&) = delete;
  HttpSource& operator=(const HttpSource&) = delete;

  // Waits up to timeout_ms for chunks and hands each to the callback; returns the records
  // consumed, or a negative errno (EINTR is returned as 0).
  int Poll(int timeout_ms);

  // Stops copying the bytes of a socket (its parser gave up on it).
  void Ignore(uint64_t conn_id);

  uint64_t LostEvents() const;
  const std::string& attach_mode() const { return mode_name_; }
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  HttpSource() = default;
  uint64_t ReadCounter(uint32_t idx) const;
  static int OnSample(void* ctx, void* data, size_t size);

  http* skel_ = nullptr;
  ring_buffer* rb_ = nullptr;
  Callback callback_;
  std::string mode_name_;
  StatCounter chunks_;
  StatCounter closes_;
  StatCounter malformed_;
  StatCounter ignored_;
};

}  // namespace edgewatch::sensor
