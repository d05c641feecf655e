#include "detector/baseline/stream_detector.h"

#include <algorithm>
#include <cmath>

namespace edgewatch::baseline {

BaselineDetector::BaselineDetector(BaselineDetectorConfig config)
    : params_{static_cast<float>(config.season_ratio),
              static_cast<float>(config.smooth),
              static_cast<float>(config.range_margin),
              static_cast<float>(config.hold),
              static_cast<float>(config.discount),
              static_cast<float>(config.decades),
              config.warmup,
              static_cast<float>(config.spot.q0),
              static_cast<float>(config.spot.risk),
              static_cast<float>(config.spot.forget),
              static_cast<uint16_t>(std::min<uint32_t>(config.spot.min_peaks, UINT16_MAX)),
              static_cast<uint16_t>(std::min<uint32_t>(config.season_min_peaks, UINT16_MAX))},
      robust_(config.window),
      season_(config.season_s, config.season_bins, config.season_alpha),
      range_(config.range_half_life) {}

SpotConfig BaselineDetector::SpotSettings(bool seasonal_pair) const {
  return {.q0 = params_.q0,
          .risk = params_.risk,
          .forget = params_.forget,
          .min_peaks = seasonal_pair ? params_.season_min_peaks : params_.min_peaks};
}

double BaselineDetector::ScoreOfTail(double tail) const {
  return std::clamp(-std::log10(std::max(tail, 1e-300)) / params_.decades, 0.0, 1.0);
}

bool BaselineDetector::RangeKnown() const {
  // The seasonal profile has learned this record: its first and last times span the records so
  // far, this one included.
  return count_ >= kRangeMinRecords ||
         (count_ >= kRangeMinCoarseRecords &&
          season_.last_time() - season_.first_time() >= kRangeMinSpanS);
}

double BaselineDetector::Score(int64_t t_s, double x) {
  // A window without spread (a signal at 0 for hours) is judged by the spread the signal has had
  // over ~100 records, not by a floor that makes its next blip infinitely surprising.
  const double robust = std::log1p(std::fabs(robust_.Update(x, season_.level_deviation())));
  // The alarm level decays by `hold` per record, and halves at least once a day (kHoldHalfLifeS).
  const int64_t last_t = season_.last_time();
  double hold = params_.hold;
  if (last_t != INT64_MIN && t_s > last_t) {
    hold = std::min(hold, std::exp2(-static_cast<double>(t_s - last_t) / kHoldHalfLifeS));
  }
  const double zs = season_.Update(t_s, x);
  const SpotConfig robust_spot = SpotSettings(false);
  smoothed_ += static_cast<float>(params_.smooth * (robust - smoothed_));
  // Any view may call the record unusual; the factor is Bonferroni's for the tests taken.
  double tail =
      2 * std::min(spot_.Update(robust_spot, smoothed_), point_spot_.Update(robust_spot, robust));
  // The seasonal surprise's EWMA runs from the first record (it is warm when the SPOTs start);
  // none of it when the rule wants no seasonality.
  const double seasonal_surprise = std::log1p(std::fabs(zs));
  if (params_.season_ratio > 0) {
    season_smoothed_ += static_cast<float>(params_.smooth * (seasonal_surprise - season_smoothed_));
  }
  if (params_.season_ratio > 0 && season_.ready()) {
    const SpotConfig season_spot = SpotSettings(true);
    const double p = std::min(season_spot_.Update(season_spot, season_smoothed_),
                              season_point_spot_.Update(season_spot, seasonal_surprise));
    // While the profile explains the series, its surprise replaces the level's: the median/MAD
    // window calls every daily swing longer than half the window an anomaly (at 20-minute
    // records, 64 records are 21 hours). The robust pair goes on learning, for when the
    // season fades.
    if (seasonal()) tail = 2 * p;
  }
  const bool range_known = RangeKnown();
  const float low = range_.low(), high = range_.high();  // of the records before this one
  double excess = range_.Update(x);
  if (!range_known) excess = 0;  // a young envelope is broken often
  // Bursts come denser, or stop: one alarm per episode or gap, at twice its bound.
  tail = std::min(
      {1.0, tail, 2 * burst_.Update(x, robust_.median(), low, high, count_, range_known, excess)});
  const double spread_score = ScoreOfTail(tail);
  if (params_.range_margin >= 0 && excess > params_.range_margin) {
    // A break out of the range scores 0.5 + 0.5·min(1, excess): as a tail, 10^−(that × decades).
    tail = std::min(tail, std::pow(10.0, -(0.5 + 0.5 * std::min(1.0, excess)) * params_.decades));
  }
  tail_ = static_cast<float>(tail);
  const double s = ScoreOfTail(tail);
  ++count_;
  // A score of 1 cannot top a level of 1 either: it waits until the level has decayed below
  // 1 − kSaturatedMargin, so that the echoes of a saturating episode are held back as well.
  const bool tops = s >= 1 ? level_ < 1 - kSaturatedMargin : s > level_;
  double out = tops ? s : 0.0;
  // A range break does not raise the level: it is one record's event, not an episode whose
  // echoes need holding back, and a level it raised would hide the next episode for days.
  level_ = static_cast<float>(std::max(static_cast<double>(level_) * hold, spread_score));
  if (count_ % 10000 == 0) {
    for (auto& n : alarms_) n = static_cast<uint8_t>(n / 2);
  }
  return count_ <= params_.warmup ? 0.0 : Discounted(out);
}

double BaselineDetector::Discounted(double score) {
  constexpr double kLow = 0.1, kHigh = 0.5, kWidth = (kHigh - kLow) / 8;
  if (score <= 0 || score >= kHigh || params_.discount <= 0) return score;
  // Earlier alarms of at least 0.8 × score: the bins above its bin, and of that bin the share
  // above it (counts spread evenly within a bin).
  const double from = std::max(0.0, (0.8 * score - kLow) / kWidth);
  const auto bin = static_cast<size_t>(from);
  double earlier = 0;
  for (size_t i = bin; i < alarms_.size(); ++i) {
    earlier += alarms_[i] * (i == bin ? 1 - (from - static_cast<double>(bin)) : 1.0);
  }
  if (score >= kLow) {
    auto& n = alarms_[std::min(alarms_.size() - 1, static_cast<size_t>((score - kLow) / kWidth))];
    if (n == UINT8_MAX) {
      for (auto& m : alarms_) m = static_cast<uint8_t>(m / 2);
    }
    ++n;
  }
  return score / (1 + params_.discount * earlier);
}

size_t BaselineDetector::StateBytes() const {
  return robust_.StateBytes() + season_.StateBytes() + 4 * Spot::StateBytes() +
         RangeEnvelope::StateBytes() + BurstDensity::StateBytes() + sizeof(Params) +
         4 * sizeof(float) + sizeof(uint32_t) + sizeof(alarms_);
}

void BaselineDetector::Save(BinaryWriter& w) const {
  robust_.Save(w);
  season_.Save(w);
  spot_.Save(w);
  point_spot_.Save(w);
  season_spot_.Save(w);
  season_point_spot_.Save(w);
  range_.Save(w);
  burst_.Save(w);
  w.Put(level_);
  w.Put(smoothed_);
  w.Put(season_smoothed_);
  w.Put(tail_);
  w.Put(count_);
  w.Put(alarms_);
}

bool BaselineDetector::Load(BinaryReader& r) {
  return robust_.Load(r) && season_.Load(r) && spot_.Load(r) && point_spot_.Load(r) &&
         season_spot_.Load(r) && season_point_spot_.Load(r) && range_.Load(r) && burst_.Load(r) &&
         r.Get(level_) && r.Get(smoothed_) && r.Get(season_smoothed_) && r.Get(tail_) &&
         r.Get(count_) && r.Get(alarms_);
}

namespace {

class EwmaScorer : public StreamScorer {
 public:
  explicit EwmaScorer(const BaselineDetectorConfig& c) : c_(c), ewma_(c.ewma_alpha) {}
  double Score(int64_t, double x) override {
    double z = ewma_.Update(x);
    return ewma_.count() <= c_.warmup ? 0.0 : GaussianScore(z);
  }
  size_t StateBytes() const override { return EwmaBaseline::StateBytes(); }
  void Save(BinaryWriter& w) const override { ewma_.Save(w); }
  bool Load(BinaryReader& r) override { return ewma_.Load(r); }

