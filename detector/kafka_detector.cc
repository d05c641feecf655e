#include "detector/kafka_detector.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "common/clock.h"
#include "transport/kafka_admin.h"

namespace edgewatch::detector {
namespace {

std::string Where(const transport::ConsumedRecord& r) {
  return std::string(r.topic) + "[" + std::to_string(r.partition) + "]@" + std::to_string(r.offset);
}

std::string PartitionList(const std::vector<transport::TopicPartitionId>& parts) {
  std::string s = "[";
  for (const auto& p : parts) s += (s.size() > 1 ? "," : "") + std::to_string(p.partition);
  return s + "]";
}

}  // namespace

Result<std::unique_ptr<KafkaDetector>> KafkaDetector::Create(KafkaDetectorConfig cfg,
                                                             rules::RuleSet rules,
                                                             DetectorConfig detector_cfg,
                                                             Deliver deliver) {
  if (std::string bad = detector_cfg.Check(); !bad.empty()) return Err("detector: " + bad);
  auto counts = transport::PartitionCounts(
      cfg.kafka,
      {cfg.topics.edge_windows, cfg.topics.evidence, cfg.topics.alerts, cfg.topics.dead_letters},
      cfg.handover_timeout);
  if (!counts) return Err(counts.error());
  const std::vector<std::string> names = {cfg.topics.edge_windows, cfg.topics.evidence,
                                          cfg.topics.alerts, cfg.topics.dead_letters};
  for (size_t i = 0; i < names.size(); ++i) {
    if ((*counts)[i] == 0) {
      return Err("Kafka topic " + names[i] +
                 " does not exist; create the topics with "
                 "`edgewatch kafka init --kafka " +
                 cfg.kafka.brokers + "`");
    }
  }
  if ((*counts)[0] != (*counts)[1]) {
    return Err("topics " + names[0] + " and " + names[1] +
               " must have the same partition "
               "count (a detector reads the evidence of the edges it owns), have " +
               std::to_string((*counts)[0]) + " and " + std::to_string((*counts)[1]));
  }

  std::unique_ptr<KafkaDetector> d(new KafkaDetector());
  d->cfg_ = std::move(cfg);
  d->window_ns_ = detector_cfg.window_ns;
  d->stream_partitions_ = (*counts)[0];
  d->alert_partitions_ = (*counts)[2];
  d->deliver_ = std::move(deliver);
  KafkaDetector* self = d.get();
  d->detector_ = std::make_unique<Detector>(std::move(rules), detector_cfg,
                                            [self](const schema::Alert& a) { self->OnAlert(a); });
  if (d->cfg_.root_causes) {
    d->detector_->EnableRootCauseAlerts(*d->cfg_.root_causes,
                                        [self](const schema::Alert& a) { self->OnAlert(a); });
  }
  if (!d->cfg_.record_path.empty()) {
    d->record_ = std::fopen(d->cfg_.record_path.c_str(), "a");
    if (d->record_ == nullptr) {
      return Err("cannot open " + d->cfg_.record_path + ": " + std::strerror(errno));
    }
  }
  // Alerts and dead letters are few; 5 ms of batching keeps alert latency low.
  auto producer = transport::KafkaProducer::Create(d->cfg_.kafka, "detector", 5);
  if (!producer) return Err(producer.error());
  d->producer_ = std::move(*producer);
  if (std::string why = d->producer_->Prepare({d->cfg_.topics.alerts, d->cfg_.topics.dead_letters},
                                              std::chrono::seconds(10));
      !why.empty()) {
    std::fprintf(stderr, "edgewatch detector: warning: %s; producing anyway\n", why.c_str());
  }

  auto reader = transport::KafkaConsumer::Create(d->cfg_.kafka, {.client = "alert-table"});
  if (!reader) return Err(reader.error());
  d->alerts_reader_ = std::move(*reader);
  std::vector<transport::TopicPartitionId> alert_parts;
  alert_parts.reserve(static_cast<size_t>(d->alert_partitions_));
  for (int32_t p = 0; p < d->alert_partitions_; ++p) {
    alert_parts.push_back({d->cfg_.topics.alerts, p});
  }
  if (std::string bad = d->alerts_reader_->Assign(alert_parts, -1); !bad.empty()) {
    return Err("alerts topic: " + bad);
  }

  if (d->cfg_.baseline_save_interval_ns > 0) {
    auto b = transport::PartitionCounts(d->cfg_.kafka, {d->cfg_.topics.baselines},
                                        d->cfg_.handover_timeout);
    if (!b) return Err(b.error());
    if ((*b)[0] == 0) {
      std::fprintf(stderr,
                   "edgewatch detector: warning: Kafka topic %s does not exist: learned "
                   "baselines will not survive restarts and rebalances; create it with "
                   "`edgewatch kafka init --kafka %s`\n",
                   d->cfg_.topics.baselines.c_str(), d->cfg_.kafka.brokers.c_str());
    } else if ((*b)[0] != d->stream_partitions_) {
      return Err("topics " + names[0] + " and " + d->cfg_.topics.baselines +
                 " must have the same partition count (a detector reads the baselines of the "
                 "edges it owns), have " +
                 std::to_string(d->stream_partitions_) + " and " + std::to_string((*b)[0]));
    } else {
      auto reader = transport::KafkaConsumer::Create(d->cfg_.kafka, {.client = "baselines"});
      if (!reader) return Err(reader.error());
      d->baselines_reader_ = std::move(*reader);
    }
  }
  d->last_baseline_save_ns_ = NowUnixNs();

  auto evidence = transport::KafkaConsumer::Create(d->cfg_.kafka, {.client = "evidence"});
  if (!evidence) return Err(evidence.error());
  d->evidence_ = std::move(*evidence);

  auto windows =
      transport::KafkaConsumer::Create(d->cfg_.kafka, {.client = "detector",
                                                       .group_id = d->cfg_.group_id,
                                                       .topics = {d->cfg_.topics.edge_windows},
                                                       .listener = d.get()});
  if (!windows) return Err(windows.error());
  d->windows_ = std::move(*windows);
  return d;
}

KafkaDetector::~KafkaDetector() {
  if (windows_) windows_->Close();
  if (record_ != nullptr) std::fclose(record_);
}

int32_t KafkaDetector::PartitionOf(const std::string& node, const schema::Edge& edge) const {
  return transport::PartitionOfKey(transport::EdgeRecordKey(node, edge.Key()), stream_partitions_);
}

size_t KafkaDetector::Run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    // The alert table follows the alerts topic all along, so a handover only reads its tail.
    alerts_reader_->Poll(std::chrono::milliseconds(0),
                         [&](const transport::ConsumedRecord& rec) { HandleAlertRecord(rec); });
    // Evidence first, so that windows referring to it find it indexed.
    evidence_->Poll(std::chrono::milliseconds(0),
                    [&](const transport::ConsumedRecord& rec) { HandleEvidence(rec); });
    const auto r = windows_->Poll(
        std::chrono::milliseconds(20),
        [&](const transport::ConsumedRecord& rec) { HandleWindow(rec); },
        [&](const transport::ConsumedRecord& end) {
          if (auto it = owned_.find(end.partition); it != owned_.end()) it->second.at_end = true;
        });
    if (r.drained) caught_up_at_ns_ = NowUnixNs();  // nothing more to read right now
    producer_->Poll();
    if (tick_) tick_(*detector_);
    Advance();
    if (baselines_reader_ &&
        NowUnixNs() - last_baseline_save_ns_ >= cfg_.baseline_save_interval_ns) {
      PublishBaselines(nullptr);
    }
  }
  detector_->FlushRootCauses();  // symptoms still within group_wait are sent, not lost
  windows_->Close();  // revokes everything: state dropped, alerts flushed, offsets committed
  evidence_->Close();
  alerts_reader_->Close();
  if (record_ != nullptr) std::fflush(record_);
  return producer_->Flush(cfg_.shutdown_flush_timeout);
}

