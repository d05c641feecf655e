#include "detector/alert_lifecycle.h"

#include <limits>

namespace edgewatch::detector {
namespace {

// Durations come from rule files and may be absurdly long ("100y"); saturate, never wrap.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  return __builtin_add_overflow(a, b, &out) ? std::numeric_limits<int64_t>::max() : out;
}

}  // namespace

uint64_t AlertLifecycle::FirstStepReaching(int64_t deadline_ns, int64_t start_ns, int64_t len_ns,
                                           uint64_t n) {
  if (n == 0 || len_ns <= 0) {
    return 0;
  }
  int64_t missing = 0;
  if (__builtin_sub_overflow(deadline_ns, start_ns, &missing)) {
    return 0;
  }
  if (missing <= len_ns) {
    return 1;
  }
  const auto k = static_cast<uint64_t>(missing / len_ns + (missing % len_ns != 0 ? 1 : 0));
  return k <= n ? k : 0;
}

AlertLifecycle::Change AlertLifecycle::Observe(bool active, int64_t start_ns, int64_t len_ns,
                                               uint64_t n) {
  Change change;
  if (n == 0 || len_ns <= 0) {
    return change;
  }
  const int64_t run_end = start_ns + static_cast<int64_t>(n) * len_ns;

  if (active) {
    if (state_ == State::kInactive) {
      state_ = State::kPending;
      pending_since_ns_ = start_ns;
    }
    last_true_end_ns_ = run_end;
    if (state_ == State::kPending) {
      const uint64_t k =
          FirstStepReaching(SaturatingAdd(pending_since_ns_, for_ns_), start_ns, len_ns, n);
      if (k != 0) {
        state_ = State::kFiring;
        change.kind = Change::Kind::kFired;
        change.at_ns = start_ns + static_cast<int64_t>(k) * len_ns;
        firing_since_ns_ = change.at_ns;
      }
    }
    return change;
  }

  switch (state_) {
    case State::kInactive:
      break;
    case State::kPending:
      state_ = State::kInactive;
      break;
    case State::kFiring: {
      const uint64_t k = FirstStepReaching(SaturatingAdd(last_true_end_ns_, keep_firing_for_ns_),
                                           start_ns, len_ns, n);
      if (k != 0) {
        state_ = State::kInactive;
        change.kind = Change::Kind::kResolved;
        change.at_ns = start_ns + static_cast<int64_t>(k) * len_ns;
      }
      break;
    }
  }
  return change;
}

}  // namespace edgewatch::detector
