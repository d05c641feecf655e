#include "detector/fingerprint.h"

namespace edgewatch::detector {
namespace {

constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr unsigned char kSeparator = 0xff;

void Mix(uint64_t& h, unsigned char byte) {
  h ^= byte;
  h *= kFnvPrime;
}

void Mix(uint64_t& h, const std::string& s) {
  for (char c : s) {
    Mix(h, static_cast<unsigned char>(c));
  }
  Mix(h, kSeparator);
}

}  // namespace

uint64_t Fnv1a64(const std::map<std::string, std::string>& sorted_labels) {
  uint64_t h = kFnvOffsetBasis;
  for (const auto& [name, value] : sorted_labels) {
    Mix(h, name);
    Mix(h, value);
  }
  return h;
}

std::string Fingerprint(const std::map<std::string, std::string>& sorted_labels) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t h = Fnv1a64(sorted_labels);
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[h & 0xf];
    h >>= 4;
  }
  return out;
}

}  // namespace edgewatch::detector
