// The dns probe's event as user space sees it, pinned to the layout the BPF object was compiled
// with. A change in bpf/include/abi/dns.h that moves a field fails here.
#pragma once

#include <cstddef>

extern "C" {
#include "abi/dns.h"
}

static_assert(EW_DNS_ABI_VERSION == 1, "update the asserts below with the ABI version");
static_assert(EW_DNS_MAX_PAYLOAD == 512);
static_assert(sizeof(ew_dns_event) == 608);
static_assert(offsetof(ew_dns_event, ts_ns) == 0);
static_assert(offsetof(ew_dns_event, sock_cookie) == 8);
static_assert(offsetof(ew_dns_event, netns_cookie) == 16);
static_assert(offsetof(ew_dns_event, cgroup_id) == 24);
static_assert(offsetof(ew_dns_event, pid) == 32);
static_assert(offsetof(ew_dns_event, family) == 36);
static_assert(offsetof(ew_dns_event, direction) == 38);
static_assert(offsetof(ew_dns_event, protocol) == 39);
static_assert(offsetof(ew_dns_event, sport) == 40);
static_assert(offsetof(ew_dns_event, dport) == 42);
static_assert(offsetof(ew_dns_event, payload_len) == 44);
static_assert(offsetof(ew_dns_event, captured_len) == 46);
static_assert(offsetof(ew_dns_event, saddr) == 48);
static_assert(offsetof(ew_dns_event, daddr) == 64);
static_assert(offsetof(ew_dns_event, comm) == 80);
static_assert(offsetof(ew_dns_event, payload) == 96);
