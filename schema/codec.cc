// Encoders of the wire records (nlohmann::json). The decoders live in decoder.cc; the field
// list of each record is documented in docs/schema.md — keep the three in step.
#include "schema/codec.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace edgewatch::schema {
namespace {

// ordered_json keeps insertion order, so "schema" comes first and records read naturally.
using Json = nlohmann::ordered_json;

// An object with room for n members. ordered_json stores members in a vector of
// pair<const string, json>, which copies every member (deeply) each time it grows.
Json Object(size_t n) {
  Json j = Json::object();
  j.get_ref<Json::object_t&>().reserve(n);
  return j;
}

// {"buckets":[…],"sum":N}; bucket i counts latencies ≤ kLatencyBoundsUs[i] (and above the
// previous bound), the last one everything above the last bound.
Json HistogramJson(const LatencyHistogram& h) {
  Json j = Object(2);
  j["buckets"] = h.buckets;
  j["sum"] = h.sum_us;
  return j;
}

Json PeerJson(const Peer& p, bool with_port) {
  Json j = Object(7);
  j["ip"] = p.ip;
  // Client ports are ephemeral and collapsed before aggregation: always 0, so not sent.
  if (with_port) {
    j["port"] = p.port;
  }
  j["workload"] = p.workload;
  j["container_id"] = p.container_id;
  // Identity-file mapping: always sent ("" and {} when unmapped), optional when decoding.
  j["service"] = p.service;
  j["business_system"] = p.business_system;
  Json& tags = j["tags"] = Object(p.tags.size());
  for (const auto& [k, v] : p.tags) {
    tags[k] = v;
  }
  return j;
}

Json EdgeJson(const Edge& e) {
  Json j = Object(5);
  j["side"] = SideName(e.side);
  j["client"] = PeerJson(e.client, /*with_port=*/false);
  j["server"] = PeerJson(e.server, /*with_port=*/true);
  j["protocol"] = e.protocol;
  j["key"] = e.Key();  // derived; for consumers that join or partition on it
  return j;
}

// JSON has no NaN or infinity; null stands for any non-finite value (decoded as NaN).
Json Number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json EvidenceJson(const EvidenceEvent& e) {
  Json j = Object(21);
  j["schema"] = kEvidenceSchema;
  j["id"] = e.id;
  j["node"] = e.node;
  j["kind"] = EvidenceKindName(e.kind);
  j["cause"] = e.cause;
  j["time"] = FormatTime(e.time_ns);
  j["edge"] = EdgeJson(e.edge);
  j["edge_key"] = e.edge_key;
  Json& tuple = j["tuple"] = Object(5);
  tuple["protocol"] = e.protocol;
  tuple["src_ip"] = e.src_ip;
  tuple["src_port"] = e.src_port;
  tuple["dst_ip"] = e.dst_ip;
  tuple["dst_port"] = e.dst_port;
  Json& process = j["process"] = Object(2);
  process["pid"] = e.pid;
  process["comm"] = e.comm;
  j["container_id"] = e.container_id;
  j["cgroup_id"] = e.cgroup_id;
  j["netns"] = e.netns;
  j["sk_err"] = e.sk_err;
  j["old_state"] = e.old_state;
  j["syn_retransmits"] = e.syn_retransmits;
  j["duration_us"] = e.duration_us;
  if (e.http) {
    Json& h = j["http"] = Object(7);
    h["method"] = e.http->method;
    h["path"] = e.http->path;
    h["status"] = e.http->status;
    h["latency_us"] = e.http->latency_us;
    h["traceparent"] = e.http->traceparent;
    h["trace_id"] = e.http->trace_id;
    h["x_request_id"] = e.http->x_request_id;
  } else {
    j["http"] = nullptr;
  }
  if (e.dns) {
    Json& d = j["dns"] = Object(5);
    d["name"] = e.dns->name;
    d["qtype"] = e.dns->qtype;
    d["type"] = e.dns->type;
    d["rcode"] = e.dns->rcode;
    d["id"] = e.dns->id;
  } else {
    j["dns"] = nullptr;
  }
  if (e.nat) {
    Json& n = j["nat"] = Object(4);
    n["netns"] = e.nat->netns;
    n["translated_ip"] = e.nat->translated_ip;
    n["translated_port"] = e.nat->translated_port;
    n["syn_drops"] = e.nat->syn_drops;
  } else {
    j["nat"] = nullptr;
  }
  return j;
}

// Kernel comms and peer-supplied names are not guaranteed UTF-8; invalid bytes become U+FFFD
// instead of an exception on the data path.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

std::string Encode(const EdgeWindow& w) {
  Json j = Object(14);
  j["schema"] = kEdgeWindowSchema;
  j["node"] = w.node;
  j["seq"] = w.seq;
  j["window_start"] = FormatTime(w.window_start_ns);
  j["window_end"] = FormatTime(w.window_end_ns);
  j["edge"] = EdgeJson(w.edge);
  Json& counts = j["counts"] = Object(kCounterCount);
  for (size_t i = 0; i < kCounterCount; ++i) {
    counts[std::string(CounterName(static_cast<Counter>(i)))] = w.counts[i];
  }
  Json& latency = j["connect_latency_us"] = Object(3);
  latency["count"] = w.connect_latency.count;
  latency["sum"] = w.connect_latency.sum_us;
  latency["max"] = w.connect_latency.max_us;
  j["evidence_ids"] = w.evidence_ids;
  j["evidence_dropped"] = w.evidence_dropped;
  j["snat_suspect"] = w.snat_suspect.empty() ? Json(nullptr) : Json(w.snat_suspect);
  if (w.dns) {
    Json& dns = j["dns"] = Object(4);
    dns["queries"] = w.dns->queries;
    Json& rcodes = dns["rcodes"] = Object(kDnsRcodeClasses);
    for (size_t i = 0; i < kDnsRcodeClasses; ++i) {
      rcodes[std::string(DnsRcodeClassName(static_cast<DnsRcodeClass>(i)))] = w.dns->rcodes[i];
    }
    dns["timeouts"] = w.dns->timeouts;
    dns["latency_us"] = HistogramJson(w.dns->latency);
  } else {
    j["dns"] = nullptr;
  }
  if (w.http) {
    Json& http = j["http"] = Object(4);
    http["requests"] = w.http->requests;
    Json& status = http["status"] = Object(kHttpStatusClasses);
    for (size_t i = 0; i < kHttpStatusClasses; ++i) {
      status[std::string(HttpStatusClassName(static_cast<HttpStatusClass>(i)))] = w.http->status[i];
    }
    http["no_response"] = w.http->no_response;
    http["latency_us"] = HistogramJson(w.http->latency);
  } else {
    j["http"] = nullptr;
  }
  return Dump(j);
}

std::string Encode(const ConntrackWindow& c) {
  Json j = Object(10);
  j["schema"] = kConntrackWindowSchema;
  j["id"] = c.id;
  j["node"] = c.node;
  j["netns"] = c.netns;
  j["window_start"] = FormatTime(c.window_start_ns);
  j["window_end"] = FormatTime(c.window_end_ns);
  j["entries"] = c.entries;
  j["max"] = c.max;
  Json& counts = j["counts"] = Object(kConntrackCounterCount);
  for (size_t i = 0; i < kConntrackCounterCount; ++i) {
    counts[std::string(ConntrackCounterName(static_cast<ConntrackCounter>(i)))] = c.counts[i];
  }
  j["snat_suspect_edges"] = c.snat_suspect_edges;
  return Dump(j);
}

std::string Encode(const EvidenceEvent& e) { return Dump(EvidenceJson(e)); }

namespace {

Json RootCauseJson(const RootCauseInfo& rc) {
  Json j = Object(8);
  j["cause"] = rc.cause;
  Json& scope = j["scope"] = Json::object();
  for (const auto& [attr, value] : rc.scope) scope[attr] = value;
  Json& blast = j["blast_radius"] = Object(3);
  blast["edge_count"] = rc.edge_count;
  blast["business_systems"] = rc.business_systems;
  blast["healthy_edges_in_scope"] = rc.healthy_edges_in_scope;
  Json& symptoms = j["symptoms"] = Json::array();
  for (const SymptomRef& s : rc.symptoms) {
    Json& o = symptoms.emplace_back(Object(11));
    o["fingerprint"] = s.fingerprint;
    o["rule"] = s.rule;
    o["severity"] = s.severity;
    o["node"] = s.node;
    o["edge"] = s.edge;
    o["business_system"] = s.business_system;
    o["signal"] = s.signal;
    o["value"] = Number(s.value);
    o["symptoms"] = s.symptoms;
    o["starts_at"] = FormatTime(s.starts_at_ns);
    o["ends_at"] = s.ends_at_ns == 0 ? Json(nullptr) : Json(FormatTime(s.ends_at_ns));
  }
  j["symptoms_truncated"] = rc.symptoms_truncated;
  Json& conntrack = j["conntrack"] = Object(1);
  conntrack["conflicts"] = rc.conntrack_conflicts;
  return j;
}

}  // namespace

std::string Encode(const Alert& a) {
  Json j = Object(23);
  j["schema"] = kAlertSchema;
  j["fingerprint"] = a.fingerprint;
  j["status"] = AlertStatusName(a.status);
  j["rule"] = a.rule;
  j["rule_file"] = a.rule_file;
  j["business_system"] = a.business_system;
  j["severity"] = a.severity;
  j["labels"] = Json(a.labels);
  j["annotations"] = Json(a.annotations);
  j["node"] = a.node;
  j["edge"] = EdgeJson(a.edge);
  j["signal"] = a.signal;
  j["comparison"] = a.comparison;
  j["threshold"] = Number(a.threshold);
  j["value"] = Number(a.value);
  j["starts_at"] = FormatTime(a.starts_at_ns);
  j["ends_at"] = a.ends_at_ns == 0 ? Json(nullptr) : Json(FormatTime(a.ends_at_ns));
  j["window_end"] = FormatTime(a.window_end_ns);
  j["evidence_ids"] = a.evidence_ids;
  Json& evidence = j["evidence"] = Json::array();
  for (const EvidenceEvent& e : a.evidence) {
    evidence.push_back(EvidenceJson(e));
  }
  j["kind"] = a.root_cause ? "root_cause" : "symptom";
  if (a.root_cause) j["root_cause"] = RootCauseJson(*a.root_cause);
  return Dump(j);
}

}  // namespace edgewatch::schema
