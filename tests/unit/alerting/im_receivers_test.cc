// DingTalk, WeCom, Feishu and Slack receivers against real HTTP servers (cpp-httplib) on
// 127.0.0.1: the exact payloads, the signatures (recomputed here with OpenSSL from the
// timestamp the server received), the robots' answers and their classification, secrets.
#include "alerting/im_receivers.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/unit/alerting/http_test_server.h"

namespace edgewatch::alerting {
namespace {

using nlohmann::json;
using testing::Batch;
using testing::Json;
using testing::MakeNotification;
using testing::Recorded;
using testing::RootCauseAlert;
using testing::Statuses;
using testing::SymptomAlert;
using testing::TestServer;

constexpr int64_t kNowNs = 1'763'800'503'123'000'000;
constexpr const char* kSecret = "SECtest-secret-0123456789";
constexpr const char* kFeishuHook = "/open-apis/bot/v2/hook/0f0e0d0c-0b0a-0908-0706-050403020100";
constexpr const char* kSlackHook = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX";

WallClock FixedClock() {
  return [] { return kNowNs; };
}

// The expected signature, computed independently of alerting/signing.cc.
std::string ExpectedHmacBase64(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(b64, mac, static_cast<int>(len));
  return std::string(reinterpret_cast<const char*>(b64), static_cast<size_t>(n));
}

template <typename R>
std::unique_ptr<R> Make(Result<std::unique_ptr<R>> r) {
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? std::move(r).value() : nullptr;
}

class ImReceiversTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::UnsetProxies(); }
};

// --- DingTalk -----------------------------------------------------------------------------

DingTalkConfig DingTalk(const std::string& url) {
  DingTalkConfig c;
  c.name = "dd";
  c.url.literal = url + "?access_token=dd-access-token-0123456789";
  c.secret.literal = kSecret;
  c.external_url = "http://ew:9722";
  return c;
}

TEST_F(ImReceiversTest, DingTalkPostsASignedMarkdownMessage) {
  TestServer server(Json(R"({"errcode":0,"errmsg":"ok"})"));
  ASSERT_TRUE(server.ok());
  DingTalkConfig config = DingTalk(server.url());
  config.at_mobiles = {"13800000000"};
  auto receiver = Make(DingTalkReceiver::Create(config, FixedClock()));
  ASSERT_NE(receiver, nullptr);
  EXPECT_EQ(receiver->name(), "dd");

  const NotificationBatch batch = Batch({RootCauseAlert()});
  const DeliveryStatus s = receiver->Deliver(batch);
  ASSERT_TRUE(s.ok()) << s.message();

  const std::vector<Recorded> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const Recorded& r = requests[0];
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.param("access_token"), "dd-access-token-0123456789");
  const std::string timestamp = r.param("timestamp");
  EXPECT_EQ(timestamp, "1763800503123");  // the injected clock, in milliseconds
  EXPECT_EQ(r.param("sign"), ExpectedHmacBase64(kSecret, timestamp + "\n" + kSecret));

  const json body = json::parse(r.body);
  const Message m =
      MessageRenderer::Create("", "", {.external_url = "http://ew:9722"}, "").value().Render(batch);
  EXPECT_EQ(body, json({{"msgtype", "markdown"},
                        {"markdown", {{"title", m.title}, {"text", m.text + "\n\n@13800000000"}}},
                        {"at", {{"atMobiles", {"13800000000"}}, {"isAtAll", false}}}}))
      << body.dump(2);
  EXPECT_EQ(body["markdown"]["title"], "[FIRING:1] SnatConflict");
  const std::string text = body["markdown"]["text"];
  EXPECT_NE(text.find("- Blast radius: 12 edges; business systems: payments, shop"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(http://ew:9722/api/v1/evidence/node-7/1/1)"), std::string::npos) << text;
}

TEST_F(ImReceiversTest, DingTalkUnsignedAndBatched) {
  TestServer server(Json(R"({"errcode":0,"errmsg":"ok"})"));
  ASSERT_TRUE(server.ok());
  DingTalkConfig config = DingTalk(server.url());
  config.secret = {};
  config.title = "{{status}} {{alertname}}";
  auto receiver = Make(DingTalkReceiver::Create(config, FixedClock()));
  ASSERT_NE(receiver, nullptr);
  NotificationBatch batch = Batch({RootCauseAlert()});
  batch.push_back(MakeNotification({SymptomAlert()}));
  ASSERT_TRUE(receiver->Deliver(batch).ok());

  ASSERT_EQ(server.request_count(), 1u);  // one message for the whole batch
  const Recorded r = server.requests()[0];
  EXPECT_EQ(r.query, "access_token=dd-access-token-0123456789");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["markdown"]["title"], "FIRING SnatConflict (+1 more)");
  const std::string text = body["markdown"]["text"];
  EXPECT_NE(text.find("#### [FIRING:1] SnatConflict"), std::string::npos) << text;
  EXPECT_NE(text.find("#### [FIRING:1] connect_refused_burst"), std::string::npos) << text;
}

TEST_F(ImReceiversTest, DingTalkAnswers) {
  struct Case {
    const char* body;
    DeliveryStatus::Code code;
    const char* message;
  };
  const Case cases[] = {
      {R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"})",
       DeliveryStatus::Code::kRetryable,
       "DingTalk errcode 130101: \"send too fast, exceed 20 times per minute\""},
      {R"({"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com]"})",
       DeliveryStatus::Code::kPermanent,
       "DingTalk errcode 310000: \"sign not match, more: [https://ding-doc.dingtalk.com]\""},
      {R"({"errcode":300001,"errmsg":"token is not exist"})", DeliveryStatus::Code::kPermanent,
       "DingTalk errcode 300001: \"token is not exist\""},
      {"<html>proxy</html>", DeliveryStatus::Code::kPermanent,
       "DingTalk: unexpected answer, HTTP 200, response body \"<html>proxy</html>\""},
  };
  for (const Case& c : cases) {
    const DeliveryStatus s = ClassifyDingTalkAnswer({200, c.body});
    EXPECT_EQ(s.code(), c.code) << c.body;
    EXPECT_EQ(s.message(), c.message);
  }
  EXPECT_TRUE(ClassifyDingTalkAnswer({200, R"({"errcode":0,"errmsg":"ok"})"}).ok());
  EXPECT_TRUE(ClassifyDingTalkAnswer({503, ""}).retryable());
  EXPECT_TRUE(ClassifyDingTalkAnswer({429, ""}).retryable());
  EXPECT_EQ(ClassifyDingTalkAnswer({404, "not found"}).code(), DeliveryStatus::Code::kPermanent);
}

