// Receiver: one destination of notifications (stdout, a webhook, Alertmanager, DingTalk, ...).
// The Dispatcher owns receivers and decides about queueing, rate limits, retries and giving up;
// a receiver makes one delivery attempt per Deliver() call and says whether a failure is worth
// retrying.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "alerting/notification.h"

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

// At most `count` deliveries per `per` (a token bucket of `count` tokens refilled over `per`).
// count == 0: unlimited. DingTalk robots take about 20 messages a minute, Slack about 1 a second.
struct RateLimit {
  uint32_t count = 0;
  std::chrono::milliseconds per{60000};
  bool unlimited() const { return count == 0; }
};

class Receiver {
 public:
  virtual ~Receiver() = default;

  // Configured name: the receiver="<name>" label of the alerting metrics and the prefix of log
  // lines. Unique within a Dispatcher.
  virtual const std::string& name() const = 0;

  // One delivery attempt of 1 to max_batch() notifications (as one message where the receiver
  // batches). Must be safe to call from any thread; the Dispatcher calls it from one worker
  // thread per receiver.
  virtual DeliveryStatus Deliver(const NotificationBatch& batch) = 0;

  // How many notifications one Deliver() may carry. The Dispatcher takes what is queued, up to
  // this many; a rate limit holding deliveries back lets them queue up into one message.
  virtual size_t max_batch() const { return 1; }

  // Deliveries allowed per period (the Dispatcher waits for a token before each Deliver()).
  virtual RateLimit rate_limit() const { return {}; }

  // For receivers that forget firing alerts unless told again (Alertmanager's API: an alert
  // not re-sent expires at its endsAt): the Notifier re-sends every firing group to this
  // receiver at least this often, whatever the route's repeat_interval. 0: no such need.
  virtual std::chrono::milliseconds resend_interval() const { return std::chrono::milliseconds(0); }

  // Makes the Deliver() in progress on another thread, and every later one, return promptly
  // with a retryable failure. The Dispatcher calls it when its shutdown deadline has passed.
  // Receivers whose Deliver() cannot block for long may keep the default.
  virtual void Abort() {}
};

}  // namespace edgewatch::alerting
