// The durable spool through the real binary: a detector whose receiver is down is killed
// (SIGKILL: no shutdown of any kind) with notifications pending; the next start delivers them.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "schema/codec.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"
#include "tests/support/webhook_server.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::WaitFor;

constexpr const char* kRule = R"(business_system: checkout
rules:
  - name: CheckoutRefused
    signal: refused
    comparison: ">"
    threshold: 0
    for: 0s
    severity: critical
    match:
      side: client
      server_port: 7201
)";

// Three client edges refused by one server, one window each.
std::string Recording() {
  std::string out;
  for (int i = 0; i < 3; ++i) {
    schema::EdgeWindow w;
    w.node = "n1";
    w.seq = static_cast<uint64_t>(i) + 1;
    w.window_start_ns = 1'795'000'000'000'000'000;
    w.window_end_ns = w.window_start_ns + 1'000'000'000;
    w.edge.side = schema::Side::kClient;
    w.edge.client = {"10.0.0." + std::to_string(10 + i), 0, "client-" + std::to_string(i), ""};
    w.edge.server = {"10.0.0.1", 7201, "", ""};
    w.at(schema::Counter::kRefused) = 2;
    out += schema::Encode(w) + "\n";
  }
  return out;
}

std::string Config(const std::string& url, const std::string& spool) {
  return "route:\n  receiver: ops\n  group_by: ['...']\n  group_wait: 0s\n"
         "  group_interval: 1s\n"
         "delivery:\n  spool_dir: " +
         spool +
         "\n  retry: {max_backoff: 1s}\n"
         "receivers:\n  - name: ops\n    webhook:\n      url: " +
         url + "\n";
}

size_t SpoolFiles(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    n += e.path().extension() == ".json" ? 1 : 0;
  }
  return n;
}

// The environment variables deploy/alerting.example.yaml reads its secrets from.
void SetExampleSecrets() {
  for (const auto& [name, value] :
       {std::pair{"EDGEWATCH_API_TOKEN", "example-token-123"},
        {"DINGTALK_PAY_URL", "https://oapi.dingtalk.com/robot/send?access_token=abc"},
        {"DINGTALK_PAY_SECRET", "SECexample"},
        {"WECOM_DNS_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"},
        {"FEISHU_CORE_URL", "https://open.feishu.cn/open-apis/bot/v2/hook/abc"},
        {"FEISHU_CORE_SECRET", "feishu-secret"},
        {"SLACK_PLATFORM_URL", "https://hooks.slack.com/services/T0/B0/abc"}}) {
    ::setenv(name, value, 1);
  }
}

TEST(EdgewatchAlerting, KilledWithAPendingSpoolDeliversItAfterTheRestart) {
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  testing::WriteFile(dir + "/rec.jsonl", Recording());
  const std::string spool = dir + "/spool";
  // Nothing listens on port 9 (discard) on loopback: connections are refused.
  testing::WriteFile(dir + "/down.yaml", Config("http://127.0.0.1:9/alerts", spool));

  ChildProcess first({testing::EdgewatchBinary(), "detector", "--rules", dir + "/checkout.yaml",
                      "--symptom-alerts", "--alerting-config", dir + "/down.yaml", "--input",
                      dir + "/rec.jsonl"});
  // Three symptom alerts, each its own group: three notifications in the receiver's spool.
  ASSERT_TRUE(WaitFor([&] { return SpoolFiles(spool + "/ops") >= 3; }, 20s)) << first.Stderr();
  ASSERT_TRUE(WaitFor([&] { return first.Stderr().find("retrying") != std::string::npos; }, 10s))
      << first.Stderr();
  EXPECT_EQ(first.Signal(SIGKILL, 10s), 128 + SIGKILL);
  EXPECT_EQ(SpoolFiles(spool + "/ops"), 3u);

  testing::WebhookServer hook;
  testing::WriteFile(dir + "/up.yaml", Config(hook.url(), spool));
  ChildProcess second({testing::EdgewatchBinary(), "detector", "--rules", dir + "/checkout.yaml",
                       "--alerting-config", dir + "/up.yaml", "--input", "/dev/null"});
  ASSERT_EQ(second.Wait(40s), 0) << second.Stderr();
  EXPECT_NE(second.Stderr().find("3 notification(s) pending from the last run"), std::string::npos)
      << second.Stderr();
  ASSERT_EQ(hook.count(), 3u);
  std::set<std::string> clients;
  for (size_t i = 0; i < hook.count(); ++i) {
    auto j = nlohmann::json::parse(hook.body(i));
    EXPECT_EQ(j.at("version"), "4");
    EXPECT_EQ(j.at("receiver"), "ops");
    ASSERT_EQ(j.at("alerts").size(), 1u);
    EXPECT_EQ(j["alerts"][0]["labels"]["alertname"], "CheckoutRefused");
    EXPECT_EQ(j["alerts"][0]["status"], "firing");
    clients.insert(j["alerts"][0]["labels"].value("client_workload", j.dump()));
  }
  EXPECT_EQ(clients, (std::set<std::string>{"client-0", "client-1", "client-2"}));
  EXPECT_EQ(SpoolFiles(spool + "/ops"), 0u) << "delivered notifications leave the spool";
}

