// Attaches the no-op syscall tracepoint programs of syscall_floor.bpf.c, prints "attached" and
// waits for SIGINT or SIGTERM. Used by kernel_overhead.sh (PROBE=floor) in place of the sensor.
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "syscall_floor.skel.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int /*sig*/) { g_stop = 1; }
}  // namespace

int main() {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  syscall_floor* skel = syscall_floor__open_and_load();
  if (skel == nullptr) {
    std::fprintf(stderr, "syscall_floor: cannot load the BPF programs\n");
    return 1;
  }
  if (syscall_floor__attach(skel) != 0) {
    std::fprintf(stderr, "syscall_floor: cannot attach to sys_enter/sys_exit\n");
    syscall_floor__destroy(skel);
    return 1;
  }
  std::fprintf(stderr, "syscall_floor: attached\n");
  while (g_stop == 0) pause();
  syscall_floor__destroy(skel);
  return 0;
}
