// WebhookReceiver against a real HTTP server (cpp-httplib) on 127.0.0.1, alone and behind the
// Dispatcher with the system clock and short backoffs.
#include "alerting/webhook_receiver.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "alerting/dispatcher.h"
#include "schema/codec.h"
#include "tests/unit/alerting/http_test_server.h"

namespace edgewatch::alerting {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Batch;
using testing::Eventually;
using testing::FreePort;
using testing::HangingServer;
using testing::MakeNotification;
using testing::Recorded;
using testing::Statuses;
using testing::TestServer;

schema::Alert MakeAlert() { return testing::SymptomAlert(); }

WebhookConfig Config(const std::string& url, WebhookFormat format = WebhookFormat::kEdgewatch) {
  WebhookConfig c;
  c.name = "ops-webhook";
  c.url = url;
  c.format = format;
  return c;
}

std::unique_ptr<WebhookReceiver> MakeReceiver(WebhookConfig config) {
  auto r = WebhookReceiver::Create(std::move(config));
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? std::move(r).value() : nullptr;
}

class WebhookReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::UnsetProxies(); }

  // A dispatcher around one webhook with quick, unjittered backoff.
  static std::unique_ptr<Dispatcher> Dispatch(std::unique_ptr<WebhookReceiver> receiver,
                                              uint32_t max_attempts = 8) {
    DispatcherConfig config;
    config.retry.initial_backoff = 10ms;
    config.retry.max_backoff = 100ms;
    config.retry.jitter = 0;
    config.retry.max_attempts = max_attempts;
    std::vector<std::unique_ptr<Receiver>> list;
    list.push_back(std::move(receiver));
    DispatcherOptions options;
    options.log = [](std::string_view) {};
    auto d = Dispatcher::Create(config, std::move(list), options);
    EXPECT_TRUE(d.ok()) << d.error();
    return d.ok() ? std::move(d).value() : nullptr;
  }

  static Clock::TimePoint In(Clock::Duration d) { return SystemClock::Get().Now() + d; }
};

TEST(WebhookConfigTest, ValidateNamesTheKey) {
  auto error_of = [](const WebhookConfig& c) {
    auto e = c.Validate();
    return e ? e->message : std::string();
  };
  EXPECT_EQ(error_of(Config("https://alerts.example.com/hook?token=x")), "");
  EXPECT_EQ(error_of(Config("http://127.0.0.1:9/hook")), "");

  EXPECT_NE(error_of(Config("")).find("alerting.receivers.ops-webhook.url: required"),
            std::string::npos);
  EXPECT_NE(error_of(Config("ftp://example.com/x")).find("scheme must be http or https"),
            std::string::npos);
  EXPECT_NE(error_of(Config("not a url")).find("alerting.receivers.ops-webhook.url"),
            std::string::npos);

  WebhookConfig c = Config("http://127.0.0.1/hook");
  c.timeout = 0ms;
  EXPECT_NE(error_of(c).find("alerting.receivers.ops-webhook.timeout"), std::string::npos);

  c = Config("http://127.0.0.1/hook");
  c.headers = {{"Bad Name", "x"}};
  EXPECT_NE(error_of(c).find("invalid header name"), std::string::npos);
  c.headers = {{"Authorization", "Bearer a\r\nInjected: 1"}};
  EXPECT_NE(error_of(c).find("line break"), std::string::npos);
  c.headers = {{"content-type", "text/plain"}};
  EXPECT_NE(error_of(c).find("set by edgewatch"), std::string::npos);

  auto created = WebhookReceiver::Create(Config("gopher://x"));
  EXPECT_FALSE(created.ok());
}

TEST(WebhookClassificationTest, StatusCodes) {
  for (int s : {200, 201, 202, 204, 299}) {
    EXPECT_TRUE(ClassifyHttpStatus(s, "").ok()) << s;
  }
  for (int s : {429, 500, 502, 503, 504, 599}) {
    const DeliveryStatus d = ClassifyHttpStatus(s, "");
    EXPECT_TRUE(d.retryable()) << s;
    EXPECT_NE(d.message().find("HTTP " + std::to_string(s)), std::string::npos) << d.message();
  }
  for (int s : {400, 401, 403, 404, 409, 413, 422, 301, 302, 100}) {
    const DeliveryStatus d = ClassifyHttpStatus(s, "");
    EXPECT_FALSE(d.ok()) << s;
    EXPECT_FALSE(d.retryable()) << s;
    EXPECT_EQ(d.code(), DeliveryStatus::Code::kPermanent) << s;
  }
}

