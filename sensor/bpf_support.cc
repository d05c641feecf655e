#include "sensor/bpf_support.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace edgewatch::sensor {

namespace {

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool HasCap(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

int LibbpfPrint(libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG && getenv("EDGEWATCH_BPF_DEBUG") == nullptr) return 0;
  return vfprintf(stderr, fmt, args);  // NOLINT(clang-analyzer-valist.Uninitialized)
}

}  // namespace

void InstallLibbpfPrint() { libbpf_set_print(LibbpfPrint); }

int PollRingBuffer(::ring_buffer* rb, int timeout_ms) {
  int n = ring_buffer__poll(rb, timeout_ms);
  if (n == -EINTR) n = 0;
  if (n < 0) return n;
  const int more = ring_buffer__consume(rb);
  return more < 0 ? (more == -EINTR ? n : more) : n + more;
}

uint64_t SumPerCpuCounter(int map_fd, uint32_t idx) {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return 0;
  std::vector<uint64_t> values(static_cast<size_t>(ncpu));
  if (bpf_map_lookup_elem(map_fd, &idx, values.data()) != 0) return 0;
  uint64_t sum = 0;
  for (uint64_t v : values) sum += v;
  return sum;
}

namespace {

// Dotted quad, as inet_ntop writes it. By hand: glibc's inet_ntop formats IPv4 with sprintf,
// which was a third of the sensor's user-space time per TCP event (BENCHMARKS.md).
std::string FormatIpv4(const uint8_t* addr) {
  char buf[16];
  char* p = buf;
  for (int i = 0; i < 4; ++i) {
    unsigned v = addr[i];
    if (v >= 100) {
      *p++ = static_cast<char>('0' + v / 100);
      v %= 100;
      *p++ = static_cast<char>('0' + v / 10);
    } else if (v >= 10) {
      *p++ = static_cast<char>('0' + v / 10);
    }
    *p++ = static_cast<char>('0' + v % 10);
    if (i < 3) *p++ = '.';
  }
  return std::string(buf, p);
}

}  // namespace

std::string FormatKernelAddr(uint16_t family, const uint8_t* addr) {
  if (family == AF_INET) return FormatIpv4(addr);
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(addr, kMapped, sizeof kMapped) == 0) return FormatIpv4(addr + 12);
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, addr, buf, sizeof buf);
  return buf;
}

Result<bool> CheckBpfPrerequisites() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) {
    return Err(std::string("cannot read process capabilities: ") + std::strerror(errno));
  }
  bool admin = HasCap(data, CAP_SYS_ADMIN);
  if (!admin && !(HasCap(data, CAP_BPF) && HasCap(data, CAP_PERFMON))) {
    return Err(
        "missing capability: loading the sensor's eBPF programs needs CAP_BPF and CAP_PERFMON "
        "(or CAP_SYS_ADMIN). Run as root, or grant them: "
        "setcap cap_bpf,cap_perfmon,cap_sys_resource+ep $(which edgewatch)");
  }
  struct stat st {};
  if (::stat("/sys/kernel/btf/vmlinux", &st) != 0) {
    return Err(
        "kernel feature missing: /sys/kernel/btf/vmlinux not found. edgewatch's CO-RE eBPF "
        "programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y (Linux ≥ 5.4; default in "
        "Debian ≥ 11, Ubuntu ≥ 20.10, RHEL ≥ 8.2)");
  }
  return true;
}

bool ProbeTpBtf(const char* tracepoint) {
  int btf_id = libbpf_find_vmlinux_btf_id(tracepoint, BPF_TRACE_RAW_TP);
  if (btf_id <= 0) return false;
  // r0 = 0; exit
  const bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
  };
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP,
              .attach_btf_id = static_cast<__u32>(btf_id));
  int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, nullptr, "GPL", insns, 2, &opts);
  if (fd < 0) return false;
  int link = bpf_raw_tracepoint_open(nullptr, fd);
  bool ok = link >= 0;
  if (link >= 0) close(link);
  close(fd);
  return ok;
}

Result<bool> EnsureTracefs() {
  struct stat st {};
  if (::stat("/sys/kernel/tracing/events", &st) == 0 ||
      ::stat("/sys/kernel/debug/tracing/events", &st) == 0) {
    return true;
  }
  if (::mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0) {
    return Err(std::string("tracefs is not mounted and mounting it at /sys/kernel/tracing "
                           "failed (") +
               std::strerror(errno) + "); mount it: mount -t tracefs nodev /sys/kernel/tracing");
  }
  return true;
}

}  // namespace edgewatch::sensor
