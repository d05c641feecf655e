// A service edge: client workload → server address:port, as seen from one side.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace edgewatch::schema {

// Which end of the connection the sensor that produced the record sits at.
enum class Side : uint8_t { kClient, kServer };

const char* SideName(Side side);

// "10.0.0.1:443", or "[fd00::1]:443" for IPv6 (RFC 3986 style).
std::string HostPort(const std::string& ip, uint16_t port);
void AppendHostPort(const std::string& ip, uint16_t port, std::string& out);

struct Peer {
  std::string ip;            // textual IPv4 or IPv6 address
  uint16_t port = 0;         // server port; always 0 for clients (ephemeral ports are collapsed)
  std::string workload;      // local process name (comm) or mapped service; "" when remote/unknown
  std::string container_id;  // 64-hex container id when the local process runs in a container
  // From the sensor's identity file (docs/identity.md), set when the window closes. Not part of
  // the edge key: a changed mapping must not split an edge's history or detector state.
  std::string service;          // the mapped service; "" when unmapped (or no identity file)
  std::string business_system;  // the mapped service's business system; "" when unmapped
  std::vector<std::pair<std::string, std::string>> tags;  // its CMDB tags, sorted by key

  bool operator==(const Peer&) const = default;
};

struct Edge {
  Side side = Side::kClient;
  Peer client;
  Peer server;
  std::string protocol = "tcp";

  // Stable identity used for aggregation, detector state and Kafka keys:
  // "<side>|<client workload>|<client container>|<client ip>|<server>|<protocol>", where
  // <server> is HostPort(server.ip, server.port).
  // The server's workload is not part of it: the address and port name the service.
  std::string Key() const;
  void AppendKey(std::string& out) const;  // Key() appended to `out` (no allocation if it fits)

  bool operator==(const Edge&) const = default;
};

}  // namespace edgewatch::schema
