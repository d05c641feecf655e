// The receivers' JSON bodies, compared exactly (as parsed JSON).
#include "alerting/payloads.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/unit/alerting/http_test_server.h"

namespace edgewatch::alerting {
namespace {

using nlohmann::json;
using testing::Batch;
using testing::MakeNotification;
using testing::Resolved;
using testing::SymptomAlert;

TEST(PayloadsTest, GeneratorUrl) {
  EXPECT_EQ(GeneratorUrl("", "8c1d3f0a9b2e4d71"), "");
  EXPECT_EQ(GeneratorUrl("http://h:9722/", "8c1d3f0a9b2e4d71"),
            "http://h:9722/api/v1/alerts?fingerprint=8c1d3f0a9b2e4d71");
}

TEST(PayloadsTest, AlertmanagerWebhookPayloadOfAResolvedGroup) {
  NotificationPtr n = MakeNotification({Resolved(SymptomAlert())}, "dd");
  const json got = json::parse(AlertmanagerWebhookPayload(*n, ""));
  const json want = json::parse(R"({
    "version": "4",
    "groupKey": "{}:{alertname=\"connect_refused_burst\"}",
    "truncatedAlerts": 0,
    "status": "resolved",
    "receiver": "dd",
    "groupLabels": {"alertname": "connect_refused_burst"},
    "commonLabels": {"alertname": "connect_refused_burst", "business_system": "payments",
                     "severity": "critical", "server": "10.0.3.7:5432"},
    "commonAnnotations": {"summary": "orders → 10.0.3.7:5432 refused 12 connects in 10s"},
    "externalURL": "",
    "alerts": [
      {"status": "resolved",
       "labels": {"alertname": "connect_refused_burst", "business_system": "payments",
                  "severity": "critical", "server": "10.0.3.7:5432"},
       "annotations": {"summary": "orders → 10.0.3.7:5432 refused 12 connects in 10s"},
       "startsAt": "2025-11-22T08:35:03.123456789Z",
       "endsAt": "2025-11-22T08:36:03.123456789Z",
       "generatorURL": "",
       "fingerprint": "8c1d3f0a9b2e4d71"}
    ]})");
  EXPECT_EQ(got, want) << got.dump(2);
}

TEST(PayloadsTest, AlertmanagerApiAlerts) {
  schema::Alert firing = SymptomAlert();
  firing.labels["bad.name"] = "x";
  firing.labels["1st"] = "y";
  firing.labels["empty"] = "";
  schema::Alert other = SymptomAlert();
  other.fingerprint = "0000000000000002";
  other.labels["server"] = "10.0.3.8:5432";
  NotificationBatch batch = Batch({firing, other});
  // The same alert again in a later notification, resolved by now: sent once, resolved.
  batch.push_back(MakeNotification({Resolved(other)}));
  const int64_t now = testing::kStartsAtNs + 90'000'000'000;  // 08:36:33.123456789
  const json got =
      json::parse(AlertmanagerApiAlerts(batch, now, std::chrono::minutes(4), "http://ew:9722"));
  const json want = json::parse(R"([
    {"labels": {"alertname": "connect_refused_burst", "business_system": "payments",
                "severity": "critical", "server": "10.0.3.7:5432", "bad_name": "x", "_1st": "y"},
     "annotations": {"summary": "orders → 10.0.3.7:5432 refused 12 connects in 10s"},
     "startsAt": "2025-11-22T08:35:03.123456789Z",
     "endsAt": "2025-11-22T08:40:33.123456789Z",
     "generatorURL": "http://ew:9722/api/v1/alerts?fingerprint=8c1d3f0a9b2e4d71"},
    {"labels": {"alertname": "connect_refused_burst", "business_system": "payments",
                "severity": "critical", "server": "10.0.3.8:5432"},
     "annotations": {"summary": "orders → 10.0.3.7:5432 refused 12 connects in 10s"},
     "startsAt": "2025-11-22T08:35:03.123456789Z",
     "endsAt": "2025-11-22T08:36:03.123456789Z",
     "generatorURL": "http://ew:9722/api/v1/alerts?fingerprint=0000000000000002"}
  ])");
  EXPECT_EQ(got, want) << got.dump(2);

