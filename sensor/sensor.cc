#include "sensor/sensor.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/clock.h"
#include "sensor/edge_identity.h"

namespace edgewatch::sensor {

namespace {

int64_t AlignDown(int64_t t, int64_t step) { return t - (t % step); }

}  // namespace

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return buf;
}

Sensor::Sensor(SensorConfig cfg, RecordSink& sink)
    : cfg_(std::move(cfg)),
      sink_(sink),
      decoder_(EphemeralPortRange::FromProc(), MonotonicToUnixOffsetNs()),
      aggregator_(AggregatorConfig{cfg_.node, cfg_.window_ns, cfg_.max_edges,
                                   cfg_.max_evidence_per_edge, static_cast<uint64_t>(NowUnixNs()),
                                   static_cast<uint64_t>(cfg_.http_slow_ns / 1000)}),
      conntrack_(cfg_.node, cfg_.conntrack),
      dns_decoder_(
          DnsTransactionTableConfig{.timeout_ns = cfg_.dns_timeout_ns},
          [this](const DnsOutcome& o) {
            PublishEvidence(aggregator_.AddDns(o, &scratch_evidence_));
          },
          [this](uint64_t cgroup_id, uint32_t pid) { return containers_.Resolve(cgroup_id, pid); }),
      http_decoder_(
          HttpDecoderConfig{},
          [this](const HttpOutcome& o) {
            PublishEvidence(aggregator_.AddHttp(o, &scratch_evidence_));
          },
          [this](uint64_t cgroup_id, uint32_t pid) { return containers_.Resolve(cgroup_id, pid); },
          [this](uint64_t conn_id) {
            if (http_source_) http_source_->Ignore(conn_id);
          }),
      nat_drops_(65536, cfg_.snat_lookback_ns),
      clock_offset_ns_(MonotonicToUnixOffsetNs()) {}

Result<std::unique_ptr<Sensor>> Sensor::Create(SensorConfig cfg, RecordSink& sink) {
  if (cfg.node.empty()) cfg.node = HostName();
  if (cfg.window_ns < 10'000'000) return Err("sensor window must be at least 10ms");
  std::unique_ptr<Sensor> s(new Sensor(std::move(cfg), sink));
  if (s->cfg_.identity) s->identity_map_ = s->cfg_.identity->Current();
  TcpLifecycleOptions opts;
  opts.mode = s->cfg_.attach_mode;
  opts.self_pid = s->cfg_.ignore_self ? static_cast<uint32_t>(getpid()) : 0;
  Sensor* raw = s.get();
  auto src =
      TcpLifecycleSource::Open(opts, [raw](const void* d, size_t n) { raw->OnRawEvent(d, n); });
  if (!src) return Err(src.error());
  s->source_ = std::move(*src);
  if (s->cfg_.dns) {
    DnsSourceOptions dns_opts;
    dns_opts.self_pid = opts.self_pid;
    auto dns = DnsSource::Create(dns_opts, [raw](const DnsPacket& p) {
      raw->dns_decoder_.OnPacket(p, raw->clock_offset_ns_);
    });
    if (dns) {
      s->dns_source_ = std::move(*dns);
    } else {
      // Connection failures and SNAT still work; DNS is what is missing, and it is said.
      std::fprintf(stderr, "edgewatch sensor: DNS capture off: %s\n", dns.error().c_str());
    }
  }
  // NAT drops by tuple: which client sockets an SNAT conflict hit, in any namespace.
  auto nat = NatDropSource::Create([raw](const NatDrop& d) { raw->nat_drops_.Add(d); });
  if (nat) {
    s->nat_source_ = std::move(*nat);
  } else {
    std::fprintf(stderr,
                 "edgewatch sensor: NAT drop attribution off (SNAT-suspect by time only): %s\n",
                 nat.error().c_str());
  }
  for (const ConntrackNamespace& ns : s->cfg_.conntrack) {
    struct stat st {};
    const std::string path = ns.path.empty() ? "/proc/self/ns/net" : ns.path;
    if (::stat(path.c_str(), &st) == 0)
      s->watched_netns_[static_cast<uint32_t>(st.st_ino)] = ns.name;
  }
  if (s->cfg_.http) {
    HttpSourceOptions http_opts;
    http_opts.self_pid = opts.self_pid;
    http_opts.mode = s->cfg_.attach_mode;
    auto http = HttpSource::Create(http_opts, [raw](const HttpChunk& c) {
      raw->http_decoder_.OnChunk(c, raw->clock_offset_ns_);
    });
    if (http) {
      s->http_source_ = std::move(*http);
    } else {
      std::fprintf(stderr, "edgewatch sensor: HTTP capture off: %s\n", http.error().c_str());
    }
  }
  return s;
}

