// AlertTable: the last known record of every alert fingerprint, as on the (compacted) alerts
// topic. In Kafka mode it is what makes notifications exactly-once per firing across detector
// restarts and partition rebalances: a detector reads the alerts topic before it takes over
// partitions, adopts the alerts still firing there (Detector::Adopt), and asks ShouldPublish()
// before it publishes, so a (rule, edge) that is already firing is not announced again and a
// resolved one is not resolved twice. Pure logic; no Kafka.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "schema/alert.h"

namespace edgewatch::detector {

class AlertTable {
 public:
  // Records `a` as its fingerprint's latest state (records read back from the topic, and
  // records this detector publishes).
  void Record(const schema::Alert& a);

  // Whether publishing `a` would tell anyone something new: a firing alert whose fingerprint is
  // already firing, or a resolved one whose fingerprint is already resolved, is a duplicate.
  bool ShouldPublish(const schema::Alert& a) const;

  // Firing alerts for which `pick` is true.
  std::vector<schema::Alert> Firing(const std::function<bool(const schema::Alert&)>& pick) const;

  size_t size() const { return latest_.size(); }
  size_t firing() const;

 private:
  std::unordered_map<std::string, schema::Alert> latest_;
};

}  // namespace edgewatch::detector
