// Baseline rules (rules::BaselineSpec): the rule holds when the edge's signal is anomalous
// against what the edge itself has shown so far — the streaming baselines of
// detector/baseline/ (docs/baselines.md), one per (rule, edge), ~1 KB each.
#pragma once

#include "detector/condition.h"

namespace edgewatch::detector {

class BaselineCondition final : public Condition {
 public:
  BaselineCondition(rules::Signal signal, rules::BaselineSpec spec);

  std::unique_ptr<ConditionState> NewState() const override;
  // value: the signal; threshold: the sensitivity the anomaly score was compared with.
  Evaluation Evaluate(const schema::EdgeWindow& w, ConditionState* state) const override;
  bool SaveState(const ConditionState* state, std::string& out) const override;
  bool LoadState(std::string_view in, ConditionState* state) const override;

  // Bytes one (rule, edge) state holds (for the memory budget and its test).
  static size_t StateBytes(const ConditionState* state);

 private:
  // Builds the state's scorer for windows of `window_ns` (the first window's length).
  void BuildScorer(ConditionState* state, int64_t window_ns) const;

  rules::Signal signal_;
  rules::BaselineSpec spec_;
};

}  // namespace edgewatch::detector
