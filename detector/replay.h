// Replaying a recorded sensor stream (JSON lines, as written by the sensor or `edgewatch run`)
// through a Detector: `edgewatch detector --input FILE`. Also the way to test rules against
// a captured incident, like `promtool test rules` with real data.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "common/result.h"
#include "detector/detector.h"

namespace edgewatch::detector {

struct ReplayStats {
  uint64_t lines = 0;      // lines read, blank ones included
  uint64_t windows = 0;    // edge windows passed to the detector
  uint64_t evidence = 0;   // evidence events passed to the detector
  uint64_t conntrack = 0;  // conntrack windows passed to the detector
  uint64_t skipped = 0;    // valid records the detector does not consume (alerts)
  uint64_t bad_lines = 0;  // lines that did not decode
  // "line N: <decoder error>" for the first kMaxReportedErrors bad lines.
  std::vector<std::string> errors;
  static constexpr size_t kMaxReportedErrors = 100;
};

// Reads `in` to the end. Evidence is dispatched as it comes; before the first window whose
// window_end is later than every earlier one, AdvanceTo(previous latest window_end) is called
// (all windows of that period have been read by then, as a sensor writes them together), and
// at the end AdvanceTo(latest window_end). Bad lines are counted, reported and skipped; only
// a failing stream (I/O error) makes the result an error.
Result<ReplayStats> Replay(std::istream& in, Detector& d);

}  // namespace edgewatch::detector
