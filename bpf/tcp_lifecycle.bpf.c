// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcp_lifecycle: connection outcomes, retransmits and resets of TCP sockets.
 *
 * Each hook exists twice: a tp_btf program (typed arguments, preferred) and a classic
 * tracepoint program (for kernels without tp_btf). User space keeps one set with
 * bpf_program__set_autoload(). Both call the same handlers below.
 *
 * State transitions come from softirq or timer context for most closes, so the owning process
 * is recorded when it is known (connect(), listen()) with the socket and in `listeners`
 * (netns, port -> owner), and looked up later. With the socket: in its local storage
 * (`owners_sk`, BPF_MAP_TYPE_SK_STORAGE: a pointer walk, freed with the socket) for the tp_btf
 * programs, whose `struct sock *` arguments the verifier trusts; in `owners` (an LRU hash by
 * socket address, deleted at tcp_destroy_sock) for the classic tracepoint programs, which only
 * see the address. User space creates only the map its programs use.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "abi/tcp_lifecycle.h"
#include "compat.bpf.h"
#include "ringbuf.bpf.h"

_Static_assert(sizeof(struct ew_tcp_event) == 112, "ABI: update sensor/tcp_lifecycle_abi.h too");

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define ECONNRESET 104
#define EPIPE 32

/* include/net/tcp_states.h */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_CLOSE 7
#define TCP_LISTEN 10

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The sensor's own tgid: its webhook and Kafka traffic must not feed back into its input. */
const volatile __u32 self_tgid = 0;

struct owner {
	__u64 start_ns;
	__u64 cgroup_id;
	__u32 pid;
	__u32 syn_retrans;
	__u8 role;
	__u8 pad[7];
	char comm[EW_COMM_LEN];
};