  const json bare =
      json::parse(AlertmanagerApiAlerts(Batch({SymptomAlert()}), now, std::chrono::minutes(4), ""));
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_FALSE(bare[0].contains("generatorURL")) << bare.dump();
}

TEST(PayloadsTest, DingTalkMarkdown) {
  const Message m{"[FIRING:1] x", "#### [FIRING:1] x\n\nbody"};
  EXPECT_EQ(json::parse(DingTalkMarkdown(m, {}, false)), json::parse(R"({
    "msgtype": "markdown",
    "markdown": {"title": "[FIRING:1] x", "text": "#### [FIRING:1] x\n\nbody"},
    "at": {"atMobiles": [], "isAtAll": false}})"));
  EXPECT_EQ(json::parse(DingTalkMarkdown(m, {"13800000000", "+86-13900000000"}, false)),
            json::parse(R"({
    "msgtype": "markdown",
    "markdown": {"title": "[FIRING:1] x",
                 "text": "#### [FIRING:1] x\n\nbody\n\n@13800000000 @+86-13900000000"},
    "at": {"atMobiles": ["13800000000", "+86-13900000000"], "isAtAll": false}})"));
}

TEST(PayloadsTest, WeComMarkdownIsCutTo4096BytesAtACharacter) {
  const Message small{"t", "hello"};
  EXPECT_EQ(json::parse(WeComMarkdown(small)),
            json::parse(R"({"msgtype": "markdown", "markdown": {"content": "hello"}})"));

  std::string big;
  while (big.size() < 5000) big += "→ edge ";  // "→" is 3 bytes
  const json j = json::parse(WeComMarkdown(Message{"t", big}));
  const std::string content = j["markdown"]["content"].get<std::string>();
  EXPECT_LE(content.size(), kWeComMaxContentBytes);
  EXPECT_GT(content.size(), kWeComMaxContentBytes - 8);
  EXPECT_TRUE(content.ends_with("… (truncated)")) << content.substr(content.size() - 40);
  EXPECT_TRUE(big.starts_with(content.substr(0, content.size() - 15)));
}

TEST(PayloadsTest, FeishuText) {
  const Message m{"t", "[FIRING:1] x\nbody"};
  EXPECT_EQ(json::parse(FeishuText(m, 1763800503, "c2lnbg==")), json::parse(R"({
    "timestamp": "1763800503", "sign": "c2lnbg==",
    "msg_type": "text", "content": {"text": "[FIRING:1] x\nbody"}})"));
  EXPECT_EQ(json::parse(FeishuText(m, 1763800503, "")), json::parse(R"({
    "msg_type": "text", "content": {"text": "[FIRING:1] x\nbody"}})"));
}

TEST(PayloadsTest, SlackMessageSplitsTheTextIntoSections) {
  const Message m{"[FIRING:1] x", "*[FIRING:1] x*\nline 2"};
  EXPECT_EQ(json::parse(SlackMessage(m)), json::parse(R"({
    "text": "[FIRING:1] x",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*[FIRING:1] x*\nline 2"}}]
  })"));

  std::string big;
  for (int i = 0; i < 200; ++i) big += std::string(99, 'a' + i % 26) + "\n";  // 20 000 bytes
  const json j = json::parse(SlackMessage(Message{"t", big}));
  ASSERT_GE(j["blocks"].size(), 7u);
  std::string joined;
  for (const json& b : j["blocks"]) {
    const std::string text = b["text"]["text"].get<std::string>();
    EXPECT_LE(text.size(), 3000u);
    joined += text + "\n";
  }
  EXPECT_EQ(joined, big);
}

TEST(PayloadsTest, InvalidUtf8DoesNotThrow) {
  const Message m{"t", "bad \xff byte"};
  const json j = json::parse(WeComMarkdown(m));
  EXPECT_EQ(j["markdown"]["content"], "bad \xef\xbf\xbd byte");
}

}  // namespace
}  // namespace edgewatch::alerting
