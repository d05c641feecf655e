// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * http: the bytes that processes read from and write to TCP sockets carrying HTTP/1.x, from
 * syscall tracepoints (read/write, recvfrom/sendto, readv/writev, recvmsg/sendmsg, and the
 * length of sendfile), for user space to parse into requests and responses.
 *
 * Why syscall tracepoints: the buffers a process hands to the kernel are its messages, in its
 * order, on both sides of a connection, with the process as the current task; kprobes and
 * fentry on tcp_sendmsg/tcp_recvmsg are not available on our hosts, and packet hooks would see
 * segments that must be reassembled. The enter tracepoint finds the socket behind the fd and
 * saves the arguments; the exit tracepoint knows how many bytes moved and copies their start.
 *
 * Only TCP sockets (IPv4/IPv6) are followed. A socket is classified by its first bytes: a
 * request line's method or "HTTP/" makes it HTTP; after EW_HTTP_MAX_PROBES chunks that are
 * neither, it is given up, and its syscalls cost one map lookup from then on. User space marks
 * sockets whose parser gave up (TLS after all, HTTP/2, a tunnel) the same way.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "abi/http.h"
#include "compat.bpf.h"
#include "ringbuf.bpf.h"

_Static_assert(sizeof(struct ew_http_event) == EW_HTTP_HEADER_LEN + EW_HTTP_MAX_CAPTURE,
	       "ABI: update sensor/http_abi.h too");
_Static_assert(__builtin_offsetof(struct ew_http_event, data) == EW_HTTP_HEADER_LEN, "ABI");
_Static_assert((EW_HTTP_MAX_CAPTURE & (EW_HTTP_MAX_CAPTURE - 1)) == 0, "power of two");

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define MSG_PEEK 2

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The sensor's own tgid: its HTTP (webhooks, the /metrics server) is not observed. */
const volatile __u32 self_tgid = 0;

/* What the enter tracepoint saves for the exit tracepoint of the same thread. */
struct http_args {
	__u64 valid; /* set by sys_enter, cleared by sys_exit */
	__u64 sk;
	__u64 buf;    /* the buffer, or the iovec array for the vector forms */
	__u64 iovcnt; /* 0: `buf` is a plain buffer */
	__u8 direction;
	__u8 syscall;
	__u8 pad[6];
};

/* Scratch for one event: the spill area lets the verifier accept a copy of up to
 * EW_HTTP_MAX_CAPTURE bytes at any offset below EW_HTTP_MAX_CAPTURE. */
struct http_scratch {
	struct ew_http_event e;
	__u8 spill[EW_HTTP_MAX_CAPTURE];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} http_events SEC(".maps");

/* Per-thread task storage: the exit of every syscall looks here, and a thread without an entry
 * costs one pointer test; an entry goes away with its thread (one that dies inside a syscall
 * never reaches its sys_exit). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct http_args);
} http_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock address */
	__type(value, struct ew_http_sock);
} http_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct http_scratch);
} http_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EW_HTTP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ew_http_counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&ew_http_counters, &idx);
	if (v)
		(*v)++;
}

/* The TCP socket behind `fd`, or NULL (not a socket, not TCP, or given up as not HTTP). */
static __always_inline const struct sock *http_candidate(__u64 fd)
{
	const struct sock *sk = ew_fd_tcp_sock(fd);
	if (!sk)
		return NULL;
	__u64 key = (__u64)sk;
	struct ew_http_sock *s = bpf_map_lookup_elem(&http_socks, &key);
	if (s && s->state == EW_HTTP_SOCK_NOT_HTTP)
		return NULL;
	return sk;
}