struct listener_key {
	__u32 netns;
	__u16 port;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, struct owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct owner);
} owners_sk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct listener_key);
	__type(value, struct owner);
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ew_counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&ew_counters, &idx);
	if (v)
		(*v)++;
}

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline void current_owner(struct owner *o, __u8 role)
{
	o->start_ns = bpf_ktime_get_ns();
	o->cgroup_id = bpf_get_current_cgroup_id();
	o->pid = bpf_get_current_pid_tgid() >> 32;
	o->syn_retrans = 0;
	o->role = role;
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

/* Fills the 4-tuple of `sk` (local = s*, remote = d*). */
static __always_inline void fill_tuple(struct ew_tcp_event *e, const struct sock *sk)
{
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* Not skc_num: inet_put_port() zeroes it before the CLOSE transition is traced. */
	e->sport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* Explicit sizes: BPF_CORE_READ_INTO would copy sizeof(*e->saddr), one byte. */
	if (e->family == AF_INET6) {
		bpf_core_read(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		bpf_core_read(e->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->daddr, 4, &sk->__sk_common.skc_daddr);
	}
	e->netns = sk_netns(sk);
}

static __always_inline void fill_owner(struct ew_tcp_event *e, const struct owner *o)
{
	if (!o) {
		count(EW_CNT_OWNER_MISSING);
		return;
	}
	e->start_ns = o->start_ns;
	e->cgroup_id = o->cgroup_id;
	e->pid = o->pid;
	e->syn_retrans = o->syn_retrans;
	e->role = o->role;
	__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
}

static __always_inline struct ew_tcp_event *reserve(__u32 kind)
{
	struct ew_tcp_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(EW_CNT_RINGBUF_FULL);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	return e;
}

static __always_inline int emit_sk(__u32 kind, const struct sock *sk, const struct owner *o,
				   int old_state, int new_state, int sk_err)
{
	struct ew_tcp_event *e = reserve(kind);
	if (!e)
		return 0;
	fill_tuple(e, sk);
	fill_owner(e, o);
	e->old_state = old_state;
	e->new_state = new_state;
	e->sk_err = sk_err;
	bpf_ringbuf_submit(e, ew_rb_submit_flags(&events, sizeof(*e)));
	return 0;
}

static __always_inline bool is_self(const struct owner *o)
{
	return o && self_tgid && o->pid == self_tgid;
}

/* The owner recorded with `sk`, or NULL. `btf` is a constant per program (the dead branch is
 * pruned): socket storage for tp_btf programs, the `owners` map for classic tracepoints. The
 * storage helper returns NULL for sockets that are not full (request, timewait). */
static __always_inline struct owner *owner_of(const struct sock *sk, bool btf)
{
	if (btf)
		return bpf_sk_storage_get(&owners_sk, (struct sock *)sk, 0, 0);
	__u64 key = (__u64)sk;
	return bpf_map_lookup_elem(&owners, &key);
}

static __always_inline void set_owner(const struct sock *sk, const struct owner *o, bool btf)
{
	if (btf) {
		struct owner *p = bpf_sk_storage_get(&owners_sk, (struct sock *)sk, 0,
						     BPF_SK_STORAGE_GET_F_CREATE);
		if (p)
			*p = *o;
		else
			count(EW_CNT_OWNER_MISSING);
		return;
	}
	__u64 key = (__u64)sk;
	bpf_map_update_elem(&owners, &key, o, BPF_ANY);
}

/* The socket's netns and local port for `listeners`: direct loads for tp_btf programs (a
 * typed socket pointer: no helper call per field), probe reads for classic tracepoints. */
static __always_inline struct listener_key listener_of(const struct sock *sk, bool btf)
{
	struct listener_key lk = {};
	if (btf) {
		lk.netns = sk->__sk_common.skc_net.net->ns.inum;
		lk.port = sk->__sk_common.skc_num;
	} else {
		lk.netns = sk_netns(sk);
		lk.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	}
	return lk;
}

static __always_inline int handle_set_state(const struct sock *sk, int oldstate, int newstate,
					    bool btf)
{
	/* Most of a connection's transitions (FIN_WAIT*, CLOSE_WAIT, LAST_ACK, CLOSING,
	 * TIME_WAIT) say nothing here: they return before any read. */
	if (newstate != TCP_SYN_SENT && newstate != TCP_LISTEN && newstate != TCP_SYN_RECV &&
	    newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE)
		return 0;
	/* The classic tracepoint program tested the record's protocol already. */
	if (btf && BPF_CORE_READ_BITFIELD(sk, sk_protocol) != IPPROTO_TCP)
		return 0;

	/* connect() and listen() run in process context: remember who owns the socket. */
	if (newstate == TCP_SYN_SENT) {
		struct owner o = {};
		current_owner(&o, EW_ROLE_CLIENT);
		set_owner(sk, &o, btf);
		return 0;
	}
	if (newstate == TCP_LISTEN) {
		struct owner o = {};
		struct listener_key lk = listener_of(sk, btf);
		current_owner(&o, EW_ROLE_SERVER);
		bpf_map_update_elem(&listeners, &lk, &o, BPF_ANY);
		return 0;
	}
	/* A passively opened child socket: inherit the listener's owner (softirq context). */
	if (newstate == TCP_SYN_RECV) {
		struct listener_key lk = listener_of(sk, btf);
		struct owner *l = bpf_map_lookup_elem(&listeners, &lk);
		struct owner o = {};
		if (l)
			o = *l;
		o.start_ns = bpf_ktime_get_ns();
		o.syn_retrans = 0;
		o.role = EW_ROLE_SERVER;
		set_owner(sk, &o, btf);
		return 0;
	}

	struct owner *o = owner_of(sk, btf);
	if (is_self(o))
		return 0;

	if (newstate == TCP_ESTABLISHED) {
		if (oldstate == TCP_SYN_SENT)
			emit_sk(EW_TCP_CONNECTED, sk, o, oldstate, newstate, 0);
		else if (oldstate == TCP_SYN_RECV)
			emit_sk(EW_TCP_ACCEPTED, sk, o, oldstate, newstate, 0);
		return 0;
	}
	if (newstate != TCP_CLOSE)
		return 0;

	if (oldstate == TCP_LISTEN) {
		/* A listener closing is not a failed connection (OTel eBPF issues #1919, #3040). */
		struct listener_key lk = listener_of(sk, btf);
		bpf_map_delete_elem(&listeners, &lk);
		return 0;
	}

	int err = BPF_CORE_READ(sk, sk_err);
	if (!err)
		err = BPF_CORE_READ(sk, sk_err_soft);

	if (oldstate == TCP_SYN_SENT) {
		/* sk_err == 0: the application gave up. A failure only if SYNs went unanswered. */
		if (err || (o && o->syn_retrans))
			emit_sk(EW_TCP_CONNECT_FAILED, sk, o, oldstate, newstate, err);
	} else if (oldstate == TCP_SYN_RECV) {
		emit_sk(EW_TCP_ACCEPT_FAILED, sk, o, oldstate, newstate, err);
	} else if (err == ECONNRESET || err == EPIPE) {
		emit_sk(EW_TCP_RESET, sk, o, oldstate, newstate, err);
	}
	/* Other closes (sk_err == 0, local close of idle sockets) are normal. The owner stays
	 * until tcp_destroy_sock: an abortive close sends its RST after the CLOSE transition. */
	return 0;
}

static __always_inline int handle_destroy(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	bpf_map_delete_elem(&owners, &key);
	return 0;
}

static __always_inline int handle_retransmit(const struct sock *sk, int err, bool btf)
{
	if (err) /* not sent (6.17+ traces failed attempts too); the MIB does not count it either */
		return 0;
	struct owner *o = owner_of(sk, btf);
	if (is_self(o))
		return 0;
	int state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == TCP_SYN_SENT && o)
		__sync_fetch_and_add(&o->syn_retrans, 1);
	return emit_sk(EW_TCP_RETRANSMIT, sk, o, state, state, 0);
}

static __always_inline int handle_synack_retransmit(const struct sock *listener,
						    const struct request_sock *req)
{
	struct ew_tcp_event *e = reserve(EW_TCP_SYNACK_RETRANSMIT);
	if (!e)
		return 0;
	/* The request socket holds the 4-tuple (struct inet_request_sock embeds sock_common). */
	const struct sock *rsk = (const struct sock *)req;
	fill_tuple(e, rsk);
	/* No inet_sport in a request sock: its skc_num (ir_num) is the local port. */
	e->sport = BPF_CORE_READ(rsk, __sk_common.skc_num);
	e->netns = sk_netns(listener);
	struct listener_key lk = {.netns = e->netns, .port = e->sport};
	fill_owner(e, bpf_map_lookup_elem(&listeners, &lk));
	e->role = EW_ROLE_SERVER;
	e->old_state = e->new_state = TCP_SYN_RECV;
	bpf_ringbuf_submit(e, ew_rb_submit_flags(&events, sizeof(*e)));
	return 0;
}

/* Tuple from the skb a reset answers: local = its destination, remote = its source. */
static __always_inline void fill_tuple_from_skb(struct ew_tcp_event *e, const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	struct tcphdr tcp = {};
	__u8 version = 0;

	bpf_probe_read_kernel(&version, 1, head + nh);
	version >>= 4;
	if (version == 4) {
		struct iphdr ip = {};
		bpf_probe_read_kernel(&ip, sizeof(ip), head + nh);
		e->family = AF_INET;
		__builtin_memcpy(e->saddr, &ip.daddr, 4);
		__builtin_memcpy(e->daddr, &ip.saddr, 4);
	} else if (version == 6) {
		struct ipv6hdr ip6 = {};
		bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh);
		e->family = AF_INET6;
		__builtin_memcpy(e->saddr, &ip6.daddr, 16);
		__builtin_memcpy(e->daddr, &ip6.saddr, 16);
	}
	bpf_probe_read_kernel(&tcp, sizeof(tcp), head + th);
	e->sport = bpf_ntohs(tcp.dest);
	e->dport = bpf_ntohs(tcp.source);
	const struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (dev)
		e->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
}

