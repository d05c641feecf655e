// The identity stage of the sensor (source → decoder → identity → aggregator → sink): names
// both ends of an edge from the identity file (docs/identity.md).
#pragma once

#include "schema/edge.h"
#include "sensor/identity_map.h"

namespace edgewatch::sensor {

// Sets service, business_system and tags of both ends of `edge` from `map` ("" and none when no
// service claims an end). The client is looked up as (client ip, port 0, client container,
// client workload) — its ephemeral port is gone — and the server as (server ip, server port,
// server container, server workload). Each end no service claims is added to `unknown` when it
// is not null. The overflow edge (no addresses) is left alone.
void MapEdgeIdentity(const IdentityMap& map, schema::Edge& edge, UnknownPeers* unknown);

}  // namespace edgewatch::sensor
