// The detector: per-edge state, rule evaluation on edge windows, alerts with evidence.
//
// Input is the sensor's stream: edge windows (one per active edge per window) and evidence
// events. Sensors send windows only for active edges, so a missing window means all counts
// were zero; AdvanceTo() applies such zero windows up to a watermark, which is how alerts on
// edges that went quiet resolve. Each (rule, edge) runs an AlertLifecycle (for and
// keep_firing_for as in Prometheus, see alert_lifecycle.h); an Alert is emitted on the
// transition to firing and on the transition to resolved, never in between — new evidence on
// a firing alert is not re-notified, so a flapping edge cannot cause a notification storm.
//
// Threading: OnEvidence, OnWindow and AdvanceTo must be called from one thread (the detector's
// consumer loop); the callback runs on that thread. CollectStats may be called from any thread.
// Errors: nothing on the data path throws. Late, malformed and over-capacity inputs are
// counted, said once on stderr, and dropped; an exception from the callback is caught and
// counted. Running out of memory terminates (these methods are noexcept).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/stats.h"
#include "detector/alert_lifecycle.h"
#include "detector/condition.h"
#include "detector/evidence_index.h"
#include "detector/root_cause_alerts.h"
#include "detector/state_snapshot.h"
#include "rules/rule.h"
#include "schema/alert.h"
#include "schema/conntrack_window.h"
#include "schema/edge_window.h"
#include "schema/evidence_event.h"

namespace edgewatch::detector {

struct DetectorConfig {
  int64_t window_ns = 1'000'000'000;   // the sensors' window length; idle gaps are cut in these
  size_t max_edges = 100000;           // edges with state; new edges past it are dropped (counted)
  size_t evidence_capacity = 65536;    // evidence events held for inline alert evidence
  size_t max_evidence_per_alert = 20;  // evidence ids one alert carries
  // An edge without windows for this long whose rules are all inactive is forgotten, so that
  // churning edges (pods come and go) do not fill the table. Must be >= 0.
  int64_t edge_idle_ns = 300'000'000'000;

  // "" when usable, otherwise what is wrong, naming the field.
  std::string Check() const;
};

class Detector : public StatsSource {
 public:
  using AlertCallback = std::function<void(const schema::Alert&)>;

  // Throws std::invalid_argument when cfg.Check() fails (a start-up error).
  Detector(rules::RuleSet rules, DetectorConfig cfg, AlertCallback on_alert);
  ~Detector() override;
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // Keeps `e` in the bounded evidence index (FIFO eviction, counted).
  void OnEvidence(const schema::EvidenceEvent& e) noexcept;
  // A node's conntrack window: counted, and with root-cause alerts the conflicts that make the
  // SNAT-suspect edges naming it one snat_conflict alert.
  void OnConntrack(const schema::ConntrackWindow& c) noexcept;

  // Root-cause-scoped alerts (root_cause_alerts.h): from now on the callback receives one alert
  // per root cause, with the symptom alerts of (rule, edge) attached, instead of each symptom
  // alert; every valid window and conntrack window also goes to the correlator, and AdvanceTo()
  // advances it. `each_symptom`, when set, still sees every symptom alert first (Kafka mode
  // publishes them). Call before the first window. Throws std::invalid_argument on a bad config.
  void EnableRootCauseAlerts(const RootCauseConfig& cfg, AlertCallback each_symptom = nullptr);
  // Sends the root causes of symptoms still waiting for group_wait (at shutdown).
  void FlushRootCauses() noexcept;
  // Whether the evidence event `id` is held (for inline alert evidence). Detector thread only.
  bool HasEvidence(std::string_view id) const { return evidence_.Find(id) != nullptr; }
  // A copy of the evidence event `id` while it is held; any thread (the HTTP API).
  std::optional<schema::EvidenceEvent> FindEvidence(std::string_view id) const;

  // Evaluates every rule whose selector matches the window's edge. A window that starts
  // before the end of the edge's previous window (out of order, duplicate, or behind the
  // watermark) is counted as late and ignored; so is (as invalid) one with window_start < 0 or
  // window_end <= window_start.
  void OnWindow(const schema::EdgeWindow& w) noexcept;

  // Watermark: the caller asserts that every window ending at or before `now_ns` has been
  // delivered. Each edge's missing windows up to `now_ns` are evaluated as all-zero windows,
  // and long-idle inactive edges are forgotten. Call regularly (e.g. once per window).
  void AdvanceTo(int64_t now_ns) noexcept;

  // Forgets every edge for which `owned_elsewhere(node, edge)` is true, without emitting
  // anything: in Kafka mode, the state of edges whose partition was revoked (their firing
  // alerts are on the alerts topic, where the next owner adopts them). Returns how many.
  size_t DropEdges(const std::function<bool(const std::string& node, const schema::Edge& edge)>&
                       owned_elsewhere) noexcept;

  // Continues a firing alert raised earlier (by this process before a restart, or by another
  // detector of the group before a rebalance): its (rule, edge) becomes firing, with its
  // start time and evidence, so that it resolves here and is not raised twice. The edge's
  // next window is taken as it comes (no idle gap before it); if none has come when the
  // watermark passes, the edge is evaluated as quiet from there. Returns false (and changes
  // nothing) when the alert is not firing, its rule is no longer loaded or no longer
  // selects the edge, or the (rule, edge) already has state here.
  bool Adopt(const schema::Alert& firing) noexcept;

