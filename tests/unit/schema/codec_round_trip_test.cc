// Encode → Decode gives back exactly what went in, and the encoded JSON has the documented shape.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <variant>

#include "schema/codec.h"

namespace edgewatch::schema {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1'795'342'500'000'000'000;  // 2026-11-22T10:15:00Z
const std::string kContainer = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Edge SampleEdge() {
  Edge e;
  e.side = Side::kClient;
  e.client = {"fd00:10:244:1::1f", 0, "checkout", kContainer};
  e.server = {"fd00:10:96::a", 8443, "payments", ""};
  e.protocol = "tcp";
  return e;
}

EdgeWindow SampleWindow() {
  EdgeWindow w;
  w.node = "node-a.prod";
  w.seq = std::numeric_limits<uint64_t>::max();  // beyond 2^53: must survive as an integer
  w.window_start_ns = kT0;
  w.window_end_ns = kT0 + 10'000'000'000 - 1;
  w.edge = SampleEdge();
  for (size_t i = 0; i < kCounterCount; ++i) {
    w.counts[i] = 7 * i + 1;
  }
  w.at(Counter::kDataRetransmits) = std::numeric_limits<uint64_t>::max();
  w.connect_latency = {41, 12'345, 9'999};
  w.evidence_ids = {"node-a.prod/1795342400000000000/17", "node-a.prod/1795342400000000000/18",
                    "node-a.prod/1795342400000000000/21"};
  w.evidence_dropped = 12;
  return w;
}

EvidenceEvent SampleEvidence(uint64_t seq) {
  EvidenceEvent e;
  e.id = "node-a.prod/1795342400000000000/" + std::to_string(seq);
  e.node = "node-a.prod";
  e.kind = EvidenceKind::kConnectFailed;
  e.cause = "timeout";
  e.time_ns = kT0 + 123'456'789;
  e.edge = SampleEdge();
  e.edge_key = e.edge.Key();
  e.protocol = "tcp";
  e.src_ip = "fd00:10:244:1::1f";
  e.src_port = 54'321;
  e.dst_ip = "fd00:10:96::a";
  e.dst_port = 8443;
  e.pid = 4'194'303;
  e.comm = "结账-wörker";  // unicode comm, 14 bytes (kernel comm ≤ 15)
  e.container_id = kContainer;
  e.cgroup_id = 0x1'0000'0000'002aULL;
  e.netns = 4'026'531'992u;
  e.sk_err = 110;
  e.old_state = "SYN_SENT";
  e.syn_retransmits = 6;
  e.duration_us = 127'000'000;
  return e;
}

Alert SampleAlert() {
  Alert a;
  a.fingerprint = "9f86d081884c7d65";
  a.status = AlertStatus::kFiring;
  a.rule = "ConnectTimeouts";
  a.rule_file = "/etc/edgewatch/rules/payments.yaml";
  a.business_system = "payments";
  a.severity = "critical";
  a.labels = {{"alertname", "ConnectTimeouts"}, {"severity", "critical"}, {"team", "支付"}};
  a.annotations = {{"summary", "checkout → payments: 12 timeouts\n\"quoted\" \\ back"}};
  a.node = "node-a.prod";
  a.edge = SampleEdge();
  a.signal = "timeout";
  a.comparison = ">=";
  a.threshold = 0.1;
  a.value = 0.123456789012345678;
  a.starts_at_ns = kT0 + 1;
  a.ends_at_ns = 0;
  a.window_end_ns = kT0 + 10'000'000'000;
  a.evidence_ids = {"node-a.prod/1795342400000000000/17", "node-a.prod/1795342400000000000/18"};
  a.evidence = {SampleEvidence(17), SampleEvidence(18)};
  a.evidence[1].kind = EvidenceKind::kReset;
  a.evidence[1].cause = "reset";
  a.evidence[1].sk_err = -104;  // signed on the wire
  a.evidence[1].old_state = "ESTABLISHED";
  return a;
}

auto Tie(const EdgeWindow& w) {
  return std::tie(w.node, w.seq, w.window_start_ns, w.window_end_ns, w.edge, w.counts,
                  w.connect_latency.count, w.connect_latency.sum_us, w.connect_latency.max_us,
                  w.evidence_ids, w.evidence_dropped, w.snat_suspect, w.dns, w.http);
}

auto Tie(const EvidenceEvent& e) {
  return std::tie(e.id, e.node, e.kind, e.cause, e.time_ns, e.edge, e.edge_key, e.protocol,
                  e.src_ip, e.src_port, e.dst_ip, e.dst_port, e.pid, e.comm, e.container_id,
                  e.cgroup_id, e.netns, e.sk_err, e.old_state, e.syn_retransmits, e.duration_us,
                  e.http, e.dns, e.nat);
}

bool Same(const EvidenceEvent& a, const EvidenceEvent& b) { return Tie(a) == Tie(b); }

bool Same(const Alert& a, const Alert& b) {
  auto tie = [](const Alert& x) {
    return std::tie(x.fingerprint, x.status, x.rule, x.rule_file, x.business_system, x.severity,
                    x.labels, x.annotations, x.node, x.edge, x.signal, x.comparison, x.threshold,
                    x.value, x.starts_at_ns, x.ends_at_ns, x.window_end_ns, x.evidence_ids);
  };
  if (tie(a) != tie(b) || a.evidence.size() != b.evidence.size()) {
    return false;
  }
  for (size_t i = 0; i < a.evidence.size(); ++i) {
    if (!Same(a.evidence[i], b.evidence[i])) {
      return false;
    }
  }
  return true;
}

TEST(CodecRoundTrip, EdgeWindow) {
  const EdgeWindow in = SampleWindow();
  const std::string wire = Encode(in);
  Decoder d;
  Result<EdgeWindow> out = d.DecodeEdgeWindow(wire);
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ(out->node, "node-a.prod");
  EXPECT_EQ(out->seq, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(out->window_end_ns, kT0 + 9'999'999'999);
  EXPECT_EQ(out->edge.server.ip, "fd00:10:96::a");
  EXPECT_EQ(out->edge.server.port, 8443);
  EXPECT_EQ(out->at(Counter::kRefused), 15u);
  EXPECT_EQ(out->at(Counter::kDataRetransmits), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(out->connect_latency.sum_us, 12'345u);
  EXPECT_EQ(out->evidence_ids.size(), 3u);
  EXPECT_EQ(out->evidence_dropped, 12u);
  EXPECT_TRUE(Tie(*out) == Tie(in));
  EXPECT_EQ(Encode(*out), wire);
}

TEST(CodecRoundTrip, EmptyEdgeWindow) {
  const EdgeWindow in;
  Decoder d;
  Result<EdgeWindow> out = d.DecodeEdgeWindow(Encode(in));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_TRUE(Tie(*out) == Tie(in));
}

TEST(CodecRoundTrip, Evidence) {
  const EvidenceEvent in = SampleEvidence(17);
  Decoder d;
  Result<EvidenceEvent> out = d.DecodeEvidence(Encode(in));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ(out->comm, "结账-wörker");
  EXPECT_EQ(out->cgroup_id, 0x1'0000'0000'002aULL);
  EXPECT_EQ(out->netns, 4'026'531'992u);
  EXPECT_EQ(out->src_port, 54'321);
  EXPECT_EQ(out->time_ns, kT0 + 123'456'789);
  EXPECT_TRUE(Same(*out, in));
}

TEST(CodecRoundTrip, FiringAlertWithEvidence) {
  const Alert in = SampleAlert();
  Decoder d;
  Result<Alert> out = d.DecodeAlert(Encode(in));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ(out->status, AlertStatus::kFiring);
  EXPECT_EQ(out->ends_at_ns, 0);
  EXPECT_EQ(out->labels.at("team"), "支付");
  EXPECT_EQ(out->annotations.at("summary"), "checkout → payments: 12 timeouts\n\"quoted\" \\ back");
  EXPECT_EQ(out->value, 0.123456789012345678);  // bit-exact double
  ASSERT_EQ(out->evidence.size(), 2u);
  EXPECT_EQ(out->evidence[1].kind, EvidenceKind::kReset);
  EXPECT_EQ(out->evidence[1].sk_err, -104);
  EXPECT_TRUE(Same(*out, in));
}

TEST(CodecRoundTrip, ResolvedAlertKeepsEndsAt) {
  Alert in = SampleAlert();
  in.status = AlertStatus::kResolved;
  in.ends_at_ns = kT0 + 600'000'000'007;
  in.evidence.clear();
  in.labels.clear();
  Decoder d;
  Result<Alert> out = d.DecodeAlert(Encode(in));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ(out->status, AlertStatus::kResolved);
  EXPECT_EQ(out->ends_at_ns, kT0 + 600'000'000'007);
  EXPECT_TRUE(Same(*out, in));
}

TEST(CodecRoundTrip, ExtremeDoublesAndNonFiniteValues) {
  Decoder d;
  for (double v : {0.0, -0.0, 5e-324, 1.7976931348623157e308, -2.5, 1e21, 3.0}) {
    Alert in = SampleAlert();
    in.threshold = v;
    in.value = -v;
    Result<Alert> out = d.DecodeAlert(Encode(in));
    ASSERT_TRUE(out.ok()) << out.error();
    EXPECT_EQ(out->threshold, v);
    EXPECT_EQ(std::signbit(out->threshold), std::signbit(v));
    EXPECT_EQ(out->value, -v);
  }
  // JSON has no NaN/Inf: they travel as null and come back as NaN.
  Alert in = SampleAlert();
  in.value = std::numeric_limits<double>::infinity();
  in.threshold = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(json::parse(Encode(in))["value"].is_null());
  Result<Alert> out = d.DecodeAlert(Encode(in));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_TRUE(std::isnan(out->value));
  EXPECT_TRUE(std::isnan(out->threshold));
}

TEST(CodecRoundTrip, DecodeDispatchesOnSchema) {
  Decoder d;
  Result<Record> w = d.Decode(Encode(SampleWindow()));
  ASSERT_TRUE(w.ok()) << w.error();
  ASSERT_TRUE(std::holds_alternative<EdgeWindow>(*w));
  EXPECT_TRUE(Tie(std::get<EdgeWindow>(*w)) == Tie(SampleWindow()));

  Result<Record> e = d.Decode(Encode(SampleEvidence(3)));
  ASSERT_TRUE(e.ok()) << e.error();
  ASSERT_TRUE(std::holds_alternative<EvidenceEvent>(*e));
  EXPECT_TRUE(Same(std::get<EvidenceEvent>(*e), SampleEvidence(3)));

  Result<Record> a = d.Decode(Encode(SampleAlert()));
  ASSERT_TRUE(a.ok()) << a.error();
  ASSERT_TRUE(std::holds_alternative<Alert>(*a));
  EXPECT_TRUE(Same(std::get<Alert>(*a), SampleAlert()));
}

TEST(CodecRoundTrip, DecoderIsReusableAcrossSizes) {
  Decoder d;
  Alert big = SampleAlert();
  for (int i = 0; i < 200; ++i) {
    big.evidence.push_back(SampleEvidence(100 + i));
  }
  for (int round = 0; round < 3; ++round) {
    Result<EdgeWindow> w = d.DecodeEdgeWindow(Encode(SampleWindow()));
    ASSERT_TRUE(w.ok()) << w.error();
    EXPECT_TRUE(Tie(*w) == Tie(SampleWindow()));
    Result<Alert> a = d.DecodeAlert(Encode(big));
    ASSERT_TRUE(a.ok()) << a.error();
    EXPECT_EQ(a->evidence.size(), 202u);
    EXPECT_TRUE(Same(*a, big));
  }
}

TEST(CodecShape, EdgeWindowHasEveryCounterAndTheDocumentedFields) {
  const json j = json::parse(Encode(SampleWindow()));
  EXPECT_EQ(j["schema"], "edgewatch.edge_window.v1");
  EXPECT_EQ(j["window_start"], "2026-11-22T10:15:00.000000000Z");
  EXPECT_EQ(j["window_end"], "2026-11-22T10:15:09.999999999Z");
  ASSERT_EQ(j["counts"].size(), kCounterCount);
  for (size_t i = 0; i < kCounterCount; ++i) {
    const std::string name(CounterName(static_cast<Counter>(i)));
    ASSERT_TRUE(j["counts"].contains(name)) << name;
  }
  EXPECT_EQ(j["counts"]["refused"], 15u);
  EXPECT_EQ(j["counts"]["resets_received"], 85u);
  EXPECT_EQ(j["connect_latency_us"], json::parse(R"({"count":41,"sum":12345,"max":9999})"));
  EXPECT_EQ(j["edge"]["key"], SampleEdge().Key());
  EXPECT_FALSE(j["edge"]["client"].contains("port"));
  EXPECT_EQ(j["edge"]["server"]["port"], 8443);
  EXPECT_FALSE(j.contains("window_start_ns"));

  // A zero window still carries every counter.
  const json zero = json::parse(Encode(EdgeWindow{}));
  EXPECT_EQ(zero["counts"].size(), kCounterCount);
  EXPECT_EQ(zero["counts"]["connects"], 0u);
}

TEST(CodecShape, EdgeWindowGolden) {
  EdgeWindow w;
  w.node = "n1";
  w.seq = 7;
  w.window_start_ns = 0;
  w.window_end_ns = 10'000'000'000;
  w.edge.client = {"10.0.0.1", 0, "api", ""};
  w.edge.server = {"10.0.0.2", 80, "web", ""};
  w.at(Counter::kRefused) = 3;
  w.connect_latency.Add(250);
  w.evidence_ids = {"n1/1/2"};
  EXPECT_EQ(
      Encode(w),
      R"({"schema":"edgewatch.edge_window.v1","node":"n1","seq":7,)"
      R"("window_start":"1970-01-01T00:00:00.000000000Z",)"
      R"("window_end":"1970-01-01T00:00:10.000000000Z",)"
      R"("edge":{"side":"client","client":{"ip":"10.0.0.1","workload":"api","container_id":"",)"
      R"("service":"","business_system":"","tags":{}},)"
      R"("server":{"ip":"10.0.0.2","port":80,"workload":"web","container_id":"",)"
      R"("service":"","business_system":"","tags":{}},)"
      R"("protocol":"tcp","key":"client|api||10.0.0.1|10.0.0.2:80|tcp"},)"
      R"("counts":{"connects":0,"accepts":0,"refused":3,"timeout":0,"reset":0,)"
      R"("unreachable":0,"other_failures":0,"accept_failures":0,"syn_retransmits":0,)"
      R"("synack_retransmits":0,"data_retransmits":0,"resets_sent":0,"resets_received":0},)"
      R"("connect_latency_us":{"count":1,"sum":250,"max":250},)"
      R"("evidence_ids":["n1/1/2"],"evidence_dropped":0,"snat_suspect":null,"dns":null,"http":null})");
}

TEST(CodecShape, EvidenceFields) {
  const json j = json::parse(Encode(SampleEvidence(17)));
  EXPECT_EQ(j["schema"], "edgewatch.evidence.v2");
  EXPECT_EQ(j["kind"], "connect_failed");
  EXPECT_EQ(j["time"], "2026-11-22T10:15:00.123456789Z");
  EXPECT_EQ(j["tuple"], json::parse(R"({"protocol":"tcp","src_ip":"fd00:10:244:1::1f",
      "src_port":54321,"dst_ip":"fd00:10:96::a","dst_port":8443})"));
  EXPECT_EQ(j["process"]["pid"], 4'194'303);
  EXPECT_EQ(j["process"]["comm"], "结账-wörker");
  EXPECT_EQ(j["sk_err"], 110);
  EXPECT_EQ(j["edge_key"], SampleEdge().Key());
}

TEST(CodecShape, AlertFields) {
  const json firing = json::parse(Encode(SampleAlert()));
  EXPECT_EQ(firing["schema"], "edgewatch.alert.v1");
  EXPECT_EQ(firing["status"], "firing");
  EXPECT_TRUE(firing["ends_at"].is_null());
  EXPECT_EQ(firing["starts_at"], "2026-11-22T10:15:00.000000001Z");
  EXPECT_EQ(firing["window_end"], "2026-11-22T10:15:10.000000000Z");
  EXPECT_EQ(firing["labels"]["team"], "支付");
  ASSERT_EQ(firing["evidence"].size(), 2u);
  EXPECT_EQ(firing["evidence"][1]["schema"], "edgewatch.evidence.v2");
  EXPECT_EQ(firing["evidence"][1]["kind"], "reset");

  Alert resolved = SampleAlert();
  resolved.status = AlertStatus::kResolved;
  resolved.ends_at_ns = kT0;
  const json r = json::parse(Encode(resolved));
  EXPECT_EQ(r["status"], "resolved");
  EXPECT_EQ(r["ends_at"], "2026-11-22T10:15:00.000000000Z");
}

TEST(CodecShape, InvalidUtf8IsReplacedNotThrown) {
  EvidenceEvent e = SampleEvidence(1);
  e.comm = std::string("bad\xff\xfe", 5);
  std::string wire;
  ASSERT_NO_THROW(wire = Encode(e));
  Decoder d;
  Result<EvidenceEvent> out = d.DecodeEvidence(wire);
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ(out->comm, "bad\xEF\xBF\xBD\xEF\xBF\xBD");  // two U+FFFD
}

TEST(CodecRoundTrip, SnatSuspectWindow) {
  EdgeWindow in = SampleWindow();
  in.snat_suspect = "node-a.prod/conntrack/host/1700000000000000000";
  const std::string wire = Encode(in);
  EXPECT_NE(wire.find("\"snat_suspect\":\"node-a.prod/conntrack/host/"), std::string::npos);
  Decoder d;
  EdgeWindow out;
  ASSERT_EQ(d.DecodeEdgeWindowInto(wire, out), "");
  EXPECT_TRUE(Tie(out) == Tie(in));
  // Not suspect: null on the wire; and a record of an older sensor without the field decodes
  // with it empty, also into a window that had it set.
  EXPECT_NE(Encode(SampleWindow()).find("\"snat_suspect\":null"), std::string::npos);
  std::string old = Encode(SampleWindow());
  old.erase(old.find(",\"snat_suspect\":null"), std::string(",\"snat_suspect\":null").size());
  ASSERT_EQ(d.DecodeEdgeWindowInto(old, out), "");
  EXPECT_EQ(out.snat_suspect, "");
  EXPECT_TRUE(Tie(out) == Tie(SampleWindow()));
  // Anything else is an error naming the field.
  std::string bad = Encode(SampleWindow());
  bad.replace(bad.find("\"snat_suspect\":null"), std::string("\"snat_suspect\":null").size(),
              "\"snat_suspect\":7");
  EXPECT_NE(d.DecodeEdgeWindowInto(bad, out).find("field \"snat_suspect\""), std::string::npos);
}

// Mapped peers (identity file): service, business_system and tags on both ends, on windows,
// evidence and alerts; the edge key does not change with them.
Edge MappedEdge() {
  Edge e = SampleEdge();
  e.client.service = "checkout-web";
  e.client.business_system = "shop";
  e.client.tags = {{"oncall", "shop-oncall"}, {"owner", "team-shop"}, {"tier", "2"}};
  e.server.service = "payments-api";
  e.server.business_system = "payments";
  e.server.tags = {{"cmdb_id", "CI0042"}, {"owner", "支付团队"}};
  return e;
}

TEST(CodecRoundTrip, MappedPeers) {
  EdgeWindow in = SampleWindow();
  in.edge = MappedEdge();
  EXPECT_EQ(in.edge.Key(), SampleEdge().Key());
  const std::string wire = Encode(in);
  const json j = json::parse(wire);
  EXPECT_EQ(j["edge"]["client"]["service"], "checkout-web");
  EXPECT_EQ(j["edge"]["client"]["business_system"], "shop");
  EXPECT_EQ(j["edge"]["client"]["tags"],
            json::parse(R"({"oncall":"shop-oncall","owner":"team-shop","tier":"2"})"));
  EXPECT_EQ(j["edge"]["server"]["service"], "payments-api");
  EXPECT_EQ(j["edge"]["server"]["tags"]["owner"], "支付团队");
  EXPECT_EQ(j["edge"]["key"], SampleEdge().Key());
  Decoder d;
  EdgeWindow out;
  ASSERT_EQ(d.DecodeEdgeWindowInto(wire, out), "");
  EXPECT_TRUE(Tie(out) == Tie(in));
  EXPECT_EQ(Encode(out), wire);
  // Reused for an unmapped record: nothing of the mapped one is left over.
  ASSERT_EQ(d.DecodeEdgeWindowInto(Encode(SampleWindow()), out), "");
  EXPECT_TRUE(Tie(out) == Tie(SampleWindow()));

  EvidenceEvent ev = SampleEvidence(3);
  ev.edge = MappedEdge();
  Result<EvidenceEvent> ev_out = d.DecodeEvidence(Encode(ev));
  ASSERT_TRUE(ev_out.ok()) << ev_out.error();
  EXPECT_TRUE(Same(*ev_out, ev));

  Alert a = SampleAlert();
  a.edge = MappedEdge();
  a.evidence[0].edge = MappedEdge();
  Result<Alert> a_out = d.DecodeAlert(Encode(a));
  ASSERT_TRUE(a_out.ok()) << a_out.error();
  EXPECT_TRUE(Same(*a_out, a));
}

// Records of producers from before the identity file have no service, business_system or tags:
// they decode as unmapped, also into a window that had them set.
TEST(CodecRoundTrip, PeersWithoutIdentityFieldsDecodeAsUnmapped) {
  json j = json::parse(Encode(SampleWindow()));
  for (const char* end : {"client", "server"}) {
    j["edge"][end].erase("service");
    j["edge"][end].erase("business_system");
    j["edge"][end].erase("tags");
  }
  EdgeWindow mapped = SampleWindow();
  mapped.edge = MappedEdge();
  Decoder d;
  EdgeWindow out;
  ASSERT_EQ(d.DecodeEdgeWindowInto(Encode(mapped), out), "");
  ASSERT_EQ(d.DecodeEdgeWindowInto(j.dump(), out), "");
  EXPECT_TRUE(Tie(out) == Tie(SampleWindow()));
  EXPECT_EQ(out.edge.server.service, "");
  EXPECT_TRUE(out.edge.client.tags.empty());
}

// Tags in any order come back sorted by key, as the sensor writes them.
TEST(CodecRoundTrip, TagsAreSortedOnDecode) {
  json j = json::parse(Encode(SampleWindow()));
  j["edge"]["server"]["tags"] = json::parse(R"({"tier":"1","owner":"o","cmdb_id":"c"})");
  Decoder d;
  Result<EdgeWindow> out = d.DecodeEdgeWindow(j.dump());
  ASSERT_TRUE(out.ok()) << out.error();
  const std::vector<std::pair<std::string, std::string>> want = {
      {"cmdb_id", "c"}, {"owner", "o"}, {"tier", "1"}};
  EXPECT_EQ(out->edge.server.tags, want);
}

TEST(CodecRoundTrip, ConntrackWindow) {
  ConntrackWindow in;
  in.id = "node-7/conntrack/nat/1700000000000000000";
  in.node = "node-7";
  in.netns = "nat";
  in.window_start_ns = kT0;
  in.window_end_ns = kT0 + 1'000'000'000;
  in.entries = 65'000;
  in.max = 262'144;
  in.at(ConntrackCounter::kInsertFailed) = 9;
  in.at(ConntrackCounter::kDrop) = 9;
  in.at(ConntrackCounter::kInvalid) = std::numeric_limits<uint64_t>::max();
  in.snat_suspect_edges = 14;
  const std::string wire = Encode(in);
  EXPECT_NE(wire.find("\"insert_failed\":9"), std::string::npos);
  Decoder d;
  Result<Record> r = d.Decode(wire);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_TRUE(std::holds_alternative<ConntrackWindow>(*r));
  const auto& out = std::get<ConntrackWindow>(*r);
  auto tie = [](const ConntrackWindow& c) {
    return std::tie(c.id, c.node, c.netns, c.window_start_ns, c.window_end_ns, c.entries, c.max,
                    c.counts, c.snat_suspect_edges);
  };
  EXPECT_TRUE(tie(out) == tie(in));
  EXPECT_EQ(out.Conflicts(), 18u);
  EXPECT_EQ(Encode(out), wire);
  // The hot-path edge-window decoder refuses it (the detector then dispatches on schema).
  EdgeWindow w;
  EXPECT_NE(d.DecodeEdgeWindowInto(wire, w), "");
  std::string missing = wire;
  missing.erase(missing.find(",\"max\":262144"), std::string(",\"max\":262144").size());
  Result<ConntrackWindow> m = d.DecodeConntrackWindow(missing);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().find("field \"max\": missing"), std::string::npos) << m.error();
}

TEST(CodecRoundTrip, DnsCountsAndHistogram) {
  EdgeWindow in = SampleWindow();
  in.edge.protocol = "udp";
  DnsCounts& d = in.dns.emplace();
  d.queries = 9;
  d.rcode(DnsRcodeClass::kNxDomain) = 2;
  d.rcode(DnsRcodeClass::kNoError) = 5;
  d.timeouts = 2;
  for (uint64_t us : {100u, 400u, 900u, 3000u, 9'000'000u}) d.latency.Add(us);
  const std::string wire = Encode(in);
  EXPECT_NE(wire.find("\"rcodes\":{\"noerror\":5,\"nxdomain\":2,"), std::string::npos) << wire;
  Decoder dec;
  EdgeWindow out;
  ASSERT_EQ(dec.DecodeEdgeWindowInto(wire, out), "");
  EXPECT_TRUE(Tie(out) == Tie(in));
  EXPECT_EQ(out.dns->latency.count(), 5u);
  EXPECT_EQ(out.dns->latency.buckets.back(), 1u);  // 9 s: above the last bound
  // Reused for a window without DNS: reset.
  ASSERT_EQ(dec.DecodeEdgeWindowInto(Encode(SampleWindow()), out), "");
  EXPECT_FALSE(out.dns.has_value());
  // A histogram with the wrong number of buckets is an error naming the field.
  std::string bad = wire;
  bad.replace(bad.find("\"buckets\":["), 11, "\"buckets\":[7,");
  EXPECT_NE(dec.DecodeEdgeWindowInto(bad, out).find("more than 15 bucket counts"),
            std::string::npos);
}

TEST(CodecRoundTrip, HttpCountsAndHistogram) {
  EdgeWindow in = SampleWindow();
  HttpCounts& h = in.http.emplace();
  h.requests = 12;
  h.at(HttpStatusClass::k2xx) = 7;
  h.at(HttpStatusClass::k4xx) = 2;
  h.at(HttpStatusClass::k5xx) = 2;
  h.no_response = 1;
  for (uint64_t us : {120u, 800u, 300'000u}) h.latency.Add(us);
  const std::string wire = Encode(in);
  EXPECT_NE(wire.find(R"("http":{"requests":12,"status":{"1xx":0,"2xx":7,"3xx":0,"4xx":2,)"
                      R"("5xx":2,"other":0},"no_response":1,"latency_us":{"buckets":[1,0,1,)"),
            std::string::npos)
      << wire;
  Decoder dec;
  EdgeWindow out;
  ASSERT_EQ(dec.DecodeEdgeWindowInto(wire, out), "");
  EXPECT_TRUE(Tie(out) == Tie(in));
  // Reused for a window without HTTP: reset; and records of older sensors have no "http".
  ASSERT_EQ(dec.DecodeEdgeWindowInto(Encode(SampleWindow()), out), "");
  EXPECT_FALSE(out.http.has_value());
  json old = json::parse(Encode(SampleWindow()));
  old.erase("http");
  ASSERT_EQ(dec.DecodeEdgeWindowInto(old.dump(), out), "");
  EXPECT_FALSE(out.http.has_value());
  // An unknown status class is an error naming the field.
  json bad = json::parse(wire);
  bad["http"]["status"].erase("5xx");
  EXPECT_EQ(dec.DecodeEdgeWindowInto(bad.dump(), out),
            R"(edge_window: field "http.status.5xx": missing)");
}

TEST(CodecRoundTrip, HttpAndDnsEvidence) {
  EvidenceEvent http = SampleEvidence(3);
  http.kind = EvidenceKind::kHttpRequest;
  http.cause = "5xx";
  http.http = HttpEvidence{"POST",
                           "/api/pay/{id}",
                           503,
                           41'000,
                           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                           "4bf92f3577b34da6a3ce929d0e0e4736",
                           "req-7"};
  http.nat = std::nullopt;
  EvidenceEvent nat = SampleEvidence(5);
  nat.nat = NatEvidence{4026532481, "10.78.2.1", 40001, 6};
  EvidenceEvent dns = SampleEvidence(4);
  dns.kind = EvidenceKind::kDnsQuery;
  dns.cause = "nxdomain";
  dns.protocol = "udp";
  dns.dns = DnsEvidence{"payments.internal.", 28, "AAAA", "nxdomain", 4711};
  Decoder d;
  for (const EvidenceEvent& in : {http, dns, nat}) {
    const std::string wire = Encode(in);
    Result<EvidenceEvent> out = d.DecodeEvidence(wire);
    ASSERT_TRUE(out.ok()) << out.error();
    EXPECT_TRUE(Same(*out, in)) << wire;
    // Through Decode too (dispatch on the schema).
    Result<Record> r = d.Decode(wire);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_TRUE(Same(std::get<EvidenceEvent>(*r), in));
  }
  const json j = json::parse(Encode(http));
  EXPECT_EQ(j["kind"], "http_request");
  EXPECT_EQ(j["http"]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(j["dns"].is_null());
}

TEST(CodecRoundTrip, EvidenceV1StillDecodes) {
  // What sensors before evidence.v2 wrote: no "http"/"dns", the v1 schema name.
  json v1 = json::parse(Encode(SampleEvidence(5)));
  v1["schema"] = "edgewatch.evidence.v1";
  v1.erase("http");
  v1.erase("dns");
  v1.erase("nat");
  Decoder d;
  Result<EvidenceEvent> out = d.DecodeEvidence(v1.dump());
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_TRUE(Same(*out, SampleEvidence(5)));
  Result<Record> r = d.Decode(v1.dump());
  ASSERT_TRUE(r.ok()) << r.error();
  // A v1 record may not carry v2's objects.
  v1["http"] = json::parse(R"({"method":"GET","path":"/","status":500,"latency_us":1,
      "traceparent":"","trace_id":"","x_request_id":""})");
  out = d.DecodeEvidence(v1.dump());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error(), R"(evidence: "http", "dns" and "nat" are v2 fields; this record says )"
                         R"(edgewatch.evidence.v1)");
}

TEST(LatencyHistogram, QuantilesInterpolateInsideBuckets) {
  LatencyHistogram h;
  EXPECT_EQ(h.Quantile(0.5), 0.0);
  for (int i = 0; i < 100; ++i) h.Add(600);  // all in (500, 1000]
  EXPECT_NEAR(h.Quantile(0.5), 750.0, 1e-9);
  EXPECT_NEAR(h.Quantile(0.99), 995.0, 1e-9);
  h.Add(10'000'000);  // overflow bucket: reported as the last bound
  EXPECT_EQ(h.Quantile(1.0), 5'000'000.0);
  EXPECT_EQ(h.count(), 101u);
}

}  // namespace
}  // namespace edgewatch::schema
