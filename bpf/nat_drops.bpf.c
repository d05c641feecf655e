// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nat_drops: TCP packets that netfilter dropped after SNAT, before their conntrack entry was
 * confirmed — the packets an SNAT port conflict kills — with the connection's original tuple,
 * so user space can name the client socket whose SYNs died in the NAT.
 *
 * Hook: skb:kfree_skb with reason SKB_DROP_REASON_NETFILTER_DROP (see compat.bpf.h for the
 * kernels that have it). When __nf_conntrack_confirm() cannot insert a new entry (its reply
 * tuple clashes with an existing one, the conntrack `insert_failed`/`drop` counters), the
 * packet is dropped at the end of POSTROUTING: its entry is not IPS_CONFIRMED, and source NAT has
 * already been done (IPS_SRC_NAT_DONE). A rule that DROPs in FORWARD, or a dropped SYN-ACK of
 * an established flow, has one of the two bits the other way, so it is not reported. The
 * tracepoint fires in whatever network namespace the NAT is (a node, a pod, a test namespace).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "abi/nat_drops.h"
#include "compat.bpf.h"
#include "ringbuf.bpf.h"

_Static_assert(sizeof(struct ew_nat_drop_event) == 72, "ABI: update sensor/nat_drops_abi.h too");

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define NFCT_PTRMASK (~7UL)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} nat_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EW_NAT_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ew_nat_counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&ew_nat_counters, &idx);
	if (v)
		(*v)++;
}

static __always_inline void copy_addr(__u8 *dst, const union nf_inet_addr *a, __u16 family)
{
	if (family == AF_INET6)
		bpf_core_read(dst, 16, &a->ip6);
	else
		bpf_core_read(dst, 4, &a->ip);
}

/* The flags byte of the TCP header of `skb` (its transport header is set on the way out). */
static __always_inline __u8 tcp_flags(const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u8 flags = 0;
	if (th == (__u16)~0U)
		return 0;
	bpf_probe_read_kernel(&flags, 1, head + th + 13);
	return flags;
}

SEC("tracepoint/skb/kfree_skb")
int ew_nat_kfree_skb(struct trace_event_raw_kfree_skb___ew *ctx)
{
	if (!ew_kfree_skb_has_reason())
		return 0;
	if (ew_kfree_skb_reason(ctx) != ew_netfilter_drop_reason())
		return 0;
	count(EW_NAT_CNT_NETFILTER_DROPS);

	const struct sk_buff *skb = BPF_CORE_READ(ctx, skbaddr);
	unsigned long nfct = BPF_CORE_READ(skb, _nfct);
	const struct nf_conn *ct = (const struct nf_conn *)(nfct & NFCT_PTRMASK);
	if (!ct)
		return 0;
	unsigned long status = BPF_CORE_READ(ct, status);
	if ((status & (1UL << IPS_CONFIRMED_BIT)) || !(status & (1UL << IPS_SRC_NAT_DONE_BIT)))
		return 0;
	const struct nf_conntrack_tuple *orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *reply = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	if (BPF_CORE_READ(orig, dst.protonum) != IPPROTO_TCP)
		return 0;

	struct ew_nat_drop_event *e = bpf_ringbuf_reserve(&nat_events, sizeof(*e), 0);
	if (!e) {
		count(EW_NAT_CNT_RINGBUF_FULL);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->netns = BPF_CORE_READ(ct, ct_net.net, ns.inum);
	e->family = BPF_CORE_READ(orig, src.l3num);
	e->tcp_flags = tcp_flags(skb);
	e->orig_sport = bpf_ntohs(BPF_CORE_READ(orig, src.u.tcp.port));
	e->orig_dport = bpf_ntohs(BPF_CORE_READ(orig, dst.u.tcp.port));
	/* The reply goes back to the translated source. */
	e->nat_sport = bpf_ntohs(BPF_CORE_READ(reply, dst.u.tcp.port));
	copy_addr(e->orig_saddr, &orig->src.u3, e->family);
	copy_addr(e->orig_daddr, &orig->dst.u3, e->family);
	copy_addr(e->nat_saddr, &reply->dst.u3, e->family);
	bpf_ringbuf_submit(e, ew_rb_submit_flags(&nat_events, sizeof(*e)));
	return 0;
}
