// Self-metrics of one receiver's delivery lane, all labelled receiver="<name>".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/stats.h"

namespace edgewatch::alerting {

// Why an alert did not reach a receiver. A closed set: the reason="..." label values.
enum class DropReason : uint8_t {
  kQueueFull,  // Submit() found the receiver's queue full
  kGaveUp,     // max_attempts retryable failures in a row
  kRejected,   // permanent failure (e.g. HTTP 400): not retried
  kShutdown,   // submitted after Stop(), or still undelivered at Stop()'s deadline
};
inline constexpr size_t kDropReasonCount = 4;
const char* DropReasonName(DropReason reason);

class ReceiverProbe {
 public:
  void Delivered(uint64_t n = 1) { delivered_.Add(n); }
  void FailedAttempt() { failed_attempts_.Add(); }
  void Retry() { retries_.Add(); }
  void Dropped(DropReason reason, uint64_t n = 1) { dropped_[static_cast<size_t>(reason)].Add(n); }

  uint64_t delivered() const { return delivered_.Get(); }
  uint64_t failed_attempts() const { return failed_attempts_.Get(); }
  uint64_t retries() const { return retries_.Get(); }
  uint64_t dropped(DropReason reason) const { return dropped_[static_cast<size_t>(reason)].Get(); }

  // Appends this receiver's series; `queue_length` is sampled by the caller.
  void Collect(const std::string& receiver, size_t queue_length,
               std::vector<StatSample>& out) const;

 private:
  StatCounter delivered_;
  StatCounter failed_attempts_;
  StatCounter retries_;
  std::array<StatCounter, kDropReasonCount> dropped_;
};

}  // namespace edgewatch::alerting
