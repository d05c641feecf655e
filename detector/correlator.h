// Root-cause localization (issue 6): which scope — a combination of edge attributes such as a
// node, a NAT namespace, a server endpoint or a DNS resolver — explains the anomalous edges of a
// correlation window best while covering few healthy ones, and what kind of cause it is.
//
// The search borrows from multi-dimensional localization (Adtributor, Bhagwan et al., NSDI 2014;
// HotSpot, Sun et al., IEEE Access 2018; Squeeze, Li et al., ISSRE 2019): candidate scopes are the
// attribute values (and pairs of them) that anomalous edges have; each is scored by how much of
// the remaining anomaly it explains (recall) and how pure it is (the share of its edges that are
// anomalous), with a small penalty per extra attribute so that the smallest scope that explains
// the anomaly wins; scopes are taken greedily until every anomalous edge is explained. A scope
// of one anomalous edge among healthy neighbours is that edge's own problem.
//
// Cost: each round scores at most max_candidates scopes, each over the edges of its rarest term
// (an index from attribute value to edges), and a round explains at least one anomalous edge:
// 0.3 ms at 1 k edges, ~4–5 ms at 10 k (tests/bench/correlator_bench, BENCHMARKS.md).
//
// Pure logic: no clock, no I/O. The detector feeds it a window's edges (anomalous and healthy)
// and the nodes' conntrack signals, and turns each RootCause into one alert.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgewatch::detector {

// What is wrong on an edge in the window (a bit set per edge).
enum class Symptom : uint8_t {
  kRefused,
  kReset,
  kTimeout,
  kUnreachable,
  kSynRetransmits,
  kDataRetransmits,
  kSnatSuspect,
  kDnsServfail,
  kDnsRefused,
  kDnsTimeout,
  kDnsNxdomain,
  kHttp5xx,
  kHttpSlow,
  kCount_
};
inline constexpr size_t kSymptomCount = static_cast<size_t>(Symptom::kCount_);
std::string_view SymptomName(Symptom s);
constexpr uint32_t Bit(Symptom s) { return uint32_t{1} << static_cast<unsigned>(s); }

// The attributes scopes are made of. "" on an edge: unknown or not applicable (never matched).
enum class Attr : uint8_t {
  kNode,            // the sensor node the edge was seen on
  kNat,             // the NAT namespace an SNAT-suspect edge leaves through (conntrack id)
  kZone,            // the node's zone (identity tags), when known
  kClientWorkload,  // client process or workload
  kServerService,   // mapped server service
  kServerEndpoint,  // server ip:port (for DNS edges: the resolver)
  kDnsName,         // the failing name of an NXDOMAIN edge
  kBusinessSystem,  // business system of the client or server
  kCount_
};
inline constexpr size_t kAttrCount = static_cast<size_t>(Attr::kCount_);
std::string_view AttrName(Attr a);

enum class Cause : uint8_t {
  kSnatConflict,
  kDnsResolverFailure,
  kDnsNameMissing,
  kEndpointDown,
  kServiceDegraded,
  kNetworkPath,
  kClientMisconfig,
};
inline constexpr size_t kCauseCount = 7;
std::string_view CauseName(Cause c);

struct EdgeObservation {
  std::string id;  // the edge (detector state key), for the alert's blast radius
  std::array<std::string, kAttrCount> attrs{};
  uint32_t symptoms = 0;  // Bit(Symptom…); 0: healthy in this window
  std::vector<std::string> evidence_ids;

  std::string& at(Attr a) { return attrs[static_cast<size_t>(a)]; }
  const std::string& at(Attr a) const { return attrs[static_cast<size_t>(a)]; }
  bool anomalous() const { return symptoms != 0; }
};

// A node's conntrack insert conflicts (insert_failed + drop) in the window.
struct NodeSignal {
  std::string node;
  std::string nat;  // the NAT namespace's id (matches Attr::kNat of its suspect edges)
  uint64_t conflicts = 0;
};

struct Scope {
  std::vector<std::pair<Attr, std::string>> terms;  // all must hold
  bool Covers(const EdgeObservation& e) const;
  std::string ToString() const;  // "server_endpoint=10.0.0.5:8080, node=node-7"
};

struct RootCause {
  Cause cause = Cause::kClientMisconfig;
  Scope scope;
  std::vector<size_t> edges;  // indices of the anomalous edges it explains
  size_t healthy_in_scope = 0;
  uint64_t conntrack_conflicts = 0;  // of the nodes / NAT in scope (snat_conflict)
  double score = 0;
  std::vector<std::string> business_systems;  // of the explained edges, sorted, distinct
};

struct CorrelatorConfig {
  double min_purity = 0.5;       // a scope with fewer anomalous than healthy edges explains little
  double term_penalty = 0.1;     // score × (1 − penalty) per attribute beyond the first
  size_t max_candidates = 4096;  // bound on the scopes scored per round
};

// The root causes of one window, largest first. Every anomalous edge is explained by exactly
// one root cause; healthy edges by none.
std::vector<RootCause> Localize(const std::vector<EdgeObservation>& edges,
                                const std::vector<NodeSignal>& nodes,
                                const CorrelatorConfig& cfg = {});

}  // namespace edgewatch::detector
