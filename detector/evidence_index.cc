#include "detector/evidence_index.h"

namespace edgewatch::detector {

EvidenceIndex::AddResult EvidenceIndex::Add(const schema::EvidenceEvent& e) {
  if (capacity_ == 0) {
    return AddResult::kDisabled;
  }
  if (by_id_.find(std::string_view(e.id)) != by_id_.end()) {
    return AddResult::kDuplicate;
  }
  AddResult result = AddResult::kAdded;
  if (by_id_.size() >= capacity_) {
    by_id_.erase(order_.front());
    order_.pop_front();
    result = AddResult::kAddedEvicting;
  }
  by_id_.emplace(e.id, e);
  order_.push_back(e.id);
  return result;
}

const schema::EvidenceEvent* EvidenceIndex::Find(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

}  // namespace edgewatch::detector
