// One raw observation kept as evidence: a failed connect, a reset, a failed accept (kernel
// events), an HTTP exchange that failed or was slow, a DNS query that failed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schema/edge.h"

namespace edgewatch::schema {

// v2 added the kinds http_request and dns_query with their `http` and `dns` objects (a new value
// of a closed set breaks v1 decoders). Decoders read v1 too: it is v2 without those.
inline constexpr std::string_view kEvidenceSchema = "edgewatch.evidence.v2";
inline constexpr std::string_view kEvidenceSchemaV1 = "edgewatch.evidence.v1";

enum class EvidenceKind : uint8_t {
  kConnectFailed,  // client SYN_SENT → CLOSE with an error
  kAcceptFailed,   // server SYN_RECV → CLOSE
  kReset,          // established connection reset (ECONNRESET / EPIPE)
  kHttpRequest,    // an HTTP exchange with an error status, no response, or slow (v2)
  kDnsQuery,       // a DNS query answered with an error rcode, or unanswered (v2)
  kCount_
};
inline constexpr size_t kEvidenceKinds = static_cast<size_t>(EvidenceKind::kCount_);
const char* EvidenceKindName(EvidenceKind k);

// What an HTTP exchange kept as evidence was. Values come from the wire; they are bounded by
// the sensor (path templated and ≤ 128 bytes, header values ≤ 256 bytes).
struct HttpEvidence {
  std::string method;        // "GET", "POST", …
  std::string path;          // templated: "/api/users/{id}"
  uint16_t status = 0;       // 0: no response before the connection ended
  uint64_t latency_us = 0;   // first request byte → first response byte (0 without response)
  std::string traceparent;   // W3C trace context header value, "" when absent
  std::string trace_id;      // its trace-id (32 hex digits), "" when absent or malformed
  std::string x_request_id;  // X-Request-ID header value, "" when absent
  bool operator==(const HttpEvidence&) const = default;
};

// What a DNS query kept as evidence asked and got.
struct DnsEvidence {
  std::string name;    // the queried name, as asked ("payments.internal.")
  uint16_t qtype = 0;  // numeric query type (1 A, 28 AAAA, …)
  std::string type;    // its mnemonic ("A", "AAAA", "TYPE65" for ones without a name)
  std::string rcode;   // "nxdomain" | "servfail" | "refused" | "formerr" | "other" | "" (timeout)
  uint16_t id = 0;     // DNS message id
  bool operator==(const DnsEvidence&) const = default;
};

// How a NAT on the node treated a connection kept as evidence: its SYNs were dropped after
// source NAT, before the NAT's conntrack entry was confirmed (an SNAT port conflict).
struct NatEvidence {
  uint32_t netns = 0;         // inode of the namespace that did the NAT
  std::string translated_ip;  // the source NAT gave the connection
  uint16_t translated_port = 0;
  uint32_t syn_drops = 0;  // this connection's SYNs dropped there
  bool operator==(const NatEvidence&) const = default;
};

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
  uint64_t duration_us = 0;  // from connect()/SYN_RECV to the failure; request/query → outcome
  std::optional<HttpEvidence> http;  // kind http_request
  std::optional<DnsEvidence> dns;    // kind dns_query
  std::optional<NatEvidence> nat;    // connect_failed whose SYNs a NAT on the node dropped
};

}  // namespace edgewatch::schema
