// KafkaDetector: the detector as a member of a Kafka consumer group (`edgewatch detector
// --kafka`). Reads edge windows (group, cooperative-sticky) and, for each edge-window
// partition it owns, the evidence partition with the same number (same key, same partitioner,
// same count); publishes alerts keyed by fingerprint to the alerts topic and hands them to the
// receivers; sends records it cannot decode to the dead-letter topic with the reason.
//
// Delivery: at least once in, exactly one notification per firing out. A record's offset is
// stored only after the detector processed it. When partitions are revoked, their edge state
// is dropped, the alerts already raised are flushed to the alerts topic, and the offsets are
// committed; the member that gets them next reads the alerts topic first (AlertTable), adopts
// the alerts still firing on its new edges and suppresses duplicates — so neither a rebalance
// nor a restart announces a firing twice, and a firing alert is resolved by whoever owns its
// edge when it ends.
//
// Watermark (quiet edges are evaluated as zero windows up to it): the smallest over the owned
// partitions of each partition's own watermark — its latest window end minus `lateness`, or,
// once it has been read to its end, the last time a poll found nothing to read minus
// `lateness`. So a partition just taken
// over holds the watermark back until its backlog is read, and quiet edges are not resolved
// before their windows had a chance to arrive. Windows later than that are counted as late.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/stats.h"
#include "detector/alert_table.h"
#include "detector/detector.h"
#include "schema/codec.h"
#include "transport/kafka_config.h"
#include "transport/kafka_consumer.h"
#include "transport/kafka_producer.h"
#include "transport/kafka_topics.h"

namespace edgewatch::detector {

struct KafkaDetectorConfig {
  transport::KafkaConfig kafka;
  transport::TopicNames topics = transport::TopicNames::WithPrefix("edgewatch.");
  std::string group_id = "edgewatch-detector";
  int64_t lateness_ns = 2'000'000'000;
  int64_t evidence_lookback_ns = 120'000'000'000;     // evidence read back when taking over
  std::chrono::milliseconds handover_timeout{10000};  // alerts flush / alert-table catch-up
  // Longest wait for the evidence a window names, when the window came first.
  std::chrono::milliseconds evidence_wait{2000};
  std::chrono::milliseconds shutdown_flush_timeout{10000};
  std::string record_path;  // when set, consumed windows and evidence are appended (JSON lines)
  // How often the learned baselines of the owned edges go to the baselines topic (also at
  // every handover and at shutdown). 0: never (and the topic is not read either).
  int64_t baseline_save_interval_ns = 300'000'000'000;
  // Root-cause alerts (root_cause_alerts.h) over the edges of the owned partitions: receivers
  // get one alert per root cause; the alerts topic carries both the symptom alerts (kind
  // "symptom", which a detector taking partitions over adopts) and the root-cause alerts.
  // Unset: symptom alerts go to the receivers too.
  std::optional<RootCauseConfig> root_causes;
};

class KafkaDetector : public StatsSource, private transport::KafkaConsumer::Listener {
 public:
  using Deliver = std::function<void(const schema::Alert&)>;

  // Checks the topics exist (edge windows and evidence with equal partition counts) and
  // connects. Errors say what to do (e.g. run `edgewatch kafka init`).
  static Result<std::unique_ptr<KafkaDetector>> Create(KafkaDetectorConfig cfg,
                                                       rules::RuleSet rules,
                                                       DetectorConfig detector_cfg,
                                                       Deliver deliver);
  ~KafkaDetector() override;

  // Consumes until `stop`; then leaves the group (committing what was processed) and flushes
  // the alerts. Returns the number of alert records left unsent.
  size_t Run(const std::atomic<bool>& stop);

  void CollectStats(std::vector<StatSample>& out) const override;
  Detector& detector() { return *detector_; }
  // Called once per loop iteration on the detector's thread (hot reload of rules).
  void set_tick(std::function<void(Detector&)> tick) { tick_ = std::move(tick); }

 private:
  KafkaDetector() = default;
  void OnAssigned(const std::vector<transport::TopicPartitionId>& partitions) override;
  void OnRevoked(const std::vector<transport::TopicPartitionId>& partitions, bool lost) override;
  void OnAlert(const schema::Alert& a);
  void HandleWindow(const transport::ConsumedRecord& r);
  void HandleEvidence(const transport::ConsumedRecord& r);
  void HandleAlertRecord(const transport::ConsumedRecord& r);
  void DeadLetter(const transport::ConsumedRecord& r, const std::string& reason,
                  StatCounter& counter);
  void CatchUpAlertTable();
  // Learned baselines: publishes the states of the owned edges `which` selects (one record per
  // edge), or reads those of partitions just taken over into the detector.
  void PublishBaselines(const Detector::EdgeFilter& which);
  void ReadBaselines(const std::vector<transport::TopicPartitionId>& partitions);
  // Reads the evidence `window_` names that has not arrived yet (see kafka_detector.cc).
  void AwaitEvidence(int32_t partition);
  void Advance();
  void RecordLine(std::string_view value);
  int32_t PartitionOf(const std::string& node, const schema::Edge& edge) const;
  // Edge-window partitions being assigned or revoked, and their evidence partitions.
  struct PartitionSet {
    std::vector<bool> member;  // by partition number
    std::vector<transport::TopicPartitionId> evidence;
    bool Has(int32_t p) const { return member[static_cast<size_t>(p)]; }
  };
  PartitionSet Partitions(const std::vector<transport::TopicPartitionId>& partitions) const;

  KafkaDetectorConfig cfg_;
  int64_t window_ns_ = 0;
  int32_t stream_partitions_ = 0;
  int32_t alert_partitions_ = 0;
  Deliver deliver_;
  std::unique_ptr<Detector> detector_;
  std::function<void(Detector&)> tick_;
  schema::Decoder decoder_;
  schema::EdgeWindow window_;  // decoded into, reused
  AlertTable table_;
  std::unique_ptr<transport::KafkaProducer> producer_;
  std::unique_ptr<transport::KafkaConsumer> windows_;
  std::unique_ptr<transport::KafkaConsumer> evidence_;
  std::unique_ptr<transport::KafkaConsumer> alerts_reader_;
  std::unique_ptr<transport::KafkaConsumer> baselines_reader_;  // null: no baselines topic
  int64_t last_baseline_save_ns_ = 0;
  std::FILE* record_ = nullptr;

  struct Progress {
    bool at_end = false;  // read to its end (no record since the last EOF)
    int64_t max_window_end_ns = 0;
  };
  std::map<int32_t, Progress> owned_;  // by edge-window partition
  int64_t caught_up_at_ns_ = 0;        // last time a poll found nothing to read
  int64_t last_advance_ns_ = 0;

  StatCounter dead_decode_;
  StatCounter dead_type_;
  StatCounter dead_produce_failed_;
  StatCounter alerts_published_;
  StatCounter root_causes_published_;
  StatCounter duplicates_suppressed_;
  StatCounter alert_records_bad_;
  StatCounter handovers_in_;
  StatCounter handovers_out_;
  StatCounter catch_up_timeouts_;
  StatCounter not_owned_skipped_;
  StatCounter evidence_waits_;
  StatCounter evidence_missing_;
  StatCounter baselines_published_;
  StatCounter baselines_publish_failed_;
  StatCounter baselines_read_;
  StatCounter baseline_records_bad_;
  std::atomic<size_t> table_size_{0};
  std::atomic<bool> said_dead_{false};
};

}  // namespace edgewatch::detector