TEST(WebhookClassificationTest, QuotesOnlyTheFirst200BytesOnOneLine) {
  const std::string body = std::string(kQuotedBodyBytes, 'a') + std::string(100, 'B');
  const DeliveryStatus d = ClassifyHttpStatus(400, body);
  EXPECT_EQ(d.message(), "HTTP 400, response body \"" + std::string(200, 'a') + "\"...");

  const DeliveryStatus multi = ClassifyHttpStatus(422, "{\"error\":\n\"bad\"}");
  EXPECT_EQ(multi.message(), "HTTP 422, response body \"{\\\"error\\\": \\\"bad\\\"}\"");
}

TEST(WebhookClassificationTest, CurlErrors) {
  for (CURLcode c : {CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT,
                     CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR,
                     CURLE_PARTIAL_FILE}) {
    EXPECT_TRUE(IsRetryableCurlError(c)) << curl_easy_strerror(c);
  }
  for (CURLcode c : {CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_NOT_BUILT_IN}) {
    EXPECT_FALSE(IsRetryableCurlError(c)) << curl_easy_strerror(c);
  }
}

TEST_F(WebhookReceiverTest, PostsExactlyTheAlertJsonWithHeaders) {
  TestServer server(Statuses({200}));
  ASSERT_TRUE(server.ok());
  WebhookConfig config = Config(server.url());
  config.headers = {{"Authorization", "Bearer s3cret"}, {"X-Scope-OrgID", "ops"}};
  auto receiver = MakeReceiver(config);
  ASSERT_NE(receiver, nullptr);
  EXPECT_EQ(receiver->name(), "ops-webhook");

  const DeliveryStatus status = receiver->Deliver(Batch({MakeAlert()}));
  EXPECT_TRUE(status.ok()) << status.message();

  const std::vector<Recorded> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const Recorded& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hook");
  EXPECT_EQ(r.body, schema::Encode(MakeAlert()));
  auto header = [&](const char* name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string("<missing>") : it->second;
  };
  EXPECT_EQ(header("Content-Type"), "application/json");
  EXPECT_EQ(header("User-Agent"), "edgewatch/0.1");
  EXPECT_EQ(header("Authorization"), "Bearer s3cret");
  EXPECT_EQ(header("X-Scope-OrgID"), "ops");
  EXPECT_EQ(header("Expect"), "<missing>");
}

TEST_F(WebhookReceiverTest, AnyTwoHundredIsDeliveredAndTheConnectionIsReused) {
  TestServer server(Statuses({202, 204, 200}));
  ASSERT_TRUE(server.ok());
  auto receiver = MakeReceiver(Config(server.url()));
  ASSERT_NE(receiver, nullptr);
  for (int i = 0; i < 3; ++i) {
    const DeliveryStatus s = receiver->Deliver(Batch({MakeAlert()}));
    EXPECT_TRUE(s.ok()) << i << ": " << s.message();
  }
  EXPECT_EQ(server.request_count(), 3u);
}

