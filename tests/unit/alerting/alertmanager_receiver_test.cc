// AlertmanagerReceiver against a local HTTP server standing in for Alertmanager's API v2 (the
// real Alertmanager is in tests/integration/alerting).
#include "alerting/alertmanager_receiver.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/unit/alerting/http_test_server.h"

namespace edgewatch::alerting {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Batch;
using testing::MakeNotification;
using testing::Recorded;
using testing::Resolved;
using testing::Statuses;
using testing::SymptomAlert;
using testing::TestServer;

constexpr int64_t kNowNs = testing::kStartsAtNs + 30'000'000'000;  // 08:35:33.123456789

AlertmanagerReceiverConfig Config(const std::string& base) {
  AlertmanagerReceiverConfig c;
  c.name = "am";
  c.url = base;
  c.external_url = "http://ew:9722";
  return c;
}

std::unique_ptr<AlertmanagerReceiver> Make(AlertmanagerReceiverConfig c) {
  auto r = AlertmanagerReceiver::Create(std::move(c), [] { return kNowNs; });
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? std::move(r).value() : nullptr;
}

class AlertmanagerReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::UnsetProxies(); }
};

TEST_F(AlertmanagerReceiverTest, PostsEveryAlertOfTheBatchInOneRequest) {
  TestServer server(Statuses({200}), 0, "/api/v2/alerts");
  ASSERT_TRUE(server.ok());
  auto receiver = Make(Config(server.base() + "/"));
  ASSERT_NE(receiver, nullptr);
  EXPECT_EQ(receiver->alerts_url(), server.base() + "/api/v2/alerts");
  EXPECT_EQ(receiver->resend_interval(), 1min);
  EXPECT_EQ(receiver->firing_horizon(), 4min);
  EXPECT_EQ(receiver->max_batch(), 64u);
  EXPECT_TRUE(receiver->rate_limit().unlimited());

  schema::Alert other = SymptomAlert();
  other.fingerprint = "0000000000000002";
  other.labels["server"] = "10.0.3.8:5432";
  NotificationBatch batch = Batch({SymptomAlert()});
  batch.push_back(MakeNotification({Resolved(other)}));
  const DeliveryStatus s = receiver->Deliver(batch);
  ASSERT_TRUE(s.ok()) << s.message();

  const std::vector<Recorded> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/api/v2/alerts");
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
  const json got = json::parse(requests[0].body);
  ASSERT_EQ(got.size(), 2u) << got.dump(2);
  EXPECT_EQ(got[0]["endsAt"], "2025-11-22T08:39:33.123456789Z");  // now + 4 × 1 min
  EXPECT_EQ(got[0]["labels"]["server"], "10.0.3.7:5432");
  EXPECT_EQ(got[0]["generatorURL"], "http://ew:9722/api/v1/alerts?fingerprint=8c1d3f0a9b2e4d71");
  EXPECT_EQ(got[1]["endsAt"], "2025-11-22T08:36:03.123456789Z");  // its real end
  EXPECT_EQ(got[1]["labels"]["server"], "10.0.3.8:5432");
}

TEST_F(AlertmanagerReceiverTest, ResendIntervalSetsTheHorizon) {
  TestServer server(Statuses({200}), 0, "/am/api/v2/alerts");
  ASSERT_TRUE(server.ok());
  AlertmanagerReceiverConfig config = Config(server.base() + "/am");
  config.resend_interval = 30s;
  auto receiver = Make(config);
  ASSERT_NE(receiver, nullptr);
  ASSERT_TRUE(receiver->Deliver(Batch({SymptomAlert()})).ok());
  const json got = json::parse(server.requests().at(0).body);
  EXPECT_EQ(got[0]["endsAt"], "2025-11-22T08:37:33.123456789Z");  // now + 2 min
}

TEST_F(AlertmanagerReceiverTest, AnswersAndSecrets) {
  TestServer server(Statuses({400, 503}, "{\"code\":400,\"message\":\"invalid label set\"}"), 0,
                    "/api/v2/alerts");
  ASSERT_TRUE(server.ok());
  AlertmanagerReceiverConfig config = Config(server.base());
  config.bearer_token.literal = "am-bearer-token";
  auto receiver = Make(config);
  ASSERT_NE(receiver, nullptr);
  const DeliveryStatus bad = receiver->Deliver(Batch({SymptomAlert()}));
  EXPECT_EQ(bad.code(), DeliveryStatus::Code::kPermanent);
  EXPECT_NE(bad.message().find("HTTP 400"), std::string::npos) << bad.message();
  EXPECT_TRUE(receiver->Deliver(Batch({SymptomAlert()})).retryable());
  EXPECT_EQ(server.requests().at(0).header("Authorization"), "Bearer am-bearer-token");
}

TEST(AlertmanagerReceiverConfigTest, Validate) {
  auto error_of = [](const AlertmanagerReceiverConfig& c) {
    auto e = c.Validate();
    return e ? e->message : std::string();
  };
  EXPECT_EQ(error_of(Config("http://am:9093")), "");
  EXPECT_EQ(error_of(Config("")), "alerting.receivers.am.url: required");
  EXPECT_EQ(error_of(Config("http://am:9093/?x=1")),
            "alerting.receivers.am.url: the Alertmanager base URL takes no query string or "
            "fragment");
  AlertmanagerReceiverConfig c = Config("http://am:9093");
  c.resend_interval = 0ms;
  EXPECT_EQ(error_of(c), "alerting.receivers.am.resend_interval: must be positive (got 0ms)");
  c = Config("http://am:9093");
  c.max_batch = 0;
  EXPECT_EQ(error_of(c), "alerting.receivers.am.max_batch: must be 1 to 1000 (got 0)");
}

}  // namespace
}  // namespace edgewatch::alerting