static __always_inline int enter(__u64 fd, __u64 buf, __u64 iovcnt, __u8 direction, __u8 syscall)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (self_tgid && (id >> 32) == self_tgid)
		return 0;
	const struct sock *sk = http_candidate(fd);
	if (!sk)
		return 0;
	struct http_args *a = bpf_task_storage_get(&http_inflight, bpf_get_current_task_btf(), 0,
						   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!a) {
		count(EW_HTTP_CNT_ARGS_FULL);
		return 0;
	}
	a->sk = (__u64)sk;
	a->buf = buf;
	a->iovcnt = iovcnt;
	a->direction = direction;
	a->syscall = syscall;
	a->valid = 1;
	return 0;
}

/* Copies up to `len` bytes from user `src` to data[off..]; returns the bytes copied. */
static __always_inline __u32 copy_user(struct ew_http_event *e, __u32 off, const void *src,
				       __u64 len)
{
	if (off >= EW_HTTP_MAX_CAPTURE || len == 0)
		return 0;
	__u64 n = EW_HTTP_MAX_CAPTURE - off;
	if (len < n)
		n = len;
	/* Rebuild both bounds after a barrier (clang tests a copy and passes the unchecked
	 * register otherwise): off < CAP and 1 <= n <= CAP keep data[off + n] in the scratch. */
	barrier_var(off);
	off &= EW_HTTP_MAX_CAPTURE - 1;
	barrier_var(n);
	n = ((n - 1) & (EW_HTTP_MAX_CAPTURE - 1)) + 1;
	if (bpf_probe_read_user(e->data + off, n, src)) {
		count(EW_HTTP_CNT_READ_FAILED);
		return 0;
	}
	return n;
}

static __always_inline __u32 capture(struct ew_http_event *e, const struct http_args *a,
				     __u64 moved)
{
	if (a->syscall == EW_HTTP_SYS_SENDFILE)
		return 0;
	if (a->iovcnt == 0)
		return copy_user(e, 0, (const void *)a->buf, moved);
	__u32 off = 0;
	const struct iovec *iov = (const struct iovec *)a->buf;
	for (int i = 0; i < EW_HTTP_MAX_IOV; i++) {
		if (i >= a->iovcnt || off >= EW_HTTP_MAX_CAPTURE || moved == 0)
			break;
		struct iovec v = {};
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]))
			break;
		__u64 n = v.iov_len < moved ? v.iov_len : moved;
		__u32 got = copy_user(e, off, v.iov_base, n);
		if (got == 0 && n != 0)
			break;
		off += got;
		moved -= n;
	}
	return off;
}

static __always_inline bool is_method4(const __u8 *d)
{
	/* The first four bytes of every method the user-space parser knows, and of "HTTP/". */
	__u32 w = (__u32)d[0] | (__u32)d[1] << 8 | (__u32)d[2] << 16 | (__u32)d[3] << 24;
#define W(a, b, c, d) ((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)
	return w == W('G', 'E', 'T', ' ') || w == W('P', 'O', 'S', 'T') ||
	       w == W('P', 'U', 'T', ' ') || w == W('H', 'E', 'A', 'D') ||
	       w == W('D', 'E', 'L', 'E') || w == W('P', 'A', 'T', 'C') ||
	       w == W('O', 'P', 'T', 'I') || w == W('C', 'O', 'N', 'N') ||
	       w == W('T', 'R', 'A', 'C') || w == W('H', 'T', 'T', 'P');
#undef W
}

/* The socket's entry when the chunk in `e` may be sent (the socket is HTTP, or this chunk makes
 * it so), else NULL. */
