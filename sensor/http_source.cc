#include "sensor/http_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "http.skel.h"
#include "sensor/bpf_support.h"
#include "sensor/http_abi.h"

namespace edgewatch::sensor {

bool DecodeHttpEvent(const void* data, size_t size, HttpChunk& out) {
  if (size < EW_HTTP_HEADER_LEN || size > sizeof(ew_http_event)) return false;
  ew_http_event e;
  std::memcpy(&e, data, EW_HTTP_HEADER_LEN);
  const bool has_socket = e.family == AF_INET || e.family == AF_INET6;
  if ((!has_socket && !(e.family == 0 && e.kind == EW_HTTP_DATA)) ||
      (e.kind != EW_HTTP_DATA && e.kind != EW_HTTP_CLOSE) ||
      EW_HTTP_HEADER_LEN + size_t{e.captured_len} > size || e.captured_len > e.real_len) {
    return false;
  }
  if (e.kind == EW_HTTP_DATA && ((e.direction != EW_HTTP_SEND && e.direction != EW_HTTP_RECV) ||
                                 e.syscall == 0 || e.syscall >= EW_HTTP_SYS_MAX)) {
    return false;
  }
  out.ts_ns = e.ts_ns;
  out.conn_id = e.conn_id;
  out.close = e.kind == EW_HTTP_CLOSE;
  out.has_socket = has_socket;
  out.send = e.direction == EW_HTTP_SEND;
  out.syscall = e.syscall;
  out.pid = e.pid;
  if (has_socket) {
    out.comm.assign(e.comm, strnlen(e.comm, sizeof(e.comm)));
    out.cgroup_id = e.cgroup_id;
    out.netns = e.netns;
    out.local_ip = FormatKernelAddr(e.family, e.saddr);
    out.local_port = e.sport;
    out.remote_ip = FormatKernelAddr(e.family, e.daddr);
    out.remote_port = e.dport;
  } else {
    out.comm.clear();
    out.cgroup_id = 0;
    out.netns = 0;
    out.local_ip.clear();
    out.local_port = 0;
    out.remote_ip.clear();
    out.remote_port = 0;
  }
  out.real_len = e.real_len;
  out.captured =
      std::span<const char>(static_cast<const char*>(data) + EW_HTTP_HEADER_LEN, e.captured_len);
  return true;
}

Result<std::unique_ptr<HttpSource>> HttpSource::Create(const HttpSourceOptions& options,
                                                       Callback callback) {
  if (auto ok = CheckBpfPrerequisites(); !ok) return Err(ok.error());
  InstallLibbpfPrint();
  bool use_btf = options.mode == AttachMode::kTpBtf;
  if (options.mode == AttachMode::kAuto) {
    use_btf = ProbeTpBtf("sys_enter") && ProbeTpBtf("sys_exit") && ProbeTpBtf("tcp_destroy_sock");
  }
  // The per-syscall tracepoints are classic tracepoints: their ids live in tracefs.
  if (!use_btf) {
    if (auto ok = EnsureTracefs(); !ok) return Err(ok.error());
  }

  std::unique_ptr<HttpSource> src(new HttpSource());
  src->callback_ = std::move(callback);
  src->mode_name_ = use_btf ? "tp_btf" : "tracepoint";
  src->skel_ = http__open();
  if (src->skel_ == nullptr) {
    return Err(std::string("opening the http BPF object failed: ") + std::strerror(errno));
  }
  src->skel_->rodata->self_tgid = options.self_pid;
  bpf_program* prog;
  bpf_object__for_each_program(prog, src->skel_->obj) {
    const std::string name = bpf_program__name(prog);
    const bool raw = name.ends_with("_btf");
    bpf_program__set_autoload(prog, raw == use_btf);
  }
  if (int err = http__load(src->skel_); err != 0) {
    return Err(std::string("loading the http BPF programs failed: ") + std::strerror(-err) +
               " — the kernel verifier refused them; rerun with EDGEWATCH_BPF_DEBUG=1 for its "
               "log");
  }
  if (int err = http__attach(src->skel_); err != 0) {
    return Err(std::string("attaching the http BPF programs failed: ") + std::strerror(-err) +
               " — the kernel lacks the syscalls:sys_enter_*/sys_exit_* tracepoints "
               "(CONFIG_FTRACE_SYSCALLS) or tcp:tcp_destroy_sock (Linux ≥ 4.16)");
  }
  src->rb_ = ring_buffer__new(bpf_map__fd(src->skel_->maps.http_events), &HttpSource::OnSample,
                              src.get(), nullptr);
  if (src->rb_ == nullptr) {
    return Err(std::string("creating the http ring buffer reader failed: ") + std::strerror(errno));
  }
  return src;
}

HttpSource::~HttpSource() {
  if (rb_ != nullptr) ring_buffer__free(rb_);
  if (skel_ != nullptr) http__destroy(skel_);
}

int HttpSource::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<HttpSource*>(ctx);
  HttpChunk chunk;
  if (!DecodeHttpEvent(data, size, chunk)) {
    self->malformed_.Add();
    return 0;
  }
  (chunk.close ? self->closes_ : self->chunks_).Add();
  self->callback_(chunk);
  return 0;
}

