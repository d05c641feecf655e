// Receiver: one destination of alerts (stdout, a webhook; later Alertmanager, DingTalk, ...).
// The Dispatcher owns receivers and decides about queueing, retries and giving up; a receiver
// makes one delivery attempt per Deliver() call and says whether a failure is worth retrying.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "schema/alert.h"

namespace edgewatch::alerting {

// Outcome of one delivery attempt. No exceptions on the delivery path: failures are values.
class [[nodiscard]] DeliveryStatus {
 public:
  enum class Code : uint8_t {
    kDelivered,
    kRetryable,  // the destination may accept the same alert later (5xx, 429, network, timeout)
    kPermanent,  // retrying the same alert cannot help (4xx: the request itself is refused)
  };

  static DeliveryStatus Delivered() { return DeliveryStatus(Code::kDelivered, {}); }
  static DeliveryStatus Retryable(std::string message) {
    return DeliveryStatus(Code::kRetryable, std::move(message));
  }
  static DeliveryStatus Permanent(std::string message) {
    return DeliveryStatus(Code::kPermanent, std::move(message));
  }

  bool ok() const { return code_ == Code::kDelivered; }
  bool retryable() const { return code_ == Code::kRetryable; }
  Code code() const { return code_; }
  // Why the attempt failed, one line, fit for a log; empty when delivered.
  const std::string& message() const { return message_; }

 private:
  DeliveryStatus(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_;
  std::string message_;
};

class Receiver {
 public:
  virtual ~Receiver() = default;

  // Configured name: the receiver="<name>" label of the alerting metrics and the prefix of log
  // lines. Unique within a Dispatcher.
  virtual const std::string& name() const = 0;

  // One delivery attempt. Must be safe to call from any thread; the Dispatcher calls it from one
  // worker thread per receiver.
  virtual DeliveryStatus Deliver(const schema::Alert& alert) = 0;

  // Makes the Deliver() in progress on another thread, and every later one, return promptly
  // with a retryable failure. The Dispatcher calls it when its shutdown deadline has passed.
  // Receivers whose Deliver() cannot block for long may keep the default.
  virtual void Abort() {}
};

}  // namespace edgewatch::alerting