TEST_F(WebhookReceiverTest, BadRequestIsPermanentAndQuotesStatusAndBodyStart) {
  TestServer server(Statuses({400}, std::string(200, 'a') + std::string(100, 'B')));
  ASSERT_TRUE(server.ok());
  auto receiver = MakeReceiver(Config(server.url()));
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus s = receiver->Deliver(Batch({MakeAlert()}));
  EXPECT_EQ(s.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_NE(s.message().find("HTTP 400"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(std::string(200, 'a')), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('B'), std::string::npos) << s.message();
}

TEST_F(WebhookReceiverTest, ServerErrorsAndTooManyRequestsAreRetryable) {
  TestServer server(Statuses({503, 429, 500}));
  ASSERT_TRUE(server.ok());
  auto receiver = MakeReceiver(Config(server.url()));
  ASSERT_NE(receiver, nullptr);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(receiver->Deliver(Batch({MakeAlert()})).retryable()) << i;
  }
}

TEST_F(WebhookReceiverTest, ConnectionRefusedIsRetryable) {
  const int port = FreePort();
  ASSERT_GT(port, 0);
  auto receiver = MakeReceiver(Config("http://127.0.0.1:" + std::to_string(port) + "/hook"));
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus s = receiver->Deliver(Batch({MakeAlert()}));
  EXPECT_TRUE(s.retryable());
  EXPECT_NE(s.message().find("(curl error 7)"), std::string::npos) << s.message();
}

TEST_F(WebhookReceiverTest, HangingServerTimesOutAsRetryable) {
  HangingServer hanging;
  ASSERT_TRUE(hanging.server().ok());
  WebhookConfig config = Config(hanging.server().url());
  config.timeout = 200ms;
  auto receiver = MakeReceiver(config);
  ASSERT_NE(receiver, nullptr);

  const auto start = std::chrono::steady_clock::now();
  const DeliveryStatus s = receiver->Deliver(Batch({MakeAlert()}));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(s.retryable());
  EXPECT_NE(s.message().find("(curl error 28)"), std::string::npos) << s.message();
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 3s);
}

TEST_F(WebhookReceiverTest, AbortCutsATransferShortAndStaysAborted) {
  HangingServer hanging;
  ASSERT_TRUE(hanging.server().ok());
  WebhookConfig config = Config(hanging.server().url());
  config.timeout = 10s;
  auto receiver = MakeReceiver(config);
  ASSERT_NE(receiver, nullptr);

  std::thread aborter([&] {
    Eventually([&] { return hanging.server().request_count() == 1; });
    receiver->Abort();
  });
  const auto start = std::chrono::steady_clock::now();
  const DeliveryStatus s = receiver->Deliver(Batch({MakeAlert()}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  aborter.join();
  EXPECT_TRUE(s.retryable());
  EXPECT_NE(s.message().find("aborted"), std::string::npos) << s.message();
  EXPECT_TRUE(receiver->Deliver(Batch({MakeAlert()})).retryable());
  EXPECT_EQ(hanging.server().request_count(), 1u);
}

TEST_F(WebhookReceiverTest, DispatcherRetriesThrough503sUntilDelivered) {
  TestServer server(Statuses({503, 503, 200}));
  ASSERT_TRUE(server.ok());
  auto dispatcher = Dispatch(MakeReceiver(Config(server.url())));
  ASSERT_NE(dispatcher, nullptr);

  ASSERT_TRUE(dispatcher->Submit(*MakeNotification({MakeAlert()}, "ops-webhook")));
  EXPECT_EQ(dispatcher->Stop(In(10s)), 0u);

  const std::vector<Recorded> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.body, schema::Encode(MakeAlert()));
  }
  const ReceiverProbe& p = dispatcher->probe(0);
  EXPECT_EQ(p.delivered(), 1u);
  EXPECT_EQ(p.failed_attempts(), 2u);
  EXPECT_EQ(p.retries(), 2u);
}

TEST_F(WebhookReceiverTest, DispatcherDoesNotRetryABadRequest) {
  TestServer server(Statuses({400}, "{\"error\":\"missing field\"}"));
  ASSERT_TRUE(server.ok());
  auto dispatcher = Dispatch(MakeReceiver(Config(server.url())));
  ASSERT_NE(dispatcher, nullptr);

  ASSERT_TRUE(dispatcher->Submit(*MakeNotification({MakeAlert()}, "ops-webhook")));
  EXPECT_EQ(dispatcher->Stop(In(10s)), 0u);

  EXPECT_EQ(server.request_count(), 1u);
  const ReceiverProbe& p = dispatcher->probe(0);
  EXPECT_EQ(p.delivered(), 0u);
  EXPECT_EQ(p.retries(), 0u);
  EXPECT_EQ(p.dropped(DropReason::kRejected), 1u);
}