int HttpSource::Poll(int timeout_ms) { return PollRingBuffer(rb_, timeout_ms); }

void HttpSource::Ignore(uint64_t conn_id) {
  ew_http_sock s{};
  s.state = EW_HTTP_SOCK_NOT_HTTP;
  // The socket may be gone already (its entry then is too): nothing to do.
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.http_socks), &conn_id, &s, BPF_EXIST) == 0) {
    ignored_.Add();
  }
}

uint64_t HttpSource::ReadCounter(uint32_t idx) const {
  return SumPerCpuCounter(bpf_map__fd(skel_->maps.ew_http_counters), idx);
}

uint64_t HttpSource::LostEvents() const { return ReadCounter(EW_HTTP_CNT_RINGBUF_FULL); }

void HttpSource::CollectStats(std::vector<StatSample>& out) const {
  const char* help = "Records read from the http probe's ring buffer.";
  out.push_back(Counter("edgewatch_sensor_http_chunks_total", help,
                        static_cast<double>(chunks_.Get()), {{"kind", "data"}}));
  out.push_back(Counter("edgewatch_sensor_http_chunks_total", help,
                        static_cast<double>(closes_.Get()), {{"kind", "close"}}));
  out.push_back(Counter("edgewatch_sensor_http_ringbuf_lost_total",
                        "HTTP chunks lost because the ring buffer was full (their connections "
                        "resynchronise at the next message).",
                        static_cast<double>(LostEvents())));
  out.push_back(Counter("edgewatch_sensor_http_read_failed_total",
                        "HTTP chunks whose bytes could not be read from user memory.",
                        static_cast<double>(ReadCounter(EW_HTTP_CNT_READ_FAILED))));
  const char* classified = "TCP sockets classified by their first bytes.";
  out.push_back(Counter("edgewatch_sensor_http_sockets_classified_total", classified,
                        static_cast<double>(ReadCounter(EW_HTTP_CNT_CLASSIFIED_HTTP)),
                        {{"result", "http"}}));
  out.push_back(Counter("edgewatch_sensor_http_sockets_classified_total", classified,
                        static_cast<double>(ReadCounter(EW_HTTP_CNT_CLASSIFIED_OTHER)),
                        {{"result", "other"}}));
  out.push_back(Counter("edgewatch_sensor_http_sockets_ignored_total",
                        "HTTP sockets given up by user space (the parser found no HTTP/1.x).",
                        static_cast<double>(ignored_.Get())));
  out.push_back(Counter("edgewatch_sensor_http_inflight_full_total",
                        "Socket syscalls not followed because the in-flight table was full.",
                        static_cast<double>(ReadCounter(EW_HTTP_CNT_ARGS_FULL))));
  out.push_back(Counter("edgewatch_sensor_http_malformed_events_total",
                        "Ring-buffer records of the http probe that did not decode.",
                        static_cast<double>(malformed_.Get())));
}

}  // namespace edgewatch::sensor
