#include "rules/duration.h"

#include <array>
#include <string>

namespace edgewatch::rules {
namespace {

struct Unit {
  std::string_view name;
  int64_t ns;
};

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1000 * kMs;
constexpr int64_t kM = 60 * kS;
constexpr int64_t kH = 60 * kM;
constexpr int64_t kD = 24 * kH;

// Largest first: the order groups must appear in.
constexpr std::array<Unit, 7> kUnits = {{
    {"y", 365 * kD},
    {"w", 7 * kD},
    {"d", kD},
    {"h", kH},
    {"m", kM},
    {"s", kS},
    {"ms", kMs},
}};

Error Invalid(std::string_view text, std::string_view why) {
  return Err("\"" + std::string(text) + "\" is not a duration (" + std::string(why) +
             "); use e.g. 0s, 500ms, 10s, 5m, 1h30m with units ms s m h d w y, largest first");
}

}  // namespace

Result<int64_t> ParseDuration(std::string_view text) {
  if (text == "0") {
    return int64_t{0};
  }
  if (text.empty()) {
    return Invalid(text, "empty");
  }
  int64_t total = 0;
  size_t next_unit = 0;  // index into kUnits of the largest unit still allowed
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t n = 0;
    const size_t digits_start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (__builtin_mul_overflow(n, int64_t{10}, &n) ||
          __builtin_add_overflow(n, int64_t{text[pos] - '0'}, &n)) {
        return Invalid(text, "too large");
      }
      ++pos;
    }
    if (pos == digits_start) {
      return Invalid(text, "expected a number");
    }
    const size_t unit_start = pos;
    while (pos < text.size() && (text[pos] < '0' || text[pos] > '9')) {
      ++pos;
    }
    const std::string_view unit = text.substr(unit_start, pos - unit_start);
    if (unit.empty()) {
      return Invalid(text, "missing unit");
    }
    size_t u = 0;
    while (u < kUnits.size() && kUnits[u].name != unit) {
      ++u;
    }
    if (u == kUnits.size()) {
      return Invalid(text, "unknown unit \"" + std::string(unit) + "\"");
    }
    if (u < next_unit) {
      return Invalid(text, "units out of order or repeated");
    }
    next_unit = u + 1;
    int64_t part = 0;
    if (__builtin_mul_overflow(n, kUnits[u].ns, &part) ||
        __builtin_add_overflow(total, part, &total)) {
      return Invalid(text, "too large");
    }
  }
  return total;
}

std::string FormatDuration(int64_t ns) {
  if (ns <= 0) {
    return "0s";
  }
  std::string out;
  // Weeks and years are left out on purpose: "14d" reads better than "2w" in a summary.
  for (const Unit& unit : kUnits) {
    if (unit.name == "y" || unit.name == "w") {
      continue;
    }
    if (ns >= unit.ns) {
      out += std::to_string(ns / unit.ns);
      out += unit.name;
      ns %= unit.ns;
    }
  }
  // Sub-millisecond remainders cannot be written in the grammar; round them away.
  return out.empty() ? "0s" : out;
}

}  // namespace edgewatch::rules
