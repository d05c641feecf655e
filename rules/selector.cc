#include "rules/selector.h"

namespace edgewatch::rules {

bool EdgeSelector::Matches(const schema::Edge& edge) const {
  if (side && *side != edge.side) {
    return false;
  }
  if (server_port && *server_port != edge.server.port) {
    return false;
  }
  if (client_workload && *client_workload != edge.client.workload) {
    return false;
  }
  if (client_service && *client_service != edge.client.service) {
    return false;
  }
  if (server_service && *server_service != edge.server.service) {
    return false;
  }
  if (business_system && *business_system != edge.client.business_system &&
      *business_system != edge.server.business_system) {
    return false;
  }
  // Last: the only check that parses.
  if (server_ip && !server_ip->Contains(edge.server.ip)) {
    return false;
  }
  return true;
}

}  // namespace edgewatch::rules
