#include "detector/baseline/nab_scorer.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace edgewatch::baseline {

const std::vector<NabProfile>& NabProfiles() {
  static const std::vector<NabProfile> profiles = {
      {"standard", 1.0, 0.11, 1.0},
      {"reward_low_FP_rate", 1.0, 0.22, 1.0},
      {"reward_low_FN_rate", 1.0, 0.11, 2.0},
  };
  return profiles;
}

double ScaledSigmoid(double y) {
  if (y >= 3.0) return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * y)) - 1.0;
}

size_t ProbationLength(size_t n) {
  double p = std::min(std::floor(0.15 * static_cast<double>(n)), 0.15 * 5000);
  return static_cast<size_t>(p);
}

namespace {

// Window w as record indices [first, last]; first > last when no record falls inside.
struct WindowSpan {
  size_t first = 0;
  size_t last = 0;
  bool empty() const { return first > last; }
};

std::vector<WindowSpan> Spans(const NabSeries& s) {
  std::vector<WindowSpan> spans;
  for (const auto& [start, end] : s.windows) {
    auto lo = std::lower_bound(s.timestamps.begin(), s.timestamps.end(), start);
    auto hi = std::upper_bound(s.timestamps.begin(), s.timestamps.end(), end);
    WindowSpan w;
    w.first = static_cast<size_t>(lo - s.timestamps.begin());
    w.last = hi == s.timestamps.begin() ? 0 : static_cast<size_t>(hi - s.timestamps.begin()) - 1;
    if (hi <= lo) w = {1, 0};
    spans.push_back(w);
  }
  return spans;
}

}  // namespace

std::vector<SweepPoint> Sweep(const NabSeries& series, const NabProfile& profile) {
  const size_t n = series.timestamps.size();
  const size_t probation = ProbationLength(n);
  const double max_tp = ScaledSigmoid(-1.0);
  auto spans = Spans(series);
  std::vector<SweepPoint> points(n);
  size_t next = 0;  // the next window not yet entered
  int prev = -1;    // the last window left behind
  for (size_t i = 0; i < n; ++i) {
    while (next < spans.size() && (spans[next].empty() || spans[next].last < i)) {
      if (!spans[next].empty()) prev = static_cast<int>(next);
      ++next;
    }
    SweepPoint& p = points[i];
    p.score = i < series.scores.size() ? series.scores[i] : 0.0;
    p.scorable = i >= probation;
    if (next < spans.size() && spans[next].first <= i) {
      // Inside: position −(R − i + 1)/W, so the first record is at exactly −1.
      const auto& w = spans[next];
      double width = static_cast<double>(w.last - w.first + 1);
      double pos = -static_cast<double>(w.last - i + 1) / width;
      p.window = static_cast<int>(next);
      p.weight = ScaledSigmoid(pos) * profile.tp / max_tp;
    } else if (prev < 0) {
      p.weight = -profile.fp;  // S(3) = −1: no window before this record
    } else {
      const auto& w = spans[static_cast<size_t>(prev)];
      double width = static_cast<double>(w.last - w.first + 1);
      // sweeper.py divides by (W − 1); a one-record window would divide by zero there.
      double pos = width > 1 ? static_cast<double>(i - w.last) / (width - 1) : 3.0;
      p.weight = ScaledSigmoid(pos) * profile.fp;
    }
  }
  return points;
}

namespace {

// Windows that hold at least one scorable record: only those can be missed.
std::vector<bool> ScorableWindows(const NabSeries& series, const std::vector<SweepPoint>& pts) {
  std::vector<bool> scorable(series.windows.size(), false);
  for (const auto& p : pts) {
    if (p.scorable && p.window >= 0) scorable[static_cast<size_t>(p.window)] = true;
  }
  return scorable;
}

}  // namespace

double RawScore(const NabSeries& series, const NabProfile& profile, double threshold) {
  auto pts = Sweep(series, profile);
  auto scorable = ScorableWindows(series, pts);
  std::vector<double> best(series.windows.size(), -profile.fn);
  double fp = 0;
  for (const auto& p : pts) {
    if (!p.scorable || p.score < threshold) continue;
    if (p.window < 0) {
      fp += p.weight;
    } else {
      auto w = static_cast<size_t>(p.window);
      best[w] = std::max(best[w], p.weight);
    }
  }
  double raw = fp;
  for (size_t w = 0; w < best.size(); ++w) raw += scorable[w] ? best[w] : 0.0;
  return raw;
}

double NullScore(const NabSeries& series, const NabProfile& profile) {
  return RawScore(series, profile, 2.0);  // nothing reaches 2: every scorable window is missed
}

double PerfectScore(const NabSeries& series, const NabProfile& profile) {
  return static_cast<double>(series.windows.size()) * profile.tp;
}

double Normalize(double raw, double null_score, double perfect) {
  if (perfect == null_score) return 0.0;
  return 100.0 * (raw - null_score) / (perfect - null_score);
}

ThresholdChoice OptimizeThreshold(const std::vector<NabSeries>& corpus, const NabProfile& profile) {
  struct Point {
    double score;
    double weight;
    int window;  // corpus-wide window id, −1 for false positives
  };
  std::vector<Point> points;
  std::vector<double> best;  // per corpus-wide window
  double total = 0;          // score with nothing detected
  for (const auto& series : corpus) {
    auto pts = Sweep(series, profile);
    auto scorable = ScorableWindows(series, pts);
    int base = static_cast<int>(best.size());
    for (size_t w = 0; w < scorable.size(); ++w) {
      best.push_back(scorable[w] ? -profile.fn : 0.0);
      total += best.back();
    }
    for (const auto& p : pts) {
      if (!p.scorable) continue;
      points.push_back({p.score, p.weight, p.window < 0 ? -1 : base + p.window});
    }
  }
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return a.score > b.score; });
  ThresholdChoice choice{1.1, total};
  for (size_t i = 0; i < points.size();) {
    // Every record at this score becomes a detection together.
    double t = points[i].score;
    for (; i < points.size() && points[i].score == t; ++i) {
      const Point& p = points[i];
      if (p.window < 0) {
        total += p.weight;
      } else {
        auto w = static_cast<size_t>(p.window);
        double better = std::max(best[w], p.weight);
        total += better - best[w];
        best[w] = better;
      }
    }
    if (total > choice.raw) choice = {t, total};
  }
  return choice;
}

NabProfileScore ScoreCorpus(const std::vector<NabSeries>& corpus, const NabProfile& profile) {
  NabProfileScore out;
  out.profile = profile;
  out.threshold = OptimizeThreshold(corpus, profile).threshold;
  std::map<std::string, NabGroupScore> groups;
  out.total.group = "total";
  for (const auto& series : corpus) {
    double raw = RawScore(series, profile, out.threshold);
    double null_score = NullScore(series, profile);
    double perfect = PerfectScore(series, profile);
    for (NabGroupScore* g : {&groups[series.group], &out.total}) {
      g->files += 1;
      g->windows += series.windows.size();
      g->raw += raw;
      g->null_score += null_score;
      g->perfect += perfect;
    }
  }
  for (auto& [name, g] : groups) {
    g.group = name;
    g.normalized = Normalize(g.raw, g.null_score, g.perfect);
    out.groups.push_back(g);
  }
  out.total.normalized = Normalize(out.total.raw, out.total.null_score, out.total.perfect);
  return out;
}

}  // namespace edgewatch::baseline
