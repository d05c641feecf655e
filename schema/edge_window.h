// Per-edge aggregate over one short window — the main sensor → detector record.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/edge.h"
#include "schema/latency_histogram.h"

namespace edgewatch::schema {

inline constexpr std::string_view kEdgeWindowSchema = "edgewatch.edge_window.v1";

// Every counter of a window, in wire order. Rules name these ("signals"); keep the names stable.
enum class Counter : uint8_t {
  kConnects,           // client: connects that reached ESTABLISHED
  kAccepts,            // server: accepted connections that reached ESTABLISHED
  kRefused,            // client connect failed: ECONNREFUSED (RST answered the SYN)
  kTimeout,            // client connect failed: ETIMEDOUT, or abandoned after SYN retransmits
  kReset,              // connection reset (ECONNRESET/EPIPE) after or during the handshake
  kUnreachable,        // client connect failed: EHOSTUNREACH / ENETUNREACH
  kOtherFailures,      // client connect failed with another sk_err
  kAcceptFailures,     // server: SYN_RECV socket closed before ESTABLISHED
  kSynRetransmits,     // client: SYN retransmits
  kSynackRetransmits,  // server: SYN-ACK retransmits
  kDataRetransmits,    // retransmits of established-connection segments
  kResetsSent,         // RSTs the local stack sent on this edge
  kResetsReceived,     // RSTs received on this edge
  kCount_
};
inline constexpr size_t kCounterCount = static_cast<size_t>(Counter::kCount_);

// JSON / rule name of a counter ("connects", "syn_retransmits", ...).
std::string_view CounterName(Counter c);
std::optional<Counter> CounterFromName(std::string_view name);

struct LatencySummary {
  uint64_t count = 0;
  uint64_t sum_us = 0;
  uint64_t max_us = 0;
  void Add(uint64_t us) {
    ++count;
    sum_us += us;
    if (us > max_us) max_us = us;
  }
};

// DNS response codes counted per client → resolver edge (closed set; wire names in
// DnsRcodeName).
enum class DnsRcodeClass : uint8_t {
  kNoError,
  kNxDomain,
  kServFail,
  kRefused,
  kFormErr,
  kOther,
  kCount_
};
inline constexpr size_t kDnsRcodeClasses = static_cast<size_t>(DnsRcodeClass::kCount_);
std::string_view DnsRcodeClassName(DnsRcodeClass r);

// DNS over one window of a client → resolver edge: transactions ended in the window.
struct DnsCounts {
  uint64_t queries = 0;                             // transactions: answered + timed out
  std::array<uint64_t, kDnsRcodeClasses> rcodes{};  // answered, by response code
  uint64_t timeouts = 0;                            // no answer within the sensor's DNS timeout
  LatencyHistogram latency;                         // answered: query → response
  uint64_t& rcode(DnsRcodeClass r) { return rcodes[static_cast<size_t>(r)]; }
  uint64_t rcode(DnsRcodeClass r) const { return rcodes[static_cast<size_t>(r)]; }
  bool operator==(const DnsCounts&) const = default;
};

// HTTP status classes counted per edge (closed set; wire names in HttpStatusClassName).
enum class HttpStatusClass : uint8_t { k1xx, k2xx, k3xx, k4xx, k5xx, kOther, kCount_ };
inline constexpr size_t kHttpStatusClasses = static_cast<size_t>(HttpStatusClass::kCount_);
std::string_view HttpStatusClassName(HttpStatusClass c);
// The class of a status code: 100–199 → 1xx … 500–599 → 5xx, anything else kOther.
HttpStatusClass HttpStatusClassOf(int status);

// HTTP/1.x over one window of an edge: exchanges that ended in the window, as the side that
// produced the record saw them (a client edge: its requests; a server edge: those it served).
struct HttpCounts {
  uint64_t requests = 0;                              // answered + no_response
  std::array<uint64_t, kHttpStatusClasses> status{};  // answered, by status class
  uint64_t no_response = 0;  // the connection ended before a response started
  LatencyHistogram latency;  // answered: first byte of the request → first byte of the response
  uint64_t& at(HttpStatusClass c) { return status[static_cast<size_t>(c)]; }
  uint64_t at(HttpStatusClass c) const { return status[static_cast<size_t>(c)]; }
  bool operator==(const HttpCounts&) const = default;
};

struct EdgeWindow {
  std::string node;             // sensor node name
  uint64_t seq = 0;             // per-sensor sequence number, increments by one per record
  int64_t window_start_ns = 0;  // unix epoch ns, inclusive
  int64_t window_end_ns = 0;    // unix epoch ns, exclusive
  Edge edge;
  std::array<uint64_t, kCounterCount> counts{};
  LatencySummary connect_latency;         // client connects (successful), SYN → ESTABLISHED
  std::vector<std::string> evidence_ids;  // evidence events of this edge in this window (bounded)
  uint64_t evidence_dropped = 0;          // evidence events left out by the per-window bound
  // Set when the edge's SYN retransmits or connect timeouts coincide with conntrack insert
  // conflicts on a NAT the sensor watches: the id of that ConntrackWindow. Empty otherwise.
  std::string snat_suspect;
  // Set on DNS edges (client → resolver:53): what the sensor decoded of their queries.
  std::optional<DnsCounts> dns;
  // Set on edges that carried HTTP/1.x: requests, status classes and latency.
  std::optional<HttpCounts> http;

  uint64_t& at(Counter c) { return counts[static_cast<size_t>(c)]; }
  uint64_t at(Counter c) const { return counts[static_cast<size_t>(c)]; }
  // refused + timeout + reset + unreachable + other_failures + accept_failures
  uint64_t Failures() const;
};

}  // namespace edgewatch::schema