static __always_inline int handle_send_reset(const struct sock *sk, const struct sk_buff *skb,
					     bool btf)
{
	if (sk) {
		struct owner *o = owner_of(sk, btf);
		if (is_self(o))
			return 0;
		int state = BPF_CORE_READ(sk, __sk_common.skc_state);
		/* Listener answering a SYN it cannot take, or timewait/request socks: tuple from
		 * skb. */
		if (state < TCP_LISTEN)
			return emit_sk(EW_TCP_RST_SENT, sk, o, state, state, 0);
	}
	if (!skb)
		return 0;
	/* No full socket (e.g. a SYN to a closed port): the local side acts as the server. */
	struct ew_tcp_event *e = reserve(EW_TCP_RST_SENT);
	if (!e)
		return 0;
	fill_tuple_from_skb(e, skb);
	e->role = EW_ROLE_SERVER;
	bpf_ringbuf_submit(e, ew_rb_submit_flags(&events, sizeof(*e)));
	return 0;
}

static __always_inline int handle_receive_reset(const struct sock *sk, bool btf)
{
	struct owner *o = owner_of(sk, btf);
	if (is_self(o))
		return 0;
	int state = BPF_CORE_READ(sk, __sk_common.skc_state);
	return emit_sk(EW_TCP_RST_RECEIVED, sk, o, state, state, 0);
}

