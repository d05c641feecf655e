// A RecordSink that keeps everything in memory for assertions (thread-safe).
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "schema/conntrack_window.h"
#include "schema/edge_window.h"
#include "schema/evidence_event.h"

namespace edgewatch::testing {

template <typename Base>
class CollectingSink : public Base {
 public:
  void Publish(schema::EdgeWindow&& w) override {
    std::lock_guard lock(mu_);
    windows_.push_back(std::move(w));
  }
  void Publish(schema::EvidenceEvent&& e) override {
    std::lock_guard lock(mu_);
    evidence_.push_back(std::move(e));
  }
  void Publish(schema::ConntrackWindow&& c) override {
    std::lock_guard lock(mu_);
    conntrack_.push_back(std::move(c));
  }
  std::vector<schema::ConntrackWindow> Conntrack(
      const std::function<bool(const schema::ConntrackWindow&)>& pred) const {
    std::lock_guard lock(mu_);
    std::vector<schema::ConntrackWindow> out;
    for (const auto& c : conntrack_)
      if (pred(c)) out.push_back(c);
    return out;
  }

  std::vector<schema::EdgeWindow> Windows(
      const std::function<bool(const schema::EdgeWindow&)>& pred) const {
    std::lock_guard lock(mu_);
    std::vector<schema::EdgeWindow> out;
    for (const auto& w : windows_)
      if (pred(w)) out.push_back(w);
    return out;
  }
  std::vector<schema::EvidenceEvent> Evidence(
      const std::function<bool(const schema::EvidenceEvent&)>& pred) const {
    std::lock_guard lock(mu_);
    std::vector<schema::EvidenceEvent> out;
    for (const auto& e : evidence_)
      if (pred(e)) out.push_back(e);
    return out;
  }
  // Sum of one counter over the windows matching `pred`.
  uint64_t Sum(schema::Counter c,
               const std::function<bool(const schema::EdgeWindow&)>& pred) const {
    uint64_t n = 0;
    for (const auto& w : Windows(pred)) n += w.at(c);
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<schema::EdgeWindow> windows_;
  std::vector<schema::EvidenceEvent> evidence_;
  std::vector<schema::ConntrackWindow> conntrack_;
};

}  // namespace edgewatch::testing
