// Internal to sensor/identity_map*.cc: the address types and lookup tables shared by the
// identity file's parser (identity_map_parser.cc) and the lookups (identity_map.cc).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "sensor/identity_map.h"

namespace edgewatch::sensor {
namespace identity_internal {

inline constexpr size_t kMaxCommLen = 15;  // TASK_COMM_LEN - 1: the kernel keeps no more

struct Address {
  bool v4 = false;
  std::array<uint8_t, 16> bytes{};  // v4: first 4 bytes
  bool operator==(const Address&) const = default;
};
struct Endpoint {
  Address addr;
  uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};
inline size_t Fnv1a(const Address& a) {
  uint64_t h = 14695981039346656037ULL;
  for (uint8_t b : a.bytes) {
    h = (h ^ b) * 1099511628211ULL;
  }
  return h ^ static_cast<uint64_t>(a.v4);
}
struct AddressHash {
  size_t operator()(const Address& a) const { return Fnv1a(a); }
};
struct EndpointHash {
  size_t operator()(const Endpoint& e) const {
    return Fnv1a(e.addr) ^ (static_cast<size_t>(e.port) * 0x9e3779b97f4a7c15ULL);
  }
};

struct Prefix {
  Address network;
  int bits = 0;
};

// inet_pton on a view; IPv4-mapped IPv6 ("::ffff:a.b.c.d", as dual-stack sockets report) is
// kept as IPv4 so that one spelling in the file matches both. Does not allocate.
std::optional<Address> ParseAddress(std::string_view text);
// `a` with the bits after the first `bits` cleared.
Address Masked(Address a, int bits);
std::string AddressText(const Address& a);
// "10.2.0.14:8443" or "[fd00::14]:8443"; the error says what is wrong with the text.
Result<Endpoint> ParseEndpoint(std::string_view s);
// "10.9.0.0/16", "fd00::/64" or a single address (/32, /128); host bits set are refused.
Result<Prefix> ParseCidr(std::string_view s);
// `s` in double quotes, cut at 80 characters.
std::string Quote(std::string_view s);

}  // namespace identity_internal

struct IdentityMap::Index {
  struct PrefixTable {
    int bits = 0;
    std::unordered_map<identity_internal::Address, uint32_t, identity_internal::AddressHash>
        networks;  // masked network → service
  };
  std::unordered_map<identity_internal::Endpoint, uint32_t, identity_internal::EndpointHash>
      endpoints;
  std::vector<std::pair<std::string, uint32_t>> containers;  // sorted, prefix-free
  std::unordered_map<std::string, uint32_t> processes;
  std::vector<PrefixTable> v4;  // longest prefix first
  std::vector<PrefixTable> v6;
};

}  // namespace edgewatch::sensor
