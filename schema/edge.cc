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

void AppendHostPort(const std::string& ip, uint16_t port, std::string& out) {
  const bool v6 = ip.find(':') != std::string::npos;
  if (v6) out.append(1, '[');
  out.append(ip);
  if (v6) out.append(1, ']');
  char digits[8];
  char* end = digits + sizeof digits;
  char* p = end;
  do {
    *--p = static_cast<char>('0' + port % 10);
    port = static_cast<uint16_t>(port / 10);
  } while (port != 0);
  out.append(1, ':').append(p, static_cast<size_t>(end - p));
}

std::string HostPort(const std::string& ip, uint16_t port) {
  std::string out;
  out.reserve(ip.size() + 8);
  AppendHostPort(ip, port, out);
  return out;
}

void Edge::AppendKey(std::string& out) const {
  out.append(SideName(side))
      .append(1, '|')
      .append(client.workload)
      .append(1, '|')
      .append(client.container_id)
      .append(1, '|')
      .append(client.ip)
      .append(1, '|');
  AppendHostPort(server.ip, server.port, out);
  out.append(1, '|').append(protocol);
}

std::string Edge::Key() const {
  std::string key;
  key.reserve(client.workload.size() + client.container_id.size() + client.ip.size() +
              server.ip.size() + protocol.size() + 20);
  AppendKey(key);
  return key;
}

}  // namespace edgewatch::schema
