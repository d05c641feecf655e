#include "transport/kafka_producer.h"

#include <librdkafka/rdkafkacpp.h>

#include <cstdio>
#include <mutex>

namespace edgewatch::transport {

// Delivery reports and client events (errors such as "all brokers down") of one producer.
class KafkaProducer::Callbacks : public RdKafka::DeliveryReportCb, public RdKafka::EventCb {
 public:
  explicit Callbacks(KafkaProducer& p) : p_(p) {}

  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) {
      p_.delivered_.Add();
      return;
    }
    p_.failed_.Add();
    Say("delivery failed: " + m.errstr() + " (topic " + m.topic_name() +
        "); see edgewatch_kafka_producer_failed_total");
  }

  void event_cb(RdKafka::Event& e) override {
    if (e.type() != RdKafka::Event::EVENT_ERROR) return;
    p_.client_errors_.Add();
    Say(RdKafka::err2str(e.err()) + ": " + e.str());
  }

 private:
  // Says each distinct message once per burst; the counters carry the totals.
  void Say(const std::string& what) {
    std::lock_guard lock(mu_);
    if (what == last_) return;
    last_ = what;
    std::fprintf(stderr, "edgewatch kafka producer (%s): %s\n", p_.client_.c_str(), what.c_str());
  }

  KafkaProducer& p_;
  std::mutex mu_;
  std::string last_;
};

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(const KafkaConfig& cfg,
                                                             const std::string& client,
                                                             int linger_ms) {
  std::unique_ptr<KafkaProducer> p(new KafkaProducer());
  p->client_ = client;
  p->callbacks_ = std::make_unique<Callbacks>(*p);
  auto conf = BuildKafkaConf(cfg, {
                                      {"client.id", "edgewatch-" + client},
                                      {"enable.idempotence", "true"},
                                      {"compression.type", "zstd"},
                                      {"linger.ms", std::to_string(linger_ms)},
                                      {"partitioner", "murmur2_random"},
                                      {"queue.buffering.max.messages", "200000"},
                                      {"queue.buffering.max.kbytes", "131072"},
                                      {"message.timeout.ms", "300000"},
                                  });
  if (!conf) return Err(conf.error());
  std::string why;
  if ((*conf)->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(p->callbacks_.get()), why) !=
          RdKafka::Conf::CONF_OK ||
      (*conf)->set("event_cb", static_cast<RdKafka::EventCb*>(p->callbacks_.get()), why) !=
          RdKafka::Conf::CONF_OK) {
    return Err("Kafka producer callbacks: " + why);
  }
  p->producer_.reset(RdKafka::Producer::create(conf->get(), why));
  if (!p->producer_) return Err("Kafka producer: " + why);
  return p;
}

// Owners call Flush() with their own deadline first (which counts what is left unsent);
// librdkafka drops whatever is still queued when the handle is destroyed.
KafkaProducer::~KafkaProducer() = default;

bool KafkaProducer::Produce(const std::string& topic, std::string_view key, std::string_view value,
                            const KafkaHeaders& headers) {
  RdKafka::Headers* h = nullptr;
  if (!headers.empty()) {
    h = RdKafka::Headers::create();
    for (const auto& [name, v] : headers) h->add(name, v);
  }
  const RdKafka::ErrorCode err = producer_->produce(
      topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
      const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, h, nullptr);
  if (err == RdKafka::ERR_NO_ERROR) {
    produced_.Add();  // librdkafka now owns the headers
    return true;
  }
  delete h;
  if (err == RdKafka::ERR__QUEUE_FULL) {
    dropped_full_.Add();
    if (!said_full_.exchange(true)) {
      std::fprintf(stderr,
                   "edgewatch kafka producer (%s): local queue full (brokers slow or down); "
                   "records are dropped, see edgewatch_kafka_producer_dropped_total (said once)\n",
                   client_.c_str());
    }
  } else {
    dropped_other_.Add();
    if (!said_other_.exchange(true)) {
      std::fprintf(stderr,
                   "edgewatch kafka producer (%s): cannot produce to %s: %s; records are "
                   "dropped, see edgewatch_kafka_producer_dropped_total (said once)\n",
                   client_.c_str(), topic.c_str(), RdKafka::err2str(err).c_str());
    }
  }
  return false;
}

std::string KafkaProducer::Prepare(const std::vector<std::string>& topics,
                                   std::chrono::milliseconds timeout) {
  for (const std::string& name : topics) {
    std::string why;
    std::unique_ptr<RdKafka::Topic> topic(
        RdKafka::Topic::create(producer_.get(), name, nullptr, why));
    if (!topic) return "topic " + name + ": " + why;
    RdKafka::Metadata* md = nullptr;
    const RdKafka::ErrorCode err =
        producer_->metadata(false, topic.get(), &md, static_cast<int>(timeout.count()));
    delete md;
    if (err != RdKafka::ERR_NO_ERROR) {
      return "metadata of topic " + name + ": " + RdKafka::err2str(err);
    }
  }
  return {};
}

void KafkaProducer::Poll() { producer_->poll(0); }

size_t KafkaProducer::Flush(std::chrono::milliseconds timeout) {
  producer_->flush(static_cast<int>(timeout.count()));
  producer_->poll(0);
  const size_t left = Outstanding();
  if (left > 0) unsent_at_shutdown_.Add(left);
  return left;
}

size_t KafkaProducer::Outstanding() const { return static_cast<size_t>(producer_->outq_len()); }

void KafkaProducer::CollectStats(std::vector<StatSample>& out) const {
  const std::vector<std::pair<std::string, std::string>> c = {{"client", client_}};
  auto with = [&](const char* k, const char* v) {
    auto l = c;
    l.emplace_back(k, v);
    return l;
  };
  out.push_back(Counter("edgewatch_kafka_producer_records_total",
                        "Records handed to the Kafka producer.", produced_.Get(), c));
  out.push_back(Counter("edgewatch_kafka_producer_delivered_total",
                        "Records the brokers acknowledged.", delivered_.Get(), c));
  out.push_back(Counter("edgewatch_kafka_producer_failed_total",
                        "Records whose delivery failed (e.g. message.timeout.ms passed).",
                        failed_.Get(), c));
  out.push_back(Counter("edgewatch_kafka_producer_dropped_total",
                        "Records dropped before queueing, by reason.", dropped_full_.Get(),
                        with("reason", "queue_full")));
  out.push_back(Counter("edgewatch_kafka_producer_dropped_total",
                        "Records dropped before queueing, by reason.", dropped_other_.Get(),
                        with("reason", "error")));
  out.push_back(Counter("edgewatch_kafka_producer_unsent_at_shutdown_total",
                        "Records still unsent when the shutdown flush timed out.",
                        unsent_at_shutdown_.Get(), c));
  out.push_back(Counter("edgewatch_kafka_producer_client_errors_total",
                        "Client errors librdkafka reported (brokers down, auth, …).",
                        client_errors_.Get(), c));
  out.push_back(Gauge("edgewatch_kafka_producer_outstanding",
                      "Records queued or in flight to the brokers.",
                      static_cast<double>(Outstanding()), c));
}

}  // namespace edgewatch::transport