static __always_inline struct ew_http_sock *classify(__u64 sk, const struct ew_http_event *e,
						     __u32 captured)
{
	struct ew_http_sock *s = bpf_map_lookup_elem(&http_socks, &sk);
	if (s && s->state == EW_HTTP_SOCK_HTTP)
		return s;
	if (s && s->state == EW_HTTP_SOCK_NOT_HTTP)
		return NULL;
	struct ew_http_sock ns = {};
	if (s)
		ns = *s;
	if (captured >= 4 && is_method4(e->data)) {
		ns.state = EW_HTTP_SOCK_HTTP;
		count(EW_HTTP_CNT_CLASSIFIED_HTTP);
	} else if (++ns.probes >= EW_HTTP_MAX_PROBES) {
		ns.state = EW_HTTP_SOCK_NOT_HTTP;
		count(EW_HTTP_CNT_CLASSIFIED_OTHER);
	}
	bpf_map_update_elem(&http_socks, &sk, &ns, BPF_ANY);
	if (ns.state != EW_HTTP_SOCK_HTTP)
		return NULL;
	return bpf_map_lookup_elem(&http_socks, &sk);
}

static __always_inline void fill_socket(struct ew_http_event *e, const struct sock *sk)
{
	e->conn_id = (__u64)sk;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* Not skc_num: inet_put_port() zeroes it before the socket is destroyed. */
	e->sport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->family == AF_INET6) {
		bpf_core_read(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		__builtin_memset(e->saddr, 0, 16);
		__builtin_memset(e->daddr, 0, 16);
		bpf_core_read(e->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->daddr, 4, &sk->__sk_common.skc_daddr);
	}
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* This CPU's event buffer (programs of one CPU do not nest here: tracepoints are not re-entered).
 */
static __always_inline struct ew_http_event *scratch_event(void)
{
	__u32 zero = 0;
	struct http_scratch *scratch = bpf_map_lookup_elem(&http_scratch, &zero);
	return scratch ? &scratch->e : NULL;
}

static __always_inline void output(struct ew_http_event *e, __u32 captured)
{
	__u64 size = EW_HTTP_HEADER_LEN + captured;
	if (size > sizeof(*e))
		size = sizeof(*e);
	barrier_var(size);
	if (size < EW_HTTP_HEADER_LEN)
		size = EW_HTTP_HEADER_LEN;
	if (bpf_ringbuf_output(&http_events, e, size, ew_rb_output_flags(&http_events, size)))
		count(EW_HTTP_CNT_RINGBUF_FULL);
}

static __always_inline int exit_(__s64 ret)
{
	struct http_args *ap =
	    bpf_task_storage_get(&http_inflight, bpf_get_current_task_btf(), 0, 0);
	if (!ap || !ap->valid)
		return 0;
	struct http_args a = *ap;
	ap->valid = 0;
	if (ret <= 0)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();

	struct ew_http_event *e = scratch_event();
	if (!e)
		return 0;
	__u32 captured = capture(e, &a, (__u64)ret);
	struct ew_http_sock *s;
	if (a.syscall == EW_HTTP_SYS_SENDFILE) {
		/* Body bytes only: worth sending for sockets already known to be HTTP. */
		s = bpf_map_lookup_elem(&http_socks, &a.sk);
		if (!s || s->state != EW_HTTP_SOCK_HTTP)
			return 0;
	} else {
		s = classify(a.sk, e, captured);
		if (!s)
			return 0;
	}

	e->ts_ns = bpf_ktime_get_ns();
	e->conn_id = a.sk;
	e->pid = id >> 32;
	e->real_len = ret > 0xffffffffLL ? 0xffffffffU : (__u32)ret;
	e->captured_len = captured;
	e->kind = EW_HTTP_DATA;
	e->direction = a.direction;
	e->syscall = a.syscall;
	e->pad = 0;
	if (!s->announced) {
		/* Who and where, once per socket: user space keeps them with the connection. */
		e->cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		fill_socket(e, (const struct sock *)a.sk);
		s->announced = 1;
	} else {
		e->family = 0;
	}
	output(e, captured);
	return 0;
}

/* ---- raw syscall tracepoints (tp_btf, preferred) ----
 * One program on sys_enter and one on sys_exit for every syscall of the node: the syscall number
 * is tested first (a few instructions), and the perf-event path of the per-syscall tracepoints
 * below is avoided. The exit program needs no number: the thread's task storage says whether its
 * enter kept anything. Syscall numbers are per architecture.
 */
#if defined(__TARGET_ARCH_x86)
#define EW_NR_READ 0
#define EW_NR_WRITE 1
#define EW_NR_READV 19
#define EW_NR_WRITEV 20
#define EW_NR_SENDFILE 40
#define EW_NR_SENDTO 44
#define EW_NR_RECVFROM 45
#define EW_NR_SENDMSG 46
#define EW_NR_RECVMSG 47
#elif defined(__TARGET_ARCH_arm64)
#define EW_NR_READ 63
#define EW_NR_WRITE 64
#define EW_NR_READV 65
#define EW_NR_WRITEV 66
#define EW_NR_SENDFILE 71
#define EW_NR_SENDTO 206
#define EW_NR_RECVFROM 207
#define EW_NR_SENDMSG 211
#define EW_NR_RECVMSG 212
#else
#error "syscall numbers of this architecture are not listed"
#endif

static __always_inline int enter_msg_args(__u64 fd, __u64 umsg, __u64 flags, __u8 direction,
					  __u8 syscall)
{
	if (direction == EW_HTTP_RECV && (flags & MSG_PEEK))
		return 0;
	struct user_msghdr msg = {};
	if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)umsg))
		return 0;
	if (!msg.msg_iov || msg.msg_iovlen == 0)
		return 0;
	return enter(fd, (__u64)msg.msg_iov, msg.msg_iovlen, direction, syscall);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ew_http_sys_enter_btf, struct pt_regs *regs, long id)
{
	switch (id) {
	case EW_NR_READ:
		return enter(PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs), 0,
			     EW_HTTP_RECV, EW_HTTP_SYS_READ);
	case EW_NR_WRITE:
		return enter(PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs), 0,
			     EW_HTTP_SEND, EW_HTTP_SYS_WRITE);
	case EW_NR_RECVFROM:
		if (PT_REGS_PARM4_SYSCALL(regs) & MSG_PEEK)
			return 0;
		return enter(PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs), 0,
			     EW_HTTP_RECV, EW_HTTP_SYS_RECVFROM);
	case EW_NR_SENDTO:
		return enter(PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs), 0,
			     EW_HTTP_SEND, EW_HTTP_SYS_SENDTO);
	case EW_NR_READV:
	case EW_NR_WRITEV: {
		__u64 cnt = PT_REGS_PARM3_SYSCALL(regs);
		return enter(PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs),
			     cnt ? cnt : 1, id == EW_NR_READV ? EW_HTTP_RECV : EW_HTTP_SEND,
			     id == EW_NR_READV ? EW_HTTP_SYS_READV : EW_HTTP_SYS_WRITEV);
	}
	case EW_NR_RECVMSG:
		return enter_msg_args(PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs),
				      PT_REGS_PARM3_SYSCALL(regs), EW_HTTP_RECV,
				      EW_HTTP_SYS_RECVMSG);
	case EW_NR_SENDMSG:
		return enter_msg_args(PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs),
				      PT_REGS_PARM3_SYSCALL(regs), EW_HTTP_SEND,
				      EW_HTTP_SYS_SENDMSG);
	case EW_NR_SENDFILE:
		return enter(PT_REGS_PARM1_SYSCALL(regs), 0, 0, EW_HTTP_SEND, EW_HTTP_SYS_SENDFILE);
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ew_http_sys_exit_btf, struct pt_regs *regs, long ret) { return exit_(ret); }