void KafkaDetector::Advance() {
  const int64_t now = NowUnixNs();
  if (now - last_advance_ns_ < window_ns_ / 4) return;
  last_advance_ns_ = now;
  if (record_ != nullptr) std::fflush(record_);
  if (owned_.empty()) return;
  int64_t watermark = INT64_MAX;
  for (const auto& [partition, p] : owned_) {
    // A partition read to its end follows the time we last found nothing to read, not the
    // wall clock: after a stall (a rebalance, a slow broker) its new records are not read yet.
    int64_t w = p.max_window_end_ns - cfg_.lateness_ns;
    if (p.at_end) w = std::max(w, caught_up_at_ns_ - cfg_.lateness_ns);
    watermark = std::min(watermark, w);
  }
  if (watermark <= 0) return;
  detector_->AdvanceTo(watermark - watermark % window_ns_);
}

void KafkaDetector::HandleWindow(const transport::ConsumedRecord& r) {
  const auto owned = owned_.find(r.partition);
  if (owned == owned_.end()) {
    // A record of a partition revoked while it was in flight: its new owner reads it (its
    // offset was not committed here). Keeping it would revive the handed-over edge state.
    not_owned_skipped_.Add();
    return;
  }
  if (std::string bad = decoder_.DecodeEdgeWindowInto(r.value, window_); !bad.empty()) {
    // The node-level records that share the topic; else say what it is if it is another
    // edgewatch record, or why it is not an edge window.
    auto other = decoder_.Decode(r.value);
    if (other && std::holds_alternative<schema::ConntrackWindow>(*other)) {
      RecordLine(r.value);
      detector_->OnConntrack(std::get<schema::ConntrackWindow>(*other));
    } else if (other && !std::holds_alternative<schema::EdgeWindow>(*other)) {
      DeadLetter(
          r,
          "not an edge window (schema " +
              std::string(std::holds_alternative<schema::Alert>(*other) ? schema::kAlertSchema
                                                                        : schema::kEvidenceSchema) +
              ") on the edge-windows topic",
          dead_type_);
    } else {
      DeadLetter(r, bad, dead_decode_);
    }
    return;
  }
  AwaitEvidence(r.partition);
  RecordLine(r.value);
  Progress& p = owned->second;
  p.at_end = false;
  p.max_window_end_ns = std::max(p.max_window_end_ns, window_.window_end_ns);
  detector_->OnWindow(window_);
}

