#include "transport/kafka_consumer.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <cstdio>
#include <mutex>
#include <thread>

namespace edgewatch::transport {
namespace {

std::vector<TopicPartitionId> Ids(const std::vector<RdKafka::TopicPartition*>& parts) {
  std::vector<TopicPartitionId> ids;
  ids.reserve(parts.size());
  for (const RdKafka::TopicPartition* p : parts) ids.push_back({p->topic(), p->partition()});
  return ids;
}

struct OwnedPartitions {
  std::vector<RdKafka::TopicPartition*> v;
  ~OwnedPartitions() { RdKafka::TopicPartition::destroy(v); }
};

OwnedPartitions Make(const std::vector<TopicPartitionId>& ids, int64_t offset) {
  OwnedPartitions o;
  for (const auto& id : ids) {
    o.v.push_back(RdKafka::TopicPartition::create(id.topic, id.partition, offset));
  }
  return o;
}

// offsetsForTimes, retried: right after a topic is created or a broker restarts, leaders may not
// be known yet ("Not leader for partition").
RdKafka::ErrorCode OffsetsForTimes(RdKafka::KafkaConsumer& consumer,
                                   std::vector<RdKafka::TopicPartition*>& parts, int64_t ts,
                                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  RdKafka::ErrorCode err = RdKafka::ERR_NO_ERROR;
  do {
    for (RdKafka::TopicPartition* p : parts) p->set_offset(ts);
    err = consumer.offsetsForTimes(parts, static_cast<int>(timeout.count()));
    if (err == RdKafka::ERR_NO_ERROR) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  return err;
}

}  // namespace

class KafkaConsumer::Callbacks : public RdKafka::RebalanceCb, public RdKafka::EventCb {
 public:
  Callbacks(KafkaConsumer& c, Listener* l) : c_(c), listener_(l) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    const bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
    RdKafka::Error* error = nullptr;
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      c_.assigned_events_.Add();
      if (listener_ != nullptr) listener_->OnAssigned(Ids(parts));
      if (cooperative) {
        error = consumer->incremental_assign(parts);
      } else {
        consumer->assign(parts);
      }
      c_.assigned_.fetch_add(cooperative ? parts.size() : 0, std::memory_order_relaxed);
      if (!cooperative) c_.assigned_.store(parts.size(), std::memory_order_relaxed);
    } else {
      const bool lost = consumer->assignment_lost();
      (lost ? c_.lost_events_ : c_.revoked_events_).Add();
      if (listener_ != nullptr) listener_->OnRevoked(Ids(parts), lost);
      // Processed records of the revoked partitions must be committed before another member
      // takes them over, or it would process them again.
      if (!lost) {
        const RdKafka::ErrorCode ce = consumer->commitSync();
        if (ce != RdKafka::ERR_NO_ERROR && ce != RdKafka::ERR__NO_OFFSET) {
          c_.commit_failures_.Add();
          Say("commit on revoke failed: " + RdKafka::err2str(ce));
        }
      }
      if (cooperative) {
        error = consumer->incremental_unassign(parts);
      } else {
        consumer->unassign();
      }
      const size_t n = c_.assigned_.load(std::memory_order_relaxed);
      c_.assigned_.store(cooperative && n >= parts.size() ? n - parts.size() : 0,
                         std::memory_order_relaxed);
    }
    if (error != nullptr) {
      Say("rebalance: " + error->str());
      delete error;
    }
  }

  void event_cb(RdKafka::Event& e) override {
    if (e.type() != RdKafka::Event::EVENT_ERROR) return;
    c_.errors_.Add();
    Say(RdKafka::err2str(e.err()) + ": " + e.str());
  }

  void Say(const std::string& what) {
    std::lock_guard lock(mu_);
    if (what == last_) return;
    last_ = what;
    std::fprintf(stderr, "edgewatch kafka consumer (%s): %s\n", c_.client_.c_str(), what.c_str());
  }

