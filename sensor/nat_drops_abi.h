// The nat_drops probe's event as user space sees it, pinned to the layout the BPF object was
// compiled with. A change in bpf/include/abi/nat_drops.h that moves a field fails here.
#pragma once

#include <cstddef>

extern "C" {
#include "abi/nat_drops.h"
}

static_assert(EW_NAT_ABI_VERSION == 1, "update the asserts below with the ABI version");
static_assert(sizeof(ew_nat_drop_event) == 72);
static_assert(offsetof(ew_nat_drop_event, ts_ns) == 0);
static_assert(offsetof(ew_nat_drop_event, netns) == 8);
static_assert(offsetof(ew_nat_drop_event, family) == 12);
static_assert(offsetof(ew_nat_drop_event, tcp_flags) == 14);
static_assert(offsetof(ew_nat_drop_event, orig_sport) == 16);
static_assert(offsetof(ew_nat_drop_event, orig_dport) == 18);
static_assert(offsetof(ew_nat_drop_event, nat_sport) == 20);
static_assert(offsetof(ew_nat_drop_event, orig_saddr) == 24);
static_assert(offsetof(ew_nat_drop_event, orig_daddr) == 40);
static_assert(offsetof(ew_nat_drop_event, nat_saddr) == 56);