void KafkaDetector::AwaitEvidence(int32_t partition) {
  auto missing = [&] {
    return std::any_of(window_.evidence_ids.begin(), window_.evidence_ids.end(),
                       [&](const std::string& id) { return !detector_->HasEvidence(id); });
  };
  if (!missing()) return;
  // The sensor produced the evidence before the window, so it is in the evidence partition
  // of the same number, up to that partition's end now; a separate consumer just has not
  // handed it over yet.
  evidence_waits_.Add();
  (void)evidence_->ReadToEnd({{cfg_.topics.evidence, partition}}, cfg_.evidence_wait,
                             [&](const transport::ConsumedRecord& r) { HandleEvidence(r); });
  if (missing()) evidence_missing_.Add();  // dropped by the sensor's producer, or too old
}

void KafkaDetector::HandleEvidence(const transport::ConsumedRecord& r) {
  auto e = decoder_.DecodeEvidence(r.value);
  if (!e) {
    DeadLetter(r, e.error(), dead_decode_);
    return;
  }
  RecordLine(r.value);
  detector_->OnEvidence(*e);
}

void KafkaDetector::HandleAlertRecord(const transport::ConsumedRecord& r) {
  auto a = decoder_.DecodeAlert(r.value);
  if (!a) {
    alert_records_bad_.Add();
    return;
  }
  table_.Record(*a);
  table_size_.store(table_.size(), std::memory_order_relaxed);
}

void KafkaDetector::RecordLine(std::string_view value) {
  if (record_ == nullptr) return;
  std::fwrite(value.data(), 1, value.size(), record_);
  std::fputc('\n', record_);
}

void KafkaDetector::DeadLetter(const transport::ConsumedRecord& r, const std::string& reason,
                               StatCounter& counter) {
  counter.Add();
  if (!said_dead_.exchange(true)) {
    std::fprintf(stderr,
                 "edgewatch detector: bad record at %s sent to %s: %s; see "
                 "edgewatch_detector_dead_letters_total (said once)\n",
                 Where(r).c_str(), cfg_.topics.dead_letters.c_str(), reason.c_str());
  }
  const transport::KafkaHeaders headers = {
      {"edgewatch-error", reason},
      {"edgewatch-source-topic", std::string(r.topic)},
      {"edgewatch-source-partition", std::to_string(r.partition)},
      {"edgewatch-source-offset", std::to_string(r.offset)},
      {"edgewatch-detector-group", cfg_.group_id},
  };
  if (!producer_->Produce(cfg_.topics.dead_letters, r.key, r.value, headers)) {
    dead_produce_failed_.Add();
  }
}