/* ---- per-syscall tracepoints (fallback for kernels without tp_btf) ---- */

#define EW_PLAIN(name, dir, sys, flags_arg)                                                        \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                                \
	int ew_http_enter_##name(struct ew_sys_enter *ctx)                                         \
	{                                                                                          \
		if ((flags_arg) >= 0 && (ctx->args[(flags_arg) < 0 ? 0 : (flags_arg)] & MSG_PEEK)) \
			return 0; /* peeked bytes are read again */                                \
		return enter(ctx->args[0], ctx->args[1], 0, dir, sys);                             \
	}                                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int ew_http_exit_##name(struct ew_sys_exit *ctx) { return exit_(ctx->ret); }

EW_PLAIN(read, EW_HTTP_RECV, EW_HTTP_SYS_READ, -1)
EW_PLAIN(write, EW_HTTP_SEND, EW_HTTP_SYS_WRITE, -1)
EW_PLAIN(recvfrom, EW_HTTP_RECV, EW_HTTP_SYS_RECVFROM, 3)
EW_PLAIN(sendto, EW_HTTP_SEND, EW_HTTP_SYS_SENDTO, -1)

#define EW_VECTOR(name, dir, sys)                                                                  \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                                \
	int ew_http_enter_##name(struct ew_sys_enter *ctx)                                         \
	{                                                                                          \
		__u64 cnt = ctx->args[2];                                                          \
		return enter(ctx->args[0], ctx->args[1], cnt ? cnt : 1, dir, sys);                 \
	}                                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                                 \
	int ew_http_exit_##name(struct ew_sys_exit *ctx) { return exit_(ctx->ret); }

