// The evaluation interface of the detector: one window in, "is the rule's condition true" out.
//
// Threshold rules (ThresholdCondition) are stateless. A later baseline condition (EWMA, robust
// z-score, ...) implements the same interface and keeps its per-edge model in a ConditionState,
// which the detector creates once per (rule, edge) and passes back on every evaluation. The
// pending/firing lifecycle (AlertLifecycle) is the same for every kind of condition.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "rules/rule.h"
#include "schema/edge_window.h"

namespace edgewatch::detector {

struct Evaluation {
  bool active = false;   // the condition holds for this window
  double value = 0;      // the signal value compared
  double threshold = 0;  // what it was compared with (fixed for rules, learned for baselines)
};

// Per-(rule, edge) memory of a stateful condition.
class ConditionState {
 public:
  virtual ~ConditionState() = default;
};

class Condition {
 public:
  virtual ~Condition() = default;

  // Called once per (rule, edge); nullptr for stateless conditions.
  virtual std::unique_ptr<ConditionState> NewState() const { return nullptr; }

  // `w` is a window of the edge, or — for a stretch in which the edge sent no window — one
  // all-zero window spanning the whole gap (only its times and counts are set). The detector
  // applies the result to every window_ns step of the gap, so a stateful condition seeing a
  // gap should answer for the gap as a whole. Must not throw.
  virtual Evaluation Evaluate(const schema::EdgeWindow& w, ConditionState* state) const = 0;

  // State worth keeping across a restart (learned baselines): appends it to `out` and returns
  // true, or returns false when there is nothing to keep (stateless, or nothing learned yet).
  virtual bool SaveState(const ConditionState* /*state*/, std::string& /*out*/) const {
    return false;
  }
  // Takes over what SaveState wrote for this condition (same rule definition) into a fresh
  // state; false, leaving the state fresh, when `in` does not fit. Must not throw.
  virtual bool LoadState(std::string_view /*in*/, ConditionState* /*state*/) const { return false; }
};

// `signal comparison threshold`, e.g. refused > 0.
class ThresholdCondition final : public Condition {
 public:
  ThresholdCondition(rules::Signal signal, rules::Comparison comparison, double threshold)
      : signal_(signal), comparison_(comparison), threshold_(threshold) {}

  Evaluation Evaluate(const schema::EdgeWindow& w, ConditionState* state) const override;

 private:
  rules::Signal signal_;
  rules::Comparison comparison_;
  double threshold_;
};

// The condition a loaded rule stands for.
std::unique_ptr<Condition> MakeCondition(const rules::Rule& rule);

}  // namespace edgewatch::detector