TEST(EdgewatchAlerting, BadConfigIsRefusedWithItsPosition) {
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  testing::WriteFile(dir + "/bad.yaml",
                     "route:\n  receiver: ops\nreceivers:\n  - name: ops\n    dingtalk:\n"
                     "      url: https://oapi.dingtalk.com/robot/send?access_token=x\n"
                     "      rate_limit: fast\n");
  ChildProcess p({testing::EdgewatchBinary(), "detector", "--rules", dir + "/checkout.yaml",
                  "--alerting-config", dir + "/bad.yaml", "--input", "/dev/null"});
  EXPECT_EQ(p.Wait(20s), 2) << p.Stderr();
  EXPECT_NE(p.Stderr().find(dir + "/bad.yaml:7:7: receivers.ops.dingtalk.rate_limit: must be "
                                  "<count>/<duration>, e.g. 20/1m (got \"fast\")"),
            std::string::npos)
      << p.Stderr();
}

TEST(EdgewatchAlerting, TheShippedExampleConfigStarts) {
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  SetExampleSecrets();
  ChildProcess p({testing::EdgewatchBinary(), "detector", "--rules", dir + "/checkout.yaml",
                  "--alerting-config",
                  std::string(EDGEWATCH_SOURCE_DIR) + "/deploy/alerting.example.yaml",
                  "--spool-dir", dir + "/spool", "--silences-file", dir + "/silences.json",
                  "--input", "/dev/null"});
  EXPECT_EQ(p.Wait(30s), 0) << p.Stderr();
  // Without the secrets' variables it refuses to start and names the missing one.
  ::unsetenv("DINGTALK_PAY_SECRET");
  ChildProcess q({testing::EdgewatchBinary(), "detector", "--rules", dir + "/checkout.yaml",
                  "--alerting-config",
                  std::string(EDGEWATCH_SOURCE_DIR) + "/deploy/alerting.example.yaml",
                  "--spool-dir", dir + "/spool", "--silences-file", dir + "/silences.json",
                  "--input", "/dev/null"});
  EXPECT_EQ(q.Wait(30s), 2) << q.Stderr();
  EXPECT_NE(q.Stderr().find("DINGTALK_PAY_SECRET is not set"), std::string::npos) << q.Stderr();
}

TEST(EdgewatchAlerting, CheckAndRoutesCommands) {
  const std::string example = std::string(EDGEWATCH_SOURCE_DIR) + "/deploy/alerting.example.yaml";
  SetExampleSecrets();
  ChildProcess good({testing::EdgewatchBinary(), "alerting", "check", example});
  EXPECT_EQ(good.Wait(20s), 0) << good.Stdout() << good.Stderr();
  EXPECT_NE(good.Stdout().find("SUCCESS: 7 receivers, 8 routes, 1 inhibit rules"),
            std::string::npos)
      << good.Stdout();
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/bad.yaml",
                     "route: {receiver: ops}\nreceivers:\n  - name: ops\n    wecom:\n"
                     "      url: https://qyapi.weixin.qq.com/x\n      secret: nope\n");
  ChildProcess bad({testing::EdgewatchBinary(), "alerting", "check", dir + "/bad.yaml"});
  EXPECT_EQ(bad.Wait(20s), 1);
  EXPECT_NE(bad.Stdout().find("FAILED"), std::string::npos) << bad.Stdout();
  EXPECT_NE(bad.Stdout().find(dir + "/bad.yaml:6:7: receivers.ops.wecom.secret: unknown key"),
            std::string::npos)
      << bad.Stdout();

  auto routes = [&](std::vector<std::string> labels) {
    std::vector<std::string> argv = {testing::EdgewatchBinary(), "alerting", "routes", example};
    argv.insert(argv.end(), labels.begin(), labels.end());
    ChildProcess p(argv);
    EXPECT_EQ(p.Wait(20s), 0) << p.Stderr();
    return p.Stdout();
  };
  EXPECT_EQ(routes({"business_system=payment", "severity=critical"}),
            "central-alertmanager\naiops-kafka\npay-dingtalk\n");
  EXPECT_EQ(routes({"oncall=dns-team"}), "central-alertmanager\naiops-kafka\ndns-wecom\n");
  EXPECT_EQ(routes({"business_system=crm"}), "central-alertmanager\naiops-kafka\nops-webhook\n");
}

}  // namespace
}  // namespace edgewatch
