#include "alerting/backoff.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace edgewatch::alerting {

namespace {

using Nanos = std::chrono::nanoseconds;

Nanos ToNanos(double ns) {
  // Callers clamp to max_backoff first, so the value always fits.
  return Nanos(static_cast<Nanos::rep>(std::llround(ns)));
}

}  // namespace

std::optional<Error> RetryPolicy::Validate() const {
  if (initial_backoff.count() <= 0) {
    return Err("alerting.retry.initial_backoff: must be positive (got " +
               std::to_string(initial_backoff.count()) + "ms)");
  }
  if (!(multiplier >= 1.0) || !std::isfinite(multiplier)) {
    return Err("alerting.retry.multiplier: must be a finite number >= 1 (got " +
               std::to_string(multiplier) + ")");
  }
  if (max_backoff < initial_backoff) {
    return Err("alerting.retry.max_backoff: must be >= initial_backoff (got " +
               std::to_string(max_backoff.count()) + "ms < " +
               std::to_string(initial_backoff.count()) + "ms)");
  }
  if (max_backoff > std::chrono::hours(24)) {
    return Err("alerting.retry.max_backoff: must be at most 24h (got " +
               std::to_string(max_backoff.count()) + "ms)");
  }
  if (!(jitter >= 0.0 && jitter <= 1.0)) {
    return Err("alerting.retry.jitter: must be within [0, 1] (got " + std::to_string(jitter) + ")");
  }
  if (give_up_after.count() < 0) {
    return Err("alerting.retry.give_up_after: must not be negative");
  }
  return std::nullopt;
}

std::chrono::nanoseconds BaseBackoff(const RetryPolicy& policy, uint32_t retry) {
  const double initial = static_cast<double>(Nanos(policy.initial_backoff).count());
  const double cap = static_cast<double>(Nanos(policy.max_backoff).count());
  const double exponent = retry > 0 ? static_cast<double>(retry - 1) : 0.0;
  // pow() of a large exponent is inf, which min() turns into the cap.
  return ToNanos(std::min(cap, initial * std::pow(policy.multiplier, exponent)));
}

std::chrono::nanoseconds JitteredBackoff(const RetryPolicy& policy, uint32_t retry, double unit) {
  const double base = static_cast<double>(BaseBackoff(policy, retry).count());
  const double cap = static_cast<double>(Nanos(policy.max_backoff).count());
  const double factor = 1.0 + policy.jitter * (2.0 * std::clamp(unit, 0.0, 1.0) - 1.0);
  return ToNanos(std::clamp(base * factor, 0.0, cap));
}

}  // namespace edgewatch::alerting
