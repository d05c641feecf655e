#include "detector/alert_board.h"

#include <algorithm>

namespace edgewatch::detector {

void AlertBoard::Apply(const schema::Alert& a) {
  std::lock_guard lock(mu_);
  if (a.status == schema::AlertStatus::kFiring) {
    firing_.insert_or_assign(a.fingerprint, a);
    return;
  }
  firing_.erase(a.fingerprint);
  resolved_.push_front(a);
  if (resolved_.size() > resolved_kept_) resolved_.pop_back();
}

std::vector<schema::Alert> AlertBoard::Alerts(bool with_resolved) const {
  std::lock_guard lock(mu_);
  std::vector<schema::Alert> out;
  out.reserve(firing_.size() + (with_resolved ? resolved_.size() : 0));
  for (const auto& [fp, a] : firing_) out.push_back(a);
  std::stable_sort(out.begin(), out.end(), [](const schema::Alert& x, const schema::Alert& y) {
    return x.starts_at_ns < y.starts_at_ns;
  });
  if (with_resolved) out.insert(out.end(), resolved_.begin(), resolved_.end());
  return out;
}

}  // namespace edgewatch::detector
