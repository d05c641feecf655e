#include "sensor/dns_source.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dns.skel.h"
#include "sensor/bpf_support.h"
#include "sensor/dns_abi.h"

namespace edgewatch::sensor {

namespace {

bool IsCgroup2(const std::string& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

// The cgroup v2 mount: unified layout first, then the hybrid layout's unified/ directory.
Result<std::string> FindCgroup2Root(const std::string& configured) {
  if (!configured.empty()) {
    if (IsCgroup2(configured)) return configured;
    return Err("dns probe: " + configured +
               " is not a cgroup2 mount; set the cgroup v2 mount point (see `mount -t cgroup2`)");
  }
  for (const char* p : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    if (IsCgroup2(p)) return std::string(p);
  }
  return Err(
      "dns probe: no cgroup2 mount at /sys/fs/cgroup or /sys/fs/cgroup/unified. DNS capture "
      "attaches to the cgroup v2 root; mount it: mkdir -p /sys/fs/cgroup/unified && "
      "mount -t cgroup2 none /sys/fs/cgroup/unified (or boot with "
      "systemd.unified_cgroup_hierarchy)");
}

std::string IpString(int family, const std::array<uint8_t, 16>& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, ip.data(), buf, sizeof(buf)) == nullptr) {
    return {};
  }
  return buf;
}

}  // namespace

std::string DnsPacket::src_ip_string() const { return IpString(family, src_ip); }
std::string DnsPacket::dst_ip_string() const { return IpString(family, dst_ip); }

bool DecodeDnsEvent(const void* data, size_t size, DnsPacket& out) {
  if (size < sizeof(ew_dns_event)) return false;
  ew_dns_event e;
  std::memcpy(&e, data, sizeof(e));
  if ((e.family != AF_INET && e.family != AF_INET6) ||
      (e.direction != EW_DNS_EGRESS && e.direction != EW_DNS_INGRESS) ||
      (e.protocol != IPPROTO_UDP && e.protocol != IPPROTO_TCP) ||
      e.captured_len > EW_DNS_MAX_PAYLOAD || e.captured_len > e.payload_len) {
    return false;
  }
  out.ts_ns = e.ts_ns;
  out.egress = e.direction == EW_DNS_EGRESS;
  out.tcp = e.protocol == IPPROTO_TCP;
  out.family = e.family;
  std::memcpy(out.src_ip.data(), e.saddr, sizeof(e.saddr));
  std::memcpy(out.dst_ip.data(), e.daddr, sizeof(e.daddr));
  out.src_port = e.sport;
  out.dst_port = e.dport;
  out.pid = e.pid;
  out.comm.assign(e.comm, strnlen(e.comm, sizeof(e.comm)));
  out.cgroup_id = e.cgroup_id;
  out.sock_cookie = e.sock_cookie;
  out.netns_cookie = e.netns_cookie;
  const auto* bytes = static_cast<const uint8_t*>(data) + offsetof(ew_dns_event, payload);
  out.payload = std::span<const uint8_t>(bytes, e.captured_len);
  out.payload_len = e.payload_len;
  return true;
}

Result<std::unique_ptr<DnsSource>> DnsSource::Create(const DnsSourceOptions& options,
                                                     Callback callback) {
  if (auto ok = CheckBpfPrerequisites(); !ok) return Err(ok.error());
  auto root = FindCgroup2Root(options.cgroup_root);
  if (!root) return Err(root.error());
  InstallLibbpfPrint();

  std::unique_ptr<DnsSource> src(new DnsSource());
  src->callback_ = std::move(callback);
  src->cgroup_root_ = *root;

  src->skel_ = dns__open();
  if (src->skel_ == nullptr) {
    return Err(std::string("opening the dns BPF object failed: ") + std::strerror(errno));
  }
  src->skel_->rodata->self_tgid = options.self_pid;
  if (int err = dns__load(src->skel_); err != 0) {
    return Err(std::string("loading the dns BPF programs failed: ") + std::strerror(-err) +
               " — the kernel verifier refused them (cgroup_skb and cgroup/sock_addr programs "
               "need Linux ≥ 5.9); rerun with EDGEWATCH_BPF_DEBUG=1 for its log");
  }

  int cgroup_fd = ::open(src->cgroup_root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup_fd < 0) {
    return Err("dns probe: cannot open the cgroup v2 root " + src->cgroup_root_ + ": " +
               std::strerror(errno));
  }
  auto attached = src->Attach(cgroup_fd);
  ::close(cgroup_fd);  // the links hold the cgroup
  if (!attached) return Err(attached.error());

  src->rb_ = ring_buffer__new(bpf_map__fd(src->skel_->maps.dns_events), &DnsSource::OnSample,
                              src.get(), nullptr);
  if (src->rb_ == nullptr) {
    return Err(std::string("creating the dns ring buffer reader failed: ") + std::strerror(errno));
  }
  return src;
}

