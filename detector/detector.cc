#include "detector/detector.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "detector/alert_labels.h"
#include "detector/fingerprint.h"

namespace edgewatch::detector {
namespace {

size_t SeverityIndex(rules::Severity s) { return static_cast<size_t>(s); }

// The identity-file part of a peer, which is not in the edge key (docs/identity.md).
bool SameIdentity(const schema::Peer& a, const schema::Peer& b) {
  return a.service == b.service && a.business_system == b.business_system && a.tags == b.tags;
}

}  // namespace

// What a firing (rule, edge) remembers until it resolves. Only firing slots carry one, so the
// per-edge footprint of quiet edges stays small.
struct Detector::Firing {
  std::map<std::string, std::string> labels;
  std::string fingerprint;
  int64_t starts_at_ns = 0;
};

struct Detector::RuleSlot {
  RuleSlot(const CompiledRule& r, int64_t for_ns, int64_t keep_firing_for_ns)
      : rule(&r), life(for_ns, keep_firing_for_ns), state(r.condition->NewState()) {}

  const CompiledRule* rule;
  AlertLifecycle life;
  std::unique_ptr<ConditionState> state;
  std::vector<std::string> evidence_ids;  // of windows while pending or firing, bounded
  Evaluation last_true;                   // annotations of a resolved alert use this value
  std::unique_ptr<Firing> firing;
};

struct Detector::EdgeState {
  std::string node;
  schema::Edge edge;
  int64_t last_end_ns = 0;         // end of the last window applied, real or idle
  int64_t last_window_end_ns = 0;  // end of the last real window
  bool adopted = false;            // holds adopted alerts and has seen no window since
  bool stale_slots = false;        // holds active slots of rules that no longer select it
  std::vector<RuleSlot> slots;     // one per rule whose selector matches the edge
};

std::string DetectorConfig::Check() const {
  if (window_ns <= 0) {
    return "window_ns must be > 0, got " + std::to_string(window_ns);
  }
  if (edge_idle_ns < 0) {
    return "edge_idle_ns must be >= 0, got " + std::to_string(edge_idle_ns);
  }
  return "";
}

Detector::Detector(rules::RuleSet rules, DetectorConfig cfg, AlertCallback on_alert)
    : rules_(std::move(rules)),
      cfg_(cfg),
      on_alert_(std::move(on_alert)),
      evidence_(cfg.evidence_capacity) {
  if (std::string problem = cfg_.Check(); !problem.empty()) {
    throw std::invalid_argument("detector config: " + problem);
  }
  compiled_.reserve(rules_.rules.size());
  for (const rules::Rule& r : rules_.rules) {
    compiled_.push_back({&r, MakeCondition(r)});
  }
  rules_loaded_.store(compiled_.size(), std::memory_order_relaxed);
}

Detector::~Detector() = default;

Detector::ReloadCounts Detector::ReplaceRules(rules::RuleSet rules) noexcept {
  ReloadCounts counts;
  // The old rules stay alive until every slot is re-pointed or resolved with them.
  rules::RuleSet old_rules = std::move(rules_);
  std::vector<CompiledRule> old_compiled = std::move(compiled_);
  rules_ = std::move(rules);
  compiled_.clear();
  compiled_.reserve(rules_.rules.size());
  std::unordered_map<std::string, const CompiledRule*> by_name;
  for (const rules::Rule& r : rules_.rules) {
    compiled_.push_back({&r, MakeCondition(r)});
  }
  for (const CompiledRule& c : compiled_) {
    by_name.emplace(c.rule->file + '\x1f' + c.rule->name, &c);
  }
  std::unordered_map<const CompiledRule*, const CompiledRule*> same;
  for (const CompiledRule& old : old_compiled) {
    auto it = by_name.find(old.rule->file + '\x1f' + old.rule->name);
    if (it != by_name.end() && it->second->rule->definition == old.rule->definition) {
      same.emplace(&old, it->second);
    }
  }
  for (auto it = edges_.begin(); it != edges_.end();) {
    EdgeState& edge = *it->second;
    std::erase_if(edge.slots, [&](RuleSlot& slot) {
      if (auto kept = same.find(slot.rule); kept != same.end()) {
        slot.rule = kept->second;
        ++counts.kept;
        return false;
      }
      if (slot.firing != nullptr) {
        const size_t sev = SeverityIndex(slot.rule->rule->severity);
        const schema::Alert alert = BuildAlert(edge, slot, schema::AlertStatus::kResolved,
                                               slot.last_true, edge.last_end_ns);
        resolved_[sev].Add();
        firing_[sev].fetch_sub(1, std::memory_order_relaxed);
        Emit(alert);
      }
      ++counts.ended;
      return true;
    });
    for (const CompiledRule& r : compiled_) {
      const bool held = std::any_of(edge.slots.begin(), edge.slots.end(),
                                    [&](const RuleSlot& s) { return s.rule == &r; });
      if (!held && r.rule->match.Matches(edge.edge)) {
        edge.slots.emplace_back(r, r.rule->for_ns, r.rule->keep_firing_for_ns);
        ++counts.started;
      }
    }
    edge.stale_slots = std::any_of(edge.slots.begin(), edge.slots.end(), [&](const RuleSlot& s) {
      return !s.rule->rule->match.Matches(edge.edge);
    });
    it = edge.slots.empty() ? edges_.erase(it) : std::next(it);
  }
  edges_tracked_.store(edges_.size(), std::memory_order_relaxed);
  rules_loaded_.store(compiled_.size(), std::memory_order_relaxed);
  rule_reloads_.Add();
  return counts;
}

void Detector::LogOnce(std::atomic<bool>& said, const std::string& message) {
  if (!said.exchange(true, std::memory_order_relaxed)) {
    std::cerr << "edgewatch detector: " << message << " (said once)\n";
  }
}

std::optional<schema::EvidenceEvent> Detector::FindEvidence(std::string_view id) const {
  std::shared_lock lock(evidence_mu_);
  if (const schema::EvidenceEvent* e = evidence_.Find(id)) return *e;
  return std::nullopt;
}

void Detector::OnEvidence(const schema::EvidenceEvent& e) noexcept {
  EvidenceIndex::AddResult added;
  {
    std::unique_lock lock(evidence_mu_);
    added = evidence_.Add(e);
  }
  switch (added) {
    case EvidenceIndex::AddResult::kAdded:
      evidence_indexed_.Add();
      break;
    case EvidenceIndex::AddResult::kAddedEvicting:
      evidence_indexed_.Add();
      evidence_evicted_.Add();
      LogOnce(said_evidence_evicted_,
              "evidence index full (evidence_capacity=" + std::to_string(cfg_.evidence_capacity) +
                  "); oldest events are evicted and alerts may carry ids without inline "
                  "evidence; see edgewatch_detector_evidence_evicted_total");
      break;
    case EvidenceIndex::AddResult::kDuplicate:
      evidence_duplicate_.Add();
      break;
    case EvidenceIndex::AddResult::kDisabled:
      break;
  }
}

void Detector::StateKey(const std::string& node, const schema::Edge& edge, std::string& key) {
  // The node is part of the identity: each sensor has its own window grid and sequence.
  key.assign(node);
  key += '\x1f';
  edge.AppendKey(key);
}

void Detector::OnConntrack(const schema::ConntrackWindow& c) noexcept {
  conntrack_windows_.Add();
  conntrack_conflicts_.Add(c.Conflicts());
  if (root_causes_) root_causes_->OnConntrack(c);
}

void Detector::EnableRootCauseAlerts(const RootCauseConfig& cfg, AlertCallback each_symptom) {
  root_causes_ = std::make_unique<RootCauseAlerts>(cfg, on_alert_);
  each_symptom_ = std::move(each_symptom);
}

void Detector::FlushRootCauses() noexcept {
  if (root_causes_) root_causes_->Flush();
}

Detector::EdgeState* Detector::FindOrCreateEdge(const std::string& key, const std::string& node,
                                                const schema::Edge& e, int64_t window_start_ns,
                                                int64_t window_end_ns) {
  if (auto it = edges_.find(key); it != edges_.end()) {
    return it->second.get();
  }

  // Edges no rule applies to keep no state: they could only crowd out edges that matter.
  const bool matched = std::any_of(compiled_.begin(), compiled_.end(),
                                   [&](const CompiledRule& r) { return r.rule->match.Matches(e); });
  if (!matched) {
    windows_unmatched_.Add();
    return nullptr;
  }
  if (edges_.size() >= cfg_.max_edges) {
    edges_dropped_.Add();
    LogOnce(said_edges_full_, "edge table full (max_edges=" + std::to_string(cfg_.max_edges) +
                                  "); windows of new edges are dropped; see "
                                  "edgewatch_detector_edges_dropped_total");
    return nullptr;
  }
  auto edge = std::make_unique<EdgeState>();
  for (const CompiledRule& r : compiled_) {
    if (r.rule->match.Matches(e)) {
      edge->slots.emplace_back(r, r.rule->for_ns, r.rule->keep_firing_for_ns);
    }
  }
  edge->node = node;
  edge->edge = e;
  edge->last_end_ns = window_start_ns;
  edge->last_window_end_ns = window_end_ns;
  if (!restored_.empty()) RestoreStates(key, *edge);
  EdgeState* raw = edge.get();
  edges_.emplace(key, std::move(edge));
  edges_tracked_.store(edges_.size(), std::memory_order_relaxed);
  return raw;
}

void Detector::OnWindow(const schema::EdgeWindow& w) noexcept {
  windows_.Add();
  // Times before 1970 are as wrong as empty windows, and ruling them out keeps every time
  // difference below within int64.
  if (w.window_start_ns < 0 || w.window_end_ns <= w.window_start_ns) {
    windows_invalid_.Add();
    LogOnce(said_invalid_,
            "window with window_start < 0 or window_end <= window_start ignored; see "
            "edgewatch_detector_windows_invalid_total");
    return;
  }
  // Every edge, ruled or not: the correlator's healthy population.
  if (root_causes_) root_causes_->OnWindow(w);
  StateKey(w.node, w.edge, key_scratch_);  // reused buffer: no allocation per window
  EdgeState* edge =
      FindOrCreateEdge(key_scratch_, w.node, w.edge, w.window_start_ns, w.window_end_ns);
  if (edge == nullptr) {
    return;
  }
  if (!SameIdentity(edge->edge.client, w.edge.client) ||
      !SameIdentity(edge->edge.server, w.edge.server)) {
    if (!Reidentify(*edge, w.edge)) {
      edges_.erase(key_scratch_);
      edges_tracked_.store(edges_.size(), std::memory_order_relaxed);
      windows_unmatched_.Add();
      return;
    }
  }
  if (edge->adopted) {
    // First window after an adoption: nothing is known about the gap before it.
    edge->adopted = false;
    edge->last_end_ns = std::max(edge->last_end_ns, w.window_start_ns);
  }
  if (w.window_start_ns < edge->last_end_ns) {
    windows_late_.Add();
    LogOnce(said_late_,
            "late or out-of-order window ignored (it starts before the end of the "
            "edge's last window or the watermark); see "
            "edgewatch_detector_windows_late_total");
    return;
  }
  if (const int64_t gap = w.window_start_ns - edge->last_end_ns; gap >= cfg_.window_ns) {
    ApplyIdle(*edge, static_cast<uint64_t>(gap / cfg_.window_ns));
  }
  const int64_t len = w.window_end_ns - w.window_start_ns;
  for (RuleSlot& slot : edge->slots) {
    const Evaluation ev = slot.rule->condition->Evaluate(w, slot.state.get());
    const AlertLifecycle::Change change = slot.life.Observe(ev.active, w.window_start_ns, len);
    Apply(*edge, slot, ev, change, &w.evidence_ids);
  }
  edge->last_end_ns = w.window_end_ns;
  edge->last_window_end_ns = w.window_end_ns;
  if (edge->stale_slots) DropStaleSlots(*edge);
}

bool Detector::Reidentify(EdgeState& edge, const schema::Edge& e) {
  for (auto [have, now] :
       {std::pair{&edge.edge.client, &e.client}, {&edge.edge.server, &e.server}}) {
    have->service = now->service;
    have->business_system = now->business_system;
    have->tags = now->tags;
  }
  identity_changes_.Add();
  for (const CompiledRule& r : compiled_) {
    const bool held = std::any_of(edge.slots.begin(), edge.slots.end(),
                                  [&](const RuleSlot& s) { return s.rule == &r; });
    if (!held && r.rule->match.Matches(edge.edge)) {
      edge.slots.emplace_back(r, r.rule->for_ns, r.rule->keep_firing_for_ns);
    }
  }
  edge.stale_slots = true;
  DropStaleSlots(edge);
  return !edge.slots.empty();
}

void Detector::DropStaleSlots(EdgeState& edge) {
  // A pending or firing (rule, edge) goes on until it is inactive, so that an alert raised
  // under the old mapping still resolves.
  std::erase_if(edge.slots, [&](const RuleSlot& s) {
    return s.life.state() == AlertLifecycle::State::kInactive &&
           !s.rule->rule->match.Matches(edge.edge);
  });
  edge.stale_slots = std::any_of(edge.slots.begin(), edge.slots.end(), [&](const RuleSlot& s) {
    return !s.rule->rule->match.Matches(edge.edge);
  });
}

void Detector::ApplyIdle(EdgeState& edge, uint64_t n) {
  idle_window_.window_start_ns = edge.last_end_ns;
  idle_window_.window_end_ns = edge.last_end_ns + static_cast<int64_t>(n) * cfg_.window_ns;
  for (RuleSlot& slot : edge.slots) {
    const Evaluation ev = slot.rule->condition->Evaluate(idle_window_, slot.state.get());
    const AlertLifecycle::Change change =
        slot.life.Observe(ev.active, edge.last_end_ns, cfg_.window_ns, n);
    Apply(edge, slot, ev, change, nullptr);
  }
  edge.last_end_ns = idle_window_.window_end_ns;
  idle_windows_.Add(n);
}

StateSnapshot Detector::SaveStates(int64_t now_ns, const EdgeFilter& which,
                                   bool include_held) const {
  StateSnapshot snap;
  snap.saved_at_ns = now_ns;
  for (const auto& [key, edge] : edges_) {
    if (which && !which(edge->node, edge->edge)) continue;
    for (const RuleSlot& slot : edge->slots) {
      StateSnapshot::Entry e;
      if (!slot.rule->condition->SaveState(slot.state.get(), e.state)) continue;
      e.edge_key = key;
      e.rule_key = slot.rule->rule->file + '\x1f' + slot.rule->rule->name;
      e.definition_hash = DefinitionHash(slot.rule->rule->definition);
      snap.entries.push_back(std::move(e));
    }
  }
  // Entries held from an earlier snapshot whose edges have not come back yet stay saved.
  if (include_held) {
    for (const auto& [key, e] : restored_) snap.entries.push_back(e);
  }
  return snap;
}

size_t Detector::LoadStates(StateSnapshot snapshot) noexcept {
  restored_until_ns_ = 0;  // set by the first watermark: the time down does not count
  for (StateSnapshot::Entry& e : snapshot.entries) {
    std::string key = e.edge_key + '\x1e' + e.rule_key;
    restored_.insert_or_assign(std::move(key), std::move(e));
  }
  states_held_.Add(snapshot.entries.size());
  return restored_.size();
}

void Detector::RestoreStates(const std::string& key, EdgeState& edge) {
  std::string k;
  for (RuleSlot& slot : edge.slots) {
    k.assign(key);
    k += '\x1e';
    k += slot.rule->rule->file;
    k += '\x1f';
    k += slot.rule->rule->name;
    auto it = restored_.find(k);
    if (it == restored_.end()) continue;
    if (it->second.definition_hash != DefinitionHash(slot.rule->rule->definition)) {
      states_rule_changed_.Add();  // the rule changed while the detector was down: learn anew
    } else if (slot.rule->condition->LoadState(it->second.state, slot.state.get())) {
      states_restored_.Add();
    } else {
      states_unfit_.Add();
    }
    restored_.erase(it);
  }
}

void Detector::AdvanceTo(int64_t now_ns) noexcept {
  if (!restored_.empty() && restored_until_ns_ == 0)
    restored_until_ns_ = now_ns + cfg_.edge_idle_ns;
  if (!restored_.empty() && now_ns > restored_until_ns_) {
    states_expired_.Add(restored_.size());
    restored_.clear();
  }
  for (auto it = edges_.begin(); it != edges_.end();) {
    EdgeState& edge = *it->second;
    if (edge.adopted && now_ns > edge.last_end_ns && now_ns - edge.last_end_ns >= cfg_.window_ns) {
      // The watermark passed an adopted edge before any window of it came, so it was quiet
      // up to the watermark. How long it was active after the alert's window is unknown (the
      // previous owner saw that), so the gap counts as one zero window ending on the grid
      // point at or before the watermark; from here on missing windows are zeros as usual.
      edge.adopted = false;
      const int64_t whole = (now_ns - edge.last_end_ns) / cfg_.window_ns;
      if (whole > 1) edge.last_end_ns += (whole - 1) * cfg_.window_ns;
    }
    if (now_ns > edge.last_end_ns && now_ns - edge.last_end_ns >= cfg_.window_ns) {
      ApplyIdle(edge, static_cast<uint64_t>((now_ns - edge.last_end_ns) / cfg_.window_ns));
    }
    const bool idle =
        now_ns > edge.last_window_end_ns && now_ns - edge.last_window_end_ns >= cfg_.edge_idle_ns;
    const bool quiet = std::all_of(edge.slots.begin(), edge.slots.end(), [](const RuleSlot& s) {
      return s.life.state() == AlertLifecycle::State::kInactive;
    });
    if (idle && quiet) {
      it = edges_.erase(it);
      edges_expired_.Add();
    } else {
      ++it;
    }
  }
  edges_tracked_.store(edges_.size(), std::memory_order_relaxed);
  if (root_causes_) root_causes_->AdvanceTo(now_ns);
}

size_t Detector::DropEdges(
    const std::function<bool(const std::string& node, const schema::Edge& edge)>&
        owned_elsewhere) noexcept {
  size_t dropped = 0;
  for (auto it = edges_.begin(); it != edges_.end();) {
    EdgeState& edge = *it->second;
    if (!owned_elsewhere(edge.node, edge.edge)) {
      ++it;
      continue;
    }
    for (const RuleSlot& slot : edge.slots) {
      if (slot.firing != nullptr) {
        firing_[SeverityIndex(slot.rule->rule->severity)].fetch_sub(1, std::memory_order_relaxed);
      }
    }
    it = edges_.erase(it);
    ++dropped;
  }
  edges_handed_over_.Add(dropped);
  edges_tracked_.store(edges_.size(), std::memory_order_relaxed);
  return dropped;
}

bool Detector::Adopt(const schema::Alert& firing) noexcept {
  if (firing.status != schema::AlertStatus::kFiring) return false;
  const auto rule = std::find_if(compiled_.begin(), compiled_.end(), [&](const CompiledRule& r) {
    return r.rule->name == firing.rule && r.rule->match.Matches(firing.edge);
  });
  if (rule == compiled_.end()) return false;
  std::string key;
  StateKey(firing.node, firing.edge, key);
  const bool existed = edges_.count(key) > 0;
  EdgeState* edge =
      FindOrCreateEdge(key, firing.node, firing.edge, firing.window_end_ns, firing.window_end_ns);
  if (edge == nullptr) return false;
  if (!existed) edge->adopted = true;
  for (RuleSlot& slot : edge->slots) {
    if (slot.rule != &*rule) continue;
    if (slot.life.state() != AlertLifecycle::State::kInactive) return false;
    slot.life.RestoreFiring(firing.starts_at_ns, firing.window_end_ns);
    slot.firing = std::make_unique<Firing>();
    slot.firing->labels = firing.labels;
    slot.firing->fingerprint = firing.fingerprint;
    slot.firing->starts_at_ns = firing.starts_at_ns;
    slot.evidence_ids = firing.evidence_ids;
    slot.last_true.active = true;
    slot.last_true.value = firing.value;
    slot.last_true.threshold = firing.threshold;
    firing_[SeverityIndex(rule->rule->severity)].fetch_add(1, std::memory_order_relaxed);
    alerts_adopted_.Add();
    return true;
  }
  return false;
}

void Detector::AddEvidenceIds(RuleSlot& slot, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    if (std::find(slot.evidence_ids.begin(), slot.evidence_ids.end(), id) !=
        slot.evidence_ids.end()) {
      continue;
    }
    if (slot.evidence_ids.size() >= cfg_.max_evidence_per_alert) {
      alert_evidence_truncated_.Add();
      continue;
    }
    slot.evidence_ids.push_back(id);
  }
}