TEST_F(ImReceiversTest, DingTalkSendTooFastIsRetryableAndBadSignPermanentWithoutSecrets) {
  TestServer fast(Json(R"({"errcode":130101,"errmsg":"send too fast"})"));
  ASSERT_TRUE(fast.ok());
  auto r1 = Make(DingTalkReceiver::Create(DingTalk(fast.url()), FixedClock()));
  ASSERT_NE(r1, nullptr);
  const DeliveryStatus s1 = r1->Deliver(Batch({SymptomAlert()}));
  EXPECT_TRUE(s1.retryable()) << s1.message();

  // The robot quotes the request back: token and secret must not reach the log.
  TestServer bad([](const httplib::Request& req, httplib::Response& res) {
    res.set_content(json({{"errcode", 310000},
                          {"errmsg", "sign not match for " + req.get_param_value("access_token") +
                                         " with " + kSecret}})
                        .dump(),
                    "application/json");
  });
  ASSERT_TRUE(bad.ok());
  auto r2 = Make(DingTalkReceiver::Create(DingTalk(bad.url()), FixedClock()));
  ASSERT_NE(r2, nullptr);
  const DeliveryStatus s2 = r2->Deliver(Batch({SymptomAlert()}));
  EXPECT_EQ(s2.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_EQ(s2.message(),
            "DingTalk errcode 310000: \"sign not match for <redacted> with <redacted>\"");
}

TEST_F(ImReceiversTest, DingTalkSecretsFromFileAndEnvironment) {
  TestServer server(Json(R"({"errcode":0,"errmsg":"ok"})"));
  ASSERT_TRUE(server.ok());
  const std::string url_file = ::testing::TempDir() + "/dd-url";
  std::ofstream(url_file) << server.url() << "?access_token=from-file-0123456789\n";
  setenv("EW_TEST_DD_SECRET", "SECfrom-env", 1);
  DingTalkConfig config;
  config.name = "dd";
  config.url.file = url_file;
  config.secret.env = "EW_TEST_DD_SECRET";
  auto receiver = Make(DingTalkReceiver::Create(config, FixedClock()));
  unsetenv("EW_TEST_DD_SECRET");
  ASSERT_NE(receiver, nullptr);
  ASSERT_TRUE(receiver->Deliver(Batch({SymptomAlert()})).ok());
  const Recorded r = server.requests().at(0);
  EXPECT_EQ(r.param("access_token"), "from-file-0123456789");
  EXPECT_EQ(r.param("sign"),
            ExpectedHmacBase64("SECfrom-env", r.param("timestamp") + "\nSECfrom-env"));

  config.secret.env = "EW_TEST_DD_SECRET";  // unset now
  auto missing = DingTalkReceiver::Create(config, FixedClock());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(),
            "alerting.receivers.dd.secret_env: environment variable EW_TEST_DD_SECRET is not set");
}

