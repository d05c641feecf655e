// KafkaAlertReceiver: the `kafka` receiver of the alerting config — each alert of a
// notification as its full edgewatch.alert.v1 record (evidence included) on a topic, keyed by
// fingerprint, for AIOps pipelines. A delivery waits until the brokers acknowledged every
// record (or `timeout`): acknowledged is delivered, anything else is retried by the dispatcher
// (the producer is idempotent, and a consumer reading the compacted topic keeps the last
// record per fingerprint, so a repeat is harmless).
//
// It lives in cmd/ because alerting/ does not depend on transport/.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "alerting/receiver.h"
#include "common/result.h"
#include "transport/kafka_producer.h"

namespace edgewatch::cmd {

struct KafkaAlertReceiverConfig {
  std::string name = "kafka";
  transport::KafkaConfig kafka;  // brokers and properties
  std::string topic = "edgewatch.alerts";
  std::chrono::milliseconds timeout{10'000};  // for the brokers' acknowledgement
};

class KafkaAlertReceiver final : public alerting::Receiver {
 public:
  static Result<std::unique_ptr<KafkaAlertReceiver>> Create(KafkaAlertReceiverConfig config);

  const std::string& name() const override { return config_.name; }
  size_t max_batch() const override { return 64; }
  alerting::DeliveryStatus Deliver(const alerting::NotificationBatch& batch) override;
  void Abort() override { aborted_ = true; }

 private:
  KafkaAlertReceiver(KafkaAlertReceiverConfig config,
                     std::unique_ptr<transport::KafkaProducer> producer)
      : config_(std::move(config)), producer_(std::move(producer)) {}

  const KafkaAlertReceiverConfig config_;
  const std::unique_ptr<transport::KafkaProducer> producer_;
  std::atomic<bool> aborted_{false};
};

}  // namespace edgewatch::cmd