 private:
  KafkaConsumer& c_;
  Listener* listener_;
  std::mutex mu_;
  std::string last_;
};

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Create(const KafkaConfig& cfg,
                                                             const Options& options) {
  std::unique_ptr<KafkaConsumer> c(new KafkaConsumer());
  c->client_ = options.client;
  c->group_mode_ = !options.group_id.empty();
  c->callbacks_ = std::make_unique<Callbacks>(*c, options.listener);
  KafkaProperties defaults = {
      {"client.id", "edgewatch-" + options.client},
      {"enable.partition.eof", "true"},
      {"auto.offset.reset", "earliest"},
      {"enable.auto.offset.store", "false"},
      {"enable.auto.commit", c->group_mode_ ? "true" : "false"},
      {"auto.commit.interval.ms", "5000"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      // librdkafka's high-level consumer wants a group id even when it only assigns.
      {"group.id", c->group_mode_ ? options.group_id : "edgewatch-unused-" + options.client},
  };
  auto conf = BuildKafkaConf(cfg, defaults);
  if (!conf) return Err(conf.error());
  std::string why;
  if ((*conf)->set("event_cb", static_cast<RdKafka::EventCb*>(c->callbacks_.get()), why) !=
          RdKafka::Conf::CONF_OK ||
      (*conf)->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(c->callbacks_.get()), why) !=
          RdKafka::Conf::CONF_OK) {
    return Err("Kafka consumer callbacks: " + why);
  }
  c->consumer_.reset(RdKafka::KafkaConsumer::create(conf->get(), why));
  if (!c->consumer_) return Err("Kafka consumer: " + why);
  c->queue_ = rd_kafka_queue_get_consumer(c->consumer_->c_ptr());
  if (c->queue_ == nullptr) return Err("Kafka consumer: no consumer queue");
  if (c->group_mode_) {
    const RdKafka::ErrorCode err = c->consumer_->subscribe(options.topics);
    if (err != RdKafka::ERR_NO_ERROR) return Err("Kafka subscribe: " + RdKafka::err2str(err));
  }
  return c;
}

KafkaConsumer::~KafkaConsumer() { Close(); }

void KafkaConsumer::Close() {
  if (closed_ || !consumer_) return;
  closed_ = true;
  if (queue_ != nullptr) {  // librdkafka: release the queue before closing the consumer
    rd_kafka_queue_destroy(queue_);
    queue_ = nullptr;
  }
  consumer_->close();  // revokes (listener runs), commits stored offsets, leaves the group
}

KafkaConsumer::Batch::~Batch() {
  for (size_t i = 0; i < n; ++i) rd_kafka_message_destroy(m[i]);
}

size_t KafkaConsumer::Fetch(std::chrono::milliseconds timeout, rd_kafka_message_t** out,
                            size_t max) {
  if (queue_ == nullptr) return 0;  // closed
  // Serves rebalance and error callbacks too; since librdkafka 1.7 records of partitions
  // revoked during the call are dropped from the batch.
  // What is queued now, without waiting: a batch call with a timeout would wait for `max`.
  ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, out, max);
  if (n == 0 && timeout.count() > 0) {
    n = rd_kafka_consume_batch_queue(queue_, static_cast<int>(timeout.count()), out, 1);
  }
  if (n < 0) {
    errors_.Add();
    callbacks_->Say(std::string("consume: ") + rd_kafka_err2str(rd_kafka_last_error()));
    return 0;
  }
  return static_cast<size_t>(n);
}

KafkaConsumer::Got KafkaConsumer::Classify(rd_kafka_message_t* m, ConsumedRecord& rec) {
  rec.topic = m->rkt != nullptr ? rd_kafka_topic_name(m->rkt) : std::string_view();
  rec.partition = m->partition;
  rec.offset = m->offset;
  switch (m->err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      records_.Add();
      rec.key = {static_cast<const char*>(m->key), m->key != nullptr ? m->key_len : 0};
      rec.value = {static_cast<const char*>(m->payload), m->payload != nullptr ? m->len : 0};
      rec.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
      return Got::kRecord;
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      return Got::kEnd;
    default:
      errors_.Add();
      callbacks_->Say("consume: " + std::string(rd_kafka_message_errstr(m)));
      return Got::kError;
  }
}

void KafkaConsumer::Done(const rd_kafka_message_t* m) {
  if (!group_mode_) return;
  // Stores offset + 1. A partition revoked meanwhile refuses (ERR__STATE): its new owner
  // reads the record again, which at-least-once allows.
  rd_kafka_offset_store(m->rkt, m->partition, m->offset);
}

std::vector<KafkaConsumer::EndTarget> KafkaConsumer::EndTargets(
    const std::vector<TopicPartitionId>& partitions, std::chrono::milliseconds timeout) {
  std::vector<EndTarget> targets;
  targets.reserve(partitions.size());
  auto ends = EndOffsets(partitions, timeout);
  if (!ends) callbacks_->Say(ends.error() + "; not waiting for them");
  for (size_t i = 0; i < partitions.size(); ++i) {
    const int64_t end = ends ? (*ends)[i] : 0;
    targets.push_back({partitions[i], end, end <= 0});
  }
  return targets;
}

bool KafkaConsumer::AllDone(std::vector<EndTarget>& targets) {
  bool all = true;
  for (EndTarget& t : targets) {
    if (!t.done && Position(t.id) >= t.end) t.done = true;
    all = all && t.done;
  }
  return all;
}

