// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dns: DNS messages (UDP and TCP port 53) sent and received by local sockets, with their bytes.
 *
 * Why cgroup_skb on the cgroup v2 root: it runs for every socket of every process whatever its
 * network namespace (the cgroup of a socket is its creator's, and programs attached to the root
 * are inherited by every cgroup below with BPF_F_ALLOW_MULTI), sees the packet after the stack
 * has built it (egress) or just before it is queued to the socket (ingress), and carries the
 * socket, so the socket cookie ties queries and answers to a socket. kprobes/fentry on
 * udp_sendmsg are not available here, and tc or socket filters would need one attachment per
 * interface and namespace. skb->data starts at the network header for both directions.
 *
 * cgroup_skb runs in softirq context on ingress, so the owning process is recorded in process
 * context by the cgroup/connect{4,6} and cgroup/sendmsg{4,6} hooks in the socket's local storage
 * and read from there. Every program here returns 1: the probe observes, it never drops.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "abi/dns.h"
#include "ringbuf.bpf.h"

_Static_assert(sizeof(struct ew_dns_event) == 608, "ABI: update sensor/dns_abi.h too");

#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The sensor's own tgid: its own lookups must not feed back into its input. */
const volatile __u32 self_tgid = 0;

struct dns_owner {
	__u64 cgroup_id;
	__u64 netns_cookie;
	__u32 pid;
	__u32 pad;
	char comm[EW_DNS_COMM_LEN];
};

/* What the skb programs learn from the headers. */
struct dns_pkt {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 off; /* offset of the L4 payload from the network header */
	__u32 len; /* L4 payload length */
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u8 protocol;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} dns_events SEC(".maps");

/* Socket-local storage: the owner lives and dies with its socket (no table to bound, no
 * release hook, no socket cookie for sockets that never carry DNS). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct dns_owner);
} dns_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EW_DNS_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ew_dns_counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&ew_dns_counters, &idx);
	if (v)
		(*v)++;
}

static __always_inline bool is_dns(__u16 sport, __u16 dport)
{
	return sport == EW_DNS_PORT || dport == EW_DNS_PORT;
}

/* Reads the L4 ports and payload bounds at `l4` (offset of the transport header); false when the
 * packet is not UDP/TCP to or from port 53 or carries no payload. */
static __always_inline bool parse_l4(struct __sk_buff *skb, struct dns_pkt *p, __u32 l4,
				     __u32 l4_len)
{
	if (p->protocol == IPPROTO_UDP) {
		struct udphdr udp;
		if (bpf_skb_load_bytes(skb, l4, &udp, sizeof(udp)))
			return false;
		p->sport = bpf_ntohs(udp.source);
		p->dport = bpf_ntohs(udp.dest);
		__u32 ulen = bpf_ntohs(udp.len);
		if (ulen < sizeof(udp) || ulen > l4_len)
			ulen = l4_len;
		p->off = l4 + sizeof(udp);
		p->len = ulen - sizeof(udp);
	} else if (p->protocol == IPPROTO_TCP) {
		struct tcphdr tcp;
		if (bpf_skb_load_bytes(skb, l4, &tcp, sizeof(tcp)))
			return false;
		p->sport = bpf_ntohs(tcp.source);
		p->dport = bpf_ntohs(tcp.dest);
		__u32 doff = tcp.doff * 4;
		if (doff < sizeof(tcp) || doff >= l4_len)
			return false; /* SYN, ACK, FIN without data */
		p->off = l4 + doff;
		p->len = l4_len - doff;
	} else {
		return false;
	}
	if (!is_dns(p->sport, p->dport))
		return false;
	return p->len > 0;
}

static __always_inline bool parse(struct __sk_buff *skb, struct dns_pkt *p)
{
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return false;
		/* Only the first fragment has the L4 header. */
		if (bpf_ntohs(ip.frag_off) & IP_OFFSET)
			return false;
		__u32 ihl = ip.ihl * 4;
		__u32 tot = bpf_ntohs(ip.tot_len);
		if (ihl < sizeof(ip) || tot <= ihl)
			return false;
		if (tot > skb->len)
			tot = skb->len;
		p->family = AF_INET;
		p->protocol = ip.protocol;
		__builtin_memcpy(p->saddr, &ip.saddr, 4);
		__builtin_memcpy(p->daddr, &ip.daddr, 4);
		return parse_l4(skb, p, ihl, tot - ihl);
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return false;
		/* Extension headers are not walked: resolvers do not send them. */
		__u32 plen = bpf_ntohs(ip6.payload_len);
		if (plen > skb->len - sizeof(ip6))
			plen = skb->len - sizeof(ip6);
		p->family = AF_INET6;
		p->protocol = ip6.nexthdr;
		__builtin_memcpy(p->saddr, &ip6.saddr, 16);
		__builtin_memcpy(p->daddr, &ip6.daddr, 16);
		return parse_l4(skb, p, sizeof(ip6), plen);
	}
	return false;
}

