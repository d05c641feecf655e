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
class Message;
}  // namespace RdKafka

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
  int64_t timestamp_ms = 0;                   // producer's create time, or -1
  const RdKafka::Message* message = nullptr;  // for headers
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

  struct PollResult {
    enum class Kind { kNone, kRecord, kEof, kError };
    Kind kind = Kind::kNone;
    TopicPartitionId where;  // kRecord, kEof
    int64_t offset = 0;      // kEof: the end offset
    std::string error;       // kError
  };

  // Waits up to `timeout` for one record and hands it to `handle`; the record's offset is
  // stored (group mode) when handle returns. Listener callbacks run inside Poll().
  template <typename Handler>
  PollResult Poll(std::chrono::milliseconds timeout, Handler&& handle) {
    PollResult r;
    MessagePtr m = Next(timeout, r);
    if (m) {
      handle(View(*m));
      Done(*m);
    }
    return r;
  }

  // Manual mode: reads `partitions` from the first offset whose timestamp is >= since_ms
  // (the end when there is none); since_ms < 0 reads from the beginning.
  std::string Assign(const std::vector<TopicPartitionId>& partitions, int64_t since_ms);
  std::string Unassign(const std::vector<TopicPartitionId>& partitions);

  // High watermark (offset of the next record to be written) of a partition.
  Result<int64_t> EndOffset(const TopicPartitionId& p, std::chrono::milliseconds timeout);
  // Next offset this consumer will read in `p` (-1 when unknown).
  int64_t Position(const TopicPartitionId& p);

  // Commits stored offsets and leaves the group. Idempotent; the destructor calls it.
  void Close();

  size_t assigned() const { return assigned_.load(std::memory_order_relaxed); }
  uint64_t records() const { return records_.Get(); }
  void CollectStats(std::vector<StatSample>& out) const override;

  // A header's value, or nullopt-like empty string view + false.
  static bool Header(const RdKafka::Message& m, const std::string& name, std::string* value);

 private:
  class Callbacks;
  struct MessageDeleter {
    void operator()(RdKafka::Message* m) const;
  };
  using MessagePtr = std::unique_ptr<RdKafka::Message, MessageDeleter>;
  KafkaConsumer() = default;
  MessagePtr Next(std::chrono::milliseconds timeout, PollResult& r);
  static ConsumedRecord View(const RdKafka::Message& m);
  void Done(const RdKafka::Message& m);

  std::string client_;
  bool group_mode_ = false;
  bool closed_ = false;
  std::unique_ptr<Callbacks> callbacks_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  StatCounter records_;
  StatCounter errors_;
  StatCounter assigned_events_;
  StatCounter revoked_events_;
  StatCounter lost_events_;
  StatCounter commit_failures_;
  std::atomic<size_t> assigned_{0};
};

}  // namespace edgewatch::transport
