// Prometheus-style durations for rule files: "0", "500ms", "10s", "5m", "1h30m", "2d".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgewatch::rules {

// Parses a duration into nanoseconds. Accepted: "0", or one or more <digits><unit> groups with
// units y (365d), w, d, h, m, s, ms, each at most once and largest first — the grammar of
// Prometheus' model.ParseDuration, so durations read the same as in Prometheus rule files.
Result<int64_t> ParseDuration(std::string_view text);

// The inverse, shortest form ("1h30m", "500ms", "0s"); negative values are printed as "0s".
std::string FormatDuration(int64_t ns);

}  // namespace edgewatch::rules
