// Wall-clock time as the records carry it.
#pragma once

#include <time.h>

#include <cstdint>

namespace edgewatch {

// CLOCK_REALTIME in unix epoch nanoseconds.
inline int64_t NowUnixNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

}  // namespace edgewatch
