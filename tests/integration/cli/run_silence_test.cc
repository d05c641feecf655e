// Silences through the real binary: made with the HTTP API of `edgewatch run`, they keep the
// alert of a real refused connect from the webhook; expiring one lets the alert through.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/clock.h"
#include "schema/codec.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"
#include "tests/support/webhook_server.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::NetnsPair;
using testing::WaitFor;

constexpr const char* kRule = R"yaml(business_system: checkout
rules:
  - name: SilencedRefused
    signal: refused
    comparison: ">"
    threshold: 0
    keep_firing_for: 5m
    severity: critical
    match: {side: client, server_port: 7251}
)yaml";

constexpr int kApiPort = 19793;
constexpr const char* kToken = "t0ken-for-the-silence-test";

httplib::Result Send(const std::string& method, const std::string& path, const std::string& body,
                     const std::string& token) {
  httplib::Client c("127.0.0.1", kApiPort);
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  if (method == "DELETE") return c.Delete(path, h);
  return c.Post(path, h, body, "application/json");
}

std::string SilenceJson(const std::string& matcher_value) {
  const int64_t now = NowUnixNs();
  return nlohmann::json{
      {"matchers",
       {{{"name", "alertname"}, {"value", matcher_value}, {"isRegex", false}, {"isEqual", true}}}},
      {"startsAt", schema::FormatTime(now)},
      {"endsAt", schema::FormatTime(now + 3600LL * 1'000'000'000)},
      {"createdBy", "on-call"},
      {"comment", "checkout maintenance"}}
      .dump();
}

TEST(EdgewatchRunSilences, ASilenceHoldsTheAlertBackAndItsExpiryLetsItThrough) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  testing::WebhookServer hook;
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  testing::WriteFile(dir + "/token", std::string(kToken) + "\n");
  ChildProcess run({testing::EdgewatchBinary(), "run", "--symptom-alerts", "--rules",
                    dir + "/checkout.yaml", "--webhook", hook.url(), "--quiet", "--node",
                    "silence-node", "--metrics-listen", "off", "--api-listen",
                    "127.0.0.1:" + std::to_string(kApiPort), "--api-token-file", dir + "/token",
                    "--silences-file", dir + "/silences.json"});
  ASSERT_TRUE(WaitFor([&] { return run.Stderr().find("attached") != std::string::npos; }, 15s))
      << run.Stderr();

  // Bad calls: 4xx with a message that says what is wrong.
  auto no_token = Send("POST", "/api/v2/silences", SilenceJson("SilencedRefused"), "");
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->status, 401) << no_token->body;
  auto wrong = Send("POST", "/api/v2/silences", SilenceJson("SilencedRefused"), "nope");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401) << wrong->body;
  EXPECT_EQ(wrong->body.find("nope"), std::string::npos) << "the token is never echoed";
  auto bad = Send("POST", "/api/v2/silences",
                  R"({"matchers":[{"name":"alert name","value":"x","isRegex":false}],)"
                  R"("startsAt":"2026-12-02T00:00:00Z","endsAt":"2099-01-01T00:00:00Z",)"
                  R"("createdBy":"a","comment":"b"})",
                  kToken);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_NE(bad->body.find("alert name"), std::string::npos) << bad->body;

  auto made = Send("POST", "/api/v2/silences", SilenceJson("SilencedRefused"), kToken);
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 200) << made->body;
  const std::string id = nlohmann::json::parse(made->body).at("silenceID");

  pid_t client = testing::ForkInNetns(net->client_ns(), "ew-silenced",
                                      [] { return testing::TcpConnect("10.77.0.1", 7251, 0); });
  ASSERT_EQ(testing::WaitChild(client, 5s), ECONNREFUSED);
  // The detector raises the alert (it is on the API), the silence keeps it from the webhook.
  httplib::Client api("127.0.0.1", kApiPort);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = api.Get("/api/v1/alerts");
        return r && r->body.find("SilencedRefused") != std::string::npos;
      },
      15s))
      << run.Stderr();
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(hook.count(), 0u) << hook.body(0);
  // The API says why it was not sent.
  auto listed = api.Get("/api/v1/alerts");
  ASSERT_TRUE(listed);
  auto data = nlohmann::json::parse(listed->body).at("data");
  ASSERT_EQ(data.size(), 1u) << listed->body;
  EXPECT_EQ(data[0]["muted"]["silenced_by"], id) << listed->body;
  EXPECT_TRUE(testing::ReadFile(dir + "/silences.json").find(id) != std::string::npos)
      << "the silence is persisted";

  auto expired = Send("DELETE", "/api/v2/silence/" + id, "", kToken);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 200) << expired->body;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return hook.count() >= 1; }, 10s)) << run.Stderr();
  std::fprintf(
      stderr, "[ silence  ] expired -> alert at the webhook: %lld ms\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(hook.arrival(0) - t0).count()));
  schema::Decoder decoder;
  auto alert = decoder.DecodeAlert(hook.body(0));
  ASSERT_TRUE(alert.ok()) << alert.error() << hook.body(0);
  EXPECT_EQ(alert->rule, "SilencedRefused");
  EXPECT_EQ(alert->status, schema::AlertStatus::kFiring);
  EXPECT_EQ(run.Signal(SIGTERM, 20s), 0) << run.Stderr();
}

}  // namespace
}  // namespace edgewatch
