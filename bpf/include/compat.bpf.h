/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel-version shims: every place where edgewatch depends on a layout that changed between
 * kernels. Each shim names the change it answers and uses local struct flavors
 * (name___suffix + preserve_access_index) so CO-RE picks the right one at load time.
 * Never name a trace_event_raw_* type directly outside this file.
 */
#ifndef EDGEWATCH_COMPAT_BPF_H
#define EDGEWATCH_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* --- tcp:tcp_retransmit_skb ---------------------------------------------------------------
 * Linux 6.17 gave tcp_retransmit_skb its own record (trace_event_raw_tcp_retransmit_skb) with
 * an `err` field and a third tracepoint argument (err of __tcp_retransmit_skb, so failed
 * retransmits are traced too). Before, it shared trace_event_raw_tcp_event_sk_skb.
 */
struct trace_event_raw_tcp_retransmit_skb___new {
	const void *skaddr;
	int err;
} __attribute__((preserve_access_index));

struct trace_event_raw_tcp_event_sk_skb___old {
	const void *skbaddr;
	const void *skaddr;
} __attribute__((preserve_access_index));

static __always_inline bool ew_retransmit_has_err(void)
{
	return bpf_core_type_exists(struct trace_event_raw_tcp_retransmit_skb___new);
}

/* Socket of a classic tcp_retransmit_skb record, and its err (0 before 6.17). */
static __always_inline const struct sock *ew_retransmit_record_sk(void *ctx, int *err)
{
	if (ew_retransmit_has_err()) {
		struct trace_event_raw_tcp_retransmit_skb___new *r = ctx;
		*err = BPF_CORE_READ(r, err);
		return (const struct sock *)BPF_CORE_READ(r, skaddr);
	}
	struct trace_event_raw_tcp_event_sk_skb___old *r = ctx;
	*err = 0;
	return (const struct sock *)BPF_CORE_READ(r, skaddr);
}

/* --- tcp:tcp_send_reset --------------------------------------------------------------------
 * Linux 6.10 (the reset-reason series, enum sk_rst_reason) gave tcp_send_reset its own record
 * trace_event_raw_tcp_send_reset; before it used trace_event_raw_tcp_event_sk_skb. Both carry
 * skbaddr and skaddr, which is all we read.
 */
struct trace_event_raw_tcp_send_reset___new {
	const void *skbaddr;
	const void *skaddr;
} __attribute__((preserve_access_index));

static __always_inline const struct sock *ew_send_reset_record(void *ctx,
							       const struct sk_buff **skb)
{
	if (bpf_core_type_exists(struct trace_event_raw_tcp_send_reset___new)) {
		struct trace_event_raw_tcp_send_reset___new *r = ctx;
		*skb = BPF_CORE_READ(r, skbaddr);
		return (const struct sock *)BPF_CORE_READ(r, skaddr);
	}
	struct trace_event_raw_tcp_event_sk_skb___old *r = ctx;
	*skb = BPF_CORE_READ(r, skbaddr);
	return (const struct sock *)BPF_CORE_READ(r, skaddr);
}

/* --- sock:inet_sock_set_state and tcp:tcp_receive_reset (layouts stable since 4.16/4.15) ---- */
struct trace_event_raw_inet_sock_set_state___ew {
	const void *skaddr;
	int oldstate;
	int newstate;
	__u16 protocol;
} __attribute__((preserve_access_index));

struct trace_event_raw_tcp_event_sk___ew {
	const void *skaddr;
} __attribute__((preserve_access_index));

struct trace_event_raw_tcp_retransmit_synack___ew {
	const void *skaddr;
	const void *req;
} __attribute__((preserve_access_index));

/* --- syscalls:sys_enter_* / sys_exit_* -------------------------------------------------------
 * The per-syscall tracepoint records have been the same since syscall tracepoints appeared
 * (2.6.31): the 8-byte common header, __syscall_nr padded to 8 bytes, then every argument (or
 * the return value) as an 8-byte slot. The format files under events/syscalls/ show it; there
 * is no BTF type for these records, so the layout is spelled out here once.
 */