void Detector::Apply(EdgeState& edge, RuleSlot& slot, const Evaluation& ev,
                     const AlertLifecycle::Change& change,
                     const std::vector<std::string>* evidence_ids) {
  using Kind = AlertLifecycle::Change::Kind;
  const rules::Rule& rule = *slot.rule->rule;
  const size_t sev = SeverityIndex(rule.severity);
  if (ev.active) {
    slot.last_true = ev;
  }
  if (slot.life.state() != AlertLifecycle::State::kInactive && evidence_ids != nullptr) {
    AddEvidenceIds(slot, *evidence_ids);
  }

  if (change.kind == Kind::kFired) {
    auto firing = std::make_unique<Firing>();
    firing->starts_at_ns = slot.life.pending_since_ns();
    slot.firing = std::move(firing);
    schema::Alert alert = BuildAlert(edge, slot, schema::AlertStatus::kFiring, ev, change.at_ns);
    slot.firing->labels = alert.labels;
    slot.firing->fingerprint = alert.fingerprint;
    fired_[sev].Add();
    firing_[sev].fetch_add(1, std::memory_order_relaxed);
    Emit(alert);
  } else if (change.kind == Kind::kResolved && slot.firing != nullptr) {
    const schema::Alert alert =
        BuildAlert(edge, slot, schema::AlertStatus::kResolved, ev, change.at_ns);
    resolved_[sev].Add();
    firing_[sev].fetch_sub(1, std::memory_order_relaxed);
    slot.firing.reset();
    Emit(alert);
  }
  if (slot.life.state() == AlertLifecycle::State::kInactive) {
    slot.evidence_ids.clear();
  }
}

