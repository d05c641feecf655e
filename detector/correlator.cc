#include "detector/correlator.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace edgewatch::detector {
namespace {

constexpr std::array<std::string_view, kSymptomCount> kSymptomNames = {
    "refused",          "reset",        "timeout",      "unreachable", "syn_retransmits",
    "data_retransmits", "snat_suspect", "dns_servfail", "dns_refused", "dns_timeout",
    "dns_nxdomain",     "http_5xx",     "http_slow"};
constexpr std::array<std::string_view, kAttrCount> kAttrNames = {
    "node",           "nat",
    "zone",           "client_workload",
    "server_service", "server_endpoint",
    "dns_name",       "business_system"};

struct Candidate {
  Scope scope;
  size_t explains = 0;   // remaining anomalous edges covered
  size_t anomalous = 0;  // anomalous edges covered, explained or not
  size_t healthy = 0;
  double score = 0;
};

// Candidate scopes of one round: the values (and pairs of values) the remaining anomalous
// edges have.
std::map<std::string, Scope> Candidates(const std::vector<EdgeObservation>& edges,
                                        const std::vector<bool>& remaining, size_t bound) {
  std::map<std::string, Scope> out;
  auto add = [&](Scope s) {
    if (out.size() < bound) out.emplace(s.ToString(), std::move(s));
  };
  for (size_t i = 0; i < edges.size(); ++i) {
    if (!remaining[i]) continue;
    const EdgeObservation& e = edges[i];
    for (size_t a = 0; a < kAttrCount; ++a) {
      if (e.attrs[a].empty()) continue;
      add(Scope{{{static_cast<Attr>(a), e.attrs[a]}}});
      for (size_t b = a + 1; b < kAttrCount; ++b) {
        if (e.attrs[b].empty()) continue;
        add(Scope{{{static_cast<Attr>(a), e.attrs[a]}, {static_cast<Attr>(b), e.attrs[b]}}});
      }
    }
  }
  return out;
}

bool Has(const Scope& s, Attr a) {
  return std::any_of(s.terms.begin(), s.terms.end(), [&](const auto& t) { return t.first == a; });
}

size_t Count(const std::vector<EdgeObservation>& edges, const std::vector<size_t>& which,
             uint32_t mask) {
  return static_cast<size_t>(std::count_if(
      which.begin(), which.end(), [&](size_t i) { return (edges[i].symptoms & mask) != 0; }));
}

Cause Classify(const std::vector<EdgeObservation>& edges, const RootCause& rc) {
  const size_t n = rc.edges.size();
  auto most = [&](uint32_t mask) { return 2 * Count(edges, rc.edges, mask) > n; };
  const uint32_t dns_fail =
      Bit(Symptom::kDnsServfail) | Bit(Symptom::kDnsRefused) | Bit(Symptom::kDnsTimeout);
  const uint32_t conn_fail =
      Bit(Symptom::kRefused) | Bit(Symptom::kReset) | Bit(Symptom::kUnreachable);
  const uint32_t slow_path =
      Bit(Symptom::kTimeout) | Bit(Symptom::kSynRetransmits) | Bit(Symptom::kDataRetransmits);
  const uint32_t http = Bit(Symptom::kHttp5xx) | Bit(Symptom::kHttpSlow);
  const bool node_scope =
      Has(rc.scope, Attr::kNode) || Has(rc.scope, Attr::kNat) || Has(rc.scope, Attr::kZone);
  if (node_scope && most(Bit(Symptom::kSnatSuspect))) return Cause::kSnatConflict;
  if (Has(rc.scope, Attr::kNat)) return Cause::kSnatConflict;
  if (most(dns_fail)) return Cause::kDnsResolverFailure;
  if (most(Bit(Symptom::kDnsNxdomain))) return Cause::kDnsNameMissing;
  if (n == 1 && (most(conn_fail) || most(slow_path))) return Cause::kClientMisconfig;
  if (most(conn_fail)) return Cause::kEndpointDown;
  if (most(http)) return Cause::kServiceDegraded;
  if (most(slow_path) && !node_scope && Has(rc.scope, Attr::kServerEndpoint)) {
    return Cause::kEndpointDown;  // every client times out on one endpoint: it is gone
  }
  return Cause::kNetworkPath;
}

// The scope an alert names for a cause of one edge: who calls what (and the name, for DNS).
Scope EdgeScope(const EdgeObservation& e) {
  Scope s;
  for (Attr a : {Attr::kClientWorkload, Attr::kServerEndpoint, Attr::kDnsName}) {
    if (!e.at(a).empty()) s.terms.emplace_back(a, e.at(a));
  }
  if (s.terms.empty() && !e.at(Attr::kNode).empty())
    s.terms.emplace_back(Attr::kNode, e.at(Attr::kNode));
  return s;
}

}  // namespace

