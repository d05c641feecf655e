#include "schema/evidence_event.h"

namespace edgewatch::schema {

const char* EvidenceKindName(EvidenceKind k) {
  switch (k) {
    case EvidenceKind::kConnectFailed:
      return "connect_failed";
    case EvidenceKind::kAcceptFailed:
      return "accept_failed";
    case EvidenceKind::kReset:
      return "reset";
  }
  return "unknown";
}

}  // namespace edgewatch::schema
