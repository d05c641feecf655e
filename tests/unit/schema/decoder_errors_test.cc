// Decoder failures name the field, and forward-compatible input (unknown fields, any order)
// decodes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "schema/codec.h"

namespace edgewatch::schema {
namespace {

using nlohmann::json;

EdgeWindow Window() {
  EdgeWindow w;
  w.node = "n1";
  w.seq = 42;
  w.window_start_ns = 1'795'342'500'000'000'000;
  w.window_end_ns = 1'795'342'510'000'000'000;
  w.edge.client = {"10.0.0.1", 0, "api", ""};
  w.edge.server = {"10.0.0.2", 443, "web", ""};
  w.at(Counter::kRefused) = 3;
  w.at(Counter::kTimeout) = 2;
  w.evidence_ids = {"n1/1/1", "n1/1/2"};
  return w;
}

EvidenceEvent Evidence() {
  EvidenceEvent e;
  e.id = "n1/1/1";
  e.node = "n1";
  e.cause = "refused";
  e.time_ns = 1'795'342'501'000'000'000;
  e.edge = Window().edge;
  e.edge_key = e.edge.Key();
  e.src_ip = "10.0.0.1";
  e.src_port = 40000;
  e.dst_ip = "10.0.0.2";
  e.dst_port = 443;
  e.sk_err = 111;
  e.old_state = "SYN_SENT";
  return e;
}

Alert AlertWithEvidence() {
  Alert a;
  a.fingerprint = "0123456789abcdef";
  a.rule = "Refused";
  a.edge = Window().edge;
  a.evidence = {Evidence(), Evidence()};
  return a;
}

json WindowJson() { return json::parse(Encode(Window())); }

std::string DecodeWindowError(const std::string& wire) {
  Decoder d;
  Result<EdgeWindow> r = d.DecodeEdgeWindow(wire);
  return r.ok() ? "<decoded>" : r.error();
}

TEST(DecoderErrors, WrongTypeForACounter) {
  json j = WindowJson();
  j["counts"]["refused"] = "3";
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "counts.refused": expected unsigned integer)");
  j["counts"]["refused"] = -1;
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "counts.refused": expected unsigned integer)");
  j["counts"]["refused"] = 1.5;
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "counts.refused": expected unsigned integer)");
  j = WindowJson();
  j["counts"]["syn_retransmits"] = nullptr;
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "counts.syn_retransmits": expected unsigned integer)");
}

TEST(DecoderErrors, CounterBeyondUint64) {
  std::string wire = WindowJson().dump();
  const std::string from = R"("refused":3)";
  wire.replace(wire.find(from), from.size(), R"("refused":18446744073709551616)");
  EXPECT_EQ(DecodeWindowError(wire),
            R"(edge_window: field "counts.refused": expected unsigned integer)");
}

TEST(DecoderErrors, MissingRequiredFields) {
  json j = WindowJson();
  j.erase("node");
  EXPECT_EQ(DecodeWindowError(j.dump()), R"(edge_window: field "node": missing)");

  j = WindowJson();
  j["counts"].erase("timeout");
  EXPECT_EQ(DecodeWindowError(j.dump()), R"(edge_window: field "counts.timeout": missing)");

  j = WindowJson();
  j["edge"]["server"].erase("port");
  EXPECT_EQ(DecodeWindowError(j.dump()), R"(edge_window: field "edge.server.port": missing)");

  j = WindowJson();
  j["connect_latency_us"].erase("max");
  EXPECT_EQ(DecodeWindowError(j.dump()), R"(edge_window: field "connect_latency_us.max": missing)");

  j = WindowJson();
  j.erase("schema");
  EXPECT_EQ(DecodeWindowError(j.dump()), R"(edge_window: field "schema": missing)");
}

TEST(DecoderErrors, WrongTypesNameTheNestedPath) {
  json j = WindowJson();
  j["edge"]["server"]["port"] = 70000;
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "edge.server.port": expected unsigned 16-bit integer)");

  j = WindowJson();
  j["edge"]["side"] = "middle";
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "edge.side": expected "client" or "server", got "middle")");

  j = WindowJson();
  j["evidence_ids"][1] = 5;
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "evidence_ids[1]": expected string)");

  j = WindowJson();
  j["edge"] = "client|api";
  EXPECT_EQ(DecodeWindowError(j.dump()), R"(edge_window: field "edge": expected object)");

  j = WindowJson();
  j["window_start"] = 1795342500;
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "window_start": expected RFC 3339 time string)");

  j = WindowJson();
  j["window_end"] = "2026-11-22T10:15:10";
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "window_end": invalid RFC 3339 time "2026-11-22T10:15:10": )"
            R"(expected 'Z' or an offset ±hh:mm)");
}