// One bpf_link per program (link-based attachment is multi-attach: other cgroup programs at the
// root keep running, and ours go away when the links are destroyed or the process exits).
Result<bool> DnsSource::Attach(int cgroup_fd) {
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    bpf_link* link = bpf_program__attach_cgroup(prog, cgroup_fd);
    if (link == nullptr) {
      int err = errno;
      return Err(std::string("attaching the dns BPF program ") + bpf_program__name(prog) +
                 " to the cgroup v2 root " + cgroup_root_ + " failed: " + std::strerror(err) +
                 (err == EPERM || err == EEXIST
                      ? " — another program is attached there without BPF_F_ALLOW_MULTI; list "
                        "them with `bpftool cgroup show " +
                            cgroup_root_ + "`"
                      : " — run as root on a kernel with CONFIG_CGROUP_BPF=y"));
    }
    links_.push_back(link);
  }
  return true;
}

DnsSource::~DnsSource() {
  if (rb_ != nullptr) ring_buffer__free(rb_);
  for (bpf_link* link : links_) bpf_link__destroy(link);
  if (skel_ != nullptr) dns__destroy(skel_);
}

int DnsSource::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<DnsSource*>(ctx);
  DnsPacket packet;
  if (!DecodeDnsEvent(data, size, packet)) {
    self->malformed_.Add();
    return 0;
  }
  (packet.egress ? self->egress_ : self->ingress_).Add();
  self->callback_(packet);
  return 0;
}

int DnsSource::Poll(int timeout_ms) { return PollRingBuffer(rb_, timeout_ms); }

uint64_t DnsSource::ReadCounter(uint32_t idx) const {
  return SumPerCpuCounter(bpf_map__fd(skel_->maps.ew_dns_counters), idx);
}

uint64_t DnsSource::LostEvents() const { return ReadCounter(EW_DNS_CNT_RINGBUF_FULL); }
uint64_t DnsSource::OwnerMissing() const { return ReadCounter(EW_DNS_CNT_OWNER_MISSING); }

void DnsSource::CollectStats(std::vector<StatSample>& out) const {
  const char* packets_help = "DNS packets read from the dns probe's ring buffer.";
  out.push_back(Counter("edgewatch_sensor_dns_packets_total", packets_help,
                        static_cast<double>(egress_.Get()), {{"direction", "egress"}}));
  out.push_back(Counter("edgewatch_sensor_dns_packets_total", packets_help,
                        static_cast<double>(ingress_.Get()), {{"direction", "ingress"}}));
  out.push_back(Counter("edgewatch_sensor_dns_ringbuf_lost_total",
                        "DNS packets lost because the ring buffer was full.",
                        static_cast<double>(LostEvents())));
  out.push_back(Counter("edgewatch_sensor_dns_owner_missing_total",
                        "DNS packets of sockets whose owning process was not seen "
                        "(no connect()/sendto() to port 53 since the sensor started).",
                        static_cast<double>(OwnerMissing())));
  out.push_back(Counter("edgewatch_sensor_dns_payload_load_failed_total",
                        "DNS packets delivered without payload bytes (bpf_skb_load_bytes failed).",
                        static_cast<double>(ReadCounter(EW_DNS_CNT_LOAD_FAILED))));
  out.push_back(Counter("edgewatch_sensor_dns_malformed_events_total",
                        "Ring-buffer records of the dns probe that did not decode.",
                        static_cast<double>(malformed_.Get())));
}

}  // namespace edgewatch::sensor
