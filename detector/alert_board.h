// What the HTTP API shows of alerts (`GET /api/v1/alerts`): the firing ones by fingerprint, and
// the most recently resolved ones (bounded), updated from the detector's alert callback and read
// from the API's threads.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "schema/alert.h"

namespace edgewatch::detector {

class AlertBoard {
 public:
  explicit AlertBoard(size_t resolved_kept = 100) : resolved_kept_(resolved_kept) {}

  // A firing alert replaces the record of its fingerprint; a resolved one moves it to the
  // resolved list.
  void Apply(const schema::Alert& a);
  // Firing alerts, oldest start first; then (with_resolved) the resolved ones, newest first.
  std::vector<schema::Alert> Alerts(bool with_resolved) const;

 private:
  size_t resolved_kept_;
  mutable std::mutex mu_;
  std::map<std::string, schema::Alert> firing_;
  std::deque<schema::Alert> resolved_;  // newest first
};

}  // namespace edgewatch::detector