TEST_F(WebhookReceiverTest, DispatcherDeliversToAServerThatStartsLate) {
  const int port = FreePort();
  ASSERT_GT(port, 0);
  auto dispatcher =
      Dispatch(MakeReceiver(Config("http://127.0.0.1:" + std::to_string(port) + "/hook")), 1000);
  ASSERT_NE(dispatcher, nullptr);
  ASSERT_TRUE(dispatcher->Submit(*MakeNotification({MakeAlert()}, "ops-webhook")));
  ASSERT_TRUE(Eventually([&] { return dispatcher->probe(0).failed_attempts() >= 2; }));

  TestServer server(Statuses({200}), port);
  ASSERT_TRUE(server.ok()) << "port " << port << " was taken meanwhile";
  EXPECT_TRUE(Eventually([&] { return dispatcher->probe(0).delivered() == 1; }));
  EXPECT_EQ(dispatcher->Stop(In(5s)), 0u);
  ASSERT_EQ(server.request_count(), 1u);
  EXPECT_EQ(server.requests()[0].body, schema::Encode(MakeAlert()));
  dispatcher.reset();  // closes the kept-alive connection, else the server's stop() waits for it
}

TEST_F(WebhookReceiverTest, DispatcherStopAbortsAHangingWebhook) {
  HangingServer hanging;
  ASSERT_TRUE(hanging.server().ok());
  auto dispatcher = Dispatch(MakeReceiver(Config(hanging.server().url())));  // 5s timeout
  ASSERT_NE(dispatcher, nullptr);
  ASSERT_TRUE(dispatcher->Submit(*MakeNotification({MakeAlert()}, "ops-webhook")));
  ASSERT_TRUE(Eventually([&] { return hanging.server().request_count() == 1; }));

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(dispatcher->Stop(In(200ms)), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(dispatcher->probe(0).dropped(DropReason::kShutdown), 1u);
}

TEST(WebhookConfigTest, DefaultFormatIsAlertmanager) {
  EXPECT_EQ(WebhookConfig{}.format, WebhookFormat::kAlertmanager);
  EXPECT_EQ(ParseWebhookFormat("alertmanager"), WebhookFormat::kAlertmanager);
  EXPECT_EQ(ParseWebhookFormat("edgewatch"), WebhookFormat::kEdgewatch);
  EXPECT_EQ(ParseWebhookFormat("json"), std::nullopt);
  EXPECT_STREQ(WebhookFormatName(WebhookFormat::kEdgewatch), "edgewatch");
}

TEST(WebhookConfigTest, UrlSources) {
  WebhookConfig c = Config("http://127.0.0.1/hook");
  c.url_env = "EW_TEST_WEBHOOK_URL";
  auto e = c.Validate();
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->message.find("set only one of url, url_file and url_env"), std::string::npos);

  c = Config("");
  c.url_file = "/nonexistent/edgewatch-url";
  auto r = WebhookReceiver::Create(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(),
            "alerting.receivers.ops-webhook.url_file: cannot read /nonexistent/edgewatch-url: No "
            "such file or directory");
}

TEST_F(WebhookReceiverTest, AlertmanagerFormatPostsTheV4PayloadOfEachNotification) {
  TestServer server(Statuses({200}));
  ASSERT_TRUE(server.ok());
  WebhookConfig config = Config(server.url(), WebhookFormat::kAlertmanager);
  config.external_url = "http://edgewatch.example:9722";
  auto receiver = MakeReceiver(config);
  ASSERT_NE(receiver, nullptr);

  schema::Alert firing = MakeAlert();
  schema::Alert resolved = testing::Resolved(MakeAlert());
  resolved.fingerprint = "0123456789abcdef";
  resolved.labels["server"] = "10.0.3.8:5432";
  NotificationPtr n = MakeNotification({firing, resolved}, "ops-webhook");
  ASSERT_TRUE(receiver->Deliver({n}).ok());

  const std::vector<Recorded> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
  const json got = json::parse(requests[0].body);
  const json want = json::parse(R"({
    "version": "4",
    "groupKey": "{}:{alertname=\"connect_refused_burst\"}",
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "ops-webhook",
    "groupLabels": {"alertname": "connect_refused_burst"},
    "commonLabels": {"alertname": "connect_refused_burst", "business_system": "payments",
                     "severity": "critical"},
    "commonAnnotations": {"summary": "orders → 10.0.3.7:5432 refused 12 connects in 10s"},
    "externalURL": "http://edgewatch.example:9722",
    "alerts": [
      {"status": "firing",
       "labels": {"alertname": "connect_refused_burst", "business_system": "payments",
                  "severity": "critical", "server": "10.0.3.7:5432"},
       "annotations": {"summary": "orders → 10.0.3.7:5432 refused 12 connects in 10s"},
       "startsAt": "2025-11-22T08:35:03.123456789Z",
       "endsAt": "0001-01-01T00:00:00Z",
       "generatorURL": "http://edgewatch.example:9722/api/v1/alerts?fingerprint=8c1d3f0a9b2e4d71",
       "fingerprint": "8c1d3f0a9b2e4d71"},
      {"status": "resolved",
       "labels": {"alertname": "connect_refused_burst", "business_system": "payments",
                  "severity": "critical", "server": "10.0.3.8:5432"},
       "annotations": {"summary": "orders → 10.0.3.7:5432 refused 12 connects in 10s"},
       "startsAt": "2025-11-22T08:35:03.123456789Z",
       "endsAt": "2025-11-22T08:36:03.123456789Z",
       "generatorURL": "http://edgewatch.example:9722/api/v1/alerts?fingerprint=0123456789abcdef",
       "fingerprint": "0123456789abcdef"}
    ]})");
  EXPECT_EQ(got, want) << got.dump(2);
}

