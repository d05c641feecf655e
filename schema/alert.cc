#include "schema/alert.h"

namespace edgewatch::schema {

const char* AlertStatusName(AlertStatus s) {
  switch (s) {
    case AlertStatus::kFiring:
      return "firing";
    case AlertStatus::kResolved:
      return "resolved";
  }
  return "unknown";
}

}  // namespace edgewatch::schema
