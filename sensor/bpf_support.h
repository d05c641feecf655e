// What the kernel and the process allow, checked before loading anything, so that a missing
// capability or kernel feature is one clear error instead of a libbpf log.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

struct ring_buffer;

namespace edgewatch::sensor {

// OK, or an error naming the missing capability / kernel feature and what to do.
Result<bool> CheckBpfPrerequisites();

// Whether tp_btf programs can attach to the named raw tracepoint (probe load of a tiny program).
bool ProbeTpBtf(const char* tracepoint);

// Routes libbpf's messages to stderr: warnings and errors always, debug output only with
// EDGEWATCH_BPF_DEBUG set. Idempotent.
void InstallLibbpfPrint();

// The sum over CPUs of entry `idx` of a BPF_MAP_TYPE_PERCPU_ARRAY of u64 counters; 0 on error.
uint64_t SumPerCpuCounter(int map_fd, uint32_t idx);

// A kernel address (4 bytes for AF_INET, 16 for AF_INET6) as text; IPv4-mapped IPv6
// (dual-stack sockets) is written as plain IPv4.
std::string FormatKernelAddr(uint16_t family, const uint8_t* addr);

// Waits up to timeout_ms for a ring buffer's notification, then consumes whatever it holds: the
// probes do not wake the consumer per record (bpf/include/ringbuf.bpf.h), so the timeout is
// what normally ends the wait. Returns the records consumed, or a negative errno (EINTR as 0).
int PollRingBuffer(::ring_buffer* rb, int timeout_ms);

// Classic tracepoints need tracefs for their ids; mounts it at /sys/kernel/tracing if absent.
Result<bool> EnsureTracefs();

}  // namespace edgewatch::sensor