void KafkaDetector::OnAlert(const schema::Alert& a) {
  if (a.root_cause) {  // from the correlator: to the topic and the receivers
    producer_->Produce(cfg_.topics.alerts, a.fingerprint, schema::Encode(a));
    alerts_published_.Add();
    root_causes_published_.Add();
    if (deliver_) deliver_(a);
    return;
  }
  if (!table_.ShouldPublish(a)) {
    duplicates_suppressed_.Add();
    return;
  }
  table_.Record(a);
  table_size_.store(table_.size(), std::memory_order_relaxed);
  producer_->Produce(cfg_.topics.alerts, a.fingerprint, schema::Encode(a));
  alerts_published_.Add();
  // With root-cause alerts on, a symptom reaches the receivers attached to its root cause.
  if (deliver_ && !cfg_.root_causes) deliver_(a);
}

void KafkaDetector::CatchUpAlertTable() {
  std::vector<transport::TopicPartitionId> parts;
  parts.reserve(static_cast<size_t>(alert_partitions_));
  for (int32_t p = 0; p < alert_partitions_; ++p) parts.push_back({cfg_.topics.alerts, p});
  if (!alerts_reader_->ReadToEnd(
          parts, cfg_.handover_timeout,
          [&](const transport::ConsumedRecord& r) { HandleAlertRecord(r); })) {
    catch_up_timeouts_.Add();
    std::fprintf(stderr,
                 "edgewatch detector: alerts topic not read to its end within %lld ms; alerts "
                 "firing elsewhere may be announced again\n",
                 static_cast<long long>(cfg_.handover_timeout.count()));
  }
}

KafkaDetector::PartitionSet KafkaDetector::Partitions(
    const std::vector<transport::TopicPartitionId>& partitions) const {
  PartitionSet s;
  s.member.assign(static_cast<size_t>(stream_partitions_), false);
  for (const auto& p : partitions) {
    s.member[static_cast<size_t>(p.partition)] = true;
    s.evidence.push_back({cfg_.topics.evidence, p.partition});
  }
  return s;
}

void KafkaDetector::OnAssigned(const std::vector<transport::TopicPartitionId>& partitions) {
  if (partitions.empty()) return;  // cooperative rebalances that change nothing here
  handovers_in_.Add(partitions.size());
  caught_up_at_ns_ = 0;  // until the new partitions are read
  auto since = [t0 = std::chrono::steady_clock::now()] {
    return static_cast<long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count());
  };
  CatchUpAlertTable();
  const long long alerts_ms = since();
  const PartitionSet mine = Partitions(partitions);
  for (const auto& p : partitions) owned_[p.partition] = Progress{};
  size_t adopted = 0;
  for (const schema::Alert& a : table_.Firing(
           [&](const schema::Alert& a) { return mine.Has(PartitionOf(a.node, a.edge)); })) {
    adopted += detector_->Adopt(a) ? 1 : 0;
  }
  ReadBaselines(partitions);
  // The backlog of windows is read next; its alerts link the evidence of the same failures,
  // so the evidence partitions are read to their end first.
  const int64_t since_ms = (NowUnixNs() - cfg_.evidence_lookback_ns) / 1'000'000;
  if (std::string bad = evidence_->Assign(mine.evidence, since_ms); !bad.empty()) {
    std::fprintf(stderr, "edgewatch detector: evidence partitions: %s\n", bad.c_str());
  } else if (!evidence_->ReadToEnd(
                 mine.evidence, cfg_.handover_timeout,
                 [&](const transport::ConsumedRecord& r) { HandleEvidence(r); })) {
    catch_up_timeouts_.Add();
    std::fprintf(stderr,
                 "edgewatch detector: evidence partitions not read to their end within %lld ms; "
                 "alerts of the backlog may lack evidence\n",
                 static_cast<long long>(cfg_.handover_timeout.count()));
  }
  std::fprintf(stderr,
               "edgewatch detector: took over partitions %s; alerts topic read in %lld ms, "
               "evidence in %lld ms; %zu firing alerts continued\n",
               PartitionList(partitions).c_str(), alerts_ms, since() - alerts_ms, adopted);
}

