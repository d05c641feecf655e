// A decoded tcp_lifecycle kernel event, with identity attached, ready for aggregation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace edgewatch::sensor {

enum class TcpEventKind : uint8_t {
  kConnected,
  kConnectFailed,
  kAccepted,
  kAcceptFailed,
  kReset,
  kRetransmit,
  kSynackRetransmit,
  kResetSent,
  kResetReceived,
};
inline constexpr size_t kTcpEventKinds = 9;
static_assert(static_cast<size_t>(TcpEventKind::kResetReceived) + 1 == kTcpEventKinds);
// "connected", "connect_failed", ... (the `kind` label of edgewatch_sensor_events_decoded_total).
const char* TcpEventKindName(TcpEventKind kind);

enum class Role : uint8_t { kUnknown, kClient, kServer };

struct TcpEvent {
  TcpEventKind kind = TcpEventKind::kConnected;
  Role role = Role::kUnknown;  // after inference: never kUnknown when it leaves the decoder
  int64_t time_ns = 0;         // unix epoch ns
  int64_t start_ns = 0;        // unix epoch ns of connect()/SYN_RECV, 0 unknown
  std::string local_ip;
  uint16_t local_port = 0;
  std::string remote_ip;
  uint16_t remote_port = 0;
  uint32_t pid = 0;
  std::string comm;
  uint64_t cgroup_id = 0;
  std::string container_id;  // filled by identity
  uint32_t netns = 0;
  int32_t sk_err = 0;
  uint8_t old_state = 0;
  uint8_t new_state = 0;
  uint32_t syn_retransmits = 0;
};

// "SYN_SENT", "ESTABLISHED", ... (TCP_* numbering of include/net/tcp_states.h).
const char* TcpStateName(uint8_t state);

// Failure cause of a connect failure or reset, from the socket error:
// refused | timeout | reset | unreachable | other.
const char* FailureCause(TcpEventKind kind, int32_t sk_err);

}  // namespace edgewatch::sensor