/* A TCP socket that is neither bound to nor connected to port 53 carries no DNS: most packets
 * of a node, told apart from the socket's own fields without reading the packet. UDP sockets
 * are parsed whatever their ports (an unconnected one sends to :53 with sendto()). */
static __always_inline bool tcp_not_dns(struct bpf_sock *sk)
{
	if (!sk)
		return false;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->protocol != IPPROTO_TCP)
		return false;
	return sk->src_port != EW_DNS_PORT && bpf_ntohs(sk->dst_port) != EW_DNS_PORT;
}

static __always_inline void handle_skb(struct __sk_buff *skb, __u8 direction)
{
	struct dns_pkt p = {};
	if (tcp_not_dns(skb->sk))
		return;
	if (skb->len <= sizeof(struct iphdr) || !parse(skb, &p))
		return;

	struct dns_owner *o = NULL;
	struct bpf_sock *sk = skb->sk;
	if (sk)
		sk = bpf_sk_fullsock(sk);
	if (sk)
		o = bpf_sk_storage_get(&dns_owners, sk, 0, 0);
	if (o && self_tgid && o->pid == self_tgid)
		return;
	__u64 cookie = bpf_get_socket_cookie(skb);

	struct ew_dns_event *e = bpf_ringbuf_reserve(&dns_events, sizeof(*e), 0);
	if (!e) {
		count(EW_DNS_CNT_RINGBUF_FULL);
		return;
	}
	__builtin_memset(e, 0, offsetof(struct ew_dns_event, payload));
	e->ts_ns = bpf_ktime_get_ns();
	e->sock_cookie = cookie;
	e->family = p.family;
	e->direction = direction;
	e->protocol = p.protocol;
	e->sport = p.sport;
	e->dport = p.dport;
	e->payload_len = p.len > 0xffff ? 0xffff : p.len;
	__builtin_memcpy(e->saddr, p.saddr, 16);
	__builtin_memcpy(e->daddr, p.daddr, 16);
	if (o) {
		e->pid = o->pid;
		e->cgroup_id = o->cgroup_id;
		e->netns_cookie = o->netns_cookie;
		__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	} else {
		count(EW_DNS_CNT_OWNER_MISSING);
	}

	/* The helper needs a length the verifier can bound to 1..EW_DNS_MAX_PAYLOAD. Clang tests a
	 * copy of a clamped length and passes the unchecked register, so the bound is rebuilt after
	 * a barrier with a mask: for 1 <= n <= 512, ((n - 1) & 511) + 1 == n. */
	__u64 n = p.len;
	if (n > EW_DNS_MAX_PAYLOAD)
		n = EW_DNS_MAX_PAYLOAD;
	if (n >= 1) {
		barrier_var(n);
		n = ((n - 1) & (EW_DNS_MAX_PAYLOAD - 1)) + 1;
		if (bpf_skb_load_bytes(skb, p.off, e->payload, n) == 0)
			e->captured_len = n;
		else
			count(EW_DNS_CNT_LOAD_FAILED);
	}
	bpf_ringbuf_submit(e, ew_rb_submit_flags(&dns_events, sizeof(*e)));
}

SEC("cgroup_skb/egress")
int ew_dns_egress(struct __sk_buff *skb)
{
	handle_skb(skb, EW_DNS_EGRESS);
	return 1;
}

SEC("cgroup_skb/ingress")
int ew_dns_ingress(struct __sk_buff *skb)
{
	handle_skb(skb, EW_DNS_INGRESS);
	return 1;
}

/* ---- process context: who owns a socket that talks DNS ---- */

static __always_inline void remember_owner(struct bpf_sock_addr *ctx)
{
	__u16 dport = bpf_ntohs((__u16)ctx->user_port);
	__u16 sport = 0;
	struct bpf_sock *sk = ctx->sk;
	if (sk)
		sport = sk->src_port; /* a server's socket bound to :53 answering with sendmsg() */
	if (!is_dns(sport, dport))
		return;

	if (!sk)
		return;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct dns_owner *o = bpf_sk_storage_get(&dns_owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o || o->pid == pid)
		return; /* an unconnected socket's every sendto(): written once */
	o->pid = pid;
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->netns_cookie = bpf_get_netns_cookie(ctx);
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

SEC("cgroup/connect4")
int ew_dns_connect4(struct bpf_sock_addr *ctx)
{
	remember_owner(ctx);
	return 1;
}

SEC("cgroup/connect6")
int ew_dns_connect6(struct bpf_sock_addr *ctx)
{
	remember_owner(ctx);
	return 1;
}

SEC("cgroup/sendmsg4")
int ew_dns_sendmsg4(struct bpf_sock_addr *ctx)
{
	remember_owner(ctx);
	return 1;
}

SEC("cgroup/sendmsg6")
int ew_dns_sendmsg6(struct bpf_sock_addr *ctx)
{
	remember_owner(ctx);
	return 1;
}