std::string_view SymptomName(Symptom s) { return kSymptomNames[static_cast<size_t>(s)]; }
std::string_view AttrName(Attr a) { return kAttrNames[static_cast<size_t>(a)]; }

std::string_view CauseName(Cause c) {
  switch (c) {
    case Cause::kSnatConflict:
      return "snat_conflict";
    case Cause::kDnsResolverFailure:
      return "dns_resolver_failure";
    case Cause::kDnsNameMissing:
      return "dns_name_missing";
    case Cause::kEndpointDown:
      return "endpoint_down";
    case Cause::kServiceDegraded:
      return "service_degraded";
    case Cause::kNetworkPath:
      return "network_path";
    case Cause::kClientMisconfig:
      return "client_misconfig";
  }
  return "unknown";
}

bool Scope::Covers(const EdgeObservation& e) const {
  return std::all_of(terms.begin(), terms.end(),
                     [&](const auto& t) { return e.at(t.first) == t.second; });
}

std::string Scope::ToString() const {
  std::string s;
  for (const auto& [a, v] : terms) {
    if (!s.empty()) s += ", ";
    s.append(AttrName(a)).append("=").append(v);
  }
  return s;
}

namespace {

// Kinds of fault that do not explain each other: a resolver failing and an endpoint refusing
// at once on one node are two causes, not one "node" cause covering both.
enum class Family : uint8_t { kPath, kConn, kDns, kName, kHttp, kCount_ };

Family FamilyOf(uint32_t symptoms) {
  const uint32_t dns =
      Bit(Symptom::kDnsServfail) | Bit(Symptom::kDnsRefused) | Bit(Symptom::kDnsTimeout);
  const uint32_t conn = Bit(Symptom::kRefused) | Bit(Symptom::kReset) | Bit(Symptom::kUnreachable);
  const uint32_t http = Bit(Symptom::kHttp5xx) | Bit(Symptom::kHttpSlow);
  if ((symptoms & Bit(Symptom::kSnatSuspect)) != 0) return Family::kPath;
  if ((symptoms & dns) != 0) return Family::kDns;
  if ((symptoms & Bit(Symptom::kDnsNxdomain)) != 0) return Family::kName;
  if ((symptoms & conn) != 0) return Family::kConn;
  if ((symptoms & http) != 0) return Family::kHttp;
  return Family::kPath;
}

// The search over one family's anomalous edges (`anomalous[i]`); the other edges, healthy or
// anomalous in another family, count against a scope's purity.
// Edges by attribute value: a scope is scored over the edges of its rarest term only.
using ValueIndex =
    std::array<std::unordered_map<std::string_view, std::vector<size_t>>, kAttrCount>;

void LocalizeFamily(const std::vector<EdgeObservation>& edges, const ValueIndex& by_value,
                    const std::vector<bool>& anomalous, const std::vector<NodeSignal>& nodes,
                    const CorrelatorConfig& cfg, std::vector<RootCause>& out) {
  std::vector<bool> remaining = anomalous;
  size_t left = static_cast<size_t>(std::count(anomalous.begin(), anomalous.end(), true));
  static const std::vector<size_t> kNone;
  auto edges_with = [&](const std::pair<Attr, std::string>& term) -> const std::vector<size_t>& {
    const auto& m = by_value[static_cast<size_t>(term.first)];
    auto it = m.find(term.second);
    return it == m.end() ? kNone : it->second;
  };
  while (left > 0) {
    Candidate best;
    for (auto& [key, scope] : Candidates(edges, remaining, cfg.max_candidates)) {
      Candidate c;
      c.scope = std::move(scope);
      // The term with the fewest edges bounds the scan.
      const std::vector<size_t>* scan = &edges_with(c.scope.terms[0]);
      for (const auto& t : c.scope.terms) {
        if (const auto& v = edges_with(t); v.size() < scan->size()) scan = &v;
      }
      for (size_t i : *scan) {
        if (!c.scope.Covers(edges[i])) continue;
        if (anomalous[i]) {
          ++c.anomalous;
          c.explains += remaining[i] ? 1 : 0;
        } else {
          ++c.healthy;
        }
      }
      const double purity =
          static_cast<double>(c.anomalous) / static_cast<double>(c.anomalous + c.healthy);
      if (c.explains == 0 || purity < cfg.min_purity) continue;
      const double recall = static_cast<double>(c.explains) / static_cast<double>(left);
      c.score = 2 * purity * recall / (purity + recall);
      for (size_t t = 1; t < c.scope.terms.size(); ++t) c.score *= 1 - cfg.term_penalty;
      // Ties: the smaller scope, then the one explaining more; the map order makes the rest
      // deterministic.
      if (c.score > best.score + 1e-12 ||
          (c.score > best.score - 1e-12 && c.explains > best.explains)) {
        best = std::move(c);
      }
    }
    RootCause rc;
    if (best.explains == 0) {
      // No pure scope (every value of the edge is shared with healthy edges): the first
      // remaining edge stands alone.
      const size_t i = static_cast<size_t>(std::find(remaining.begin(), remaining.end(), true) -
                                           remaining.begin());
      rc.edges = {i};
      rc.scope = EdgeScope(edges[i]);
    } else {
      rc.scope = std::move(best.scope);
      rc.healthy_in_scope = best.healthy;
      rc.score = best.score;
      for (size_t i = 0; i < edges.size(); ++i) {
        if (remaining[i] && rc.scope.Covers(edges[i])) rc.edges.push_back(i);
      }
    }
    for (size_t i : rc.edges) remaining[i] = false;
    left -= rc.edges.size();
    rc.cause = Classify(edges, rc);
    if (rc.edges.size() == 1 && rc.cause != Cause::kSnatConflict) {
      rc.scope = EdgeScope(edges[rc.edges[0]]);
    }
    std::set<std::string> systems;
    for (size_t i : rc.edges) {
      if (const std::string& b = edges[i].at(Attr::kBusinessSystem); !b.empty()) systems.insert(b);
    }
    rc.business_systems.assign(systems.begin(), systems.end());
    for (const NodeSignal& n : nodes) {
      const bool in_scope =
          std::any_of(rc.scope.terms.begin(), rc.scope.terms.end(), [&](const auto& t) {
            return (t.first == Attr::kNode && t.second == n.node) ||
                   (t.first == Attr::kNat && t.second == n.nat);
          });
      if (in_scope) rc.conntrack_conflicts += n.conflicts;
    }
    out.push_back(std::move(rc));
  }
}

}  // namespace

