// Little binary encoding for state that outlives a process (learned baselines in snapshot files
// and on the Kafka baselines topic): values are appended in host byte order, vectors and strings
// with a 32-bit length first. The reader never reads past its input and never allocates more
// than its caller's bound; every Get returns false once anything was missing, and stays false.
// Files and messages carry a layout signature (see detector/baseline_state.h), so host byte
// order and struct layout are the same on both ends or the state is not read at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace edgewatch {

class BinaryWriter {
 public:
  explicit BinaryWriter(std::string& out) : out_(out) {}

  template <typename T>
  requires std::is_trivially_copyable_v<T>
  void Put(const T& v) { out_.append(reinterpret_cast<const char*>(&v), sizeof(T)); }
  void PutBytes(std::string_view s) {
    Put(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  void PutVector(const std::vector<T>& v) {
    Put(static_cast<uint32_t>(v.size()));
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }

 private:
  std::string& out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(std::string_view in) : in_(in) {}

  template <typename T>
  requires std::is_trivially_copyable_v<T>
  bool Get(T& v) {
    if (!ok_ || in_.size() - pos_ < sizeof(T)) return ok_ = false;
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  // At most `max` bytes.
  bool GetBytes(std::string& s, size_t max) {
    uint32_t n = 0;
    if (!Get(n) || n > max || in_.size() - pos_ < n) return ok_ = false;
    s.assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // At most `max` elements (state vectors are bounded by their configuration). Keeps v's
  // capacity when it is enough.
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  bool GetVector(std::vector<T>& v, size_t max) {
    uint32_t n = 0;
    if (!Get(n) || n > max || (in_.size() - pos_) / sizeof(T) < n) return ok_ = false;
    v.resize(n);
    std::memcpy(v.data(), in_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return true;
  }

  bool ok() const { return ok_; }
  size_t offset() const { return pos_; }
  bool done() const { return ok_ && pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// 64-bit FNV-1a of raw bytes (checksums of state files; not the alert fingerprint recipe).
inline uint64_t Fnv1a64Bytes(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace edgewatch
