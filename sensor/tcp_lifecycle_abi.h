// The tcp_lifecycle probe's event as user space sees it, pinned to the layout the BPF object was
// compiled with. A change in bpf/include/abi/tcp_lifecycle.h that moves a field fails here.
#pragma once

#include <cstddef>

extern "C" {
#include "abi/tcp_lifecycle.h"
}

static_assert(EW_TCP_ABI_VERSION == 1, "update the asserts below with the ABI version");
static_assert(sizeof(ew_tcp_event) == 112);
static_assert(offsetof(ew_tcp_event, ts_ns) == 0);
static_assert(offsetof(ew_tcp_event, start_ns) == 8);
static_assert(offsetof(ew_tcp_event, cgroup_id) == 16);
static_assert(offsetof(ew_tcp_event, pid) == 24);
static_assert(offsetof(ew_tcp_event, netns) == 28);
static_assert(offsetof(ew_tcp_event, kind) == 32);
static_assert(offsetof(ew_tcp_event, sk_err) == 36);
static_assert(offsetof(ew_tcp_event, syn_retrans) == 40);
static_assert(offsetof(ew_tcp_event, family) == 44);
static_assert(offsetof(ew_tcp_event, sport) == 46);
static_assert(offsetof(ew_tcp_event, dport) == 48);
static_assert(offsetof(ew_tcp_event, role) == 50);
static_assert(offsetof(ew_tcp_event, old_state) == 51);
static_assert(offsetof(ew_tcp_event, new_state) == 52);
static_assert(offsetof(ew_tcp_event, saddr) == 60);
static_assert(offsetof(ew_tcp_event, daddr) == 76);
static_assert(offsetof(ew_tcp_event, comm) == 92);
