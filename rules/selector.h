// A rule's `match:` block: which edges the rule applies to. Every given field must match; an
// empty selector matches every edge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "rules/ip_prefix.h"
#include "schema/edge.h"

namespace edgewatch::rules {

struct EdgeSelector {
  std::optional<schema::Side> side;
  std::optional<uint16_t> server_port;
  std::optional<IpPrefix> server_ip;
  std::optional<std::string> client_workload;  // exact match on edge.client.workload
  // Identity-file names (docs/identity.md), exact matches: an unmapped end never matches.
  std::optional<std::string> client_service;   // edge.client.service
  std::optional<std::string> server_service;   // edge.server.service
  std::optional<std::string> business_system;  // either end's mapped business system

  bool Empty() const {
    return !side && !server_port && !server_ip && !client_workload && !client_service &&
           !server_service && !business_system;
  }
  bool Matches(const schema::Edge& edge) const;
};

}  // namespace edgewatch::rules
