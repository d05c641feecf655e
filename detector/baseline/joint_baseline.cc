#include "detector/baseline/joint_baseline.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace edgewatch::baseline {
namespace {

// Ridge added to the covariance, as a share of its mean variance: two signals in a nearly exact
// relation (rate and latency of a saturated server) would otherwise make the smallest
// eigenvalue, and so D², hinge on estimation noise.
constexpr double kRidge = 0.02;
constexpr uint32_t kMinLearned = 30;

}  // namespace

JointBaseline::JointBaseline(int signals, JointBaselineConfig config)
    : d_(std::clamp(signals, 1, kMaxSignals)), config_(config) {
  mean_ = Vec::Zero(d_);
  cov_ = Mat::Zero(d_, d_);
}

double JointBaseline::ChiSquareTail(int k, double q) {
  if (q <= 0) return 1;
  const double h = q / 2;
  switch (k) {
    case 1:
      return std::erfc(std::sqrt(h));
    case 2:
      return std::exp(-h);
    case 3:
      return std::erfc(std::sqrt(h)) + std::sqrt(2 * q / std::numbers::pi) * std::exp(-h);
    default:
      return std::exp(-h) * (1 + h);
  }
}

double JointBaseline::Score(const double* x) {
  Vec v(d_);
  for (int i = 0; i < d_; ++i) v(i) = std::log1p(std::max(x[i], 0.0));
  const Vec diff = v - mean_;
  double score = 0;
  tail_ = 1;
  d2_ = 0;
  if (count_ > 0) {
    const double ridge = kRidge * cov_.trace() / d_ + 1e-9;
    Mat reg = cov_;
    reg.diagonal().array() += ridge;
    d2_ = diff.dot(reg.ldlt().solve(diff));
    if (!std::isfinite(d2_) || d2_ < 0) d2_ = 0;
    tail_ = ChiSquareTail(d_, d2_);
    if (count_ >= config_.warmup) {
      score = std::clamp(-std::log10(std::max(tail_, 1e-300)) / config_.decades, 0.0, 1.0);
    }
  }
  // Records are kept out of the model only once it has seen enough to judge them (its warm-up,
  // and at least kMinLearned records: a covariance of a few records calls everything rare).
  if (count_ < std::max<uint32_t>(config_.warmup, kMinLearned) || tail_ >= config_.freeze) {
    // The first 1/alpha records use 1/n (a plain average), as EwmaBaseline does.
    const double a = std::max(config_.alpha, 1.0 / (count_ + 1.0));
    mean_ += a * diff;
    cov_ = (1 - a) * (cov_ + a * diff * diff.transpose());
  }
  if (count_ < UINT32_MAX) ++count_;
  return score;
}

size_t JointBaseline::StateBytes() const {
  return sizeof(double) * static_cast<size_t>(d_ + d_ * d_ + 2) + sizeof(count_);
}

void JointBaseline::Save(BinaryWriter& w) const {
  w.Put(static_cast<int32_t>(d_));
  for (int i = 0; i < d_; ++i) w.Put(mean_(i));
  for (int i = 0; i < d_ * d_; ++i) w.Put(cov_.data()[i]);
  w.Put(count_);
}

bool JointBaseline::Load(BinaryReader& r) {
  int32_t d = 0;
  if (!r.Get(d) || d != d_) return false;
  for (int i = 0; i < d_; ++i) {
    if (!r.Get(mean_(i))) return false;
  }
  for (int i = 0; i < d_ * d_; ++i) {
    if (!r.Get(cov_.data()[i])) return false;
  }
  return r.Get(count_);
}

}  // namespace edgewatch::baseline
