// The snapshot file of embedded mode (`edgewatch run --state-file`): learned baselines are
// loaded at start, saved every interval from the detector's loop and once more at shutdown, so
// a restart (an upgrade, a crash) goes on from them instead of learning every edge again.
//
// A file that cannot be read as a snapshot is moved aside to PATH.corrupt (never overwritten,
// never lost) with a message saying what is wrong and where, and the detector starts without
// it. Saving fails loudly on stderr and on /metrics, and the detector goes on.
#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>

#include "common/stats.h"
#include "detector/detector.h"

namespace edgewatch::detector {

class StateStore : public StatsSource {
 public:
  // `log` gets one line per load, per failed save and at shutdown.
  StateStore(std::string path, int64_t interval_ns, std::ostream& log);

  // Reads the file into `d` (Detector::LoadStates); returns the number of states held.
  size_t Load(Detector& d);
  // Saves when `interval_ns` has passed since the last save (or load).
  void Tick(Detector& d, int64_t now_ns);
  // Saves now; false when the file could not be written (said on `log`).
  bool Save(Detector& d, int64_t now_ns);

  const std::string& path() const { return path_; }
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  std::string path_;
  int64_t interval_ns_;
  std::ostream& log_;
  int64_t last_save_ns_ = 0;
  bool said_save_error_ = false;
  StatCounter saves_;
  StatCounter save_errors_;
  StatCounter load_errors_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> entries_{0};
};

}  // namespace edgewatch::detector
