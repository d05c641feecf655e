// An IPv4 or IPv6 prefix (CIDR) for rule selectors.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace edgewatch::rules {

// An address in 16 bytes; IPv4 (and IPv4-mapped IPv6, "::ffff:a.b.c.d", which dual-stack sockets
// report) is kept as IPv4 so that a v4 prefix matches both spellings.
struct IpAddress {
  bool v4 = false;
  std::array<uint8_t, 16> bytes{};  // v4: first 4 bytes

  // nullopt when `text` is not a textual IPv4 or IPv6 address. Does not allocate.
  static std::optional<IpAddress> Parse(std::string_view text);
};

class IpPrefix {
 public:
  // "10.0.0.0/8", "fd00::/8", or a single address ("10.1.2.3", "::1") meaning /32 or /128.
  // Host bits set after the prefix ("10.1.2.3/8") are refused: such a typo would silently
  // select a different network than the one written.
  static Result<IpPrefix> Parse(std::string_view text);

  bool Contains(const IpAddress& addr) const;
  // Parses `text` first; an unparsable address is never contained.
  bool Contains(std::string_view text) const;

  const std::string& text() const { return text_; }

 private:
  IpAddress base_;
  int bits_ = 0;
  std::string text_;
};

}  // namespace edgewatch::rules