TEST(DecoderErrors, IdentityFieldsOfPeers) {
  json j = WindowJson();
  j["edge"]["client"]["service"] = 7;
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "edge.client.service": expected string)");

  j = WindowJson();
  j["edge"]["server"]["business_system"] = nullptr;
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "edge.server.business_system": expected string)");

  j = WindowJson();
  j["edge"]["server"]["tags"] = json::array({"owner"});
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "edge.server.tags": expected object of strings)");

  j = WindowJson();
  j["edge"]["client"]["tags"] = json::parse(R"({"owner":"a","tier":1})");
  EXPECT_EQ(DecodeWindowError(j.dump()),
            R"(edge_window: field "edge.client.tags.tier": expected string)");

  // A key given twice (nlohmann would keep one, so the text is written by hand).
  std::string wire = Encode(Window());
  const std::string from = R"("port":443,"workload":"web","container_id":"","service":"",)"
                           R"("business_system":"","tags":{})";
  ASSERT_NE(wire.find(from), std::string::npos) << wire;
  wire.replace(wire.find(from), from.size(),
               R"("port":443,"workload":"web","container_id":"","service":"",)"
               R"("business_system":"","tags":{"owner":"a","owner":"b"})");
  EXPECT_EQ(DecodeWindowError(wire),
            R"(edge_window: field "edge.server.tags.owner": duplicate key)");
}

TEST(DecoderErrors, EvidenceAndAlertPaths) {
  Decoder d;
  json e = json::parse(Encode(Evidence()));
  e["tuple"]["src_port"] = -5;
  Result<EvidenceEvent> re = d.DecodeEvidence(e.dump());
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.error(), R"(evidence: field "tuple.src_port": expected unsigned 16-bit integer)");

  e = json::parse(Encode(Evidence()));
  e["kind"] = "timeout";
  re = d.DecodeEvidence(e.dump());
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.error(), R"(evidence: field "kind": expected "connect_failed", "accept_failed")"
                        R"(, "reset", "http_request" or "dns_query", got "timeout")");
  // v1 records know only the kernel kinds.
  e["schema"] = "edgewatch.evidence.v1";
  e["kind"] = "http_request";
  re = d.DecodeEvidence(e.dump());
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.error(), R"(evidence: field "kind": expected "connect_failed", "accept_failed")"
                        R"( or "reset" in edgewatch.evidence.v1, got "http_request")");

  e = json::parse(Encode(Evidence()));
  e["sk_err"] = 4294967296;
  re = d.DecodeEvidence(e.dump());
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.error(), R"(evidence: field "sk_err": expected 32-bit integer)");

  json a = json::parse(Encode(AlertWithEvidence()));
  a["evidence"][1]["process"]["pid"] = "1234";
  Result<Alert> ra = d.DecodeAlert(a.dump());
  ASSERT_FALSE(ra.ok());
  EXPECT_EQ(ra.error(),
            R"(alert: field "evidence[1].process.pid": expected unsigned 32-bit integer)");

  a = json::parse(Encode(AlertWithEvidence()));
  a["labels"]["team"] = 7;
  ra = d.DecodeAlert(a.dump());
  ASSERT_FALSE(ra.ok());
  EXPECT_EQ(ra.error(), R"(alert: field "labels.team": expected string)");

  a = json::parse(Encode(AlertWithEvidence()));
  a["status"] = "pending";
  ra = d.DecodeAlert(a.dump());
  ASSERT_FALSE(ra.ok());
  EXPECT_EQ(ra.error(), R"(alert: field "status": expected "firing" or "resolved", got "pending")");

  a = json::parse(Encode(AlertWithEvidence()));
  a["threshold"] = "high";
  ra = d.DecodeAlert(a.dump());
  ASSERT_FALSE(ra.ok());
  EXPECT_EQ(ra.error(), R"(alert: field "threshold": expected number or null)");
}