/* ---- tp_btf programs (preferred) ---- */

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ew_set_state_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	return handle_set_state(sk, oldstate, newstate, true);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(ew_retransmit_btf, const struct sock *sk, const struct sk_buff *skb)
{
	int err = 0;
	/* The third argument exists from 6.17 on (see compat.bpf.h); the dead branch is pruned. */
	if (ew_retransmit_has_err())
		err = (int)ctx[2];
	return handle_retransmit(sk, err, true);
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(ew_synack_btf, const struct sock *sk, const struct request_sock *req)
{
	return handle_synack_retransmit(sk, req);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(ew_send_reset_btf, const struct sock *sk, const struct sk_buff *skb)
{
	return handle_send_reset(sk, skb, true);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(ew_receive_reset_btf, struct sock *sk) { return handle_receive_reset(sk, true); }

/* No tcp_destroy_sock program for tp_btf: socket storage goes with the socket. */

/* ---- classic tracepoint programs (fallback) ---- */

SEC("tracepoint/sock/inet_sock_set_state")
int ew_set_state_tp(struct trace_event_raw_inet_sock_set_state___ew *ctx)
{
	if (BPF_CORE_READ(ctx, protocol) != IPPROTO_TCP)
		return 0;
	return handle_set_state((const struct sock *)BPF_CORE_READ(ctx, skaddr),
				BPF_CORE_READ(ctx, oldstate), BPF_CORE_READ(ctx, newstate), false);
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int ew_retransmit_tp(void *ctx)
{
	int err = 0;
	const struct sock *sk = ew_retransmit_record_sk(ctx, &err);
	return handle_retransmit(sk, err, false);
}

SEC("tracepoint/tcp/tcp_retransmit_synack")
int ew_synack_tp(struct trace_event_raw_tcp_retransmit_synack___ew *ctx)
{
	return handle_synack_retransmit((const struct sock *)BPF_CORE_READ(ctx, skaddr),
					(const struct request_sock *)BPF_CORE_READ(ctx, req));
}

SEC("tracepoint/tcp/tcp_send_reset")
int ew_send_reset_tp(void *ctx)
{
	const struct sk_buff *skb = NULL;
	const struct sock *sk = ew_send_reset_record(ctx, &skb);
	return handle_send_reset(sk, skb, false);
}

SEC("tracepoint/tcp/tcp_receive_reset")
int ew_receive_reset_tp(struct trace_event_raw_tcp_event_sk___ew *ctx)
{
	return handle_receive_reset((const struct sock *)BPF_CORE_READ(ctx, skaddr), false);
}

SEC("tracepoint/tcp/tcp_destroy_sock")
int ew_destroy_tp(struct trace_event_raw_tcp_event_sk___ew *ctx)
{
	return handle_destroy((const struct sock *)BPF_CORE_READ(ctx, skaddr));
}
