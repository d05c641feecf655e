/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ring-buffer notification policy shared by the probes: no wakeup per record. Waking the
 * consumer (an irq_work per record) cost more than writing the record — measured here, the
 * tcp_lifecycle state program went from ~2 µs to ~0.3 µs per run without it. The sensor reads
 * every ring buffer at least every 50 ms anyway (PollRingBuffer: poll, then consume). The one
 * record that makes the backlog cross EW_RB_WAKEUP_BYTES wakes the consumer, so a burst is
 * drained early; the records after it, while the consumer catches up, do not wake it again.
 */
#ifndef EDGEWATCH_RINGBUF_BPF_H
#define EDGEWATCH_RINGBUF_BPF_H

#include <bpf/bpf_helpers.h>

#define EW_RB_WAKEUP_BYTES (256 << 10)

/* Flags for a record of `size` bytes already reserved in `rb` (bpf_ringbuf_submit). */
static __always_inline __u64 ew_rb_submit_flags(void *rb, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA);
	return avail >= EW_RB_WAKEUP_BYTES && avail < EW_RB_WAKEUP_BYTES + size + 8
		   ? BPF_RB_FORCE_WAKEUP
		   : BPF_RB_NO_WAKEUP;
}

/* Flags for a record of `size` bytes about to be written (bpf_ringbuf_output). */
static __always_inline __u64 ew_rb_output_flags(void *rb, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA);
	return avail < EW_RB_WAKEUP_BYTES && avail + size + 8 >= EW_RB_WAKEUP_BYTES
		   ? BPF_RB_FORCE_WAKEUP
		   : BPF_RB_NO_WAKEUP;
}

#endif /* EDGEWATCH_RINGBUF_BPF_H */