  // Hot reload: swaps in a new rule set. Rules are matched by (file, name):
  //  - an unchanged rule (same definition) keeps its state on every edge — a pending `for`
  //    goes on counting, a firing alert stays firing, with its evidence;
  //  - a changed or removed rule ends: each of its firing alerts is resolved at the end of the
  //    edge's last window (receivers are told), and a changed rule starts over under its new
  //    definition from the next window (re-firing if its condition still holds);
  //  - a new rule starts on the edges it selects.
  // Returns {kept, started, ended} counts of (rule, edge) slots.
  struct ReloadCounts {
    size_t kept = 0, started = 0, ended = 0;
  };
  ReloadCounts ReplaceRules(rules::RuleSet rules) noexcept;
  size_t rules() const { return rules_loaded_.load(std::memory_order_relaxed); }

  // Restart safety (docs/baselines.md): the learned state of every (rule, edge) that has some
  // (baseline rules), stamped `now_ns`; the entries of one edge are consecutive. With `which`,
  // only the edges it is true for; with `include_held`, also the entries LoadStates() holds
  // whose edges have not come back yet (a snapshot file must not lose them).
  using EdgeFilter = std::function<bool(const std::string& node, const schema::Edge& edge)>;
  StateSnapshot SaveStates(int64_t now_ns, const EdgeFilter& which = nullptr,
                           bool include_held = true) const;
  // Holds a saved snapshot's entries until their edges come back: at an edge's first window
  // each of its (rule, edge) states whose rule definition is unchanged is taken back, so the
  // baseline goes on from where it was instead of learning again. Entries not taken within
  // edge_idle_ns of the first watermark after loading are dropped (counted): those edges are
  // gone. The time the detector was down does not count.
  // Call before the first window; returns the number of entries held.
  size_t LoadStates(StateSnapshot snapshot) noexcept;

  void CollectStats(std::vector<StatSample>& out) const override;

  size_t edges() const { return edges_tracked_.load(std::memory_order_relaxed); }

 private:
  struct CompiledRule {
    const rules::Rule* rule;
    std::unique_ptr<Condition> condition;
  };
  struct Firing;
  struct RuleSlot;
  struct EdgeState;

  EdgeState* FindOrCreateEdge(const std::string& key, const std::string& node,
                              const schema::Edge& edge, int64_t window_start_ns,
                              int64_t window_end_ns);
  static void StateKey(const std::string& node, const schema::Edge& edge, std::string& key);
  void ApplyIdle(EdgeState& edge, uint64_t n);
  // The sensor's identity file mapped the edge anew: takes the new names and re-selects the
  // rules (selectors may name services). False when no rule selects the edge any more.
  bool Reidentify(EdgeState& edge, const schema::Edge& e);
  void DropStaleSlots(EdgeState& edge);
  // Gives a new edge's slots the states LoadStates() holds for them.
  void RestoreStates(const std::string& key, EdgeState& edge);
  void Apply(EdgeState& edge, RuleSlot& slot, const Evaluation& ev,
             const AlertLifecycle::Change& change, const std::vector<std::string>* evidence_ids);
  void AddEvidenceIds(RuleSlot& slot, const std::vector<std::string>& ids);
  schema::Alert BuildAlert(const EdgeState& edge, const RuleSlot& slot, schema::AlertStatus status,
                           const Evaluation& ev, int64_t window_end_ns) const;
  void Emit(const schema::Alert& alert) noexcept;
  void Call(const AlertCallback& cb, const schema::Alert& alert) noexcept;
  static void LogOnce(std::atomic<bool>& said, const std::string& message);

  rules::RuleSet rules_;
  std::unique_ptr<RootCauseAlerts> root_causes_;  // set by EnableRootCauseAlerts()
  AlertCallback each_symptom_;
  std::vector<CompiledRule> compiled_;
  DetectorConfig cfg_;
  AlertCallback on_alert_;
  std::unordered_map<std::string, std::unique_ptr<EdgeState>> edges_;
  EvidenceIndex evidence_;
  // Writes to evidence_ (detector thread) exclude FindEvidence() readers (other threads); the
  // detector thread's own reads need no lock.
  mutable std::shared_mutex evidence_mu_;
  schema::EdgeWindow idle_window_;  // reused all-zero window for idle gaps
  std::string key_scratch_;         // OnWindow's state key, reused
  // LoadStates(): edge key, 0x1e, rule key -> saved entry; until restored_until_ns_.
  std::unordered_map<std::string, StateSnapshot::Entry> restored_;
  int64_t restored_until_ns_ = 0;

  // Stats (one block; read by CollectStats from other threads).
  StatCounter windows_;
  StatCounter windows_late_;
  StatCounter windows_invalid_;
  StatCounter windows_unmatched_;
  StatCounter idle_windows_;
  StatCounter evidence_indexed_;
  StatCounter conntrack_windows_;
  StatCounter conntrack_conflicts_;
  StatCounter evidence_evicted_;
  StatCounter evidence_duplicate_;
  StatCounter alert_evidence_truncated_;
  StatCounter edges_dropped_;
  StatCounter edges_expired_;
  StatCounter callback_errors_;
  StatCounter edges_handed_over_;
  StatCounter alerts_adopted_;
  StatCounter identity_changes_;
  StatCounter rule_reloads_;
  StatCounter states_held_;
  StatCounter states_restored_;
  StatCounter states_rule_changed_;
  StatCounter states_unfit_;
  StatCounter states_expired_;
  std::atomic<size_t> rules_loaded_{0};
  std::atomic<size_t> edges_tracked_{0};
  std::array<StatCounter, rules::kSeverityCount> fired_;
  std::array<StatCounter, rules::kSeverityCount> resolved_;
  std::array<std::atomic<int64_t>, rules::kSeverityCount> firing_{};
  std::atomic<bool> said_late_{false};
  std::atomic<bool> said_invalid_{false};
  std::atomic<bool> said_edges_full_{false};
  std::atomic<bool> said_evidence_evicted_{false};
  std::atomic<bool> said_callback_error_{false};
};

}  // namespace edgewatch::detector
