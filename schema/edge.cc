#include "schema/edge.h"

#include <string>

namespace edgewatch::schema {

const char* SideName(Side side) {
  switch (side) {
    case Side::kClient:
      return "client";
    case Side::kServer:
      return "server";
  }
  return "unknown";
}

std::string HostPort(const std::string& ip, uint16_t port) {
  const bool v6 = ip.find(':') != std::string::npos;
  std::string out;
  out.reserve(ip.size() + 8);
  if (v6) out.append(1, '[');
  out.append(ip);
  if (v6) out.append(1, ']');
  out.append(1, ':').append(std::to_string(port));
  return out;
}

std::string Edge::Key() const {
  const char* side_name = SideName(side);
  const std::string server_addr = HostPort(server.ip, server.port);
  std::string key;
  key.reserve(std::char_traits<char>::length(side_name) + client.workload.size() +
              client.container_id.size() + client.ip.size() + server_addr.size() + protocol.size() +
              5);
  key.append(side_name)
      .append(1, '|')
      .append(client.workload)
      .append(1, '|')
      .append(client.container_id)
      .append(1, '|')
      .append(client.ip)
      .append(1, '|')
      .append(server_addr)
      .append(1, '|')
      .append(protocol);
  return key;
}

}  // namespace edgewatch::schema
