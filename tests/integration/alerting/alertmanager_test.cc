// AlertmanagerReceiver against the real Prometheus Alertmanager (Debian's
// prometheus-alertmanager, installed by scripts/install-deps.sh --test): an alert pushed through
// the API v2 comes out of Alertmanager's own webhook notifier with our labels and annotations,
// firing, then resolved. Alertmanager runs on 127.0.0.1 without clustering, with a temporary
// storage directory, and is killed at the end of the test.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alerting/alertmanager_receiver.h"
#include "tests/support/process.h"
#include "tests/unit/alerting/http_test_server.h"

namespace edgewatch::alerting {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Eventually;
using testing::TestServer;

constexpr std::chrono::seconds kDeadline{30};

std::string AlertmanagerBinary() {
  const char* env = std::getenv("EDGEWATCH_ALERTMANAGER");
  return env != nullptr && *env != '\0' ? env : "/usr/bin/prometheus-alertmanager";
}

int64_t NowNs() { return SystemWallClockNs(); }

class AlertmanagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::UnsetProxies();
    const std::string binary = AlertmanagerBinary();
    // Not a skip: CI installs it (scripts/install-deps.sh --test), and a missing peer must not
    // pass unnoticed.
    ASSERT_EQ(access(binary.c_str(), X_OK), 0)
        << binary
        << " is missing: install prometheus-alertmanager (scripts/install-deps.sh --test)";

    webhook_ = std::make_unique<TestServer>(testing::Statuses({200}), 0, "/am-webhook");
    ASSERT_TRUE(webhook_->ok());
    port_ = testing::FreePort();
    ASSERT_GT(port_, 0);
    dir_ = edgewatch::testing::MakeTempDir();
    const std::string config = dir_ + "/alertmanager.yml";
    edgewatch::testing::WriteFile(config, R"(route:
  receiver: test
  group_by: ['alertname']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: )" + webhook_->url() + R"(
        send_resolved: true
)");
    am_ = std::make_unique<edgewatch::testing::ChildProcess>(std::vector<std::string>{
        binary, "--config.file=" + config, "--storage.path=" + dir_ + "/data",
        "--web.listen-address=127.0.0.1:" + std::to_string(port_),
        "--cluster.listen-address=", "--log.level=info"});

    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(1s);
    const bool ready = Eventually(
        [&] {
          if (am_->Wait(1ms) >= 0) return true;  // exited: reported below
          auto res = client.Get("/-/ready");
          return res && res->status == 200;
        },
        kDeadline);
    ASSERT_TRUE(ready && am_->Wait(1ms) < 0) << "Alertmanager not ready on port " << port_ << ":\n"
                                             << am_->Stderr();
  }

  void TearDown() override {
    if (am_ != nullptr) {
      am_->Signal(SIGKILL, 5s);
      am_.reset();
    }
    webhook_.reset();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  // The first webhook payload from index `from` on whose status is `status`; null if none came
  // before the deadline.
  json WaitForPayload(const std::string& status, size_t from = 0) {
    json found;
    Eventually(
        [&] {
          const auto requests = webhook_->requests();
          for (size_t i = from; i < requests.size(); ++i) {
            json j = json::parse(requests[i].body, nullptr, false);
            if (!j.is_discarded() && j.value("status", "") == status) {
              found = std::move(j);
              return true;
            }
          }
          return false;
        },
        kDeadline);
    return found;
  }

  std::unique_ptr<TestServer> webhook_;
  std::unique_ptr<edgewatch::testing::ChildProcess> am_;
  int port_ = -1;
  std::string dir_;
};

TEST_F(AlertmanagerTest, FiringThenResolvedReachAlertmanagersWebhook) {
  AlertmanagerReceiverConfig config;
  config.name = "am";
  config.url = "http://127.0.0.1:" + std::to_string(port_);
  config.external_url = "http://edgewatch.test:9722";
  auto created = AlertmanagerReceiver::Create(config);
  ASSERT_TRUE(created.ok()) << created.error();
  std::unique_ptr<AlertmanagerReceiver> receiver = std::move(created).value();

  schema::Alert alert = testing::RootCauseAlert();
  alert.labels["business_system"] = "payments";
  alert.starts_at_ns = NowNs() - 5'000'000'000;
  const DeliveryStatus fired = receiver->Deliver(testing::Batch({alert}));
  ASSERT_TRUE(fired.ok()) << fired.message() << "\n" << am_->Stderr();

  const json firing = WaitForPayload("firing");
  ASSERT_FALSE(firing.is_null()) << "no firing notification from Alertmanager\n" << am_->Stderr();
  EXPECT_EQ(firing["version"], "4");
  EXPECT_EQ(firing["receiver"], "test");
  EXPECT_EQ(firing["groupLabels"], json({{"alertname", "SnatConflict"}}));
  ASSERT_EQ(firing["alerts"].size(), 1u) << firing.dump(2);
  const json& a = firing["alerts"][0];
  EXPECT_EQ(a["status"], "firing");
  json labels = json::object();
  for (const auto& [k, v] : alert.labels) labels[k] = v;
  json annotations = json::object();
  for (const auto& [k, v] : alert.annotations) annotations[k] = v;
  EXPECT_EQ(a["labels"], labels);
  EXPECT_EQ(a["annotations"], annotations);
  EXPECT_EQ(a["generatorURL"],
            "http://edgewatch.test:9722/api/v1/alerts?fingerprint=" + alert.fingerprint);
  EXPECT_EQ(a["endsAt"], "0001-01-01T00:00:00Z");

  const size_t seen = webhook_->request_count();
  alert.status = schema::AlertStatus::kResolved;
  alert.ends_at_ns = NowNs();
  const DeliveryStatus resolved = receiver->Deliver(testing::Batch({alert}));
  ASSERT_TRUE(resolved.ok()) << resolved.message();

  const json done = WaitForPayload("resolved", seen);
  ASSERT_FALSE(done.is_null()) << "no resolved notification from Alertmanager\n" << am_->Stderr();
  ASSERT_EQ(done["alerts"].size(), 1u) << done.dump(2);
  EXPECT_EQ(done["alerts"][0]["status"], "resolved");
  EXPECT_EQ(done["alerts"][0]["labels"], labels);
  EXPECT_NE(done["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
}

}  // namespace
}  // namespace edgewatch::alerting