EW_VECTOR(readv, EW_HTTP_RECV, EW_HTTP_SYS_READV)
EW_VECTOR(writev, EW_HTTP_SEND, EW_HTTP_SYS_WRITEV)

/* recvmsg/sendmsg: the iovec array and its length come from the user's msghdr. */
static __always_inline int enter_msg(struct ew_sys_enter *ctx, __u8 direction, __u8 syscall)
{
	return enter_msg_args(ctx->args[0], ctx->args[1], ctx->args[2], direction, syscall);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int ew_http_enter_recvmsg(struct ew_sys_enter *ctx)
{
	return enter_msg(ctx, EW_HTTP_RECV, EW_HTTP_SYS_RECVMSG);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int ew_http_exit_recvmsg(struct ew_sys_exit *ctx) { return exit_(ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int ew_http_enter_sendmsg(struct ew_sys_enter *ctx)
{
	return enter_msg(ctx, EW_HTTP_SEND, EW_HTTP_SYS_SENDMSG);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int ew_http_exit_sendmsg(struct ew_sys_exit *ctx) { return exit_(ctx->ret); }

/* sendfile(out_fd, in_fd, ...): a body written from a file (nginx static files). Nothing to
 * copy, but the parser must skip that many bytes to stay in step with the stream. */
SEC("tracepoint/syscalls/sys_enter_sendfile64")
int ew_http_enter_sendfile64(struct ew_sys_enter *ctx)
{
	return enter(ctx->args[0], 0, 0, EW_HTTP_SEND, EW_HTTP_SYS_SENDFILE);
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int ew_http_exit_sendfile64(struct ew_sys_exit *ctx) { return exit_(ctx->ret); }

/* ---- the end of a socket ---- */

static __always_inline int handle_destroy(__u64 sk)
{
	struct ew_http_sock *s = bpf_map_lookup_elem(&http_socks, &sk);
	if (!s)
		return 0;
	bool http = s->state == EW_HTTP_SOCK_HTTP;
	bpf_map_delete_elem(&http_socks, &sk);
	if (!http)
		return 0;
	struct ew_http_event *e = scratch_event();
	if (!e)
		return 0;
	__builtin_memset(e, 0, EW_HTTP_HEADER_LEN);
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = EW_HTTP_CLOSE;
	fill_socket(e, (const struct sock *)sk);
	output(e, 0);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(ew_http_destroy_btf, struct sock *sk) { return handle_destroy((__u64)sk); }

SEC("tracepoint/tcp/tcp_destroy_sock")
int ew_http_destroy(struct trace_event_raw_tcp_event_sk___ew *ctx)
{
	return handle_destroy((__u64)BPF_CORE_READ(ctx, skaddr));
}
