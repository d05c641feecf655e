// Root-cause-scoped alerts (issue 6): the stage between the detector's symptom alerts and
// delivery. The detector raises one symptom alert per (rule, edge); this stage holds each new
// symptom for `group_wait` so that its concurrent neighbours arrive, then asks the correlator
// (correlator.h) which scope — a node's NAT, a resolver, a server endpoint, a service, one
// client — explains the symptomatic edges best among all the edges seen recently, and sends
// one alert per root cause with the symptoms attached (blast radius, business systems,
// evidence, conntrack conflicts) instead of one alert per symptom.
//
// Lifecycle of a root-cause alert (fingerprint: cause and scope):
//  - firing when a localization finds it; a symptom that starts later on an edge its scope
//    covers is attached to it without a new localization;
//  - re-sent (still firing) when its blast radius has doubled since the last record sent, so
//    receivers see a growing incident without one notification per edge;
//  - resolved when the last of its symptoms resolved (ends_at: that symptom's end).
// A symptom that fires and resolves within group_wait is still localized (firing and resolved
// records together): an anomaly is never dropped for being short.
//
// Inputs: the edge windows (which edges exist, what each showed: refused, SNAT-suspect, DNS
// rcodes, 5xx …), the nodes' conntrack windows and the detector's alerts, all on the detector
// thread; AdvanceTo(watermark) after the detector's. Times are the data's (window ends), not
// the wall clock, so replays and tests are deterministic. CollectStats from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/stats.h"
#include "detector/correlator.h"
#include "schema/alert.h"
#include "schema/conntrack_window.h"
#include "schema/edge_window.h"

namespace edgewatch::detector {

struct RootCauseConfig {
  // How long a new symptom waits for its neighbours before it is localized. Shorter pages
  // sooner, longer sees more of a spreading fault in the first alert.
  int64_t group_wait_ns = 10'000'000'000;
  // Edges seen within this time before a localization form its population: healthy ones count
  // against a scope (purity), and what an edge showed within it is its symptom set.
  int64_t horizon_ns = 120'000'000'000;
  size_t max_edges = 100000;           // edges remembered; past it new edges are not (counted)
  size_t max_symptoms_listed = 100;    // attached symptoms listed in one alert record
  size_t max_evidence_per_alert = 20;  // evidence ids (and inline events) one alert carries
  CorrelatorConfig localize;

  // "" when usable, otherwise what is wrong, naming the field.
  std::string Check() const;
};

class RootCauseAlerts : public StatsSource {
 public:
  using AlertCallback = std::function<void(const schema::Alert&)>;

  // Throws std::invalid_argument when cfg.Check() fails.
  RootCauseAlerts(const RootCauseConfig& cfg, AlertCallback out);

  void OnWindow(const schema::EdgeWindow& w) noexcept;
  void OnConntrack(const schema::ConntrackWindow& c) noexcept;
  // A symptom alert of the detector (firing or resolved).
  void OnSymptom(const schema::Alert& a) noexcept;
  // Localizes the symptoms that have waited group_wait by `now_ns`, resolves root causes whose
  // symptoms all resolved, and forgets edges not seen within the horizon.
  void AdvanceTo(int64_t now_ns) noexcept;
  // Localizes and sends every symptom still waiting, without waiting longer (shutdown), as of
  // the latest time seen (watermark or window end).
  void Flush() noexcept;

  size_t open() const { return open_.size(); }
  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  struct EdgeInfo {
    // Its attributes (node, zone, client workload, server service and endpoint, business
    // system; not the NAT, which is below), refreshed every few seconds from its windows so
    // that a remapped edge is seen under its new names.
    std::array<std::string, kAttrCount> attrs;
    int64_t attrs_at_ns = 0;
    int64_t last_seen_ns = 0;
    std::array<int64_t, kSymptomCount> seen_ns{};  // window end each symptom was last shown at
    std::string nat;                               // NAT of its last SNAT-suspect window
    int64_t nat_seen_ns = 0;
    size_t symptoms = 0;  // symptom alerts held on it (keeps it from expiring)
  };

  struct SymptomState {
    schema::Alert alert;  // as it fired
    std::string edge_key;
    std::string root;  // fingerprint of its root-cause alert; "" while waiting
    int64_t since_ns = 0;
    int64_t ends_at_ns = 0;  // 0 while firing
    std::string dns_name;    // the name of its NXDOMAIN evidence, if any
    uint32_t bits = 0;       // its edge's symptoms when it was localized
  };

  struct Open {
    std::string fingerprint;
    Cause cause = Cause::kClientMisconfig;
    Scope scope;
    std::vector<std::string> symptoms;  // fingerprints, in attachment order
    std::set<std::string> edges;        // edge keys of those symptoms (the blast radius)
    size_t healthy_in_scope = 0;
    uint64_t conntrack_conflicts = 0;
    size_t edges_sent = 0;  // blast radius of the last record sent
  };

  enum class Create : uint8_t { kNo, kWithinBound, kAlways };
  EdgeInfo* Edge(const std::string& node, const schema::Edge& edge, int64_t now_ns, Create create);
  EdgeObservation Observe(const EdgeInfo& e, int64_t now_ns) const;
  uint32_t SymptomBits(const EdgeInfo& e, const SymptomState& s, int64_t now_ns) const;
  void AttachCovered(int64_t now_ns);
  void Localize(int64_t now_ns);
  void Attach(Open& o, SymptomState& s);
  // `first`: the root cause's first record, firing even when its symptoms already ended.
  schema::Alert Build(const Open& o, int64_t now_ns, bool first = false) const;
  void Send(Open& o, int64_t now_ns, bool first = false);
  void ResolveFinished(int64_t now_ns);
  void Expire(int64_t now_ns);

  RootCauseConfig cfg_;
  AlertCallback out_;
  std::unordered_map<std::string, EdgeInfo> edges_;         // node | edge key
  std::unordered_map<std::string, SymptomState> symptoms_;  // by symptom fingerprint
  std::map<std::string, Open> open_;                        // by root-cause fingerprint
  struct Conflicts {
    std::string node, nat;
    int64_t window_end_ns;
    uint64_t conflicts;
  };
  std::deque<Conflicts> conntrack_;  // recent windows with conflicts, oldest first
  int64_t last_expire_ns_ = 0;
  int64_t latest_ns_ = 0;  // latest watermark or window end seen
  std::string key_;        // scratch: node | edge key

  StatCounter symptoms_fired_;
  StatCounter symptoms_attached_;
  StatCounter localizations_;
  StatCounter updates_;
  StatCounter resolved_;
  StatCounter edges_dropped_;
  StatCounter callback_errors_;
  std::array<StatCounter, kCauseCount> fired_by_cause_;
  std::atomic<size_t> edges_tracked_{0};
  std::atomic<size_t> open_count_{0};
  std::atomic<size_t> pending_{0};
};

}  // namespace edgewatch::detector
