// Per-network-namespace conntrack statistics over one window — the node-level record behind
// SNAT-conflict alerts. Published next to the edge windows (same topic, key
// "<node>|conntrack|<netns>"); edge windows marked SNAT-suspect name its id.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgewatch::schema {

inline constexpr std::string_view kConntrackWindowSchema = "edgewatch.conntrack_window.v1";

// Counters of /proc/net/stat/nf_conntrack summed over CPUs, as increases over the window.
enum class ConntrackCounter : uint8_t {
  kInsertFailed,   // a new entry clashed with an existing one: on a NAT, an SNAT port conflict
  kDrop,           // packets dropped because their entry could not be inserted
  kEarlyDrop,      // entries evicted to make room (the table is full)
  kClashResolved,  // benign clashes the kernel resolved (e.g. parallel DNS over UDP)
  kSearchRestart,  // lookups restarted (hash resizes under load)
  kInsert,         // entries inserted
  kInvalid,        // packets that could not be tracked
  kCount_
};
inline constexpr size_t kConntrackCounterCount = static_cast<size_t>(ConntrackCounter::kCount_);

std::string_view ConntrackCounterName(ConntrackCounter c);

// "<node>/conntrack/<netns>": the watched namespace (a NAT) that conntrack windows and the
// SNAT-suspect edges linking to them name; a window's id is this plus "/<window start ns>".
inline std::string ConntrackNatId(std::string_view node, std::string_view netns) {
  std::string id(node);
  id += "/conntrack/";
  id += netns;
  return id;
}

struct ConntrackWindow {
  std::string id;     // "<node>/conntrack/<netns>/<window start ns>"; edge windows link to it
  std::string node;   // sensor node name
  std::string netns;  // configured name of the namespace ("host" for the sensor's own)
  int64_t window_start_ns = 0;
  int64_t window_end_ns = 0;
  uint64_t entries = 0;  // entries in the table at the window's end
  uint64_t max = 0;      // nf_conntrack_max (0 when unreadable)
  std::array<uint64_t, kConntrackCounterCount> counts{};
  uint64_t snat_suspect_edges = 0;  // client edges of this window marked SNAT-suspect

  uint64_t& at(ConntrackCounter c) { return counts[static_cast<size_t>(c)]; }
  uint64_t at(ConntrackCounter c) const { return counts[static_cast<size_t>(c)]; }
  // insert_failed + drop: what SNAT port conflicts show as on current kernels.
  uint64_t Conflicts() const {
    return at(ConntrackCounter::kInsertFailed) + at(ConntrackCounter::kDrop);
  }
};

}  // namespace edgewatch::schema
