#include "detector/alert_table.h"

#include <algorithm>

namespace edgewatch::detector {

void AlertTable::Record(const schema::Alert& a) {
  schema::Alert& slot = latest_[a.fingerprint];
  slot = a;
  // Only the state matters here; inline evidence would make the table large.
  slot.evidence.clear();
}

bool AlertTable::ShouldPublish(const schema::Alert& a) const {
  auto it = latest_.find(a.fingerprint);
  return it == latest_.end() || it->second.status != a.status;
}

std::vector<schema::Alert> AlertTable::Firing(
    const std::function<bool(const schema::Alert&)>& pick) const {
  std::vector<schema::Alert> out;
  for (const auto& [fp, a] : latest_) {
    if (a.status == schema::AlertStatus::kFiring && pick(a)) out.push_back(a);
  }
  return out;
}

size_t AlertTable::firing() const {
  return static_cast<size_t>(std::count_if(latest_.begin(), latest_.end(), [](const auto& kv) {
    return kv.second.status == schema::AlertStatus::kFiring;
  }));
}

}  // namespace edgewatch::detector