 private:
  BaselineDetectorConfig c_;
  EwmaBaseline ewma_;
};

class MedianMadScorer : public StreamScorer {
 public:
  explicit MedianMadScorer(const BaselineDetectorConfig& c) : c_(c), mm_(c.window) {}
  double Score(int64_t, double x) override {
    double z = mm_.Update(x);
    return mm_.count() <= c_.warmup ? 0.0 : GaussianScore(z);
  }
  size_t StateBytes() const override { return mm_.StateBytes(); }
  void Save(BinaryWriter& w) const override { mm_.Save(w); }
  bool Load(BinaryReader& r) override { return mm_.Load(r); }

 private:
  BaselineDetectorConfig c_;
  MedianMadWindow mm_;
};

class SeasonalScorer : public StreamScorer {
 public:
  explicit SeasonalScorer(const BaselineDetectorConfig& c)
      : c_(c), season_(c.season_s, c.season_bins, c.season_alpha) {}
  double Score(int64_t t_s, double x) override {
    double z = season_.Update(t_s, x);
    return ++count_ <= c_.warmup ? 0.0 : GaussianScore(z);
  }
  size_t StateBytes() const override { return season_.StateBytes(); }
  void Save(BinaryWriter& w) const override {
    season_.Save(w);
    w.Put(count_);
  }
  bool Load(BinaryReader& r) override { return season_.Load(r) && r.Get(count_); }

