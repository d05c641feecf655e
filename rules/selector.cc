#include "rules/selector.h"

namespace edgewatch::rules {

bool EdgeSelector::Matches(const schema::Edge& edge) const {
  if (side && *side != edge.side) {
    return false;
  }
  if (server_port && *server_port != edge.server.port) {
    return false;
  }
  if (client_workload && !client_workload->Matches(edge.client.workload)) {
    return false;
  }
  if (server_workload && !server_workload->Matches(edge.server.workload)) {
    return false;
  }
  if (client_service && !client_service->Matches(edge.client.service)) {
    return false;
  }
  if (server_service && !server_service->Matches(edge.server.service)) {
    return false;
  }
  // Unmapped ends ("") do not count for business_system: a glob "*" means "any mapped system".
  if (business_system &&
      !(!edge.client.business_system.empty() &&
        business_system->Matches(edge.client.business_system)) &&
      !(!edge.server.business_system.empty() &&
        business_system->Matches(edge.server.business_system))) {
    return false;
  }
  // Last: the only check that parses.
  if (server_ip && !server_ip->Contains(edge.server.ip)) {
    return false;
  }
  return true;
}

}  // namespace edgewatch::rules