std::string KafkaConsumer::Assign(const std::vector<TopicPartitionId>& partitions,
                                  int64_t since_ms) {
  OwnedPartitions parts =
      Make(partitions, since_ms < 0 ? RdKafka::Topic::OFFSET_BEGINNING : since_ms);
  if (since_ms >= 0) {
    const RdKafka::ErrorCode err =
        OffsetsForTimes(*consumer_, parts.v, since_ms, std::chrono::seconds(10));
    if (err != RdKafka::ERR_NO_ERROR) {
      callbacks_->Say("offsets for times: " + RdKafka::err2str(err) +
                      "; reading those partitions from the beginning");
      for (RdKafka::TopicPartition* p : parts.v) p->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
    }
    // Nothing that recent yet: start at the end offset as of now, not at the logical end,
    // which is resolved only when fetching starts and would skip what comes meanwhile.
    std::vector<TopicPartitionId> none;
    for (RdKafka::TopicPartition* p : parts.v) {
      if (p->offset() < 0 && p->offset() != RdKafka::Topic::OFFSET_BEGINNING) {
        none.push_back({p->topic(), p->partition()});
      }
    }
    if (!none.empty()) {
      auto ends = EndOffsets(none, std::chrono::seconds(10));
      size_t k = 0;
      for (RdKafka::TopicPartition* p : parts.v) {
        if (p->offset() < 0 && p->offset() != RdKafka::Topic::OFFSET_BEGINNING) {
          p->set_offset(ends ? (*ends)[k] : RdKafka::Topic::OFFSET_END);
          ++k;
        }
      }
    }
  }
  RdKafka::Error* error = consumer_->incremental_assign(parts.v);
  if (error != nullptr) {
    std::string s = error->str();
    delete error;
    return "assign: " + s;
  }
  assigned_.fetch_add(partitions.size(), std::memory_order_relaxed);
  return "";
}

std::string KafkaConsumer::Unassign(const std::vector<TopicPartitionId>& partitions) {
  OwnedPartitions parts = Make(partitions, RdKafka::Topic::OFFSET_INVALID);
  RdKafka::Error* error = consumer_->incremental_unassign(parts.v);
  if (error != nullptr) {
    std::string s = error->str();
    delete error;
    return "unassign: " + s;
  }
  const size_t n = assigned_.load(std::memory_order_relaxed);
  assigned_.store(n >= partitions.size() ? n - partitions.size() : 0, std::memory_order_relaxed);
  return "";
}

Result<std::vector<int64_t>> KafkaConsumer::EndOffsets(
    const std::vector<TopicPartitionId>& partitions, std::chrono::milliseconds timeout) {
  // One ListOffsets round trip for all of them: "latest" is timestamp -1.
  OwnedPartitions parts = Make(partitions, RdKafka::Topic::OFFSET_END);
  const RdKafka::ErrorCode err =
      OffsetsForTimes(*consumer_, parts.v, RdKafka::Topic::OFFSET_END, timeout);
  if (err != RdKafka::ERR_NO_ERROR) {
    return Err("end offsets of " + (partitions.empty() ? "" : partitions[0].topic) + ": " +
               RdKafka::err2str(err));
  }
  std::vector<int64_t> ends;
  ends.reserve(parts.v.size());
  for (const RdKafka::TopicPartition* p : parts.v) ends.push_back(p->offset());
  return ends;
}

int64_t KafkaConsumer::Position(const TopicPartitionId& p) {
  OwnedPartitions parts = Make({p}, RdKafka::Topic::OFFSET_INVALID);
  if (consumer_->position(parts.v) != RdKafka::ERR_NO_ERROR) return -1;
  return parts.v[0]->offset();
}

void KafkaConsumer::CollectStats(std::vector<StatSample>& out) const {
  const std::vector<std::pair<std::string, std::string>> c = {{"client", client_}};
  auto with = [&](const char* v) {
    auto l = c;
    l.emplace_back("kind", v);
    return l;
  };
  out.push_back(
      Counter("edgewatch_kafka_consumer_records_total", "Records consumed.", records_.Get(), c));
  out.push_back(Counter("edgewatch_kafka_consumer_errors_total",
                        "Consumer errors (brokers down, …); the consumer retries.", errors_.Get(),
                        c));
  out.push_back(Counter("edgewatch_kafka_consumer_rebalances_total",
                        "Partition assignment changes, by kind.", assigned_events_.Get(),
                        with("assigned")));
  out.push_back(Counter("edgewatch_kafka_consumer_rebalances_total",
                        "Partition assignment changes, by kind.", revoked_events_.Get(),
                        with("revoked")));
  out.push_back(Counter("edgewatch_kafka_consumer_rebalances_total",
                        "Partition assignment changes, by kind.", lost_events_.Get(),
                        with("lost")));
  out.push_back(Counter("edgewatch_kafka_consumer_commit_failures_total",
                        "Offset commits that failed (records may be processed again).",
                        commit_failures_.Get(), c));
  out.push_back(Gauge("edgewatch_kafka_consumer_assigned_partitions",
                      "Partitions this consumer reads.",
                      static_cast<double>(assigned_.load(std::memory_order_relaxed)), c));
}

}  // namespace edgewatch::transport
