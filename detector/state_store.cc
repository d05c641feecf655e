#include "detector/state_store.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "common/clock.h"

namespace edgewatch::detector {

StateStore::StateStore(std::string path, int64_t interval_ns, std::ostream& log)
    : path_(std::move(path)), interval_ns_(interval_ns), log_(log) {}

size_t StateStore::Load(Detector& d) {
  last_save_ns_ = NowUnixNs();
  auto snap = StateSnapshot::ReadFile(path_);
  if (!snap) {
    load_errors_.Add();
    const std::string aside = path_ + ".corrupt";
    const bool moved = std::rename(path_.c_str(), aside.c_str()) == 0;
    log_ << "edgewatch: state file " << snap.error() << "; "
         << (moved ? "moved aside to " + aside
                   : "could not move it aside: " + std::string(std::strerror(errno)))
         << "; baselines start learning anew\n";
    return 0;
  }
  const size_t n = d.LoadStates(std::move(*snap));
  log_ << "edgewatch: " << n << " learned (rule, edge) states loaded from " << path_ << "\n";
  return n;
}

void StateStore::Tick(Detector& d, int64_t now_ns) {
  if (now_ns - last_save_ns_ >= interval_ns_) Save(d, now_ns);
}

bool StateStore::Save(Detector& d, int64_t now_ns) {
  last_save_ns_ = now_ns;
  const StateSnapshot snap = d.SaveStates(now_ns);
  auto n = snap.WriteFile(path_);
  if (!n) {
    save_errors_.Add();
    // Said once per run of failures, again after a success.
    if (!said_save_error_) log_ << "edgewatch: saving learned states failed: " << n.error() << "\n";
    said_save_error_ = true;
    return false;
  }
  said_save_error_ = false;
  saves_.Add();
  bytes_.store(*n, std::memory_order_relaxed);
  entries_.store(snap.entries.size(), std::memory_order_relaxed);
  return true;
}

void StateStore::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_detector_state_saves_total",
                        "Snapshots of learned states written to the state file.",
                        static_cast<double>(saves_.Get())));
  out.push_back(Counter("edgewatch_detector_state_save_errors_total",
                        "Snapshots of learned states that could not be written.",
                        static_cast<double>(save_errors_.Get())));
  out.push_back(Counter("edgewatch_detector_state_load_errors_total",
                        "State files that could not be read at start (moved aside).",
                        static_cast<double>(load_errors_.Get())));
  out.push_back(Gauge("edgewatch_detector_state_file_bytes", "Size of the last snapshot written.",
                      static_cast<double>(bytes_.load(std::memory_order_relaxed))));
  out.push_back(Gauge("edgewatch_detector_state_file_entries",
                      "(rule, edge) states in the last snapshot written.",
                      static_cast<double>(entries_.load(std::memory_order_relaxed))));
}

}  // namespace edgewatch::detector
