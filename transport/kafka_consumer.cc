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
  consumer_->close();  // revokes (listener runs), commits stored offsets, leaves the group
}

void KafkaConsumer::MessageDeleter::operator()(RdKafka::Message* m) const { delete m; }

KafkaConsumer::MessagePtr KafkaConsumer::Next(std::chrono::milliseconds timeout, PollResult& r) {
  MessagePtr m(consumer_->consume(static_cast<int>(timeout.count())));
  switch (m->err()) {
    case RdKafka::ERR_NO_ERROR:
      r.kind = PollResult::Kind::kRecord;
      r.where = {m->topic_name(), m->partition()};
      r.offset = m->offset();
      records_.Add();
      return m;
    case RdKafka::ERR__TIMED_OUT:
      return nullptr;
    case RdKafka::ERR__PARTITION_EOF:
      r.kind = PollResult::Kind::kEof;
      r.where = {m->topic_name(), m->partition()};
      r.offset = m->offset();
      return nullptr;
    default:
      r.kind = PollResult::Kind::kError;
      r.error = m->errstr();
      errors_.Add();
      callbacks_->Say("consume: " + m->errstr());
      return nullptr;
  }
}

ConsumedRecord KafkaConsumer::View(const RdKafka::Message& m) {
  ConsumedRecord r;
  // The C name is owned by the topic handle, which outlives the message (topic_name() copies).
  r.topic = rd_kafka_topic_name(const_cast<RdKafka::Message&>(m).c_ptr()->rkt);
  r.partition = m.partition();
  r.offset = m.offset();
  if (m.key_pointer() != nullptr) r.key = {static_cast<const char*>(m.key_pointer()), m.key_len()};
  r.value = {static_cast<const char*>(m.payload()), m.len()};
  r.timestamp_ms = m.timestamp().timestamp;
  r.message = &m;
  return r;
}

void KafkaConsumer::Done(const RdKafka::Message& m) {
  if (!group_mode_) return;
  OwnedPartitions next = Make({{m.topic_name(), m.partition()}}, m.offset() + 1);
  consumer_->offsets_store(next.v);
}

std::string KafkaConsumer::Assign(const std::vector<TopicPartitionId>& partitions,
                                  int64_t since_ms) {
  OwnedPartitions parts =
      Make(partitions, since_ms < 0 ? RdKafka::Topic::OFFSET_BEGINNING : since_ms);
  if (since_ms >= 0) {
    // Right after a topic is created or a broker restarts, leaders may not be known yet
    // ("Not leader for partition"): retry for a while, then read from the beginning.
    RdKafka::ErrorCode err = RdKafka::ERR_NO_ERROR;
    for (int attempt = 0; attempt < 50; ++attempt) {
      for (RdKafka::TopicPartition* p : parts.v) p->set_offset(since_ms);
      err = consumer_->offsetsForTimes(parts.v, 10000);
      if (err == RdKafka::ERR_NO_ERROR) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    for (RdKafka::TopicPartition* p : parts.v) {
      if (err != RdKafka::ERR_NO_ERROR) {
        p->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
      } else if (p->offset() < 0) {
        p->set_offset(RdKafka::Topic::OFFSET_END);
      }
    }
    if (err != RdKafka::ERR_NO_ERROR) {
      callbacks_->Say("offsets for times: " + RdKafka::err2str(err) +
                      "; reading those partitions from the beginning");
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

Result<int64_t> KafkaConsumer::EndOffset(const TopicPartitionId& p,
                                         std::chrono::milliseconds timeout) {
  int64_t low = 0;
  int64_t high = 0;
  const RdKafka::ErrorCode err = consumer_->query_watermark_offsets(
      p.topic, p.partition, &low, &high, static_cast<int>(timeout.count()));
  if (err != RdKafka::ERR_NO_ERROR) {
    return Err("end offset of " + p.topic + "[" + std::to_string(p.partition) +
               "]: " + RdKafka::err2str(err));
  }
  return high;
}

int64_t KafkaConsumer::Position(const TopicPartitionId& p) {
  OwnedPartitions parts = Make({p}, RdKafka::Topic::OFFSET_INVALID);
  if (consumer_->position(parts.v) != RdKafka::ERR_NO_ERROR) return -1;
  return parts.v[0]->offset();
}

bool KafkaConsumer::Header(const RdKafka::Message& m, const std::string& name, std::string* value) {
  RdKafka::Headers* h = const_cast<RdKafka::Message&>(m).headers();  // a const read
  if (h == nullptr) return false;
  RdKafka::Headers::Header last = h->get_last(name);
  if (last.err() != RdKafka::ERR_NO_ERROR || last.value() == nullptr) return false;
  value->assign(static_cast<const char*>(last.value()), last.value_size());
  return true;
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