schema::Alert Detector::BuildAlert(const EdgeState& edge, const RuleSlot& slot,
                                   schema::AlertStatus status, const Evaluation& ev,
                                   int64_t window_end_ns) const {
  const rules::Rule& rule = *slot.rule->rule;
  schema::Alert a;
  a.status = status;
  a.rule = rule.name;
  a.rule_file = rule.file;
  a.business_system = rule.business_system;
  a.severity = std::string(rules::SeverityName(rule.severity));
  a.node = edge.node;
  a.edge = edge.edge;
  a.signal = std::string(rule.signal.name());
  a.comparison = std::string(rules::ComparisonName(rule.comparison));
  a.threshold = ev.threshold;
  a.value = ev.value;
  a.starts_at_ns = slot.firing->starts_at_ns;
  a.ends_at_ns = status == schema::AlertStatus::kResolved ? window_end_ns : 0;
  a.window_end_ns = window_end_ns;
  if (status == schema::AlertStatus::kResolved) {
    a.labels = slot.firing->labels;  // identical by construction; skips the rebuild
    a.fingerprint = slot.firing->fingerprint;
  } else {
    a.labels = AlertLabels(rule, edge.edge, edge.node);
    a.fingerprint = Fingerprint(a.labels);
  }
  // A resolved alert keeps the annotations it fired with, rendered from the last value for
  // which the condition held (as Prometheus does), not the value that ended it.
  a.annotations = AlertAnnotations(rule, edge.edge, edge.node,
                                   status == schema::AlertStatus::kResolved ? slot.last_true : ev);
  a.evidence_ids = slot.evidence_ids;
  for (const std::string& id : a.evidence_ids) {
    if (const schema::EvidenceEvent* event = evidence_.Find(id)) {
      a.evidence.push_back(*event);
    }
  }
  return a;
}

