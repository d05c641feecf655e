#include "detector/root_cause_alerts.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "detector/fingerprint.h"
#include "rules/rule.h"

namespace edgewatch::detector {

namespace {

constexpr int64_t kExpireEveryNs = 10'000'000'000;

// The alert name of each cause (labels.alertname), in Cause order.
constexpr std::array<std::string_view, kCauseCount> kCauseTitles = {
    "SnatConflict",    "DnsResolverFailure", "DnsNameMissing", "EndpointDown",
    "ServiceDegraded", "NetworkPath",        "ClientMisconfig"};

std::string_view CauseTitle(Cause c) { return kCauseTitles[static_cast<size_t>(c)]; }

// "<node>/conntrack/<netns>/<window start>" → "<node>/conntrack/<netns>": the NAT, whatever the
// window.
std::string NatOf(std::string_view conntrack_id) {
  const size_t slash = conntrack_id.rfind('/');
  return std::string(slash == std::string_view::npos ? conntrack_id
                                                     : conntrack_id.substr(0, slash));
}

std::string NatOf(const schema::ConntrackWindow& c) {
  return schema::ConntrackNatId(c.node, c.netns);
}

// What a rule's signal says about the edge (the window's counts say the rest).
uint32_t SignalBits(std::string_view signal) {
  using S = Symptom;
  if (signal == "refused") return Bit(S::kRefused);
  if (signal == "reset" || signal == "resets_received") return Bit(S::kReset);
  if (signal == "timeout") return Bit(S::kTimeout);
  if (signal == "unreachable") return Bit(S::kUnreachable);
  if (signal == "syn_retransmits" || signal.starts_with("connect_latency")) {
    return Bit(S::kSynRetransmits);
  }
  if (signal == "data_retransmits") return Bit(S::kDataRetransmits);
  if (signal == "snat_suspect") return Bit(S::kSnatSuspect);
  if (signal == "dns_servfail") return Bit(S::kDnsServfail);
  if (signal == "dns_refused") return Bit(S::kDnsRefused);
  if (signal == "dns_timeouts" || signal.starts_with("dns_latency")) return Bit(S::kDnsTimeout);
  if (signal == "dns_nxdomain") return Bit(S::kDnsNxdomain);
  if (signal == "http_5xx") return Bit(S::kHttp5xx);
  if (signal.starts_with("http_latency")) return Bit(S::kHttpSlow);
  return 0;  // failures, dns_errors, http_errors …: the counts tell which
}

const std::string* ScopeValue(const Scope& s, Attr a) {
  for (const auto& [attr, value] : s.terms) {
    if (attr == a) return &value;
  }
  return nullptr;
}

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "checkout (10.1.0.7) → payments-api (10.2.0.5:443)": an edge as on-call reads it.
std::string EdgeTitle(const schema::Edge& e) {
  const schema::Peer& c = e.client;
  const std::string& who = !c.service.empty() ? c.service : c.workload;
  std::string s = who.empty() ? c.ip : who + " (" + c.ip + ")";
  const std::string server = schema::HostPort(e.server.ip, e.server.port);
  s += " → ";
  s += e.server.service.empty() ? server : e.server.service + " (" + server + ")";
  return s;
}

// "node-7/conntrack/nat-gw" → "node-7 (NAT namespace nat-gw)".
std::string NatTitle(std::string_view nat) {
  constexpr std::string_view kMid = "/conntrack/";
  const size_t at = nat.find(kMid);
  if (at == std::string_view::npos) return std::string(nat);
  return std::string(nat.substr(0, at)) + " (NAT namespace " +
         std::string(nat.substr(at + kMid.size())) + ")";
}

// The one-line summary on-call reads first.
std::string Summary(Cause cause, const Scope& scope, size_t edges,
                    const std::vector<std::string>& systems, uint64_t conflicts) {
  auto value = [&](Attr a, std::string_view fallback) {
    const std::string* v = ScopeValue(scope, a);
    return v != nullptr ? *v : std::string(fallback);
  };
  std::string affected = Plural(edges, "edge", "edges");
  if (!systems.empty()) {
    affected += " of " + Plural(systems.size(), "business system", "business systems");
    affected += " (" + Join(systems, ", ") + ")";
  }
  affected += " affected";
  const std::string where = scope.ToString();
  switch (cause) {
    case Cause::kSnatConflict: {
      std::string s = "SNAT conflicts";
      if (const std::string* nat = ScopeValue(scope, Attr::kNat)) {
        s += " on " + NatTitle(*nat);
      } else {
        s += " on " + value(Attr::kNode, where);
      }
      if (conflicts > 0) s += " (" + std::to_string(conflicts) + " conntrack insert conflicts)";
      return s + ": " + affected;
    }
    case Cause::kDnsResolverFailure:
      return "DNS resolver " + value(Attr::kServerEndpoint, where) + " failing: " + affected;
    case Cause::kDnsNameMissing:
      return "DNS name " + value(Attr::kDnsName, "?") + " does not exist (asked by " +
             value(Attr::kClientWorkload, where) + "): " + affected;
    case Cause::kEndpointDown:
      return "Endpoint " + value(Attr::kServerEndpoint, where) +
             " down (connections refused, reset or timing out): " + affected;
    case Cause::kServiceDegraded:
      return "Service " + value(Attr::kServerService, value(Attr::kServerEndpoint, where)) +
             " degraded (5xx or slow responses): " + affected;
    case Cause::kNetworkPath:
      return "Network path trouble at " + where + " (retransmits or timeouts): " + affected;
    case Cause::kClientMisconfig:
      return "Client " + value(Attr::kClientWorkload, where) + " failing alone calling " +
             value(Attr::kServerEndpoint, value(Attr::kDnsName, where)) + ": " + affected;
  }
  return where + ": " + affected;
}

}  // namespace

std::string RootCauseConfig::Check() const {
  if (group_wait_ns < 0) return "group_wait must be >= 0";
  if (horizon_ns <= 0) return "horizon must be > 0";
  if (max_edges == 0) return "max_edges must be > 0";
  if (localize.min_purity < 0 || localize.min_purity > 1) return "min_purity must be in [0, 1]";
  return "";
}

RootCauseAlerts::RootCauseAlerts(const RootCauseConfig& cfg, AlertCallback out)
    : cfg_(cfg), out_(std::move(out)) {
  if (std::string bad = cfg_.Check(); !bad.empty()) {
    throw std::invalid_argument("root-cause alerts: " + bad);
  }
}

namespace {

constexpr int64_t kAttrsRefreshNs = 10'000'000'000;

void SetAttrs(const std::string& node, const schema::Edge& edge,
              std::array<std::string, kAttrCount>& a) {
  auto at = [&](Attr x) -> std::string& { return a[static_cast<size_t>(x)]; };
  const schema::Peer& c = edge.client;
  at(Attr::kNode) = node;
  at(Attr::kZone).clear();
  for (const auto& [k, v] : c.tags) {
    if (k == "zone") at(Attr::kZone) = v;
  }
  at(Attr::kClientWorkload) = !c.service.empty()    ? c.service
                              : !c.workload.empty() ? c.workload
                                                    : c.ip;
  at(Attr::kServerService) = edge.server.service;
  at(Attr::kServerEndpoint).clear();
  schema::AppendHostPort(edge.server.ip, edge.server.port, at(Attr::kServerEndpoint));
  at(Attr::kBusinessSystem) =
      !c.business_system.empty() ? c.business_system : edge.server.business_system;
}

}  // namespace

RootCauseAlerts::EdgeInfo* RootCauseAlerts::Edge(const std::string& node, const schema::Edge& edge,
                                                 int64_t now_ns, Create create) {
  key_.assign(node);
  key_ += '|';
  edge.AppendKey(key_);
  auto it = edges_.find(key_);
  if (it != edges_.end()) {
    EdgeInfo& e = it->second;
    if (now_ns - e.attrs_at_ns >= kAttrsRefreshNs) {  // the identity file may have mapped it anew
      SetAttrs(node, edge, e.attrs);
      e.attrs_at_ns = now_ns;
    }
    return &e;
  }
  if (create == Create::kNo) return nullptr;
  if (edges_.size() >= cfg_.max_edges && create == Create::kWithinBound) {
    edges_dropped_.Add();
    return nullptr;
  }
  EdgeInfo& e = edges_[key_];
  SetAttrs(node, edge, e.attrs);
  e.attrs_at_ns = now_ns;
  edges_tracked_.store(edges_.size(), std::memory_order_relaxed);
  return &e;
}

void RootCauseAlerts::OnWindow(const schema::EdgeWindow& w) noexcept {
  EdgeInfo* e = Edge(w.node, w.edge, w.window_end_ns, Create::kWithinBound);
  if (e == nullptr) return;
  e->last_seen_ns = std::max(e->last_seen_ns, w.window_end_ns);
  latest_ns_ = std::max(latest_ns_, w.window_end_ns);
  using C = schema::Counter;
  auto saw = [&](Symptom s, bool shown) {
    if (shown) e->seen_ns[static_cast<size_t>(s)] = w.window_end_ns;
  };
  saw(Symptom::kRefused, w.at(C::kRefused) > 0);
  saw(Symptom::kReset, w.at(C::kReset) > 0);
  saw(Symptom::kTimeout, w.at(C::kTimeout) > 0);
  saw(Symptom::kUnreachable, w.at(C::kUnreachable) > 0);
  saw(Symptom::kSynRetransmits, w.at(C::kSynRetransmits) > 0);
  saw(Symptom::kDataRetransmits, w.at(C::kDataRetransmits) > 0);
  if (!w.snat_suspect.empty()) {
    saw(Symptom::kSnatSuspect, true);
    e->nat = NatOf(w.snat_suspect);
    e->nat_seen_ns = w.window_end_ns;
  }
  if (w.dns) {
    using R = schema::DnsRcodeClass;
    saw(Symptom::kDnsServfail, w.dns->rcode(R::kServFail) > 0);
    saw(Symptom::kDnsRefused, w.dns->rcode(R::kRefused) > 0);
    saw(Symptom::kDnsTimeout, w.dns->timeouts > 0);
    saw(Symptom::kDnsNxdomain, w.dns->rcode(R::kNxDomain) > 0);
  }
  if (w.http) saw(Symptom::kHttp5xx, w.http->at(schema::HttpStatusClass::k5xx) > 0);
}

void RootCauseAlerts::OnConntrack(const schema::ConntrackWindow& c) noexcept {
  if (c.Conflicts() == 0) return;
  conntrack_.push_back({c.node, NatOf(c), c.window_end_ns, c.Conflicts()});
}

void RootCauseAlerts::OnSymptom(const schema::Alert& a) noexcept {
  if (a.root_cause) return;  // already one of ours
  if (a.status == schema::AlertStatus::kFiring) {
    if (symptoms_.contains(a.fingerprint)) return;  // re-sent: nothing new
    // Past max_edges too: a symptom is never dropped (the detector bounds how many there are).
    EdgeInfo* e = Edge(a.node, a.edge, a.window_end_ns, Create::kAlways);
    symptoms_fired_.Add();
    SymptomState& s = symptoms_[a.fingerprint];
    s.alert = a;
    s.edge_key = a.node + "|" + a.edge.Key();
    s.since_ns = a.window_end_ns;
    for (const schema::EvidenceEvent& ev : a.evidence) {
      if (ev.dns && ev.dns->rcode == "nxdomain") {
        s.dns_name = ev.dns->name;
        break;
      }
    }
    ++e->symptoms;
    e->last_seen_ns = std::max(e->last_seen_ns, a.window_end_ns);
    pending_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto it = symptoms_.find(a.fingerprint);
  if (it == symptoms_.end() || it->second.ends_at_ns != 0) return;
  it->second.ends_at_ns = a.ends_at_ns != 0 ? a.ends_at_ns : a.window_end_ns;
}

uint32_t RootCauseAlerts::SymptomBits(const EdgeInfo& e, const SymptomState& s,
                                      int64_t now_ns) const {
  uint32_t bits = SignalBits(s.alert.signal);
  const int64_t since = now_ns - cfg_.horizon_ns;
  for (size_t i = 0; i < kSymptomCount; ++i) {
    if (e.seen_ns[i] != 0 && e.seen_ns[i] >= since) bits |= uint32_t{1} << i;
  }
  if (!s.dns_name.empty()) bits |= Bit(Symptom::kDnsNxdomain);
  // A rule on a signal no count explains (traffic volume, say): the path is the first suspect.
  return bits != 0 ? bits : Bit(Symptom::kDataRetransmits);
}

EdgeObservation RootCauseAlerts::Observe(const EdgeInfo& e, int64_t now_ns) const {
  EdgeObservation o;
  o.attrs = e.attrs;
  if (!e.nat.empty() && e.nat_seen_ns >= now_ns - cfg_.horizon_ns) o.at(Attr::kNat) = e.nat;
  return o;
}

void RootCauseAlerts::Attach(Open& o, SymptomState& s) {
  s.root = o.fingerprint;
  o.symptoms.push_back(s.alert.fingerprint);
  o.edges.insert(s.edge_key);
  pending_.fetch_sub(1, std::memory_order_relaxed);
}

void RootCauseAlerts::AttachCovered(int64_t now_ns) {
  if (open_.empty()) return;
  for (auto& [fp, s] : symptoms_) {
    if (!s.root.empty()) continue;
    auto e = edges_.find(s.edge_key);
    if (e == edges_.end()) continue;
    EdgeObservation obs = Observe(e->second, now_ns);
    if (!s.dns_name.empty()) obs.at(Attr::kDnsName) = s.dns_name;
    for (auto& [ofp, o] : open_) {
      if (!o.scope.Covers(obs)) continue;
      s.bits = SymptomBits(e->second, s, now_ns);
      Attach(o, s);
      symptoms_attached_.Add();
      break;
    }
  }
  for (auto& [ofp, o] : open_) {
    if (o.edges_sent > 0 && o.edges.size() >= 2 * o.edges_sent) {
      updates_.Add();
      Send(o, now_ns);
    }
  }
}

void RootCauseAlerts::Localize(int64_t now_ns) {
  // Edges already explained by an open root cause are out of this round's population.
  std::set<std::string_view> explained;
  std::map<std::string_view, std::vector<SymptomState*>> waiting;  // edge key → its symptoms
  for (auto& [fp, s] : symptoms_) {
    if (!s.root.empty()) {
      explained.insert(s.edge_key);
    } else {
      waiting[s.edge_key].push_back(&s);
    }
  }
  std::vector<EdgeObservation> obs;
  std::vector<std::vector<SymptomState*>*> of;  // obs index → its waiting symptoms (or null)
  obs.reserve(edges_.size());
  of.reserve(edges_.size());
  const int64_t since = now_ns - cfg_.horizon_ns;
  for (auto& [key, e] : edges_) {
    auto w = waiting.find(key);
    if (w == waiting.end() && explained.contains(key)) continue;
    if (w == waiting.end() && e.last_seen_ns < since) continue;
    EdgeObservation& o = obs.emplace_back(Observe(e, now_ns));
    o.id = key;
    if (w != waiting.end()) {
      for (SymptomState* s : w->second) {
        s->bits = SymptomBits(e, *s, now_ns);
        o.symptoms |= s->bits;
        if (!s->dns_name.empty()) o.at(Attr::kDnsName) = s->dns_name;
      }
      of.push_back(&w->second);
    } else {
      of.push_back(nullptr);
    }
  }
  std::map<std::pair<std::string, std::string>, uint64_t> per_nat;
  for (const Conflicts& c : conntrack_) {
    if (c.window_end_ns >= since) per_nat[{c.node, c.nat}] += c.conflicts;
  }
  std::vector<NodeSignal> nodes;
  nodes.reserve(per_nat.size());
  for (const auto& [k, n] : per_nat) nodes.push_back({k.first, k.second, n});

  localizations_.Add();
  for (RootCause& rc : detector::Localize(obs, nodes, cfg_.localize)) {
    const std::string fp = Fingerprint({{"cause", std::string(CauseName(rc.cause))},
                                        {"kind", "root_cause"},
                                        {"scope", rc.scope.ToString()}});
    Open& o = open_[fp];
    const bool is_new = o.fingerprint.empty();
    if (is_new) {
      o.fingerprint = fp;
      o.cause = rc.cause;
      o.scope = rc.scope;
      fired_by_cause_[static_cast<size_t>(rc.cause)].Add();
    }
    o.healthy_in_scope = rc.healthy_in_scope;
    o.conntrack_conflicts = std::max(o.conntrack_conflicts, rc.conntrack_conflicts);
    for (size_t i : rc.edges) {
      if (of[i] == nullptr) continue;
      for (SymptomState* s : *of[i]) Attach(o, *s);
    }
    Send(o, now_ns, is_new);
  }
  open_count_.store(open_.size(), std::memory_order_relaxed);
}

schema::Alert RootCauseAlerts::Build(const Open& o, int64_t now_ns, bool first) const {
  std::vector<const SymptomState*> ss;
  ss.reserve(o.symptoms.size());
  for (const std::string& fp : o.symptoms) ss.push_back(&symptoms_.at(fp));

  schema::Alert a;
  a.fingerprint = o.fingerprint;
  schema::RootCauseInfo& rc = a.root_cause.emplace();
  rc.cause = std::string(CauseName(o.cause));
  for (const auto& [attr, value] : o.scope.terms) rc.scope.emplace_back(AttrName(attr), value);
  rc.healthy_edges_in_scope = o.healthy_in_scope;
  rc.conntrack_conflicts = o.conntrack_conflicts;

  std::set<std::string_view> edges;
  std::map<std::string_view, std::string> titles;  // edge key → EdgeTitle, for the description
  std::set<std::string> systems;
  std::set<std::string_view> nodes;
  auto severity = rules::Severity::kInfo;
  bool all_ended = !ss.empty() && !first;  // the first record fires, however short it was
  int64_t ends = 0;
  std::optional<std::map<std::string, std::string>> common;  // labels every symptom has
  a.starts_at_ns = ss.empty() ? now_ns : ss.front()->alert.starts_at_ns;
  for (const SymptomState* s : ss) {
    const schema::Alert& sa = s->alert;
    if (edges.insert(s->edge_key).second && titles.size() < 5) {
      titles.emplace(s->edge_key, EdgeTitle(sa.edge));
    }
    nodes.insert(sa.node);
    // Affected business systems: the edge's own (either end), else the rule file's.
    const size_t had = systems.size();
    for (const schema::Peer* p : {&sa.edge.client, &sa.edge.server}) {
      if (!p->business_system.empty()) systems.insert(p->business_system);
    }
    if (systems.size() == had && sa.edge.client.business_system.empty() &&
        sa.edge.server.business_system.empty() && !sa.business_system.empty()) {
      systems.insert(sa.business_system);
    }
    if (auto sev = rules::SeverityFromName(sa.severity); sev && *sev < severity) severity = *sev;
    a.starts_at_ns = std::min(a.starts_at_ns, sa.starts_at_ns);
    all_ended = all_ended && s->ends_at_ns != 0;
    ends = std::max(ends, s->ends_at_ns);
    if (!common) {
      common = sa.labels;
    } else {
      std::erase_if(*common, [&](const auto& kv) {
        auto it = sa.labels.find(kv.first);
        return it == sa.labels.end() || it->second != kv.second;
      });
    }
    if (rc.symptoms.size() < cfg_.max_symptoms_listed) {
      schema::SymptomRef& r = rc.symptoms.emplace_back();
      r.fingerprint = sa.fingerprint;
      r.rule = sa.rule;
      r.severity = sa.severity;
      r.node = sa.node;
      r.edge = sa.edge.Key();
      r.business_system = sa.business_system;
      r.signal = sa.signal;
      r.value = sa.value;
      for (size_t i = 0; i < kSymptomCount; ++i) {
        if ((s->bits & (uint32_t{1} << i)) != 0) {
          r.symptoms.emplace_back(SymptomName(static_cast<Symptom>(i)));
        }
      }
      r.starts_at_ns = sa.starts_at_ns;
      r.ends_at_ns = s->ends_at_ns;
    } else {
      ++rc.symptoms_truncated;
    }
  }
  rc.edge_count = o.edges.size();
  rc.business_systems.assign(systems.begin(), systems.end());

  a.status = all_ended ? schema::AlertStatus::kResolved : schema::AlertStatus::kFiring;
  a.ends_at_ns = all_ended ? ends : 0;
  a.window_end_ns = all_ended ? std::max(ends, now_ns) : now_ns;
  a.rule = std::string(CauseTitle(o.cause));
  a.severity = std::string(rules::SeverityName(severity));
  a.business_system = Join(rc.business_systems, ",");
  if (const std::string* node = ScopeValue(o.scope, Attr::kNode)) {
    a.node = *node;
  } else if (nodes.size() == 1) {
    a.node = std::string(*nodes.begin());
  }

  // Labels: what all its symptoms share (owner, oncall … of one business system route the
  // alert as its symptoms would have been), then the root cause's own.
  if (common) a.labels = std::move(*common);
  a.labels["alertname"] = a.rule;
  a.labels["severity"] = a.severity;
  a.labels["cause"] = rc.cause;
  a.labels["scope"] = o.scope.ToString();
  for (const auto& [attr, value] : rc.scope) a.labels["scope_" + attr] = value;
  a.labels["business_systems"] = a.business_system;
  a.labels.erase("business_system");
  if (rc.business_systems.size() == 1) a.labels["business_system"] = rc.business_systems[0];
  a.labels["kind"] = "root_cause";

  a.annotations["summary"] =
      Summary(o.cause, o.scope, edges.size(), rc.business_systems, o.conntrack_conflicts);
  std::string desc = "Symptoms attached: " + std::to_string(ss.size()) + " on " +
                     Plural(edges.size(), "edge", "edges") + "; " +
                     Plural(o.healthy_in_scope, "healthy edge", "healthy edges") +
                     " in the same scope. Affected:";
  for (const auto& [key, title] : titles) desc += "\n- " + title;
  if (edges.size() > titles.size())
    desc += "\n- … (" + std::to_string(edges.size() - titles.size()) + " more)";
  // What the rule authors wrote about the symptoms (their summaries, distinct, a few).
  std::set<std::string_view> said;
  for (const SymptomState* s : ss) {
    auto it = s->alert.annotations.find("summary");
    if (it == s->alert.annotations.end() || it->second.empty()) continue;
    if (said.size() == 3) {
      desc += "\n…";
      break;
    }
    if (said.insert(it->second).second) desc += "\n" + s->alert.rule + ": " + it->second;
  }
  a.annotations["description"] = std::move(desc);

  if (ss.size() == 1) {  // one symptom: its own terms say most
    const schema::Alert& sa = ss.front()->alert;
    a.edge = sa.edge;
    a.signal = sa.signal;
    a.comparison = sa.comparison;
    a.threshold = sa.threshold;
    a.value = sa.value;
  } else {
    a.value = static_cast<double>(edges.size());
  }

  // Evidence: a few of each symptom's, taken in turn, so that every edge is represented.
  std::set<std::string_view> taken;
  for (size_t round = 0; a.evidence_ids.size() < cfg_.max_evidence_per_alert; ++round) {
    bool more = false;
    for (const SymptomState* s : ss) {
      const std::vector<std::string>& ids = s->alert.evidence_ids;
      if (round >= ids.size()) continue;
      more = true;
      if (a.evidence_ids.size() == cfg_.max_evidence_per_alert) break;
      if (!taken.insert(ids[round]).second) continue;
      a.evidence_ids.push_back(ids[round]);
      for (const schema::EvidenceEvent& ev : s->alert.evidence) {
        if (ev.id == ids[round]) {
          a.evidence.push_back(ev);
          break;
        }
      }
    }
    if (!more) break;
  }
  return a;
}

void RootCauseAlerts::Send(Open& o, int64_t now_ns, bool first) {
  schema::Alert a = Build(o, now_ns, first);
  o.edges_sent = a.root_cause->edge_count;
  if (a.status == schema::AlertStatus::kResolved) resolved_.Add();
  try {
    out_(a);
  } catch (const std::exception& e) {
    callback_errors_.Add();
    std::fprintf(stderr, "edgewatch: root-cause alert delivery failed: %s\n", e.what());
  } catch (...) {
    callback_errors_.Add();
  }
}

void RootCauseAlerts::ResolveFinished(int64_t now_ns) {
  for (auto it = open_.begin(); it != open_.end();) {
    Open& o = it->second;
    const bool done = std::all_of(o.symptoms.begin(), o.symptoms.end(), [&](const std::string& fp) {
      return symptoms_.at(fp).ends_at_ns != 0;
    });
    if (!done) {
      ++it;
      continue;
    }
    // Send() counts the resolved record when it is one (it is: every symptom has ended).
    Send(o, now_ns);
    for (const std::string& fp : o.symptoms) {
      auto s = symptoms_.find(fp);
      if (auto e = edges_.find(s->second.edge_key); e != edges_.end()) --e->second.symptoms;
      symptoms_.erase(s);
    }
    it = open_.erase(it);
  }
  open_count_.store(open_.size(), std::memory_order_relaxed);
}

void RootCauseAlerts::Expire(int64_t now_ns) {
  const int64_t since = now_ns - cfg_.horizon_ns;
  std::erase_if(edges_, [&](const auto& kv) {
    return kv.second.symptoms == 0 && kv.second.last_seen_ns < since;
  });
  while (!conntrack_.empty() && conntrack_.front().window_end_ns < since) conntrack_.pop_front();
  edges_tracked_.store(edges_.size(), std::memory_order_relaxed);
}

void RootCauseAlerts::AdvanceTo(int64_t now_ns) noexcept {
  latest_ns_ = std::max(latest_ns_, now_ns);
  AttachCovered(now_ns);
  const bool due = std::any_of(symptoms_.begin(), symptoms_.end(), [&](const auto& kv) {
    return kv.second.root.empty() && kv.second.since_ns + cfg_.group_wait_ns <= now_ns;
  });
  if (due) Localize(now_ns);
  ResolveFinished(now_ns);
  if (now_ns - last_expire_ns_ >= kExpireEveryNs) {
    Expire(now_ns);
    last_expire_ns_ = now_ns;
  }
}

void RootCauseAlerts::Flush() noexcept {
  const int64_t now_ns = latest_ns_;
  AttachCovered(now_ns);
  const bool waiting = std::any_of(symptoms_.begin(), symptoms_.end(),
                                   [](const auto& kv) { return kv.second.root.empty(); });
  if (waiting) Localize(now_ns);
  ResolveFinished(now_ns);
}

void RootCauseAlerts::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_rootcause_symptoms_total",
                        "Symptom alerts (rule, edge) the correlator received firing.",
                        static_cast<double>(symptoms_fired_.Get())));
  out.push_back(Counter("edgewatch_rootcause_symptoms_attached_total",
                        "Symptoms attached to a root-cause alert already firing.",
                        static_cast<double>(symptoms_attached_.Get())));
  out.push_back(Counter("edgewatch_rootcause_localizations_total",
                        "Scope searches over the waiting symptoms and the recent edges.",
                        static_cast<double>(localizations_.Get())));
  for (size_t i = 0; i < fired_by_cause_.size(); ++i) {
    out.push_back(Counter("edgewatch_rootcause_alerts_total", "Root-cause alerts raised.",
                          static_cast<double>(fired_by_cause_[i].Get()),
                          {{"cause", std::string(CauseName(static_cast<Cause>(i)))}}));
  }
  out.push_back(Counter("edgewatch_rootcause_updates_total",
                        "Firing root-cause alerts re-sent because their blast radius doubled.",
                        static_cast<double>(updates_.Get())));
  out.push_back(Counter("edgewatch_rootcause_resolved_total", "Root-cause alerts resolved.",
                        static_cast<double>(resolved_.Get())));
  out.push_back(Counter("edgewatch_rootcause_edges_dropped_total",
                        "Edges not remembered because the correlator's edge table was full.",
                        static_cast<double>(edges_dropped_.Get())));
  out.push_back(Counter("edgewatch_rootcause_callback_errors_total",
                        "Root-cause alerts whose delivery callback threw.",
                        static_cast<double>(callback_errors_.Get())));
  out.push_back(Gauge("edgewatch_rootcause_edges", "Edges the correlator remembers.",
                      static_cast<double>(edges_tracked_.load(std::memory_order_relaxed))));
  out.push_back(Gauge("edgewatch_rootcause_open", "Root-cause alerts firing.",
                      static_cast<double>(open_count_.load(std::memory_order_relaxed))));
  out.push_back(Gauge("edgewatch_rootcause_pending_symptoms",
                      "Symptoms waiting for group_wait before their localization.",
                      static_cast<double>(pending_.load(std::memory_order_relaxed))));
}

}  // namespace edgewatch::detector
