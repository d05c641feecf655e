/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI of the dns probe: the only definitions shared by bpf/dns.bpf.c and user space.
 * Fixed-width types only; the C++ side pins size and offsets with static_assert
 * (sensor/dns_abi.h). Bump EW_DNS_ABI_VERSION on any layout change.
 */
#ifndef EDGEWATCH_ABI_DNS_H
#define EDGEWATCH_ABI_DNS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EW_DNS_ABI_VERSION 1
#define EW_DNS_COMM_LEN 16
#define EW_DNS_PORT 53
/* Bytes of the DNS message copied per packet: a classic UDP DNS message (RFC 1035 4.2.1). */
#define EW_DNS_MAX_PAYLOAD 512

enum ew_dns_direction {
	EW_DNS_EGRESS = 1,  /* sent by a local socket */
	EW_DNS_INGRESS = 2, /* delivered to a local socket */
};

/*
 * One UDP datagram or TCP segment to or from port 53, as the socket's cgroup_skb hook saw it.
 * Addresses are the packet's: s* is its source, d* its destination (not local/remote).
 */
struct ew_dns_event {
	__u64 ts_ns;	    /* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u64 sock_cookie;  /* bpf_get_socket_cookie() of the local socket */
	__u64 netns_cookie; /* bpf_get_netns_cookie() of the socket's netns; 0 when unknown */
	__u64 cgroup_id;    /* cgroup v2 id of the owning process, 0 when unknown */
	__u32 pid;	    /* tgid of the owning process, 0 when unknown */
	__u16 family;	    /* AF_INET or AF_INET6 */
	__u8 direction;	    /* enum ew_dns_direction */
	__u8 protocol;	    /* IPPROTO_UDP or IPPROTO_TCP */
	__u16 sport;	    /* host byte order */
	__u16 dport;
	__u16 payload_len;  /* L4 payload length of the packet (the DNS message for UDP) */
	__u16 captured_len; /* bytes valid in payload[], <= EW_DNS_MAX_PAYLOAD */
	__u8 saddr[16];	    /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	char comm[EW_DNS_COMM_LEN]; /* empty when unknown */
	__u8 payload[EW_DNS_MAX_PAYLOAD];
};

/* Index into the per-CPU counter map `ew_dns_counters`. */
enum ew_dns_counter {
	EW_DNS_CNT_RINGBUF_FULL = 0, /* events lost: ring buffer reservation failed */
	EW_DNS_CNT_OWNER_MISSING,    /* packets of sockets whose process was not seen */
	EW_DNS_CNT_LOAD_FAILED,	     /* bpf_skb_load_bytes failed; event sent without payload */
	EW_DNS_CNT_MAX,
};

#endif /* EDGEWATCH_ABI_DNS_H */
