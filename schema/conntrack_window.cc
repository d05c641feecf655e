#include "schema/conntrack_window.h"

#include <array>

namespace edgewatch::schema {

std::string_view ConntrackCounterName(ConntrackCounter c) {
  // Wire names; the kernel's columns are insert_failed, drop, early_drop, clashres,
  // search_restart, insert and invalid.
  constexpr std::array<std::string_view, kConntrackCounterCount> kNames = {
      "insert_failed",  "drop",   "early_drop", "clash_resolved",
      "search_restart", "insert", "invalid"};
  const auto i = static_cast<size_t>(c);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

}  // namespace edgewatch::schema
