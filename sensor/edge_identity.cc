#include "sensor/edge_identity.h"

namespace edgewatch::sensor {
namespace {

void MapPeer(const IdentityMap& map, schema::Peer& peer, uint16_t port, UnknownPeers* unknown) {
  const ServiceIdentity* id = map.Resolve(peer.ip, port, peer.container_id, peer.workload);
  if (id == nullptr) {
    peer.service.clear();
    peer.business_system.clear();
    peer.tags.clear();
    if (unknown != nullptr) unknown->Add(peer.ip, port);
    return;
  }
  peer.service = id->service;
  peer.business_system = id->business_system;
  peer.tags = id->tags;
}

}  // namespace

void MapEdgeIdentity(const IdentityMap& map, schema::Edge& edge, UnknownPeers* unknown) {
  if (edge.client.ip.empty() && edge.server.ip.empty()) return;  // the overflow edge
  MapPeer(map, edge.client, 0, unknown);
  MapPeer(map, edge.server, edge.server.port, unknown);
}

}  // namespace edgewatch::sensor