struct ew_sys_enter {
	__u64 common;
	__s64 nr;
	__u64 args[6];
};

struct ew_sys_exit {
	__u64 common;
	__s64 nr;
	__s64 ret;
};

/* --- struct sock::sk_protocol ----------------------------------------------------------------
 * Linux 5.6 (the MPTCP series, "sock: Make sk_protocol a 16-bit value") turned sk_protocol
 * from an 8-bit bitfield into a u16; the probed bitfield read handles both.
 */
static __always_inline __u16 ew_sk_protocol(const struct sock *sk)
{
	return (__u16)BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
}

/* --- fd -> struct sock ------------------------------------------------------------------------
 * current->files->fdt->fd[fd]->private_data->sk, when the file is a socket (S_IFSOCK inode).
 * struct file and struct files_struct are reordered from release to release; CO-RE relocates
 * every field read below, so no flavor is needed.
 */
#define EW_S_IFMT 00170000
#define EW_S_IFSOCK 0140000

/* Linux 6.2 added the bpf_rdonly_cast kfunc: with it the walk below is direct loads of BTF
 * pointers (one helper call in all, ~10x cheaper than seven bpf_probe_read_kernel calls, and it
 * runs for every read/write syscall of the node). Older kernels take the probe-read path. */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id) __ksym __weak;

/* The TCP socket (IPv4/IPv6) behind `fd` of the current task, or NULL. */
static __always_inline const struct sock *ew_fd_tcp_sock(__u64 fd)
{
	if (bpf_rdonly_cast) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct files_struct *files = task->files;
		if (!files)
			return NULL;
		struct fdtable *fdt = files->fdt;
		if (!fdt || fd >= fdt->max_fds)
			return NULL;
		struct file **fds = fdt->fd;
		struct file *fp = NULL;
		if (bpf_probe_read_kernel(&fp, sizeof(fp), &fds[fd]) || !fp)
			return NULL;
		struct file *f = bpf_rdonly_cast(fp, bpf_core_type_id_kernel(struct file));
		if ((f->f_inode->i_mode & EW_S_IFMT) != EW_S_IFSOCK)
			return NULL;
		struct socket *sock =
		    bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
		struct sock *sk = sock->sk;
		if (!sk)
			return NULL;
		__u16 family = sk->__sk_common.skc_family;
		if ((family != 2 && family != 10) || ew_sk_protocol(sk) != 6 /* IPPROTO_TCP */)
			return NULL;
		return sk;
	}
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & EW_S_IFMT) != EW_S_IFSOCK)
		return NULL;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	const struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family != 2 && family != 10) || ew_sk_protocol(sk) != 6 /* IPPROTO_TCP */)
		return NULL;
	return sk;
}

/* --- skb:kfree_skb ----------------------------------------------------------------------------
 * Linux 5.17 added `reason` (enum skb_drop_reason) to the record; later releases added the
 * NETFILTER_DROP value (nf_hook_slow's NF_DROP) and an `rx_sk` field before `protocol`. Only
 * the fields read are declared; CO-RE finds them wherever the running kernel put them, and a
 * kernel without the reason or the value loads the program as a no-op.
 */
struct trace_event_raw_kfree_skb___ew {
	void *skbaddr;
	enum skb_drop_reason reason; /* an int here would not match the kernel's enum field */
} __attribute__((preserve_access_index));

static __always_inline bool ew_kfree_skb_has_reason(void)
{
	return bpf_core_field_exists(struct trace_event_raw_kfree_skb___ew, reason) &&
	       bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_NETFILTER_DROP);
}

static __always_inline int ew_kfree_skb_reason(struct trace_event_raw_kfree_skb___ew *ctx)
{
	return BPF_CORE_READ(ctx, reason);
}

static __always_inline int ew_netfilter_drop_reason(void)
{
	return bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NETFILTER_DROP);
}

#endif /* EDGEWATCH_COMPAT_BPF_H */
