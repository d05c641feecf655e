/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI of the nat_drops probe: the only definitions shared by bpf/nat_drops.bpf.c and user space.
 * Fixed-width types only; the C++ side pins size and offsets with static_assert
 * (sensor/nat_drops_abi.h). Bump EW_NAT_ABI_VERSION on any layout change.
 */
#ifndef EDGEWATCH_ABI_NAT_DROPS_H
#define EDGEWATCH_ABI_NAT_DROPS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EW_NAT_ABI_VERSION 1

/*
 * A TCP packet netfilter dropped after source NAT had been applied to its new, not yet
 * confirmed connection: the conntrack entry could not be inserted (an SNAT port conflict), or
 * a rule after NAT in POSTROUTING dropped it. Addresses and ports are the connection's
 * original direction (the client's own view, before NAT) and the source NAT gave it.
 */
struct ew_nat_drop_event {
	__u64 ts_ns;	/* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u32 netns;	/* inode of the network namespace that dropped it (the NAT's) */
	__u16 family;	/* AF_INET or AF_INET6 */
	__u8 tcp_flags; /* flags byte of the dropped segment's TCP header (0x02 = SYN) */
	__u8 pad;
	__u16 orig_sport; /* host byte order */
	__u16 orig_dport;
	__u16 nat_sport; /* the source port NAT chose */
	__u16 pad2;
	__u8 orig_saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 orig_daddr[16];
	__u8 nat_saddr[16];
};

enum ew_nat_counter {
	EW_NAT_CNT_RINGBUF_FULL = 0, /* events lost: ring buffer reservation failed */
	EW_NAT_CNT_NETFILTER_DROPS,  /* every netfilter drop seen (before the filters below) */
	EW_NAT_CNT_MAX,
};

#endif /* EDGEWATCH_ABI_NAT_DROPS_H */