TEST_F(ImReceiversTest, ConfigurationErrors) {
  auto error_of = [](DingTalkConfig c) {
    auto r = DingTalkReceiver::Create(std::move(c));
    return r.ok() ? std::string() : r.error();
  };
  DingTalkConfig c = DingTalk("http://127.0.0.1:9/robot/send");
  EXPECT_EQ(error_of(c), "");
  c.url = {};
  EXPECT_EQ(error_of(c), "alerting.receivers.dd.url: required");
  c = DingTalk("ftp://x/y");
  EXPECT_EQ(error_of(c), "alerting.receivers.dd.url: scheme must be http or https (got ftp)");
  c = DingTalk("http://127.0.0.1:9/robot/send");
  c.text = "{{alerts}} {{runbook}}";
  EXPECT_TRUE(
      error_of(c).starts_with("alerting.receivers.dd.text: unknown placeholder "
                              "{{runbook}}"))
      << error_of(c);
  c = DingTalk("http://127.0.0.1:9/robot/send");
  c.at_mobiles = {"138 0000"};
  EXPECT_EQ(error_of(c),
            "alerting.receivers.dd.at_mobiles: \"138 0000\" is not a mobile number (digits, '+' "
            "and '-')");
  c = DingTalk("http://127.0.0.1:9/robot/send");
  c.max_batch = 0;
  EXPECT_EQ(error_of(c), "alerting.receivers.dd.max_batch: must be 1 to 100 (got 0)");
  c = DingTalk("http://127.0.0.1:9/robot/send");
  c.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(error_of(c), "alerting.receivers.dd.timeout: must be positive (got 0ms)");

  WeComConfig w;
  w.name = "wc";
  w.url.literal = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
  w.secret.literal = "x";
  auto signed_wecom = WeComReceiver::Create(w);
  ASSERT_FALSE(signed_wecom.ok());
  EXPECT_EQ(signed_wecom.error(), "alerting.receivers.wc.secret: WeCom robots are not signed");
}

TEST_F(ImReceiversTest, RateLimitsAndBatchSizes) {
  auto dd = Make(DingTalkReceiver::Create(DingTalk("http://127.0.0.1:9/send")));
  ASSERT_NE(dd, nullptr);
  EXPECT_EQ(dd->rate_limit().count, 20u);
  EXPECT_EQ(dd->rate_limit().per, std::chrono::minutes(1));
  EXPECT_EQ(dd->max_batch(), 10u);

  SlackConfig s;
  s.name = "slack";
  s.url.literal = "https://hooks.slack.com/services/T/B/X";
  auto slack = Make(SlackReceiver::Create(s));
  ASSERT_NE(slack, nullptr);
  EXPECT_EQ(slack->rate_limit().count, 1u);
  EXPECT_EQ(slack->rate_limit().per, std::chrono::seconds(1));

  FeishuConfig f;
  f.name = "feishu";
  f.url.literal = "https://open.feishu.cn/open-apis/bot/v2/hook/x";
  f.rate_limit = RateLimit{50, std::chrono::minutes(1)};
  f.max_batch = 3;
  auto feishu = Make(FeishuReceiver::Create(f));
  ASSERT_NE(feishu, nullptr);
  EXPECT_EQ(feishu->rate_limit().count, 50u);
  EXPECT_EQ(feishu->max_batch(), 3u);

  WeComConfig w;
  w.name = "wc";
  w.url.literal = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
  auto wecom = Make(WeComReceiver::Create(w));
  ASSERT_NE(wecom, nullptr);
  EXPECT_EQ(wecom->rate_limit().count, 20u);
}

// --- WeCom --------------------------------------------------------------------------------

WeComConfig WeCom(const std::string& url) {
  WeComConfig c;
  c.name = "wecom";
  c.url.literal = url + "?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
  return c;
}

