#include "detector/replay.h"

#include <limits>
#include <string_view>
#include <type_traits>
#include <variant>

#include "schema/codec.h"

namespace edgewatch::detector {

Result<ReplayStats> Replay(std::istream& in, Detector& d) {
  ReplayStats stats;
  schema::Decoder decoder;
  std::string line;
  bool have_end = false;
  int64_t latest_end = std::numeric_limits<int64_t>::min();

  while (std::getline(in, line)) {
    ++stats.lines;
    std::string_view text = line;
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
      text.remove_suffix(1);
    }
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
      text.remove_prefix(1);
    }
    if (text.empty()) {
      continue;
    }

    Result<schema::Record> record = decoder.Decode(text);
    if (!record.ok()) {
      ++stats.bad_lines;
      if (stats.errors.size() < ReplayStats::kMaxReportedErrors) {
        stats.errors.push_back("line " + std::to_string(stats.lines) + ": " + record.error());
      }
      continue;
    }
    std::visit(
        [&](const auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, schema::EdgeWindow>) {
            if (have_end && r.window_end_ns > latest_end) {
              d.AdvanceTo(latest_end);
            }
            d.OnWindow(r);
            if (!have_end || r.window_end_ns > latest_end) {
              latest_end = r.window_end_ns;
            }
            have_end = true;
            ++stats.windows;
          } else if constexpr (std::is_same_v<T, schema::EvidenceEvent>) {
            d.OnEvidence(r);
            ++stats.evidence;
          } else if constexpr (std::is_same_v<T, schema::ConntrackWindow>) {
            d.OnConntrack(r);
            ++stats.conntrack;
          } else {
            ++stats.skipped;
          }
        },
        *record);
  }
  if (in.bad()) {
    return Err("read error after line " + std::to_string(stats.lines));
  }
  if (have_end) {
    d.AdvanceTo(latest_end);
  }
  return stats;
}

}  // namespace edgewatch::detector