std::vector<RootCause> Localize(const std::vector<EdgeObservation>& edges,
                                const std::vector<NodeSignal>& nodes, const CorrelatorConfig& cfg) {
  constexpr size_t kFamilies = static_cast<size_t>(Family::kCount_);
  std::array<std::vector<bool>, kFamilies> of;
  std::array<bool, kFamilies> present{};
  for (size_t i = 0; i < edges.size(); ++i) {
    if (!edges[i].anomalous()) continue;
    const auto f = static_cast<size_t>(FamilyOf(edges[i].symptoms));
    if (!present[f]) of[f].assign(edges.size(), false);
    present[f] = true;
    of[f][i] = true;
  }
  ValueIndex by_value;
  if (std::any_of(present.begin(), present.end(), [](bool p) { return p; })) {
    for (size_t i = 0; i < edges.size(); ++i) {
      for (size_t a = 0; a < kAttrCount; ++a) {
        if (!edges[i].attrs[a].empty()) by_value[a][edges[i].attrs[a]].push_back(i);
      }
    }
  }
  std::vector<RootCause> out;
  for (size_t f = 0; f < kFamilies; ++f) {
    if (present[f]) LocalizeFamily(edges, by_value, of[f], nodes, cfg, out);
  }
  std::stable_sort(out.begin(), out.end(), [](const RootCause& a, const RootCause& b) {
    return a.edges.size() > b.edges.size();
  });
  return out;
}

}  // namespace edgewatch::detector