void KafkaDetector::OnRevoked(const std::vector<transport::TopicPartitionId>& partitions,
                              bool lost) {
  if (partitions.empty()) return;
  handovers_out_.Add(partitions.size());
  const PartitionSet leaving = Partitions(partitions);
  for (const auto& p : partitions) owned_.erase(p.partition);
  // The next owner goes on from these baselines (flushed with the alerts below).
  if (!lost) {
    PublishBaselines([&](const std::string& node, const schema::Edge& edge) {
      return leaving.Has(PartitionOf(node, edge));
    });
  }
  const size_t dropped =
      detector_->DropEdges([&](const std::string& node, const schema::Edge& edge) {
        return leaving.Has(PartitionOf(node, edge));
      });
  std::fprintf(stderr, "edgewatch detector: %s partitions %s; %zu edges handed over\n",
               lost ? "lost" : "handed over", PartitionList(partitions).c_str(), dropped);
  // The next owner reads the alerts topic before it starts; what we raised must be there.
  if (!lost) {
    if (size_t left = producer_->Flush(cfg_.handover_timeout); left > 0) {
      std::fprintf(stderr,
                   "edgewatch detector: %zu records not yet on Kafka at handover; the next "
                   "owner may announce their alerts again\n",
                   left);
    }
  }
  if (std::string bad = evidence_->Unassign(leaving.evidence); !bad.empty()) {
    std::fprintf(stderr, "edgewatch detector: evidence partitions: %s\n", bad.c_str());
  }
}

void KafkaDetector::PublishBaselines(const Detector::EdgeFilter& which) {
  const int64_t now = NowUnixNs();
  last_baseline_save_ns_ = now;
  if (!baselines_reader_) return;
  StateSnapshot all = detector_->SaveStates(now, which, /*include_held=*/false);
  // One record per edge (its entries are consecutive), keyed and so partitioned as its windows:
  // the detector state key is "<node>\x1f<edge key>", the Kafka key "<node>|<edge key>".
  StateSnapshot one;
  one.saved_at_ns = now;
  auto flush = [&] {
    if (one.entries.empty()) return;
    const std::string& state_key = one.entries.front().edge_key;
    const size_t sep = state_key.find('\x1f');
    const std::string key = transport::EdgeRecordKey(
        std::string_view(state_key).substr(0, sep),
        sep == std::string::npos ? std::string_view()
                                 : std::string_view(state_key).substr(sep + 1));
    if (producer_->Produce(cfg_.topics.baselines, key, one.Encode())) {
      baselines_published_.Add();
    } else {
      baselines_publish_failed_.Add();
    }
    one.entries.clear();
  };
  for (StateSnapshot::Entry& e : all.entries) {
    if (!one.entries.empty() && one.entries.front().edge_key != e.edge_key) flush();
    one.entries.push_back(std::move(e));
  }
  flush();
}

void KafkaDetector::ReadBaselines(const std::vector<transport::TopicPartitionId>& partitions) {
  if (!baselines_reader_) return;
  std::vector<transport::TopicPartitionId> parts;
  parts.reserve(partitions.size());
  for (const auto& p : partitions) parts.push_back({cfg_.topics.baselines, p.partition});
  if (std::string bad = baselines_reader_->Assign(parts, -1); !bad.empty()) {
    std::fprintf(stderr, "edgewatch detector: baselines partitions: %s\n", bad.c_str());
    return;
  }
  // Compaction keeps the last record per edge, but a partition may hold several records of
  // an edge until it runs: the last one read wins (LoadStates replaces by key).
  size_t edges = 0;
  const bool done = baselines_reader_->ReadToEnd(
      parts, cfg_.handover_timeout, [&](const transport::ConsumedRecord& r) {
        if (r.value.empty()) return;  // a tombstone
        auto snap = StateSnapshot::Decode(r.value);
        if (!snap) {
          baseline_records_bad_.Add();
          std::fprintf(stderr, "edgewatch detector: %s: not a baselines record: %s\n",
                       Where(r).c_str(), snap.error().c_str());
          return;
        }
        detector_->LoadStates(std::move(*snap));
        baselines_read_.Add();
        ++edges;
      });
  if (!done) {
    catch_up_timeouts_.Add();
    std::fprintf(stderr,
                 "edgewatch detector: baselines partitions not read to their end within %lld "
                 "ms; some edges learn anew\n",
                 static_cast<long long>(cfg_.handover_timeout.count()));
  }
  if (std::string bad = baselines_reader_->Unassign(parts); !bad.empty()) {
    std::fprintf(stderr, "edgewatch detector: baselines partitions: %s\n", bad.c_str());
  }
  std::fprintf(stderr, "edgewatch detector: baselines of %zu edges read from %s %s\n", edges,
               cfg_.topics.baselines.c_str(), PartitionList(partitions).c_str());
}

