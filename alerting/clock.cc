#include "alerting/clock.h"

namespace edgewatch::alerting {

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

}  // namespace edgewatch::alerting