TEST_F(ImReceiversTest, WeComPostsMarkdownCutTo4096Bytes) {
  TestServer server(Json(R"({"errcode":0,"errmsg":"ok"})"));
  ASSERT_TRUE(server.ok());
  auto receiver = Make(WeComReceiver::Create(WeCom(server.url()), FixedClock()));
  ASSERT_NE(receiver, nullptr);

  const NotificationBatch small = Batch({SymptomAlert()});
  ASSERT_TRUE(receiver->Deliver(small).ok());
  const Message m = MessageRenderer::Create("", "", {}, "").value().Render(small);
  const Recorded r = server.requests().at(0);
  EXPECT_EQ(r.param("key"), "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa");
  EXPECT_EQ(json::parse(r.body),
            json({{"msgtype", "markdown"}, {"markdown", {{"content", m.text}}}}));

  // Ten alerts with long summaries: far over 4096 bytes.
  std::vector<schema::Alert> many(10, SymptomAlert());
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].fingerprint = "000000000000000" + std::to_string(i);
    many[i].annotations["summary"] = std::string(600, 'x') + " → ";
  }
  ASSERT_TRUE(receiver->Deliver(Batch(many)).ok());
  const std::string content =
      json::parse(server.requests().at(1).body)["markdown"]["content"].get<std::string>();
  EXPECT_LE(content.size(), 4096u);
  EXPECT_GT(content.size(), 4000u);
  EXPECT_TRUE(content.ends_with("… (truncated)")) << content.substr(content.size() - 40);
}