void KafkaDetector::CollectStats(std::vector<StatSample>& out) const {
  auto dead = [&](const char* reason, const StatCounter& c) {
    out.push_back(Counter("edgewatch_detector_dead_letters_total",
                          "Records sent to the dead-letter topic, by reason.",
                          static_cast<double>(c.Get()), {{"reason", reason}}));
  };
  dead("decode", dead_decode_);
  dead("wrong_type", dead_type_);
  out.push_back(Counter("edgewatch_detector_dead_letter_produce_failed_total",
                        "Bad records that could not even be sent to the dead-letter topic.",
                        static_cast<double>(dead_produce_failed_.Get())));
  out.push_back(Counter("edgewatch_detector_baselines_published_total",
                        "Records of an edge's learned baselines sent to the baselines topic.",
                        static_cast<double>(baselines_published_.Get())));
  out.push_back(Counter("edgewatch_detector_baselines_publish_failed_total",
                        "Baselines records the producer refused (see the producer's drops).",
                        static_cast<double>(baselines_publish_failed_.Get())));
  out.push_back(Counter("edgewatch_detector_baselines_read_total",
                        "Baselines records read when taking partitions over.",
                        static_cast<double>(baselines_read_.Get())));
  out.push_back(Counter("edgewatch_detector_baseline_records_bad_total",
                        "Records on the baselines topic that did not decode (ignored).",
                        static_cast<double>(baseline_records_bad_.Get())));
  out.push_back(Counter("edgewatch_detector_alerts_published_total",
                        "Alert records published to the alerts topic and the receivers.",
                        static_cast<double>(alerts_published_.Get())));
  out.push_back(Counter("edgewatch_detector_root_cause_alerts_published_total",
                        "Root-cause alert records produced to the alerts topic (also counted in "
                        "alerts_published_total).",
                        static_cast<double>(root_causes_published_.Get())));
  out.push_back(Counter("edgewatch_detector_alert_duplicates_suppressed_total",
                        "Alert records not published: the alerts topic already had that state.",
                        static_cast<double>(duplicates_suppressed_.Get())));
  out.push_back(Counter("edgewatch_detector_alert_table_bad_records_total",
                        "Records on the alerts topic that did not decode as alerts.",
                        static_cast<double>(alert_records_bad_.Get())));
  out.push_back(Counter("edgewatch_detector_partitions_taken_over_total",
                        "Edge-window partitions assigned to this detector.",
                        static_cast<double>(handovers_in_.Get())));
  out.push_back(Counter("edgewatch_detector_partitions_handed_over_total",
                        "Edge-window partitions revoked from this detector.",
                        static_cast<double>(handovers_out_.Get())));
  out.push_back(Counter("edgewatch_detector_catch_up_timeouts_total",
                        "Takeovers that started before the alerts topic or the evidence "
                        "partitions were read to their end.",
                        static_cast<double>(catch_up_timeouts_.Get())));
  out.push_back(Counter("edgewatch_detector_not_owned_records_skipped_total",
                        "Edge-window records of partitions revoked while they were in flight; "
                        "their new owner reads them.",
                        static_cast<double>(not_owned_skipped_.Get())));
  out.push_back(Counter("edgewatch_detector_evidence_waits_total",
                        "Edge windows that arrived before the evidence they name; the detector "
                        "read the evidence partition to its end first.",
                        static_cast<double>(evidence_waits_.Get())));
  out.push_back(Counter("edgewatch_detector_evidence_missing_total",
                        "Edge windows evaluated without some evidence they name (dropped "
                        "upstream or older than the evidence index).",
                        static_cast<double>(evidence_missing_.Get())));
  out.push_back(Gauge("edgewatch_detector_alert_table_size",
                      "Alert fingerprints known from the alerts topic.",
                      static_cast<double>(table_size_.load(std::memory_order_relaxed))));
  detector_->CollectStats(out);
  producer_->CollectStats(out);
  windows_->CollectStats(out);
  evidence_->CollectStats(out);
  alerts_reader_->CollectStats(out);
}

}  // namespace edgewatch::detector
