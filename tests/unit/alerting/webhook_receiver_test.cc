// WebhookReceiver against a real HTTP server (cpp-httplib) on 127.0.0.1, alone and behind the
// Dispatcher with the system clock and short backoffs.
#include "alerting/webhook_receiver.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerting/dispatcher.h"
#include "schema/codec.h"

namespace edgewatch::alerting {
namespace {

using namespace std::chrono_literals;

struct Recorded {
  std::string method;
  std::string path;
  std::string body;
  httplib::Headers headers;
};

// An HTTP server on 127.0.0.1 answering POST /hook with `handler`, recording every request.
class TestServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // `port` 0: an ephemeral port.
  explicit TestServer(Handler handler, int port = 0) : handler_(std::move(handler)) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        requests_.push_back({req.method, req.path, req.body, req.headers});
      }
      handler_(req, res);
    });
    port_ = port == 0 ? server_.bind_to_any_port("127.0.0.1")
                      : (server_.bind_to_port("127.0.0.1", port) ? port : -1);
    if (port_ <= 0) {
      return;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost; wait for it (bounded).
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(1ms);
    }
  }
  ~TestServer() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  bool ok() const { return port_ > 0 && server_.is_running(); }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<Recorded> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t request_count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }

 private:
  Handler handler_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Recorded> requests_;
};

// Answers with the given statuses in turn, then with the last one.
TestServer::Handler Statuses(std::vector<int> statuses, std::string body = "") {
  auto next = std::make_shared<std::atomic<size_t>>(0);
  return [statuses = std::move(statuses), body = std::move(body), next](const httplib::Request&,
                                                                        httplib::Response& res) {
    const size_t i = std::min(next->fetch_add(1), statuses.size() - 1);
    res.status = statuses[i];
    res.set_content(body, "text/plain");
  };
}

// A server whose handler hangs until the test ends (or 10s pass).
class HangingServer {
 public:
  HangingServer()
      : server_([this](const httplib::Request&, httplib::Response& res) {
          std::unique_lock lock(mu_);
          cv_.wait_for(lock, 10s, [&] { return released_; });
          res.status = 200;
        }) {}
  ~HangingServer() {  // before server_ is destroyed: its stop() joins the handler threads
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  TestServer& server() { return server_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  TestServer server_;  // last: its handler uses the members above
};

// A port on 127.0.0.1 that nothing listens on (until a test starts a server there).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

schema::Alert MakeAlert() {
  schema::Alert a;
  a.fingerprint = "8c1d3f0a9b2e4d71";
  a.rule = "connect_refused_burst";
  a.rule_file = "rules/payments.yaml";
  a.business_system = "payments";
  a.severity = "critical";
  a.labels = {{"alertname", "connect_refused_burst"}, {"severity", "critical"}};
  a.annotations = {{"summary", "orders → 10.0.3.7:5432 refused 12 connects in 10s"}};
  a.node = "node-a";
  a.signal = "connect_refused";
  a.comparison = ">";
  a.threshold = 5;
  a.value = 12;
  a.starts_at_ns = 1'763'800'503'123'456'789;
  return a;
}

WebhookConfig Config(const std::string& url) {
  WebhookConfig c;
  c.name = "ops-webhook";
  c.url = url;
  return c;
}

std::unique_ptr<WebhookReceiver> MakeReceiver(WebhookConfig config) {
  auto r = WebhookReceiver::Create(std::move(config));
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? std::move(r).value() : nullptr;
}

class WebhookReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // libcurl honours proxy variables; the tests talk to 127.0.0.1 directly.
    for (const char* v :
         {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
      unsetenv(v);
    }
  }

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

  const DeliveryStatus status = receiver->Deliver(MakeAlert());
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
    const DeliveryStatus s = receiver->Deliver(MakeAlert());
    EXPECT_TRUE(s.ok()) << i << ": " << s.message();
  }
  EXPECT_EQ(server.request_count(), 3u);
}

TEST_F(WebhookReceiverTest, BadRequestIsPermanentAndQuotesStatusAndBodyStart) {
  TestServer server(Statuses({400}, std::string(200, 'a') + std::string(100, 'B')));
  ASSERT_TRUE(server.ok());
  auto receiver = MakeReceiver(Config(server.url()));
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus s = receiver->Deliver(MakeAlert());
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
    EXPECT_TRUE(receiver->Deliver(MakeAlert()).retryable()) << i;
  }
}

TEST_F(WebhookReceiverTest, ConnectionRefusedIsRetryable) {
  const int port = FreePort();
  ASSERT_GT(port, 0);
  auto receiver = MakeReceiver(Config("http://127.0.0.1:" + std::to_string(port) + "/hook"));
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus s = receiver->Deliver(MakeAlert());
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
  const DeliveryStatus s = receiver->Deliver(MakeAlert());
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
  const DeliveryStatus s = receiver->Deliver(MakeAlert());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  aborter.join();
  EXPECT_TRUE(s.retryable());
  EXPECT_NE(s.message().find("aborted"), std::string::npos) << s.message();
  EXPECT_TRUE(receiver->Deliver(MakeAlert()).retryable());
  EXPECT_EQ(hanging.server().request_count(), 1u);
}

TEST_F(WebhookReceiverTest, DispatcherRetriesThrough503sUntilDelivered) {
  TestServer server(Statuses({503, 503, 200}));
  ASSERT_TRUE(server.ok());
  auto dispatcher = Dispatch(MakeReceiver(Config(server.url())));
  ASSERT_NE(dispatcher, nullptr);

  ASSERT_TRUE(dispatcher->Submit(MakeAlert()));
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

  ASSERT_TRUE(dispatcher->Submit(MakeAlert()));
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
  ASSERT_TRUE(dispatcher->Submit(MakeAlert()));
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
  ASSERT_TRUE(dispatcher->Submit(MakeAlert()));
  ASSERT_TRUE(Eventually([&] { return hanging.server().request_count() == 1; }));

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(dispatcher->Stop(In(200ms)), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(dispatcher->probe(0).dropped(DropReason::kShutdown), 1u);
}

}  // namespace
}  // namespace edgewatch::alerting
