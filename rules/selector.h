// A rule's `match:` block: which edges the rule applies to. Every given field must match; an
// empty selector matches every edge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rules/ip_prefix.h"
#include "rules/name_pattern.h"
#include "schema/edge.h"

namespace edgewatch::rules {

struct EdgeSelector {
  std::optional<schema::Side> side;
  std::optional<uint16_t> server_port;
  std::optional<IpPrefix> server_ip;
  // Name selectors: exact, glob (`payments-*`) or regex (`~…`), see name_pattern.h.
  std::optional<NamePattern> client_workload;  // edge.client.workload
  std::optional<NamePattern> server_workload;  // edge.server.workload
  // Identity-file names (docs/identity.md): an unmapped end ("") matches only a pattern that
  // matches "".
  std::optional<NamePattern> client_service;   // edge.client.service
  std::optional<NamePattern> server_service;   // edge.server.service
  std::optional<NamePattern> business_system;  // either end's mapped business system

  bool Empty() const {
    return !side && !server_port && !server_ip && !client_workload && !server_workload &&
           !client_service && !server_service && !business_system;
  }
  bool Matches(const schema::Edge& edge) const;
};

}  // namespace edgewatch::rules
