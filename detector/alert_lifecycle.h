// The pending → firing → resolved state machine of one (rule, edge), with Prometheus' `for`
// and `keep_firing_for` at window granularity. Pure: no clock, no I/O, testable alone.
//
// A window [start, end) whose condition is true counts as "the condition held from start to
// end". So:
//   - pending since   = start of the first true window of the current run;
//   - firing          at the end of the first true window with end - pending_since >= for
//                       (for: 0s fires on the first true window);
//   - while firing, a false window keeps the alert firing while end - last_true_end <
//     keep_firing_for, and resolves it at the end of the first window where it is not
//     (keep_firing_for: 0s resolves on the first false window);
//   - a false window while pending returns to inactive without any notification.
#pragma once

#include <cstdint>

namespace edgewatch::detector {

class AlertLifecycle {
 public:
  enum class State : uint8_t { kInactive, kPending, kFiring };

  struct Change {
    enum class Kind : uint8_t { kNone, kFired, kResolved };
    Kind kind = Kind::kNone;
    int64_t at_ns = 0;  // end of the window at which the change happened
  };

  AlertLifecycle(int64_t for_ns, int64_t keep_firing_for_ns)
      : for_ns_(for_ns), keep_firing_for_ns_(keep_firing_for_ns) {}

  // Feeds `n` >= 1 consecutive windows [start + i*len, start + (i+1)*len), i < n, that all
  // evaluated to `active`. n > 1 is how idle gaps are applied in O(1). A run changes the state
  // at most once, so at most one change is returned.
  Change Observe(bool active, int64_t start_ns, int64_t len_ns, uint64_t n = 1);

  // Continues an alert another detector instance raised (partition handover, restart): the
  // state becomes firing, pending since `starts_at_ns`, last true at `last_true_end_ns`.
  void RestoreFiring(int64_t starts_at_ns, int64_t last_true_end_ns) {
    state_ = State::kFiring;
    pending_since_ns_ = starts_at_ns;
    firing_since_ns_ = starts_at_ns;
    last_true_end_ns_ = last_true_end_ns;
  }

  State state() const { return state_; }
  int64_t pending_since_ns() const { return pending_since_ns_; }  // valid unless kInactive
  int64_t firing_since_ns() const { return firing_since_ns_; }    // valid when kFiring
  int64_t last_true_end_ns() const { return last_true_end_ns_; }

 private:
  // Smallest k in [1, n] with start + k*len >= deadline; 0 when there is none.
  static uint64_t FirstStepReaching(int64_t deadline_ns, int64_t start_ns, int64_t len_ns,
                                    uint64_t n);

  int64_t for_ns_;
  int64_t keep_firing_for_ns_;
  State state_ = State::kInactive;
  int64_t pending_since_ns_ = 0;
  int64_t firing_since_ns_ = 0;
  int64_t last_true_end_ns_ = 0;
};

}  // namespace edgewatch::detector
