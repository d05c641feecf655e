// The http probe's event as user space sees it, pinned to the layout the BPF object was compiled
// with. A change in bpf/include/abi/http.h that moves a field fails here.
#pragma once

#include <cstddef>

extern "C" {
#include "abi/http.h"
}

static_assert(EW_HTTP_ABI_VERSION == 1, "update the asserts below with the ABI version");
static_assert(EW_HTTP_MAX_CAPTURE == 1024);
static_assert(sizeof(ew_http_event) == EW_HTTP_HEADER_LEN + EW_HTTP_MAX_CAPTURE);
static_assert(offsetof(ew_http_event, ts_ns) == 0);
static_assert(offsetof(ew_http_event, conn_id) == 8);
static_assert(offsetof(ew_http_event, cgroup_id) == 16);
static_assert(offsetof(ew_http_event, pid) == 24);
static_assert(offsetof(ew_http_event, netns) == 28);
static_assert(offsetof(ew_http_event, real_len) == 32);
static_assert(offsetof(ew_http_event, captured_len) == 36);
static_assert(offsetof(ew_http_event, family) == 38);
static_assert(offsetof(ew_http_event, sport) == 40);
static_assert(offsetof(ew_http_event, dport) == 42);
static_assert(offsetof(ew_http_event, kind) == 44);
static_assert(offsetof(ew_http_event, direction) == 45);
static_assert(offsetof(ew_http_event, syscall) == 46);
static_assert(offsetof(ew_http_event, saddr) == 48);
static_assert(offsetof(ew_http_event, daddr) == 64);
static_assert(offsetof(ew_http_event, comm) == 80);
static_assert(offsetof(ew_http_event, data) == EW_HTTP_HEADER_LEN);
static_assert(sizeof(ew_http_sock) == 8);
