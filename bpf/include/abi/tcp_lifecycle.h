/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI of the tcp_lifecycle probe: the only definitions shared by bpf/tcp_lifecycle.bpf.c and
 * user space. Fixed-width types only; the C++ side pins size and offsets with static_assert
 * (sensor/tcp_lifecycle_abi.h). Bump EW_TCP_ABI_VERSION on any layout change.
 */
#ifndef EDGEWATCH_ABI_TCP_LIFECYCLE_H
#define EDGEWATCH_ABI_TCP_LIFECYCLE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EW_TCP_ABI_VERSION 1
#define EW_COMM_LEN 16

enum ew_tcp_event_kind {
	EW_TCP_CONNECTED = 1,	   /* client SYN_SENT -> ESTABLISHED */
	EW_TCP_CONNECT_FAILED = 2, /* client SYN_SENT -> CLOSE with an error */
	EW_TCP_ACCEPTED = 3,	   /* server SYN_RECV -> ESTABLISHED */
	EW_TCP_ACCEPT_FAILED = 4,  /* server SYN_RECV -> CLOSE */
	EW_TCP_RESET = 5,	   /* later state -> CLOSE with ECONNRESET/EPIPE */
	EW_TCP_RETRANSMIT = 6,	   /* segment retransmitted; state tells SYN from data */
	EW_TCP_SYNACK_RETRANSMIT = 7,
	EW_TCP_RST_SENT = 8,
	EW_TCP_RST_RECEIVED = 9,
};

enum ew_role {
	EW_ROLE_UNKNOWN = 0,
	EW_ROLE_CLIENT = 1, /* local side called connect() */
	EW_ROLE_SERVER = 2, /* local side accepted */
};

/* Addresses and ports are from the local socket's point of view: s* local, d* remote. */
struct ew_tcp_event {
	__u64 ts_ns;	   /* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u64 start_ns;	   /* connect()/SYN_RECV time of the socket, 0 when unknown */
	__u64 cgroup_id;   /* cgroup v2 id of the owning process, 0 when unknown */
	__u32 pid;	   /* tgid of the owning process, 0 when unknown */
	__u32 netns;	   /* network namespace inode */
	__u32 kind;	   /* enum ew_tcp_event_kind */
	__s32 sk_err;	   /* errno at close (connect failures, resets) */
	__u32 syn_retrans; /* SYN retransmits of this socket so far */
	__u16 family;	   /* AF_INET or AF_INET6 */
	__u16 sport;	   /* local port, host byte order */
	__u16 dport;	   /* remote port, host byte order */
	__u8 role;	   /* enum ew_role */
	__u8 old_state;	   /* TCP state before (TCP_* numbering of include/net/tcp_states.h) */
	__u8 new_state;
	__u8 pad[7];
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	char comm[EW_COMM_LEN];
};

/* Index into the per-CPU counter map `ew_counters`. */
enum ew_tcp_counter {
	EW_CNT_RINGBUF_FULL = 0, /* events lost: ring buffer reservation failed */
	EW_CNT_OWNER_MISSING,	 /* events of sockets opened before the sensor started */
	EW_CNT_MAX,
};

#endif /* EDGEWATCH_ABI_TCP_LIFECYCLE_H */
