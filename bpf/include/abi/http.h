/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI of the http probe: the only definitions shared by bpf/http.bpf.c and user space.
 * Fixed-width types only; the C++ side pins size and offsets with static_assert
 * (sensor/http_abi.h). Bump EW_HTTP_ABI_VERSION on any layout change.
 */
#ifndef EDGEWATCH_ABI_HTTP_H
#define EDGEWATCH_ABI_HTTP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EW_HTTP_ABI_VERSION 1
#define EW_HTTP_COMM_LEN 16
/* Bytes copied per syscall: the start of the buffer, where request and status lines and
 * header sections are. Bodies are skipped by length in user space, so a longer buffer costs
 * only its prefix. Power of two (the verifier bounds offsets with a mask). */
#define EW_HTTP_MAX_CAPTURE 1024
/* iovec elements of readv/writev/recvmsg/sendmsg copied, in order, until the capture is full. */
#define EW_HTTP_MAX_IOV 4

enum ew_http_event_kind {
	EW_HTTP_DATA = 1,  /* bytes a syscall moved on a TCP socket classified as HTTP/1.x */
	EW_HTTP_CLOSE = 2, /* such a socket was destroyed (tcp:tcp_destroy_sock) */
};

enum ew_http_direction {
	EW_HTTP_SEND = 1, /* written by the local process */
	EW_HTTP_RECV = 2, /* read by the local process */
};

/* Closed set: which syscall moved the bytes (self-metrics, debugging). */
enum ew_http_syscall {
	EW_HTTP_SYS_READ = 1,
	EW_HTTP_SYS_WRITE,
	EW_HTTP_SYS_RECVFROM,
	EW_HTTP_SYS_SENDTO,
	EW_HTTP_SYS_READV,
	EW_HTTP_SYS_WRITEV,
	EW_HTTP_SYS_RECVMSG,
	EW_HTTP_SYS_SENDMSG,
	EW_HTTP_SYS_SENDFILE, /* body bytes from a file: length only, nothing captured */
	EW_HTTP_SYS_MAX,
};

/*
 * One syscall's bytes (or a close) on one socket. The record is variable-length: the header,
 * then `captured_len` bytes of data (bpf_ringbuf_output of exactly that much).
 * s* is the local end, d* the remote end of the socket.
 */
struct ew_http_event {
	__u64 ts_ns;	    /* bpf_ktime_get_ns() at syscall exit, CLOCK_MONOTONIC */
	__u64 conn_id;	    /* kernel address of the socket's struct sock: unique while it lives */
	__u64 cgroup_id;    /* cgroup v2 id of the calling process */
	__u32 pid;	    /* tgid of the calling process */
	__u32 netns;	    /* network namespace inode of the socket */
	__u32 real_len;	    /* bytes the syscall moved (its return value) */
	__u16 captured_len; /* bytes in data[], <= EW_HTTP_MAX_CAPTURE and <= real_len */
	__u16 family;	    /* AF_INET or AF_INET6; 0 on DATA events after the socket's first:
			     * addresses, comm and cgroup are then not filled (user space keeps
			     * them from the first) */
	__u16 sport;	    /* local port, host byte order */
	__u16 dport;	    /* remote port */
	__u8 kind;	    /* enum ew_http_event_kind */
	__u8 direction;	    /* enum ew_http_direction (DATA only) */
	__u8 syscall;	    /* enum ew_http_syscall (DATA only) */
	__u8 pad;
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	char comm[EW_HTTP_COMM_LEN];
	__u8 data[EW_HTTP_MAX_CAPTURE];
};

#define EW_HTTP_HEADER_LEN 96 /* offsetof(struct ew_http_event, data) */

/* Per-socket classification in the `http_socks` map; user space writes NOT_HTTP for sockets
 * whose parser gave up, so the kernel stops copying their bytes. */
enum ew_http_sock_state {
	EW_HTTP_SOCK_UNKNOWN = 0,
	EW_HTTP_SOCK_HTTP = 1,
	EW_HTTP_SOCK_NOT_HTTP = 2,
};

/* Unclassified chunks a socket may move before it is given up as not HTTP (a keep-alive
 * connection that predates the sensor shows body bytes before its next start line). */
#define EW_HTTP_MAX_PROBES 16

struct ew_http_sock {
	__u8 state; /* enum ew_http_sock_state */
	__u8 probes;
	__u8 announced; /* a DATA event with the socket's addresses and process was sent */
	__u8 pad[5];
};

/* Index into the per-CPU counter map `ew_http_counters`. */
enum ew_http_counter {
	EW_HTTP_CNT_RINGBUF_FULL = 0, /* events lost: ring buffer output failed */
	EW_HTTP_CNT_READ_FAILED,      /* user memory could not be read; chunk sent without bytes */
	EW_HTTP_CNT_CLASSIFIED_HTTP,  /* sockets classified as HTTP/1.x */
	EW_HTTP_CNT_CLASSIFIED_OTHER, /* sockets given up as not HTTP by the kernel side */
	EW_HTTP_CNT_ARGS_FULL,	      /* syscalls not followed: the in-flight table was full */
	EW_HTTP_CNT_MAX,
};

#endif /* EDGEWATCH_ABI_HTTP_H */
