#include "cmd/kafka_alert_receiver.h"

#include <thread>

#include "schema/codec.h"

namespace edgewatch::cmd {

Result<std::unique_ptr<KafkaAlertReceiver>> KafkaAlertReceiver::Create(
    KafkaAlertReceiverConfig config) {
  if (config.kafka.brokers.empty()) return Err("brokers: required (host:port[,host:port…])");
  if (config.topic.empty()) return Err("topic: must not be empty");
  if (config.timeout.count() <= 0) return Err("timeout: must be positive");
  auto producer = transport::KafkaProducer::Create(config.kafka, "alerts-" + config.name,
                                                   /*linger_ms=*/5);
  if (!producer) return Err(producer.error());
  return std::unique_ptr<KafkaAlertReceiver>(
      new KafkaAlertReceiver(std::move(config), std::move(*producer)));
}

alerting::DeliveryStatus KafkaAlertReceiver::Deliver(const alerting::NotificationBatch& batch) {
  const uint64_t failed_before = producer_->failed();
  const uint64_t dropped_before = producer_->dropped();
  for (const auto& n : batch) {
    for (const schema::Alert& a : n->alerts) {
      if (!producer_->Produce(config_.topic, a.fingerprint, schema::Encode(a))) {
        return alerting::DeliveryStatus::Retryable("topic " + config_.topic +
                                                   ": the producer did not take the record");
      }
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + config_.timeout;
  while (producer_->Outstanding() > 0 && std::chrono::steady_clock::now() < deadline && !aborted_) {
    producer_->Poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  producer_->Poll();
  if (producer_->Outstanding() > 0) {
    return alerting::DeliveryStatus::Retryable(
        "topic " + config_.topic + ": " + std::to_string(producer_->Outstanding()) +
        " record(s) not acknowledged by the brokers in time");
  }
  if (producer_->failed() != failed_before || producer_->dropped() != dropped_before) {
    return alerting::DeliveryStatus::Retryable("topic " + config_.topic +
                                               ": the brokers refused a record (see "
                                               "edgewatch_kafka_producer_* on /metrics)");
  }
  return alerting::DeliveryStatus::Delivered();
}

}  // namespace edgewatch::cmd
