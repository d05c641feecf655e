#include "sensor/tcp_event_decoder.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "sensor/bpf_support.h"
#include "sensor/tcp_lifecycle_abi.h"

namespace edgewatch::sensor {

const char* TcpEventKindName(TcpEventKind kind) {
  static constexpr const char* kNames[kTcpEventKinds] = {
      "connected",  "connect_failed",    "accepted",   "accept_failed", "reset",
      "retransmit", "synack_retransmit", "reset_sent", "reset_received"};
  const auto i = static_cast<size_t>(kind);
  return i < kTcpEventKinds ? kNames[i] : "unknown";
}

const char* TcpStateName(uint8_t state) {
  static constexpr const char* kNames[] = {
      "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",
      "CLOSE",   "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV"};
  return state < std::size(kNames) ? kNames[state] : "UNKNOWN";
}

const char* FailureCause(TcpEventKind kind, int32_t sk_err) {
  switch (sk_err) {
    case ECONNREFUSED:
      return "refused";
    case ETIMEDOUT:
      return "timeout";
    case ECONNRESET:
    case EPIPE:
      return "reset";
    case EHOSTUNREACH:
    case ENETUNREACH:
      return "unreachable";
    case 0:
      // The probe reports a connect with sk_err 0 only when its SYNs went unanswered and the
      // application gave up first (its own connect timeout).
      return kind == TcpEventKind::kConnectFailed ? "timeout" : "other";
    default:
      return "other";
  }
}

EphemeralPortRange EphemeralPortRange::FromProc() {
  EphemeralPortRange r;
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 0, high = 0;
  if (in >> low >> high && low > 0 && low <= high && high <= 65535) {
    r.low = static_cast<uint16_t>(low);
    r.high = static_cast<uint16_t>(high);
  }
  return r;
}

int64_t MonotonicToUnixOffsetNs() {
  timespec mono{}, real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  return (real.tv_sec - mono.tv_sec) * 1'000'000'000LL + (real.tv_nsec - mono.tv_nsec);
}

TcpEventDecoder::TcpEventDecoder(EphemeralPortRange ports, int64_t mono_to_unix_ns)
    : ports_(ports), offset_ns_(mono_to_unix_ns) {}

std::optional<TcpEvent> TcpEventDecoder::Decode(const void* data, size_t size) {
  if (size < sizeof(ew_tcp_event)) {
    malformed_.Add();
    return std::nullopt;
  }
  ew_tcp_event raw;
  std::memcpy(&raw, data, sizeof raw);
  if (raw.kind < EW_TCP_CONNECTED || raw.kind > EW_TCP_RST_RECEIVED ||
      (raw.family != AF_INET && raw.family != AF_INET6)) {
    malformed_.Add();
    return std::nullopt;
  }
  TcpEvent e;
  e.kind = static_cast<TcpEventKind>(raw.kind - EW_TCP_CONNECTED);
  e.time_ns = static_cast<int64_t>(raw.ts_ns) + offset_ns_;
  e.start_ns = raw.start_ns ? static_cast<int64_t>(raw.start_ns) + offset_ns_ : 0;
  e.local_ip = FormatKernelAddr(raw.family, raw.saddr);
  e.remote_ip = FormatKernelAddr(raw.family, raw.daddr);
  e.local_port = raw.sport;
  e.remote_port = raw.dport;
  e.pid = raw.pid;
  e.comm.assign(raw.comm, strnlen(raw.comm, sizeof raw.comm));
  e.cgroup_id = raw.cgroup_id;
  e.netns = raw.netns;
  e.sk_err = raw.sk_err;
  e.old_state = raw.old_state;
  e.new_state = raw.new_state;
  e.syn_retransmits = raw.syn_retrans;
  switch (raw.role) {
    case EW_ROLE_CLIENT:
      e.role = Role::kClient;
      break;
    case EW_ROLE_SERVER:
      e.role = Role::kServer;
      break;
    default: {
      // Socket opened before the sensor: the side whose port is ephemeral is the client.
      role_inferred_.Add();
      bool local_eph = ports_.Contains(e.local_port);
      bool remote_eph = ports_.Contains(e.remote_port);
      if (local_eph != remote_eph) {
        e.role = local_eph ? Role::kClient : Role::kServer;
      } else {
        e.role = e.local_port > e.remote_port ? Role::kClient : Role::kServer;
      }
    }
  }
  decoded_[static_cast<size_t>(e.kind)].Add();
  return e;
}

void TcpEventDecoder::CollectStats(std::vector<StatSample>& out) const {
  for (size_t k = 0; k < kTcpEventKinds; ++k) {
    out.push_back(Counter("edgewatch_sensor_events_decoded_total",
                          "Kernel TCP events decoded from the ring buffer, by kind.",
                          decoded_[k].Get(),
                          {{"kind", TcpEventKindName(static_cast<TcpEventKind>(k))}}));
  }
  out.push_back(Counter("edgewatch_sensor_events_malformed_total",
                        "Ring-buffer records dropped as malformed (size, kind or family).",
                        malformed_.Get()));
  out.push_back(Counter("edgewatch_sensor_events_role_inferred_total",
                        "Events of sockets opened before the sensor, role inferred from ports.",
                        role_inferred_.Get()));
}

}  // namespace edgewatch::sensor
