// What the kernel and the process allow, checked before loading anything, so that a missing
// capability or kernel feature is one clear error instead of a libbpf log.
#pragma once

#include <string>

#include "common/result.h"

namespace edgewatch::sensor {

// OK, or an error naming the missing capability / kernel feature and what to do.
Result<bool> CheckBpfPrerequisites();

// Whether tp_btf programs can attach to the named raw tracepoint (probe load of a tiny program).
bool ProbeTpBtf(const char* tracepoint);

// Classic tracepoints need tracefs for their ids; mounts it at /sys/kernel/tracing if absent.
Result<bool> EnsureTracefs();

}  // namespace edgewatch::sensor
