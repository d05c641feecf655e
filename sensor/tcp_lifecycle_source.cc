#include "sensor/tcp_lifecycle_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

#include "sensor/bpf_support.h"
#include "sensor/tcp_lifecycle_abi.h"
#include "tcp_lifecycle.skel.h"

namespace edgewatch::sensor {

namespace {

bool IsTpBtfProgram(const bpf_program* p) {
  return std::strstr(bpf_program__name(p), "_btf") != nullptr;
}

}  // namespace

Result<std::unique_ptr<TcpLifecycleSource>> TcpLifecycleSource::Open(
    const TcpLifecycleOptions& opts, Handler handler) {
  if (auto ok = CheckBpfPrerequisites(); !ok) return Err(ok.error());
  InstallLibbpfPrint();

  std::unique_ptr<TcpLifecycleSource> src(new TcpLifecycleSource());
  src->handler_ = std::move(handler);

  bool use_btf = opts.mode == AttachMode::kTpBtf;
  if (opts.mode == AttachMode::kAuto) {
    use_btf = ProbeTpBtf("inet_sock_set_state") && ProbeTpBtf("tcp_retransmit_skb");
  }
  if (!use_btf) {
    if (auto ok = EnsureTracefs(); !ok) return Err(ok.error());
  }
  src->mode_name_ = use_btf ? "tp_btf" : "tracepoint";

  src->skel_ = tcp_lifecycle__open();
  if (src->skel_ == nullptr) {
    return Err(std::string("opening the tcp_lifecycle BPF object failed: ") + std::strerror(errno));
  }
  src->skel_->rodata->self_tgid = opts.self_pid;
  bpf_program* prog;
  bpf_object__for_each_program(prog, src->skel_->obj) {
    bpf_program__set_autoload(prog, IsTpBtfProgram(prog) == use_btf);
  }
  // Socket owners: socket storage for tp_btf programs, an LRU map by address for classic
  // tracepoints (bpf/tcp_lifecycle.bpf.c). Only the one in use is created.
  bpf_map__set_autocreate(src->skel_->maps.owners_sk, use_btf);
  bpf_map__set_autocreate(src->skel_->maps.owners, !use_btf);
  if (int err = tcp_lifecycle__load(src->skel_); err != 0) {
    return Err("loading the tcp_lifecycle BPF programs (" + src->mode_name_ +
               ") failed: " + std::strerror(-err) +
               " — the kernel verifier refused them; rerun with EDGEWATCH_BPF_DEBUG=1 for its log");
  }
  if (int err = tcp_lifecycle__attach(src->skel_); err != 0) {
    return Err(
        "attaching the tcp_lifecycle BPF programs (" + src->mode_name_ +
        ") failed: " + std::strerror(-err) +
        " — the kernel lacks the tracepoints sock:inet_sock_set_state / tcp:* (Linux ≥ 4.16)");
  }
  src->rb_ = ring_buffer__new(bpf_map__fd(src->skel_->maps.events), &TcpLifecycleSource::OnSample,
                              src.get(), nullptr);
  if (src->rb_ == nullptr) {
    return Err(std::string("creating the ring buffer reader failed: ") + std::strerror(errno));
  }
  return src;
}

TcpLifecycleSource::~TcpLifecycleSource() {
  if (rb_ != nullptr) ring_buffer__free(rb_);
  if (skel_ != nullptr) tcp_lifecycle__destroy(skel_);
}

int TcpLifecycleSource::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<TcpLifecycleSource*>(ctx);
  self->polled_.Add();
  self->handler_(data, size);
  return 0;
}

int TcpLifecycleSource::Poll(int timeout_ms) { return PollRingBuffer(rb_, timeout_ms); }

uint64_t TcpLifecycleSource::ReadCounter(uint32_t idx) const {
  return SumPerCpuCounter(bpf_map__fd(skel_->maps.ew_counters), idx);
}

uint64_t TcpLifecycleSource::LostEvents() const { return ReadCounter(EW_CNT_RINGBUF_FULL); }
uint64_t TcpLifecycleSource::OwnerMissing() const { return ReadCounter(EW_CNT_OWNER_MISSING); }

void TcpLifecycleSource::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_ringbuf_events_total",
                        "Events read from the tcp_lifecycle ring buffer.", polled_.Get()));
  out.push_back(Counter("edgewatch_sensor_ringbuf_lost_total",
                        "Kernel events lost because the ring buffer was full.", LostEvents()));
  out.push_back(Counter("edgewatch_sensor_owner_missing_total",
                        "Kernel events of sockets whose owning process was not seen "
                        "(opened before the sensor started).",
                        OwnerMissing()));
}

}  // namespace edgewatch::sensor
