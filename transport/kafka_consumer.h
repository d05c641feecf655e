// KafkaConsumer: a thin RAII facade over librdkafka's high-level consumer.
//
// Two modes:
//   - group (Options::group_id set): subscribes to topics in a consumer group with the
//     cooperative-sticky assignor. At-least-once: a record's offset is stored only after the
//     handler returned (enable.auto.offset.store=false); stored offsets are committed every
//     5 s, on revocation and on Close(). A Listener hears of assigned and revoked partitions
//     from inside Poll(), before records of a new partition are handed out and after the last
//     record of a revoked one — the place to build or hand over per-partition state.
//   - manual (no group_id): Assign() partitions yourself (e.g. from a point in time); offsets
//     are never committed.
// Partition EOF is reported, so callers know when they have caught up.
//
// Threading: everything but CollectStats from one thread.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/stats.h"
#include "transport/kafka_config.h"

namespace RdKafka {
class KafkaConsumer;
}  // namespace RdKafka
struct rd_kafka_message_s;  // librdkafka's C message: batches are taken with the C API
struct rd_kafka_queue_s;

namespace edgewatch::transport {

struct TopicPartitionId {
  std::string topic;
  int32_t partition = 0;
  bool operator==(const TopicPartitionId&) const = default;
};

struct ConsumedRecord {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string_view key;
  std::string_view value;
  int64_t timestamp_ms = 0;  // producer's create time, or -1
};

class KafkaConsumer : public StatsSource {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnAssigned(const std::vector<TopicPartitionId>& partitions) = 0;
    // After this returns, the partitions' stored offsets are committed and they are released.
    virtual void OnRevoked(const std::vector<TopicPartitionId>& partitions, bool lost) = 0;
  };

  struct Options {
    std::string client;    // client.id suffix and metrics label ("detector", "alert-table", …)
    std::string group_id;  // empty: manual mode
    std::vector<std::string> topics;  // group mode: subscribed topics
    Listener* listener = nullptr;     // group mode, optional
  };

  static Result<std::unique_ptr<KafkaConsumer>> Create(const KafkaConfig& cfg,
                                                       const Options& options);
  ~KafkaConsumer() override;
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // What one Poll() found.
  struct PollResult {
    size_t records = 0;    // handed to the handler
    size_t ends = 0;       // partition ends reached
    size_t errors = 0;     // consumer errors (counted and said on stderr; the client retries)
    bool drained = false;  // fewer than `max` came: nothing more was queued at that moment
  };
  static constexpr size_t kMaxBatch = 512;

  // Hands the records queued now — up to `max`, waiting up to `timeout` for a first one — to
  // `handle(const ConsumedRecord&)` in order; each record's offset is stored (group mode) when
  // handle returns. `on_end(const ConsumedRecord&)` hears of each partition read to its end
  // (its offset is the end offset). Listener callbacks run inside Poll(). Taking records in
  // batches keeps librdkafka's per-message locking and clock reads off the hot path.
  template <typename Handler, typename OnEnd>
  PollResult Poll(std::chrono::milliseconds timeout, Handler&& handle, OnEnd&& on_end,
                  size_t max = kMaxBatch) {
    Batch batch;
    batch.n = Fetch(timeout, batch.m.data(), std::min(max, kMaxBatch));
    PollResult r;
    r.drained = batch.n < std::min(max, kMaxBatch);
    ConsumedRecord rec;
    for (size_t i = 0; i < batch.n; ++i) {
      switch (Classify(batch.m[i], rec)) {
        case Got::kRecord:
          ++r.records;
          handle(rec);
          Done(batch.m[i]);
          break;
        case Got::kEnd:
          ++r.ends;
          on_end(rec);
          break;
        case Got::kError:
          ++r.errors;
          break;
      }
    }
    return r;
  }
  template <typename Handler>
  PollResult Poll(std::chrono::milliseconds timeout, Handler&& handle, size_t max = kMaxBatch) {
    return Poll(
        timeout, std::forward<Handler>(handle), [](const ConsumedRecord&) {}, max);
  }

  // Reads until each of `partitions` (assigned to this consumer) is at the end offset it had
  // when this was called, handing every record that comes (of any assigned partition) to
  // `handle`. false when `timeout` ran out first.
  template <typename Handler>
  bool ReadToEnd(const std::vector<TopicPartitionId>& partitions, std::chrono::milliseconds timeout,
                 Handler&& handle) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<EndTarget> targets = EndTargets(partitions, timeout);
    auto reached = [&](const ConsumedRecord& r, int64_t next) {
      for (EndTarget& t : targets) {
        if (t.id.partition == r.partition && t.id.topic == r.topic && next >= t.end) t.done = true;
      }
    };
    while (!AllDone(targets)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      Poll(
          std::chrono::milliseconds(100),
          [&](const ConsumedRecord& r) {
            handle(r);
            reached(r, r.offset + 1);
          },
          [&](const ConsumedRecord& end) { reached(end, end.offset); });
    }
    return true;
  }

  // Manual mode: reads `partitions` from the first offset whose timestamp is >= since_ms
  // (the end when there is none); since_ms < 0 reads from the beginning.
  std::string Assign(const std::vector<TopicPartitionId>& partitions, int64_t since_ms);
  std::string Unassign(const std::vector<TopicPartitionId>& partitions);

  // High watermarks (offset of the next record to be written) of partitions, in their order.
  Result<std::vector<int64_t>> EndOffsets(const std::vector<TopicPartitionId>& partitions,
                                          std::chrono::milliseconds timeout);
  // Next offset this consumer will read in `p` (-1 when unknown).
  int64_t Position(const TopicPartitionId& p);

  // Commits stored offsets and leaves the group. Idempotent; the destructor calls it.
  void Close();

  size_t assigned() const { return assigned_.load(std::memory_order_relaxed); }
  uint64_t records() const { return records_.Get(); }
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  class Callbacks;
  KafkaConsumer() = default;
  // Messages taken from librdkafka in one call; destroyed together when the batch is done.
  struct Batch {
    std::array<rd_kafka_message_s*, kMaxBatch> m;
    size_t n = 0;
    Batch() = default;
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    ~Batch();
  };
  enum class Got { kRecord, kEnd, kError };
  struct EndTarget {
    TopicPartitionId id;
    int64_t end = 0;
    bool done = false;
  };
  // The partitions' end offsets now; empty partitions (or unknown ends) are done already.
  std::vector<EndTarget> EndTargets(const std::vector<TopicPartitionId>& partitions,
                                    std::chrono::milliseconds timeout);
  // Also marks done the targets whose position reached their end.
  bool AllDone(std::vector<EndTarget>& targets);
  size_t Fetch(std::chrono::milliseconds timeout, rd_kafka_message_s** out, size_t max);
  Got Classify(rd_kafka_message_s* m, ConsumedRecord& rec);
  void Done(const rd_kafka_message_s* m);

  std::string client_;
  bool group_mode_ = false;
  bool closed_ = false;
  std::unique_ptr<Callbacks> callbacks_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  rd_kafka_queue_s* queue_ = nullptr;  // the consumer queue (rd_kafka_queue_get_consumer)
  StatCounter records_;
  StatCounter errors_;
  StatCounter assigned_events_;
  StatCounter revoked_events_;
  StatCounter lost_events_;
  StatCounter commit_failures_;
  std::atomic<size_t> assigned_{0};
};

}  // namespace edgewatch::transport
