#include "detector/baseline_condition.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "common/binary_io.h"
#include "detector/baseline/joint_baseline.h"
#include "detector/baseline/stream_detector.h"

namespace edgewatch::detector {

namespace {

// Idle gaps are fed as this many zero windows at most: enough for the baselines to see the
// edge went quiet, without a long gap costing a long loop.
constexpr int64_t kMaxIdleSteps = 60;

struct BaselineState final : ConditionState {
  std::unique_ptr<baseline::StreamScorer> scorer;  // built at the first window (its length)
  baseline::BaselineDetector* combined = nullptr;  // scorer, when the method is "edgewatch"
  std::unique_ptr<baseline::JointBaseline> joint;  // instead of scorer, method "joint"
  int64_t window_ns = 0;                           // 0 until the first window
  uint32_t warmup = 0;
  uint32_t seen = 0;
  double mean = 0;  // EWMA of the signal: which side of normal a value is on (direction)
  double dev = 0;   // EWMA of |value − mean|: 0 for a flat signal
};

// A signal that never moved (a counter always 0, a latency quantile stuck in one histogram
// bucket) gives the statistical baselines nothing to fit: their tail estimate of a first
// departure stays weak. While the signal stays within ~1 % of its level, a departure of more
// than 5 % of the level (or of any amount from 0) is anomalous outright.
bool LeftAFlatLevel(const BaselineState& s, double x) {
  const double level = std::fabs(s.mean);
  const double floor = 1e-9 * (level + 1);
  return s.dev <= 0.01 * level + floor && std::fabs(x - s.mean) > std::max(0.05 * level, floor);
}

}  // namespace

BaselineCondition::BaselineCondition(rules::Signal signal, rules::BaselineSpec spec)
    : signal_(signal), spec_(std::move(spec)) {}

std::unique_ptr<ConditionState> BaselineCondition::NewState() const {
  return std::make_unique<BaselineState>();
}

size_t BaselineCondition::StateBytes(const ConditionState* state) {
  const auto* s = static_cast<const BaselineState*>(state);
  return sizeof(BaselineState) + (s->scorer ? s->scorer->StateBytes() : 0) +
         (s->joint ? sizeof(baseline::JointBaseline) : 0);
}

void BaselineCondition::BuildScorer(ConditionState* state, int64_t window_ns) const {
  auto& s = *static_cast<BaselineState*>(state);
  s.window_ns = std::max<int64_t>(window_ns, 1);
  baseline::BaselineDetectorConfig cfg;
  cfg.warmup = 0;  // gated here, in windows of this edge
  using S = rules::BaselineSpec::Seasonality;
  if (spec_.seasonality == S::kNone) cfg.season_ratio = 0;
  if (spec_.seasonality == S::kWeekly) cfg.season_s = int64_t{7} * 86400;
  s.warmup =
      static_cast<uint32_t>(std::clamp<int64_t>(spec_.min_history_ns / s.window_ns, 0, 1'000'000));
  if (spec_.method == "joint") {
    // Its warm-up is the rule's: before min_history the covariance is not yet worth trusting
    // to keep records out of it.
    s.joint = std::make_unique<baseline::JointBaseline>(
        static_cast<int>(1 + spec_.with.size()), baseline::JointBaselineConfig{.warmup = s.warmup});
    s.scorer = nullptr;
    s.combined = nullptr;
    return;
  }
  s.scorer = baseline::MakeStreamScorer(spec_.method, cfg);
  if (!s.scorer) s.scorer = baseline::MakeStreamScorer("edgewatch", cfg);
  s.combined = spec_.method == "edgewatch"
                   ? static_cast<baseline::BaselineDetector*>(s.scorer.get())
                   : nullptr;
}

bool BaselineCondition::SaveState(const ConditionState* state, std::string& out) const {
  const auto& s = *static_cast<const BaselineState*>(state);
  if (s.window_ns == 0) return false;  // no window seen yet
  BinaryWriter w(out);
  w.Put(s.window_ns);
  w.Put(s.seen);
  w.Put(s.mean);
  w.Put(s.dev);
  if (s.joint) {
    s.joint->Save(w);
  } else {
    s.scorer->Save(w);
  }
  return true;
}

bool BaselineCondition::LoadState(std::string_view in, ConditionState* state) const {
  auto& s = *static_cast<BaselineState*>(state);
  BinaryReader r(in);
  int64_t window_ns = 0;
  if (!r.Get(window_ns) || window_ns <= 0) return false;
  BuildScorer(state, window_ns);
  if (r.Get(s.seen) && r.Get(s.mean) && r.Get(s.dev) &&
      (s.joint ? s.joint->Load(r) : s.scorer->Load(r)) && r.done()) {
    return true;
  }
  *static_cast<BaselineState*>(state) = BaselineState{};  // what did load is half a model
  return false;
}

Evaluation BaselineCondition::Evaluate(const schema::EdgeWindow& w, ConditionState* state) const {
  auto& s = *static_cast<BaselineState*>(state);
  Evaluation ev;
  ev.value = signal_.ValueOf(w);
  ev.threshold = spec_.sensitivity;
  const int64_t len = w.window_end_ns - w.window_start_ns;
  // The first window of the edge is a real one (gaps come only after it): its length is the
  // sensors' window.
  if (s.window_ns == 0) BuildScorer(state, len);
  std::array<double, baseline::JointBaseline::kMaxSignals> joint_values{ev.value};
  if (s.joint) {
    for (size_t i = 0; i < spec_.with.size() && i + 1 < joint_values.size(); ++i) {
      joint_values[i + 1] = spec_.with[i].ValueOf(w);
    }
  }
  // A gap (one zero window spanning it) is fed as its zero windows, up to a bound.
  const int64_t steps = std::clamp<int64_t>(len / s.window_ns, 1, kMaxIdleSteps);
  double score = 0;
  for (int64_t i = 0; i < steps; ++i) {
    const int64_t t_s = (w.window_start_ns + (i + 1) * s.window_ns) / 1'000'000'000;
    if (s.joint) {
      score = s.joint->Score(joint_values.data());
    } else {
      score = s.scorer->Score(t_s, ev.value);
    }
    if (s.combined != nullptr) {
      // The combined detector reports an episode at its onset only (NAB's rule); a rule needs
      // "still anomalous", which is its tail probability at every window.
      score = std::clamp(-std::log10(std::max(s.combined->last_tail(), 1e-300)) / 12.0, 0.0, 1.0);
    }
    if (s.seen < UINT32_MAX) ++s.seen;
  }
  if (!s.joint && s.seen > s.warmup && LeftAFlatLevel(s, ev.value)) score = 1;
  const bool above = ev.value > s.mean;
  const bool below = ev.value < s.mean;
  using D = rules::BaselineSpec::Direction;
  const bool direction_ok = spec_.direction == D::kBoth || (spec_.direction == D::kUp && above) ||
                            (spec_.direction == D::kDown && below);
  ev.active = s.seen > s.warmup && score >= spec_.sensitivity && direction_ok;
  if (s.seen <= steps) s.mean = ev.value;  // the first window sets the level
  s.dev += 0.05 * (std::fabs(ev.value - s.mean) - s.dev);
  s.mean += 0.05 * (ev.value - s.mean);
  return ev;
}

}  // namespace edgewatch::detector
