#include "cmd/sensor_options.h"

#include <charconv>
#include <filesystem>

namespace edgewatch::cmd {

namespace {
Result<size_t> ParseCount(const char* flag, const std::string& v) {
  size_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n == 0) {
    return Err(std::string("flag --") + flag + ": \"" + v + "\" is not a positive integer");
  }
  return n;
}
}  // namespace

void SensorFlags::Register(Flags& f) {
  f.String("window", &window, "edge window length", "DURATION");
  f.String("node", &node, "node name in records (default: host name)", "NAME");
  f.String("attach", &attach, "BPF attach type: auto, tp_btf or tracepoint", "MODE");
  f.String("max-edges", &max_edges, "edges per window before the overflow edge", "N");
  f.String("max-evidence", &max_evidence, "evidence events per edge per window", "N");
  f.List("conntrack-netns", &conntrack_netns,
         "also watch this network namespace's conntrack statistics for SNAT conflicts, e.g. "
         "nat=/var/run/netns/nat",
         "NAME=PATH");
  f.Bool("no-host-conntrack", &no_host_conntrack,
         "do not watch the sensor's own namespace (\"host\") for SNAT conflicts");
  f.String("identity", &identity,
           "identity/CMDB mapping file naming peers' services, business systems and tags "
           "(docs/identity.md); reloaded when it changes",
           "FILE");
  f.Bool("no-dns", &no_dns, "do not capture DNS (cgroup_skb on the cgroup v2 root)");
  f.String("dns-timeout", &dns_timeout, "a DNS query unanswered this long counts as a timeout",
           "DURATION");
  f.Bool("no-http", &no_http, "do not capture HTTP/1.x (socket syscall tracepoints)");
  f.String("http-slow", &http_slow,
           "successful HTTP exchanges at least this slow are kept as evidence", "DURATION");
}

Result<sensor::SensorConfig> SensorFlags::ToConfig() const {
  sensor::SensorConfig cfg;
  auto w = ParseDurationFlag("window", window);
  if (!w) return Err(w.error());
  if (*w < 10'000'000) return Err("flag --window: must be at least 10ms");
  cfg.window_ns = *w;
  cfg.flush_grace_ns = std::min<int64_t>(200'000'000, *w / 2);
  cfg.node = node;
  if (attach == "auto") {
    cfg.attach_mode = sensor::AttachMode::kAuto;
  } else if (attach == "tp_btf") {
    cfg.attach_mode = sensor::AttachMode::kTpBtf;
  } else if (attach == "tracepoint") {
    cfg.attach_mode = sensor::AttachMode::kTracepoint;
  } else {
    return Err("flag --attach: \"" + attach + "\" is not one of auto, tp_btf, tracepoint");
  }
  auto me = ParseCount("max-edges", max_edges);
  if (!me) return Err(me.error());
  cfg.max_edges = *me;
  auto mv = ParseCount("max-evidence", max_evidence);
  if (!mv) return Err(mv.error());
  cfg.max_evidence_per_edge = *mv;
  if (no_host_conntrack) cfg.conntrack.clear();
  for (const std::string& spec : conntrack_netns) {
    auto ns = sensor::ParseConntrackNamespace(spec);
    if (!ns) return Err("flag --conntrack-netns: " + ns.error());
    for (const auto& have : cfg.conntrack) {
      if (have.name == ns->name) {
        return Err("flag --conntrack-netns: the name \"" + ns->name + "\" is used twice");
      }
    }
    std::error_code ec;
    if (!std::filesystem::exists(ns->path, ec)) {
      return Err("flag --conntrack-netns: " + ns->path +
                 " does not exist (a netns file such as /var/run/netns/NAME or "
                 "/proc/PID/ns/net)");
    }
    cfg.conntrack.push_back(*ns);
  }
  cfg.dns = !no_dns;
  auto dt = ParseDurationFlag("dns-timeout", dns_timeout);
  if (!dt) return Err(dt.error());
  if (*dt < 10'000'000) return Err("flag --dns-timeout: must be at least 10ms");
  cfg.dns_timeout_ns = *dt;
  cfg.http = !no_http;
  auto hs = ParseDurationFlag("http-slow", http_slow);
  if (!hs) return Err(hs.error());
  if (*hs <= 0) return Err("flag --http-slow: must be positive");
  cfg.http_slow_ns = *hs;
  if (!identity.empty()) {
    auto reloader = sensor::IdentityMapReloader::Create(identity);
    if (!reloader) return Err("flag --identity: " + reloader.error());
    cfg.identity = std::move(*reloader);
  }
  return cfg;
}

}  // namespace edgewatch::cmd
