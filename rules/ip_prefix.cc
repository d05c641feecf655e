#include "rules/ip_prefix.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <string>

namespace edgewatch::rules {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; addresses are short.
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress addr;
  if (inet_pton(AF_INET, buf, addr.bytes.data()) == 1) {
    addr.v4 = true;
    return addr;
  }
  if (inet_pton(AF_INET6, buf, addr.bytes.data()) == 1) {
    if (std::memcmp(addr.bytes.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0) {
      std::memmove(addr.bytes.data(), addr.bytes.data() + 12, 4);
      std::memset(addr.bytes.data() + 4, 0, 12);
      addr.v4 = true;
    }
    return addr;
  }
  return std::nullopt;
}

Result<IpPrefix> IpPrefix::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  auto addr = IpAddress::Parse(text.substr(0, slash));
  if (!addr) {
    return Err("\"" + std::string(text) +
               "\" is not a CIDR prefix or address (e.g. 10.0.0.0/8, 10.1.2.3, fd00::/8)");
  }
  IpPrefix p;
  p.base_ = *addr;
  const int max_bits = p.base_.v4 ? 32 : 128;
  p.bits_ = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view len = text.substr(slash + 1);
    int bits = -1;
    const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
    if (len.empty() || ec != std::errc() || end != len.data() + len.size() || bits < 0 ||
        bits > max_bits) {
      return Err("\"" + std::string(text) + "\": prefix length must be 0.." +
                 std::to_string(max_bits));
    }
    p.bits_ = bits;
  }
  IpAddress network = p.base_;
  for (int i = p.bits_; i < max_bits; ++i) {
    network.bytes[i / 8] &= static_cast<uint8_t>(~(0x80 >> (i % 8)));
  }
  if (network.bytes != p.base_.bytes) {
    char buf[INET6_ADDRSTRLEN] = "";
    inet_ntop(network.v4 ? AF_INET : AF_INET6, network.bytes.data(), buf, sizeof(buf));
    return Err("\"" + std::string(text) + "\": address has bits set beyond the /" +
               std::to_string(p.bits_) + " prefix; did you mean " + buf + "/" +
               std::to_string(p.bits_) + "?");
  }
  p.text_ = std::string(text);
  return p;
}

bool IpPrefix::Contains(const IpAddress& addr) const {
  if (addr.v4 != base_.v4) {
    return false;
  }
  const int full = bits_ / 8;
  if (std::memcmp(addr.bytes.data(), base_.bytes.data(), full) != 0) {
    return false;
  }
  const int rest = bits_ % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (addr.bytes[full] & mask) == (base_.bytes[full] & mask);
}

bool IpPrefix::Contains(std::string_view text) const {
  auto addr = IpAddress::Parse(text);
  return addr && Contains(*addr);
}

}  // namespace edgewatch::rules