void Sensor::PublishEvidence(bool emitted) {
  if (!emitted) return;
  // Evidence is published before its window closes, so its edge is named here, per event:
  // evidence is bounded per edge and window, and a lookup does not allocate. Unknown peers
  // are counted once per window at close, not again here.
  if (identity_map_) MapEdgeIdentity(*identity_map_, scratch_evidence_.edge, nullptr);
  sink_.Publish(std::move(scratch_evidence_));
}

void Sensor::DrainSources() {
  while (source_->Poll(0) > 0) {
  }
  if (dns_source_) {
    while (dns_source_->Poll(0) > 0) {
    }
  }
  if (http_source_) {
    while (http_source_->Poll(0) > 0) {
    }
  }
  if (nat_source_) {
    while (nat_source_->Poll(0) > 0) {
    }
  }
}

void Sensor::OnRawEvent(const void* data, size_t size) {
  std::optional<TcpEvent> e = decoder_.Decode(data, size);
  if (!e) return;
  e->container_id = containers_.Resolve(e->cgroup_id, e->pid);
  const NatDropRecord* nat = NatDropsOf(*e);
  if (nat != nullptr) {
    EdgeAggregator::KeyOf(*e, key_scratch_);
    NatMark& mark = nat_marked_[key_scratch_];
    mark.netns = nat->netns;
    mark.time_ns = std::max(mark.time_ns, e->time_ns);
  }
  const bool emitted = aggregator_.Add(*e, &scratch_evidence_);
  if (emitted && nat != nullptr && e->kind == TcpEventKind::kConnectFailed) {
    scratch_evidence_.nat = schema::NatEvidence{nat->netns, nat->nat_ip, nat->nat_port, nat->drops};
  }
  PublishEvidence(emitted);
}

const NatDropRecord* Sensor::NatDropsOf(const TcpEvent& e) {
  const bool syn_event = (e.kind == TcpEventKind::kRetransmit && e.old_state == 2 /* SYN_SENT */) ||
                         e.kind == TcpEventKind::kConnectFailed;
  if (!syn_event || e.role != Role::kClient) return nullptr;
  return nat_drops_.Find(e.local_ip, e.local_port, e.remote_ip, e.remote_port);
}

void Sensor::CloseWindow(int64_t end_ns) {
  const int64_t start_ns = aggregator_.window_start_ns();
  std::vector<schema::EdgeWindow> edges = aggregator_.CloseWindow(end_ns);
  if (identity_map_) {
    // At close rather than per event: one lookup per edge and window.
    unknown_peers_.Reset();
    for (schema::EdgeWindow& w : edges) MapEdgeIdentity(*identity_map_, w.edge, &unknown_peers_);
  }
  ReloadIdentity();
  PublishConntrack(start_ns, end_ns, edges);
  for (auto& w : edges) sink_.Publish(std::move(w));
  sink_.Flush();
}

void Sensor::PublishConntrack(int64_t start_ns, int64_t end_ns,
                              std::vector<schema::EdgeWindow>& edges) {
  std::vector<schema::ConntrackWindow> windows = conntrack_.Poll(start_ns, end_ns);
  for (const schema::ConntrackWindow& c : windows) {
    if (c.Conflicts() > 0) last_conflict_[c.netns] = {c.id, c.netns, end_ns};
  }
  // The namespace with the latest conflict in this poll or the one before (a SYN dropped
  // during the previous window's flush grace is counted by the previous poll).
  const LastConflict* recent = nullptr;
  for (const auto& [ns, last] : last_conflict_) {
    if (end_ns - last.end_ns <= cfg_.window_ns &&
        (recent == nullptr || last.end_ns > recent->end_ns)) {
      recent = &last;
    }
  }
  auto count_on = [&](const std::string& netns) {
    for (schema::ConntrackWindow& c : windows) {
      if (c.netns == netns) ++c.snat_suspect_edges;
    }
  };
  std::erase_if(snat_suspects_, [&](const auto& kv) { return kv.second.until_ns < end_ns; });
  for (schema::EdgeWindow& w : edges) {
    if (w.edge.side != schema::Side::kClient) continue;
    // Exact: the NAT dropped this edge's own SYNs (by tuple). The conntrack window of that
    // namespace when it is watched, else the namespace by inode.
    if (auto nat = nat_marked_.find(w.edge.Key());
        nat != nat_marked_.end() && nat->second.time_ns < end_ns) {
      auto name = watched_netns_.find(nat->second.netns);
      std::string id = cfg_.node + "/netns/" + std::to_string(nat->second.netns);
      if (name != watched_netns_.end()) {
        // The namespace's latest window with conflicts: it holds the last drop.
        auto last = last_conflict_.find(name->second);
        if (last != last_conflict_.end()) id = last->second.id;
        count_on(name->second);
      }
      nat_marked_.erase(nat);
      w.snat_suspect = id;
      continue;
    }
    // SYNs retransmitted while a watched NAT failed to insert entries: they were dropped
    // there. The edge stays suspect for the lookback, so its connect timeouts — which come
    // after the last retransmit, often windows later — are linked too.
    if (w.at(schema::Counter::kSynRetransmits) > 0 && recent != nullptr) {
      w.snat_suspect = recent->id;
      count_on(recent->netns);
      if (snat_suspects_.size() < cfg_.max_edges) {
        snat_suspects_[w.edge.Key()] = {recent->id, recent->netns, end_ns + cfg_.snat_lookback_ns};
      }
    } else if (w.at(schema::Counter::kTimeout) > 0) {
      if (auto it = snat_suspects_.find(w.edge.Key()); it != snat_suspects_.end()) {
        w.snat_suspect = it->second.conntrack_id;
        count_on(it->second.netns);
      }
    }
  }
  std::erase_if(nat_marked_, [&](const auto& kv) { return kv.second.time_ns < end_ns; });
  for (schema::ConntrackWindow& c : windows) sink_.Publish(std::move(c));
}

