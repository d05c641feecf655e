// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscall_floor: the cheapest possible syscall capture — programs on the raw sys_enter and
 * sys_exit tracepoints that return at once. kernel_overhead.sh (PROBE=floor) runs the workloads
 * with only these attached, to measure what enabling any syscall tracepoint costs by itself
 * (every thread of the node then takes the kernel's syscall slow path), apart from the work the
 * HTTP probe does in its programs.
 */
// vmlinux.h must come first: the root style would sort it after <bpf/...>.
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
// clang-format on

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_enter")
int ew_floor_enter(void* ctx) { return 0; }

SEC("tp_btf/sys_exit")
int ew_floor_exit(void* ctx) { return 0; }