 private:
  BaselineDetectorConfig c_;
  SeasonalProfile season_;
  uint32_t count_ = 0;
};

class SpotScorer : public StreamScorer {
 public:
  explicit SpotScorer(const BaselineDetectorConfig& c) : c_(c), ewma_(c.ewma_alpha) {}
  double Score(int64_t, double x) override {
    double mean = ewma_.mean();
    bool first = ewma_.count() == 0;
    ewma_.Update(x);
    double p = spot_.Update(c_.spot, first ? 0.0 : std::fabs(x - mean));
    if (ewma_.count() <= c_.warmup) return 0.0;
    return std::clamp(-std::log10(std::max(p, 1e-300)) / c_.decades, 0.0, 1.0);
  }
  size_t StateBytes() const override { return EwmaBaseline::StateBytes() + Spot::StateBytes(); }
  void Save(BinaryWriter& w) const override {
    ewma_.Save(w);
    spot_.Save(w);
  }
  bool Load(BinaryReader& r) override { return ewma_.Load(r) && spot_.Load(r); }

 private:
  BaselineDetectorConfig c_;
  EwmaBaseline ewma_;
  Spot spot_;
};

}  // namespace

const std::vector<std::string>& StreamScorerNames() {
  static const std::vector<std::string> names = {"edgewatch", "ewma", "median_mad", "seasonal",
                                                 "spot"};
  return names;
}

std::unique_ptr<StreamScorer> MakeStreamScorer(const std::string& name,
                                               const BaselineDetectorConfig& config) {
  if (name == "edgewatch") return std::make_unique<BaselineDetector>(config);
  if (name == "ewma") return std::make_unique<EwmaScorer>(config);
  if (name == "median_mad") return std::make_unique<MedianMadScorer>(config);
  if (name == "seasonal") return std::make_unique<SeasonalScorer>(config);
  if (name == "spot") return std::make_unique<SpotScorer>(config);
  return nullptr;
}

}  // namespace edgewatch::baseline