void Detector::Emit(const schema::Alert& alert) noexcept {
  if (root_causes_) {
    Call(each_symptom_, alert);
    root_causes_->OnSymptom(alert);
    return;
  }
  Call(on_alert_, alert);
}

void Detector::Call(const AlertCallback& cb, const schema::Alert& alert) noexcept {
  if (!cb) {
    return;
  }
  try {
    cb(alert);
  } catch (const std::exception& e) {
    callback_errors_.Add();
    LogOnce(said_callback_error_, std::string("alert callback threw: ") + e.what());
  } catch (...) {
    callback_errors_.Add();
    LogOnce(said_callback_error_, "alert callback threw a non-standard exception");
  }
}

void Detector::CollectStats(std::vector<StatSample>& out) const {
  if (root_causes_) root_causes_->CollectStats(out);
  out.push_back(Counter("edgewatch_detector_rule_reloads_total",
                        "Rule sets swapped in by a hot reload.",
                        static_cast<double>(rule_reloads_.Get())));
  out.push_back(Gauge("edgewatch_detector_rules", "Rules loaded.",
                      static_cast<double>(rules_loaded_.load(std::memory_order_relaxed))));
  const auto c = [&](const char* name, const char* help, const StatCounter& v) {
    out.push_back(
        Counter(std::string("edgewatch_detector_") + name, help, static_cast<double>(v.Get())));
  };
  c("windows_total", "Edge windows received.", windows_);
  c("states_loaded_total", "Saved (rule, edge) states held for restoring (snapshots loaded).",
    states_held_);
  c("states_restored_total", "Saved (rule, edge) states taken back by their edges.",
    states_restored_);
  for (const auto& [reason, n] : {std::pair{"rule_changed", &states_rule_changed_},
                                  {"unfit", &states_unfit_},
                                  {"expired", &states_expired_}}) {
    out.push_back(Counter("edgewatch_detector_states_discarded_total",
                          "Saved (rule, edge) states not taken back, by reason.",
                          static_cast<double>(n->Get()), {{"reason", reason}}));
  }
  c("windows_late_total", "Windows ignored: out of order, duplicate or behind the watermark.",
    windows_late_);
  c("windows_invalid_total", "Windows ignored: window_end <= window_start.", windows_invalid_);
  c("windows_unmatched_total", "Windows of edges no rule applies to.", windows_unmatched_);
  c("idle_windows_total", "All-zero windows applied for edges that sent none.", idle_windows_);
  c("evidence_indexed_total", "Evidence events added to the index.", evidence_indexed_);
  c("conntrack_windows_total", "Conntrack windows received from sensors.", conntrack_windows_);
  c("conntrack_conflicts_total",
    "Conntrack insert conflicts (insert_failed + drop) reported by sensors.", conntrack_conflicts_);
  c("evidence_evicted_total", "Evidence events evicted from the full index (oldest first).",
    evidence_evicted_);
  c("evidence_duplicate_total", "Evidence events ignored: id already indexed.",
    evidence_duplicate_);
  c("alert_evidence_truncated_total", "Evidence ids left out of alerts by max_evidence_per_alert.",
    alert_evidence_truncated_);
  c("edges_dropped_total", "Windows of new edges dropped because the edge table was full.",
    edges_dropped_);
  c("edges_expired_total", "Idle edges with no active alert state forgotten.", edges_expired_);
  c("alert_callback_errors_total", "Alerts whose delivery callback threw.", callback_errors_);
  c("edges_handed_over_total", "Edge states released because their partition was revoked.",
    edges_handed_over_);
  c("alerts_adopted_total", "Firing alerts continued from the alerts topic (handover, restart).",
    alerts_adopted_);
  c("edge_identity_changes_total",
    "Edges whose mapped service, business system or tags changed (identity file reloaded).",
    identity_changes_);
  out.push_back(Gauge("edgewatch_detector_edges", "Edges with detector state.",
                      static_cast<double>(edges_tracked_.load(std::memory_order_relaxed))));
  out.push_back(Gauge("edgewatch_detector_evidence_capacity", "Evidence index capacity.",
                      static_cast<double>(cfg_.evidence_capacity)));
  out.push_back(
      Gauge("edgewatch_detector_rules", "Rules loaded.", static_cast<double>(rules_.rules.size())));
  for (size_t s = 0; s < rules::kSeverityCount; ++s) {
    const std::string sev(rules::SeverityName(static_cast<rules::Severity>(s)));
    out.push_back(Counter("edgewatch_detector_alerts_fired_total", "Alerts that started firing.",
                          static_cast<double>(fired_[s].Get()), {{"severity", sev}}));
    out.push_back(Counter("edgewatch_detector_alerts_resolved_total", "Alerts that resolved.",
                          static_cast<double>(resolved_[s].Get()), {{"severity", sev}}));
    out.push_back(Gauge("edgewatch_detector_alerts_firing", "Alerts firing now.",
                        static_cast<double>(firing_[s].load(std::memory_order_relaxed)),
                        {{"severity", sev}}));
  }
}

}  // namespace edgewatch::detector
