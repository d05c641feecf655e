#include "detector/condition.h"

#include "detector/baseline_condition.h"

namespace edgewatch::detector {

Evaluation ThresholdCondition::Evaluate(const schema::EdgeWindow& w,
                                        ConditionState* /*state*/) const {
  Evaluation e;
  e.value = signal_.ValueOf(w);
  e.threshold = threshold_;
  e.active = rules::Compare(comparison_, e.value, threshold_);
  return e;
}

std::unique_ptr<Condition> MakeCondition(const rules::Rule& rule) {
  if (rule.baseline) return std::make_unique<BaselineCondition>(rule.signal, *rule.baseline);
  return std::make_unique<ThresholdCondition>(rule.signal, rule.comparison, rule.threshold);
}

}  // namespace edgewatch::detector