TEST_F(WebhookReceiverTest, EdgewatchFormatRetryResumesAtTheAlertThatFailed) {
  TestServer server(Statuses({200, 503, 200}));
  ASSERT_TRUE(server.ok());
  auto receiver = MakeReceiver(Config(server.url()));
  ASSERT_NE(receiver, nullptr);
  std::vector<schema::Alert> alerts(3, MakeAlert());
  alerts[1].fingerprint = "0000000000000001";
  alerts[2].fingerprint = "0000000000000002";
  NotificationPtr n = MakeNotification(alerts, "ops-webhook");

  EXPECT_TRUE(receiver->Deliver({n}).retryable());
  EXPECT_TRUE(receiver->Deliver({n}).ok());
  const std::vector<Recorded> requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].body, schema::Encode(alerts[0]));
  EXPECT_EQ(requests[1].body, schema::Encode(alerts[1]));  // 503
  EXPECT_EQ(requests[2].body, schema::Encode(alerts[1]));
  EXPECT_EQ(requests[3].body, schema::Encode(alerts[2]));

  // Another notification with the same alerts is a new one: all of them go out.
  EXPECT_TRUE(receiver->Deliver({MakeNotification(alerts, "ops-webhook")}).ok());
  EXPECT_EQ(server.request_count(), 7u);
}

TEST_F(WebhookReceiverTest, UrlFromFileAndBearerTokenFromTheEnvironment) {
  TestServer server(Statuses({200}));
  ASSERT_TRUE(server.ok());
  const std::string path = ::testing::TempDir() + "/webhook-url";
  std::ofstream(path) << server.url() << "\n";
  setenv("EW_TEST_WEBHOOK_TOKEN", "tok-123456", 1);
  WebhookConfig config = Config("");
  config.url_file = path;
  config.bearer_token.env = "EW_TEST_WEBHOOK_TOKEN";
  auto receiver = MakeReceiver(config);
  ASSERT_NE(receiver, nullptr);
  EXPECT_TRUE(receiver->Deliver(Batch({MakeAlert()})).ok());
  ASSERT_EQ(server.request_count(), 1u);
  EXPECT_EQ(server.requests()[0].header("Authorization"), "Bearer tok-123456");
  unsetenv("EW_TEST_WEBHOOK_TOKEN");
}

TEST_F(WebhookReceiverTest, SecretsNeverAppearInAFailureMessage) {
  // A server that quotes the request back, token and all.
  TestServer server([](const httplib::Request& req, httplib::Response& res) {
    res.status = 401;
    res.set_content(
        "bad token " + req.get_param_value("token") + " / " + req.get_header_value("Authorization"),
        "text/plain");
  });
  ASSERT_TRUE(server.ok());
  WebhookConfig config = Config(server.url() + "?token=s3cr3t-query-token");
  config.bearer_token.literal = "s3cr3t-bearer";
  auto receiver = MakeReceiver(config);
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus s = receiver->Deliver(Batch({MakeAlert()}));
  EXPECT_EQ(s.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_NE(s.message().find("HTTP 401"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("<redacted>"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("s3cr3t"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace edgewatch::alerting