void Sensor::ReloadIdentity() {
  if (!cfg_.identity) return;
  cfg_.identity->CheckReload();  // a bad file keeps the map in use (counted, said once)
  identity_map_ = cfg_.identity->Current();
}

void Sensor::Run(const std::atomic<bool>& stop) {
  aggregator_.set_window_start(AlignDown(NowUnixNs(), cfg_.window_ns));
  while (!stop.load(std::memory_order_relaxed)) {
    source_->Poll(50);
    if (dns_source_) dns_source_->Poll(0);
    if (http_source_) http_source_->Poll(0);
    if (nat_source_) nat_source_->Poll(0);
    int64_t now = NowUnixNs();
    dns_decoder_.Expire(now);
    bool closed = false;
    while (now >= aggregator_.window_start_ns() + cfg_.window_ns + cfg_.flush_grace_ns) {
      if (aggregator_.empty()) {
        // Nothing held: jump over idle windows instead of closing each one (conntrack gets
        // one record for them).
        std::vector<schema::EdgeWindow> none;
        const int64_t start_ns = aggregator_.window_start_ns();
        PublishConntrack(start_ns, start_ns + cfg_.window_ns, none);
        sink_.Flush();
        ReloadIdentity();
        aggregator_.set_window_start(AlignDown(now - cfg_.flush_grace_ns, cfg_.window_ns));
        break;
      }
      CloseWindow(aggregator_.window_start_ns() + cfg_.window_ns);
      closed = true;
    }
    if (closed) {  // follow NTP steps; forget idle HTTP connections
      http_decoder_.Expire(now);
      nat_drops_.Expire(now - clock_offset_ns_);
      clock_offset_ns_ = MonotonicToUnixOffsetNs();
      decoder_.set_clock_offset(clock_offset_ns_);
    }
  }
  // Drain what the kernel has already written, then publish what is held: the open window
  // (cut short at `now`) and, if events are already past its end, the next one.
  DrainSources();
  int64_t now = NowUnixNs();
  int64_t end = aggregator_.window_start_ns() + cfg_.window_ns;
  CloseWindow(std::min(end, std::max(now, aggregator_.window_start_ns() + 1)));
  if (!aggregator_.empty()) CloseWindow(std::max(now, aggregator_.window_start_ns() + 1));
}

void Sensor::CollectStats(std::vector<StatSample>& out) const {
  source_->CollectStats(out);
  decoder_.CollectStats(out);
  containers_.CollectStats(out);
  aggregator_.CollectStats(out);
  if (cfg_.identity) {
    cfg_.identity->CollectStats(out);
    unknown_peers_.CollectStats(out);
  }
  conntrack_.CollectStats(out);
  dns_decoder_.CollectStats(out);
  if (dns_source_) dns_source_->CollectStats(out);
  http_decoder_.CollectStats(out);
  if (http_source_) http_source_->CollectStats(out);
  if (nat_source_) nat_source_->CollectStats(out);
  out.push_back(Counter("edgewatch_sensor_nat_index_overflow_total",
                        "NAT-dropped connections not remembered: the tuple index was full.",
                        static_cast<double>(nat_drops_.overflowed())));
}

}  // namespace edgewatch::sensor
