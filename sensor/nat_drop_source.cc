#include "sensor/nat_drop_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "nat_drops.skel.h"
#include "sensor/bpf_support.h"
#include "sensor/nat_drops_abi.h"

namespace edgewatch::sensor {

bool DecodeNatDropEvent(const void* data, size_t size, NatDrop& out) {
  if (size < sizeof(ew_nat_drop_event)) return false;
  ew_nat_drop_event e;
  std::memcpy(&e, data, sizeof e);
  if (e.family != AF_INET && e.family != AF_INET6) return false;
  out.ts_ns = e.ts_ns;
  out.netns = e.netns;
  out.tcp_flags = e.tcp_flags;
  out.client_ip = FormatKernelAddr(e.family, e.orig_saddr);
  out.client_port = e.orig_sport;
  out.server_ip = FormatKernelAddr(e.family, e.orig_daddr);
  out.server_port = e.orig_dport;
  out.nat_ip = FormatKernelAddr(e.family, e.nat_saddr);
  out.nat_port = e.nat_sport;
  return true;
}

Result<std::unique_ptr<NatDropSource>> NatDropSource::Create(Callback callback) {
  if (auto ok = CheckBpfPrerequisites(); !ok) return Err(ok.error());
  if (auto ok = EnsureTracefs(); !ok) return Err(ok.error());
  InstallLibbpfPrint();
  std::unique_ptr<NatDropSource> src(new NatDropSource());
  src->callback_ = std::move(callback);
  src->skel_ = nat_drops__open();
  if (src->skel_ == nullptr) {
    return Err(std::string("opening the nat_drops BPF object failed: ") + std::strerror(errno));
  }
  if (int err = nat_drops__load(src->skel_); err != 0) {
    return Err(std::string("loading the nat_drops BPF program failed: ") + std::strerror(-err) +
               " — rerun with EDGEWATCH_BPF_DEBUG=1 for the verifier's log");
  }
  if (int err = nat_drops__attach(src->skel_); err != 0) {
    return Err(std::string("attaching the nat_drops BPF program failed: ") + std::strerror(-err) +
               " — the kernel lacks the skb:kfree_skb tracepoint");
  }
  src->rb_ = ring_buffer__new(bpf_map__fd(src->skel_->maps.nat_events), &NatDropSource::OnSample,
                              src.get(), nullptr);
  if (src->rb_ == nullptr) {
    return Err(std::string("creating the nat_drops ring buffer reader failed: ") +
               std::strerror(errno));
  }
  return src;
}

NatDropSource::~NatDropSource() {
  if (rb_ != nullptr) ring_buffer__free(rb_);
  if (skel_ != nullptr) nat_drops__destroy(skel_);
}

int NatDropSource::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<NatDropSource*>(ctx);
  NatDrop d;
  if (!DecodeNatDropEvent(data, size, d)) {
    self->malformed_.Add();
    return 0;
  }
  self->drops_.Add();
  self->callback_(d);
  return 0;
}

int NatDropSource::Poll(int timeout_ms) { return PollRingBuffer(rb_, timeout_ms); }

uint64_t NatDropSource::ReadCounter(uint32_t idx) const {
  return SumPerCpuCounter(bpf_map__fd(skel_->maps.ew_nat_counters), idx);
}

void NatDropSource::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_nat_drops_total",
                        "TCP packets netfilter dropped after SNAT before their conntrack entry "
                        "was confirmed (SNAT port conflicts), by any NAT on the node.",
                        static_cast<double>(drops_.Get())));
  out.push_back(Counter("edgewatch_sensor_netfilter_drops_total",
                        "Packets netfilter dropped (skb:kfree_skb reason NETFILTER_DROP), all.",
                        static_cast<double>(ReadCounter(EW_NAT_CNT_NETFILTER_DROPS))));
  out.push_back(Counter("edgewatch_sensor_nat_ringbuf_lost_total",
                        "NAT drop events lost because the ring buffer was full.",
                        static_cast<double>(ReadCounter(EW_NAT_CNT_RINGBUF_FULL))));
  out.push_back(Counter("edgewatch_sensor_nat_malformed_events_total",
                        "Ring-buffer records of the nat_drops probe that did not decode.",
                        static_cast<double>(malformed_.Get())));
}

void NatDropIndex::Key(const std::string& client_ip, uint16_t client_port,
                       const std::string& server_ip, uint16_t server_port) {
  char port[8];
  key_.assign(client_ip).append(1, '|');
  auto [e1, ec1] = std::to_chars(port, port + sizeof port, client_port);
  key_.append(port, e1).append(1, '|').append(server_ip).append(1, '|');
  auto [e2, ec2] = std::to_chars(port, port + sizeof port, server_port);
  key_.append(port, e2);
}

void NatDropIndex::Add(const NatDrop& d) {
  Key(d.client_ip, d.client_port, d.server_ip, d.server_port);
  auto it = by_tuple_.find(key_);
  if (it == by_tuple_.end()) {
    if (by_tuple_.size() >= capacity_) {
      overflowed_.Add();
      return;
    }
    it = by_tuple_.emplace(key_, NatDropRecord{}).first;
  }
  NatDropRecord& r = it->second;
  r.netns = d.netns;
  r.nat_ip = d.nat_ip;
  r.nat_port = d.nat_port;
  ++r.drops;
  r.last_ns = static_cast<int64_t>(d.ts_ns);
}

const NatDropRecord* NatDropIndex::Find(const std::string& client_ip, uint16_t client_port,
                                        const std::string& server_ip, uint16_t server_port) {
  if (by_tuple_.empty()) return nullptr;
  Key(client_ip, client_port, server_ip, server_port);
  auto it = by_tuple_.find(key_);
  return it == by_tuple_.end() ? nullptr : &it->second;
}

void NatDropIndex::Expire(int64_t now_ns) {
  std::erase_if(by_tuple_, [&](const auto& kv) { return kv.second.last_ns < now_ns - ttl_ns_; });
}

}  // namespace edgewatch::sensor
