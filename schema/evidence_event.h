// One raw kernel observation kept as evidence: a failed connect, a reset, a failed accept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "schema/edge.h"

namespace edgewatch::schema {

inline constexpr std::string_view kEvidenceSchema = "edgewatch.evidence.v1";

enum class EvidenceKind : uint8_t {
  kConnectFailed,  // client SYN_SENT → CLOSE with an error
  kAcceptFailed,   // server SYN_RECV → CLOSE
  kReset,          // established connection reset (ECONNRESET / EPIPE)
};
const char* EvidenceKindName(EvidenceKind k);

struct EvidenceEvent {
  std::string id;  // "<node>/<sensor start ns>/<seq>", unique per sensor run
  std::string node;
  EvidenceKind kind = EvidenceKind::kConnectFailed;
  std::string cause;    // refused | timeout | reset | unreachable | other
  int64_t time_ns = 0;  // unix epoch ns of the kernel event
  Edge edge;
  std::string edge_key;  // edge.Key(), for joining with windows
  // Full 5-tuple from the local socket's point of view.
  std::string protocol = "tcp";
  std::string src_ip;
  uint16_t src_port = 0;
  std::string dst_ip;
  uint16_t dst_port = 0;
  uint32_t pid = 0;  // 0 when no process context was known
  std::string comm;  // process name (kernel comm, ≤ 15 chars)
  std::string container_id;
  uint64_t cgroup_id = 0;
  uint32_t netns = 0;     // network namespace inode
  int32_t sk_err = 0;     // kernel socket error (errno) at close
  std::string old_state;  // TCP state before the close, e.g. "SYN_SENT"
  uint32_t syn_retransmits = 0;
  uint64_t duration_us = 0;  // from connect()/SYN_RECV to the failure
};

}  // namespace edgewatch::schema