TEST(DecoderErrors, EveryTruncationFails) {
  const std::string wire = Encode(Window());
  Decoder d;
  for (size_t n = 0; n < wire.size(); ++n) {
    Result<EdgeWindow> r = d.DecodeEdgeWindow(std::string_view(wire).substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded: " << wire.substr(0, n);
    ASSERT_EQ(r.error().rfind("edge_window: ", 0), 0u) << r.error();
  }
  // And the whole record still decodes with the same decoder afterwards.
  EXPECT_TRUE(d.DecodeEdgeWindow(wire).ok());
}

TEST(DecoderErrors, TruncatedAlertViaDecode) {
  const std::string wire = Encode(AlertWithEvidence());
  Decoder d;
  for (size_t n = 0; n < wire.size(); n += 7) {
    Result<Record> r = d.Decode(std::string_view(wire).substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
  }
}

TEST(DecoderErrors, NotAnObjectOrNotJson) {
  EXPECT_NE(DecodeWindowError(""), "<decoded>");
  EXPECT_NE(DecodeWindowError("[1,2,3]"), "<decoded>");
  EXPECT_NE(DecodeWindowError("42"), "<decoded>");
  EXPECT_NE(DecodeWindowError("{\"node\":\"\xff\"}"), "<decoded>");  // invalid UTF-8
  EXPECT_EQ(DecodeWindowError("[1,2,3]"), "edge_window: expected JSON object");
}

TEST(DecoderErrors, TrailingContent) {
  const std::string wire = Encode(Window());
  // simdjson itself refuses a document whose last token does not close the root object.
  EXPECT_EQ(DecodeWindowError(wire + " x").rfind("edge_window: malformed JSON: ", 0), 0u);
  EXPECT_EQ(DecodeWindowError(wire + " 1"), DecodeWindowError(wire + " x"));
  EXPECT_EQ(DecodeWindowError(wire + wire), "edge_window: trailing content after the record");
  EXPECT_EQ(DecodeWindowError(wire + " \n\t"), "<decoded>");
}

TEST(DecoderErrors, UnknownOrWrongSchema) {
  Decoder d;
  Result<Record> r = d.Decode(R"({"schema":"edgewatch.edge_window.v2","node":"n1"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), R"(record: unknown schema "edgewatch.edge_window.v2")");

  r = d.Decode(R"({"node":"n1"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), R"(record: field "schema": missing)");

  r = d.Decode(R"({"schema":1})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), R"(record: field "schema": expected string)");

  // A typed decoder checks the schema too.
  EXPECT_EQ(DecodeWindowError(Encode(Evidence())),
            R"(edge_window: field "schema": expected "edgewatch.edge_window.v1", )"
            R"(got "edgewatch.evidence.v2")");

  // Decode reports errors of the record it dispatched to.
  json j = WindowJson();
  j["seq"] = "42";
  r = d.Decode(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), R"(edge_window: field "seq": expected unsigned integer)");
}

// Forward compatibility: fields a newer v1 producer adds are skipped wherever they appear,
// whatever their type, and field order does not matter.
TEST(DecoderForwardCompat, UnknownFieldsAreIgnored) {
  json j = WindowJson();
  j["future"] = {{"nested", {1, 2, {{"x", nullptr}}}}, {"s", "v"}};
  j["edge"]["zone"] = "eu-1";
  j["edge"]["server"]["labels"] = json::array({"a", "b"});  // (tags is a known field now)
  j["counts"]["quic_failures"] = 9;
  j["connect_latency_us"]["p99"] = 1.5;
  Decoder d;
  Result<EdgeWindow> r = d.DecodeEdgeWindow(j.dump());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(Encode(*r), Encode(Window()));
}

// Keys are matched in the raw buffer a word at a time: names that extend, shorten or share
// a prefix with known ones must not be taken for them.
TEST(DecoderForwardCompat, LookalikeKeysAreNotConfused) {
  json j = WindowJson();
  j["nod"] = 1;
  j["node_name"] = 2;
  j["counts2"] = "x";
  j["connect_latency_us_p99"] = "x";
  j["connect_latency_u"] = "x";
  j["evidence_dropped_total"] = "x";
  j["edge"]["server"]["portx"] = "x";
  j["edge"]["server"]["por"] = "x";
  j["counts"]["synack_retransmits_v2"] = "x";
  j["counts"]["synack_retransmit"] = "x";
  j["counts"]["resets"] = "x";
  Decoder d;
  Result<EdgeWindow> r = d.DecodeEdgeWindow(j.dump());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(Encode(*r), Encode(Window()));

  j = WindowJson();
  j.erase("connect_latency_us");
  j["connect_latency_us_v2"] = {{"count", 1}, {"sum", 2}, {"max", 3}};
  EXPECT_EQ(DecodeWindowError(j.dump()), R"(edge_window: field "connect_latency_us": missing)");
}

TEST(DecoderForwardCompat, AnyFieldOrder) {
  // nlohmann::json (not ordered_json) sorts keys alphabetically: a different order at every level.
  Decoder d;
  const std::string sorted = json::parse(Encode(Window())).dump(2);
  ASSERT_NE(sorted.find("\"connect_latency_us\""), std::string::npos);
  ASSERT_LT(sorted.find("\"connect_latency_us\""), sorted.find("\"schema\""));
  Result<EdgeWindow> w = d.DecodeEdgeWindow(sorted);
  ASSERT_TRUE(w.ok()) << w.error();
  EXPECT_EQ(Encode(*w), Encode(Window()));

  Result<Record> a = d.Decode(json::parse(Encode(AlertWithEvidence())).dump());
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(Encode(std::get<Alert>(*a)), Encode(AlertWithEvidence()));
}

TEST(DecoderForwardCompat, EscapedKeysAndStrings) {
  json j = WindowJson();
  std::string wire = j.dump();
  const std::string from = R"("node":"n1")";
  wire.replace(wire.find(from), from.size(), R"("n\u006fde":"\u006e1\u00e9")");
  Decoder d;
  Result<EdgeWindow> r = d.DecodeEdgeWindow(wire);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->node, "n1\xC3\xA9");
}

TEST(DecoderErrors, DecoderRecoversAfterAnError) {
  Decoder d;
  EXPECT_FALSE(d.DecodeEdgeWindow("{\"schema\":").ok());
  json j = WindowJson();
  j["counts"]["refused"] = "x";
  EXPECT_FALSE(d.DecodeEdgeWindow(j.dump()).ok());
  Result<EdgeWindow> r = d.DecodeEdgeWindow(Encode(Window()));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->at(Counter::kRefused), 3u);
}

}  // namespace
}  // namespace edgewatch::schema