TEST_F(ImReceiversTest, WeComAnswers) {
  EXPECT_TRUE(ClassifyWeComAnswer({200, R"({"errcode":0,"errmsg":"ok"})"}).ok());
  const DeliveryStatus limited =
      ClassifyWeComAnswer({200, R"({"errcode":45009,"errmsg":"api freq out of limit"})"});
  EXPECT_TRUE(limited.retryable());
  EXPECT_EQ(limited.message(), "WeCom errcode 45009: \"api freq out of limit\"");

  TestServer server(Json(R"({"errcode":93000,"errmsg":"invalid webhook url, hint: [1]"})"));
  ASSERT_TRUE(server.ok());
  auto receiver = Make(WeComReceiver::Create(WeCom(server.url()), FixedClock()));
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus s = receiver->Deliver(Batch({SymptomAlert()}));
  EXPECT_EQ(s.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_EQ(s.message(), "WeCom errcode 93000: \"invalid webhook url, hint: [1]\"");
}

// --- Feishu -------------------------------------------------------------------------------

TEST_F(ImReceiversTest, FeishuPostsASignedTextMessage) {
  TestServer server(Json(R"({"code":0,"msg":"success","data":{}})"), 0, kFeishuHook);
  ASSERT_TRUE(server.ok());
  FeishuConfig config;
  config.name = "feishu";
  config.url.literal = server.url();
  config.secret.literal = kSecret;
  config.external_url = "http://ew:9722";
  auto receiver = Make(FeishuReceiver::Create(config, FixedClock()));
  ASSERT_NE(receiver, nullptr);
  const NotificationBatch batch = Batch({RootCauseAlert()});
  const DeliveryStatus s = receiver->Deliver(batch);
  ASSERT_TRUE(s.ok()) << s.message();

  const json body = json::parse(server.requests().at(0).body);
  const std::string timestamp = body["timestamp"];
  EXPECT_EQ(timestamp, "1763800503");  // the injected clock, in seconds
  EXPECT_EQ(body["sign"], ExpectedHmacBase64(timestamp + "\n" + kSecret, ""));
  const Message m = MessageRenderer::Create(
                        "", "", {.markup = Markup::kPlain, .external_url = "http://ew:9722"}, "")
                        .value()
                        .Render(batch);
  EXPECT_EQ(body, json({{"timestamp", timestamp},
                        {"sign", body["sign"]},
                        {"msg_type", "text"},
                        {"content", {{"text", m.text}}}}));
  EXPECT_TRUE(m.text.starts_with("[FIRING:1] SnatConflict\nSnatConflict · critical")) << m.text;
  EXPECT_NE(m.text.find("http://ew:9722/api/v1/evidence/node-7/1/1"), std::string::npos);
}

TEST_F(ImReceiversTest, FeishuAnswers) {
  EXPECT_TRUE(ClassifyFeishuAnswer({200, R"({"code":0,"msg":"success","data":{}})"}).ok());
  EXPECT_TRUE(ClassifyFeishuAnswer({200, R"({"StatusCode":0,"StatusMessage":"success"})"}).ok());
  const DeliveryStatus limited =
      ClassifyFeishuAnswer({200, R"({"code":11232,"msg":"frequency limited psm[lark.oapi]"})"});
  EXPECT_TRUE(limited.retryable());
  EXPECT_EQ(limited.message(), "Feishu code 11232: \"frequency limited psm[lark.oapi]\"");
  const DeliveryStatus sign =
      ClassifyFeishuAnswer({200, R"({"code":19021,"msg":"sign match fail or timestamp is not )"
                                 R"(within one hour from current time","data":{}})"});
  EXPECT_EQ(sign.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_TRUE(sign.message().starts_with("Feishu code 19021: \"sign match fail")) << sign.message();
  // Feishu answers a malformed request with HTTP 400 and a code.
  const DeliveryStatus bad = ClassifyFeishuAnswer({400, R"({"code":9499,"msg":"Bad Request"})"});
  EXPECT_EQ(bad.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_EQ(bad.message(), "Feishu code 9499: \"Bad Request\" (HTTP 400)");
}

TEST_F(ImReceiversTest, FeishuSignMismatchIsPermanentAndHidesTheHookId) {
  TestServer server(
      [](const httplib::Request& req, httplib::Response& res) {
        res.set_content(json({{"code", 19021}, {"msg", "sign match fail for " + req.path}}).dump(),
                        "application/json");
      },
      0, kFeishuHook);
  ASSERT_TRUE(server.ok());
  FeishuConfig config;
  config.name = "feishu";
  config.url.literal = server.url();
  config.secret.literal = kSecret;
  auto receiver = Make(FeishuReceiver::Create(config, FixedClock()));
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus s = receiver->Deliver(Batch({SymptomAlert()}));
  EXPECT_EQ(s.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_EQ(s.message().find("0f0e0d0c-0b0a-0908-0706-050403020100"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("<redacted>"), std::string::npos) << s.message();
}

// --- Slack --------------------------------------------------------------------------------

TEST_F(ImReceiversTest, SlackPostsTextAndMrkdwnBlocks) {
  TestServer server(Statuses({200}, "ok"), 0, kSlackHook);
  ASSERT_TRUE(server.ok());
  SlackConfig config;
  config.name = "slack";
  config.url.literal = server.url();
  config.external_url = "http://ew:9722";
  auto receiver = Make(SlackReceiver::Create(config, FixedClock()));
  ASSERT_NE(receiver, nullptr);
  const NotificationBatch batch = Batch({SymptomAlert()});
  ASSERT_TRUE(receiver->Deliver(batch).ok());

  const json body = json::parse(server.requests().at(0).body);
  const Message m = MessageRenderer::Create(
                        "", "", {.markup = Markup::kSlack, .external_url = "http://ew:9722"}, "")
                        .value()
                        .Render(batch);
  EXPECT_EQ(
      body,
      json({{"text", "[FIRING:1] connect_refused_burst"},
            {"blocks", {{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", m.text}}}}}}}))
      << body.dump(2);
  EXPECT_TRUE(m.text.starts_with("*[FIRING:1] connect_refused_burst*\n")) << m.text;
}

TEST_F(ImReceiversTest, SlackAnswers) {
  EXPECT_TRUE(ClassifySlackAnswer({200, "ok"}).ok());
  EXPECT_TRUE(ClassifySlackAnswer({429, "rate_limited"}).retryable());
  EXPECT_TRUE(ClassifySlackAnswer({500, ""}).retryable());
  const DeliveryStatus invalid = ClassifySlackAnswer({400, "invalid_payload"});
  EXPECT_EQ(invalid.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_EQ(invalid.message(), "HTTP 400, response body \"invalid_payload\"");

  TestServer server(Statuses({404}, "no_service"), 0, kSlackHook);
  ASSERT_TRUE(server.ok());
  SlackConfig config;
  config.name = "slack";
  config.url.literal = server.url();
  auto receiver = Make(SlackReceiver::Create(config, FixedClock()));
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus s = receiver->Deliver(Batch({SymptomAlert()}));
  EXPECT_EQ(s.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_EQ(s.message(), "HTTP 404, response body \"no_service\"");
}

TEST_F(ImReceiversTest, ConnectionRefusedIsRetryableAndHidesTheUrl) {
  const int port = testing::FreePort();
  ASSERT_GT(port, 0);
  SlackConfig config;
  config.name = "slack";
  config.url.literal = "http://127.0.0.1:" + std::to_string(port) + kSlackHook;
  auto receiver = Make(SlackReceiver::Create(config, FixedClock()));
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus s = receiver->Deliver(Batch({SymptomAlert()}));
  EXPECT_TRUE(s.retryable());
  EXPECT_NE(s.message().find("(curl error 7)"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("XXXXXXXXXXXXXXXXXXXXXXXX"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace edgewatch::alerting
