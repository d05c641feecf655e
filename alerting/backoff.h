// Retry policy of alert delivery: exponential backoff with jitter and a cap on attempts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "common/result.h"

namespace edgewatch::alerting {

struct RetryPolicy {
  std::chrono::milliseconds initial_backoff{500};  // wait before the first retry
  double multiplier = 2.0;                         // growth of the wait per retry
  std::chrono::milliseconds max_backoff{30'000};   // cap on one wait, jitter included
  // Each wait is scaled by a uniform random factor in [1 - jitter, 1 + jitter] so that receivers
  // recovering from an outage are not hit by every edgewatch node in the same millisecond.
  double jitter = 0.2;
  // Attempts per notification, the first included; then it is dropped (reason="gave_up").
  // 0: no cap — retried until delivered or give_up_after has passed (the default: a receiver
  // that is down for an hour gets everything when it is back; the spool keeps it across
  // restarts).
  uint32_t max_attempts = 0;
  // A notification still undelivered this long after its first attempt is dropped
  // (reason="gave_up"). 0: never.
  std::chrono::milliseconds give_up_after{24 * 3600 * 1000};

  // Checks ranges; the error names the key under `alerting.retry.`.
  std::optional<Error> Validate() const;
};

// Wait before retry number `retry` (1 = the first retry), without jitter:
// min(max_backoff, initial_backoff * multiplier^(retry - 1)).
std::chrono::nanoseconds BaseBackoff(const RetryPolicy& policy, uint32_t retry);

// BaseBackoff scaled by 1 + jitter * (2 * unit - 1) and capped at max_backoff; `unit` in [0, 1].
std::chrono::nanoseconds JitteredBackoff(const RetryPolicy& policy, uint32_t retry, double unit);

// The backoff schedule of one delivery lane: a policy and its own random source. Not
// thread-safe; each Dispatcher worker has one.
class Backoff {
 public:
  Backoff(const RetryPolicy& policy, uint64_t seed) : policy_(policy), rng_(seed) {}

  std::chrono::nanoseconds Delay(uint32_t retry) {
    return JitteredBackoff(policy_, retry, unit_(rng_));
  }

 private:
  RetryPolicy policy_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

}  // namespace edgewatch::alerting
