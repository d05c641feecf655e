#include "transport/kafka_admin.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <map>
#include <memory>
#include <thread>

namespace edgewatch::transport {
namespace {

Result<std::unique_ptr<RdKafka::Producer>> AdminClient(const KafkaConfig& cfg) {
  auto conf = BuildKafkaConf(cfg, {{"client.id", "edgewatch-admin"}});
  if (!conf) return Err(conf.error());
  std::string why;
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf->get(), why));
  if (!p) return Err("Kafka client: " + why);
  return p;
}

Result<std::map<std::string, int32_t>> ReadPartitionCounts(RdKafka::Handle& h,
                                                           std::chrono::milliseconds timeout) {
  RdKafka::Metadata* md = nullptr;
  const RdKafka::ErrorCode err = h.metadata(true, nullptr, &md, static_cast<int>(timeout.count()));
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (err != RdKafka::ERR_NO_ERROR) {
    return Err("Kafka metadata: " + RdKafka::err2str(err) + " (are the brokers reachable?)");
  }
  std::map<std::string, int32_t> counts;
  for (const RdKafka::TopicMetadata* t : *md->topics()) {
    if (t->err() == RdKafka::ERR_NO_ERROR) {
      counts[t->topic()] = static_cast<int32_t>(t->partitions()->size());
    }
  }
  return counts;
}

}  // namespace

Result<std::vector<TopicOutcome>> CreateTopics(const KafkaConfig& cfg,
                                               const std::vector<TopicSpec>& specs,
                                               int replication_factor,
                                               std::chrono::milliseconds timeout) {
  auto client = AdminClient(cfg);
  if (!client) return Err(client.error());
  rd_kafka_t* rk = (*client)->c_ptr();
  auto before = ReadPartitionCounts(**client, timeout);
  if (!before) return Err(before.error());

  std::vector<TopicOutcome> out;
  std::vector<rd_kafka_NewTopic_t*> create;
  char errstr[512];
  for (const TopicSpec& s : specs) {
    TopicOutcome o;
    o.topic = s.name;
    if (auto it = before->find(s.name); it != before->end()) {
      o.kind = TopicOutcome::Kind::kExists;
      o.partitions = it->second;
      if (it->second != s.partitions) {
        o.message = "exists with " + std::to_string(it->second) +
                    " partitions (spec: " + std::to_string(s.partitions) + "); left as it is";
      }
      out.push_back(o);
      continue;
    }
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(s.name.c_str(), s.partitions,
                                                    replication_factor, errstr, sizeof errstr);
    if (nt == nullptr) {
      o.message = errstr;
      out.push_back(o);
      continue;
    }
    for (const auto& [k, v] : s.config) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    create.push_back(nt);
    o.partitions = s.partitions;
    out.push_back(o);
  }
  if (create.empty()) return out;

  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, static_cast<int>(timeout.count()), errstr,
                                              sizeof errstr);
  rd_kafka_CreateTopics(rk, create.data(), create.size(), opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, static_cast<int>(timeout.count()) + 1000);
  std::string failure;
  if (ev == nullptr) {
    failure = "no answer from the cluster in time";
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      const std::string name = rd_kafka_topic_result_name(results[i]);
      for (TopicOutcome& o : out) {
        if (o.topic != name || o.kind == TopicOutcome::Kind::kExists) continue;
        const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          o.kind = TopicOutcome::Kind::kCreated;
        } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          o.kind = TopicOutcome::Kind::kExists;  // created concurrently by someone else
        } else {
          const char* why = rd_kafka_topic_result_error_string(results[i]);
          o.message = why != nullptr ? why : rd_kafka_err2str(err);
        }
      }
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy_array(create.data(), create.size());
  if (!failure.empty()) {
    for (TopicOutcome& o : out) {
      if (o.kind == TopicOutcome::Kind::kFailed && o.message.empty()) o.message = failure;
    }
  }
  // The controller answers before every broker's metadata has the new topics; wait until they
  // are visible, so a detector started right after `kafka init` finds them.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto now = ReadPartitionCounts(**client, timeout);
    const bool visible = now && std::all_of(out.begin(), out.end(), [&](const TopicOutcome& o) {
                           return o.kind != TopicOutcome::Kind::kCreated || now->count(o.topic) > 0;
                         });
    if (visible || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return out;
}

Result<std::vector<int32_t>> PartitionCounts(const KafkaConfig& cfg,
                                             const std::vector<std::string>& topics,
                                             std::chrono::milliseconds timeout) {
  auto client = AdminClient(cfg);
  if (!client) return Err(client.error());
  auto counts = ReadPartitionCounts(**client, timeout);
  if (!counts) return Err(counts.error());
  std::vector<int32_t> out;
  for (const std::string& t : topics) {
    auto it = counts->find(t);
    out.push_back(it == counts->end() ? 0 : it->second);
  }
  return out;
}

}  // namespace edgewatch::transport
