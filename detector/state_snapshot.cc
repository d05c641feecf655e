#include "detector/state_snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/binary_io.h"
#include "common/durable_file.h"
#include "detector/baseline/ewma_baseline.h"
#include "detector/baseline/spot.h"

namespace edgewatch::detector {
namespace {

constexpr std::string_view kMagic = "EWSTATE1";
// Bump when a baseline's saved fields change meaning (not only size).
constexpr uint64_t kStateVersion = 5;  // 2: BaselineDetector's last surprise and tail as floats;
                                       // 3: its range envelope, level and smoothed surprise;
                                       // 4: SPOTs of the seasonal surprise, compact SPOT / P²,
                                       //    the burst-density view, no profile record count;
                                       // 5: the burst-density view's gaps (quiet)
// Baselines copy some structs whole (BinaryWriter::Put of the object): their sizes and the byte
// order are part of the format.
constexpr uint64_t kStateLayout =
    (kStateVersion << 48) | (uint64_t{std::endian::native == std::endian::little} << 40) |
    (uint64_t{sizeof(baseline::EwmaBaseline)} << 20) | uint64_t{sizeof(baseline::Spot)};
constexpr size_t kMaxKey = size_t{64} * 1024;
constexpr size_t kMaxState = 1 << 20;

std::string Where(const BinaryReader& r) { return " at byte " + std::to_string(r.offset()); }

}  // namespace

uint64_t DefinitionHash(std::string_view definition) { return Fnv1a64Bytes(definition); }

std::string StateSnapshot::Encode() const {
  std::string out;
  out.append(kMagic);
  BinaryWriter w(out);
  w.Put(kStateLayout);
  w.Put(saved_at_ns);
  w.Put(static_cast<uint32_t>(entries.size()));
  for (const Entry& e : entries) {
    w.PutBytes(e.edge_key);
    w.PutBytes(e.rule_key);
    w.Put(e.definition_hash);
    w.PutBytes(e.state);
  }
  w.Put(Fnv1a64Bytes(out));
  return out;
}

Result<StateSnapshot> StateSnapshot::Decode(std::string_view bytes) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    return Err("not an edgewatch state snapshot (no " + std::string(kMagic) + " header)");
  }
  if (bytes.size() < kMagic.size() + 3 * sizeof(uint64_t) + sizeof(uint32_t)) {
    return Err("truncated: " + std::to_string(bytes.size()) + " bytes");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - sizeof(uint64_t));
  uint64_t sum = 0;
  std::memcpy(&sum, bytes.data() + body.size(), sizeof(sum));
  if (sum != Fnv1a64Bytes(body)) {
    return Err("checksum mismatch over " + std::to_string(body.size()) +
               " bytes (truncated or corrupt)");
  }
  BinaryReader r(body.substr(kMagic.size()));
  uint64_t layout = 0;
  StateSnapshot s;
  uint32_t n = 0;
  if (!r.Get(layout) || !r.Get(s.saved_at_ns) || !r.Get(n)) return Err("truncated header");
  if (layout != kStateLayout) {
    return Err("written by an edgewatch build with another state layout (" +
               std::to_string(layout) + ", this build: " + std::to_string(kStateLayout) + ")");
  }
  for (uint32_t i = 0; i < n; ++i) {
    Entry e;
    if (!r.GetBytes(e.edge_key, kMaxKey) || !r.GetBytes(e.rule_key, kMaxKey) ||
        !r.Get(e.definition_hash) || !r.GetBytes(e.state, kMaxState)) {
      return Err("entry " + std::to_string(i) + " of " + std::to_string(n) + " is malformed" +
                 Where(r));
    }
    s.entries.push_back(std::move(e));
  }
  if (!r.done()) return Err("trailing bytes after entry " + std::to_string(n) + Where(r));
  return s;
}

Result<size_t> StateSnapshot::WriteFile(const std::string& path) const {
  const std::string bytes = Encode();
  if (auto error = WriteFileDurably(path, bytes)) return Err(*error);
  return bytes.size();
}

Result<StateSnapshot> StateSnapshot::ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return StateSnapshot{};
    return Err(path + ": " + std::strerror(errno));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Err(path + ": read error");
  auto s = Decode(buf.str());
  if (!s) return Err(path + ": " + s.error());
  return s;
}

}  // namespace edgewatch::detector
