// KafkaProducer: a thin RAII facade over librdkafka's producer for the sensor's and detector's
// output streams.
//
// Policy (docs/kafka.md): idempotent (no duplicates or reordering from retries), zstd
// compression, murmur2 partitioning as Java clients, delivery reports counted. Produce() never
// blocks: librdkafka's own queue is the bounded queue (queue.buffering.max.messages/kbytes),
// and when it is full the record is dropped and counted — a broker outage must not stall the
// ring-buffer reader. While the brokers are down records wait in that queue and are retried
// until message.timeout.ms (default 5 min), then counted as failed. Flush() on shutdown waits a
// bounded time and counts what is left unsent.
//
// Threading: Produce/Poll/Flush from one thread; CollectStats from any.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/stats.h"
#include "transport/kafka_config.h"

namespace RdKafka {
class Producer;
}  // namespace RdKafka

namespace edgewatch::transport {

using KafkaHeaders = std::vector<std::pair<std::string, std::string>>;

class KafkaProducer : public StatsSource {
 public:
  // `client` names the producer in client.id and in the metrics' label ("sensor", "detector").
  // `linger_ms`: batching delay; high-volume streams batch more, alerts want low latency.
  static Result<std::unique_ptr<KafkaProducer>> Create(const KafkaConfig& cfg,
                                                       const std::string& client,
                                                       int linger_ms = 20);
  ~KafkaProducer() override;
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Queues one record (copied). false when it was dropped (queue full, unknown topic, too
  // large): counted by reason and said once on stderr.
  bool Produce(const std::string& topic, std::string_view key, std::string_view value,
               const KafkaHeaders& headers = {});
  // Looks up the partition leaders of `topics` now (waiting up to `timeout`), so the first
  // record to each does not wait for a metadata round trip and the partition's producer-id
  // setup (up to a second for the first alerts of a fresh detector otherwise). Returns an
  // error naming the topic that could not be looked up; producing still works after that.
  std::string Prepare(const std::vector<std::string>& topics, std::chrono::milliseconds timeout);
  // Serves delivery reports and client events; call regularly (poll(0) in the loop).
  void Poll();
  // Waits up to `timeout` until every queued record is delivered or failed. Returns how many
  // are still unsent (also counted); 0 means everything was acknowledged by the brokers.
  size_t Flush(std::chrono::milliseconds timeout);
  // Records queued or in flight.
  size_t Outstanding() const;

  uint64_t delivered() const { return delivered_.Get(); }
  uint64_t failed() const { return failed_.Get(); }
  uint64_t dropped() const { return dropped_full_.Get() + dropped_other_.Get(); }

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  class Callbacks;
  KafkaProducer() = default;

  std::string client_;
  std::unique_ptr<Callbacks> callbacks_;
  std::unique_ptr<RdKafka::Producer> producer_;
  StatCounter produced_;
  StatCounter delivered_;
  StatCounter failed_;
  StatCounter dropped_full_;
  StatCounter dropped_other_;
  StatCounter unsent_at_shutdown_;
  StatCounter client_errors_;
  std::atomic<bool> said_full_{false};
  std::atomic<bool> said_other_{false};
};

}  // namespace edgewatch::transport
