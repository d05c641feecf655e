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

  bool Empty() const { return !side && !server_port && !server_ip && !client_workload; }
  bool Matches(const schema::Edge& edge) const;
};

}  // namespace edgewatch::rules
