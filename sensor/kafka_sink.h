// Publishes the sensor's records to Kafka: edge windows and evidence keyed by
// "<node>|<edge key>" (transport::EdgeRecordKey), so one edge of one sensor stays in one
// partition and its evidence lands in the partition with the same number on the evidence
// topic. Never blocks: the producer drops and counts when its bounded queue is full.
#pragma once

#include <chrono>
#include <string>

#include "sensor/record_sink.h"
#include "transport/kafka_producer.h"
#include "transport/kafka_topics.h"

namespace edgewatch::sensor {

class KafkaSink : public RecordSink {
 public:
  KafkaSink(transport::KafkaProducer& producer, transport::TopicNames topics)
      : producer_(producer), topics_(std::move(topics)) {}

  // Looks the topics' partition leaders up before the first window (see KafkaProducer::Prepare).
  std::string Prepare(std::chrono::milliseconds timeout) {
    return producer_.Prepare({topics_.edge_windows, topics_.evidence}, timeout);
  }

  void Publish(schema::EdgeWindow&& w) override {
    if (producer_.Produce(topics_.edge_windows, transport::EdgeRecordKey(w.node, w.edge.Key()),
                          schema::Encode(w))) {
      ++windows_;
      if (first_seq_ == 0) first_seq_ = w.seq;
      last_seq_ = w.seq;
    }
  }
  void Publish(schema::EvidenceEvent&& e) override {
    if (producer_.Produce(topics_.evidence, transport::EdgeRecordKey(e.node, e.edge_key),
                          schema::Encode(e))) {
      ++evidence_;
    }
    producer_.Poll();
  }
  // Node-level records travel with the edge windows (consumers dispatch on "schema").
  void Publish(schema::ConntrackWindow&& c) override {
    producer_.Produce(topics_.edge_windows, c.node + "|conntrack|" + c.netns, schema::Encode(c));
  }
  void Flush() override { producer_.Poll(); }

  uint64_t windows() const { return windows_; }
  uint64_t evidence() const { return evidence_; }
  uint64_t first_seq() const { return first_seq_; }
  uint64_t last_seq() const { return last_seq_; }

 private:
  transport::KafkaProducer& producer_;
  transport::TopicNames topics_;
  uint64_t windows_ = 0;
  uint64_t evidence_ = 0;
  uint64_t first_seq_ = 0;
  uint64_t last_seq_ = 0;
};

}  // namespace edgewatch::sensor
