// The evidence events the detector holds so that an alert can carry them inline: a bounded
// map from id to event with FIFO eviction. Evidence usually arrives just before the window
// that references it; alerts fire from that window, so a modest capacity covers it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "schema/evidence_event.h"

namespace edgewatch::detector {

class EvidenceIndex {
 public:
  explicit EvidenceIndex(size_t capacity) : capacity_(capacity) {}

  enum class AddResult : uint8_t { kAdded, kAddedEvicting, kDuplicate, kDisabled };
  // Adds `e`; when full, the oldest event is evicted first. An id already held is ignored
  // (sensors never reuse ids within a run; a replayed input may repeat lines).
  AddResult Add(const schema::EvidenceEvent& e);

  // nullptr when unknown or evicted. The pointer is valid until the next Add.
  const schema::EvidenceEvent* Find(std::string_view id) const;

  size_t size() const { return by_id_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  // Transparent hashing, so that Find(string_view) does not build a std::string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  size_t capacity_;
  std::unordered_map<std::string, schema::EvidenceEvent, Hash, std::equal_to<>> by_id_;
  std::deque<std::string> order_;  // ids, oldest first
};

}  // namespace edgewatch::detector
