// DNS peers for kernel-level tests: dnsmasq in a test namespace, and hand-built queries.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace edgewatch::testing {

// An A query for `name` with header id `id` (RFC 1035 4.1), recursion desired.
std::vector<uint8_t> BuildDnsQuery(uint16_t id, const std::string& name);

// dnsmasq on `ip`:53 inside namespace `ns`: known.test → 10.1.2.3, names under fail.test are
// forwarded to a failing upstream (dnsmasq relays its SERVFAIL), other names under .test are
// local (NXDOMAIN), names elsewhere have no upstream (REFUSED). Waits until it listens.
// Returns its pid, or -1 with `why` set.
pid_t StartDnsmasq(const std::string& ns, const std::string& ip, std::string* why);
// SIGTERM and a bounded wait (dnsmasq and its failing upstream); false when it did not stop.
bool StopDnsmasq(pid_t pid);

// Child side: sends `query` from a UDP socket bound to `source_port` (0 = any) to ip:53 and
// waits up to timeout_ms for the answer; returns the answer's rcode, or -1 without one.
int AskDns(const std::string& ip, const std::vector<uint8_t>& query, int source_port,
           int timeout_ms);

}  // namespace edgewatch::testing
