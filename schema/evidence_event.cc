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
    case EvidenceKind::kHttpRequest:
      return "http_request";
    case EvidenceKind::kDnsQuery:
      return "dns_query";
    case EvidenceKind::kCount_:
      break;
  }
  return "unknown";
}

}  // namespace edgewatch::schema
