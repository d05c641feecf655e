// `edgewatch run --api-listen`: the alert a real refused connect raises is on GET /api/v1/alerts,
// and its evidence id resolves on GET /api/v1/evidence/{id} to the kernel event itself.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/netns.h"
#include "tests/support/process.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::NetnsPair;
using testing::WaitFor;

constexpr const char* kRule = R"yaml(business_system: checkout
rules:
  - name: ApiRefused
    signal: refused
    comparison: ">"
    threshold: 0
    keep_firing_for: 5m
    severity: critical
    match: {side: client, server_port: 7241}
)yaml";

constexpr int kApiPort = 19761;

nlohmann::json Get(const std::string& path, int* status = nullptr) {
  httplib::Client c("127.0.0.1", kApiPort);
  auto res = c.Get(path);
  if (!res) return nullptr;
  if (status != nullptr) *status = res->status;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
  return nlohmann::json::parse(res->body, nullptr, false);
}

TEST(EdgewatchRunApi, AlertsAndTheirEvidenceResolve) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  ChildProcess run({testing::EdgewatchBinary(), "run", "--symptom-alerts", "--rules",
                    dir + "/checkout.yaml", "--node", "api-node", "--metrics-listen", "off",
                    "--api-listen", "127.0.0.1:" + std::to_string(kApiPort)});
  ASSERT_TRUE(WaitFor([&] { return run.Stderr().find("attached") != std::string::npos; }, 15s))
      << run.Stderr();
  EXPECT_NE(run.Stderr().find("API on http://127.0.0.1:" + std::to_string(kApiPort)),
            std::string::npos)
      << run.Stderr();
  nlohmann::json none = Get("/api/v1/alerts");
  ASSERT_TRUE(none.is_object()) << "no API answer";
  EXPECT_EQ(none["status"], "success");
  EXPECT_TRUE(none["data"].empty());

  pid_t client = testing::ForkInNetns(net->client_ns(), "ew-apicli",
                                      [] { return testing::TcpConnect("10.77.0.1", 7241, 0); });
  ASSERT_EQ(testing::WaitChild(client, 5s), ECONNREFUSED);
  nlohmann::json alerts;
  ASSERT_TRUE(WaitFor(
      [&] {
        alerts = Get("/api/v1/alerts");
        return alerts.is_object() && alerts["data"].size() == 1;
      },
      15s))
      << alerts.dump() << run.Stderr();
  const nlohmann::json& alert = alerts["data"][0];
  EXPECT_EQ(alert["rule"], "ApiRefused");
  EXPECT_EQ(alert["status"], "firing");
  ASSERT_FALSE(alert["evidence_ids"].empty()) << alert.dump();
  const std::string id = alert["evidence_ids"][0];

  int status = 0;
  nlohmann::json ev = Get("/api/v1/evidence/" + id, &status);
  EXPECT_EQ(status, 200);
  ASSERT_TRUE(ev.is_object());
  EXPECT_EQ(ev["status"], "success");
  EXPECT_EQ(ev["data"]["id"], id);
  EXPECT_EQ(ev["data"]["process"]["comm"], "ew-apicli") << ev.dump();
  EXPECT_EQ(ev["data"]["process"]["pid"], client) << ev.dump();

  nlohmann::json missing = Get("/api/v1/evidence/no-such-id", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(missing["status"], "error");
  EXPECT_NE(missing["error"].get<std::string>().find("evidence no-such-id is not held"),
            std::string::npos);
  nlohmann::json wrong = Get("/api/v1/nothing", &status);
  EXPECT_EQ(status, 404);
  EXPECT_NE(wrong["error"].get<std::string>().find("GET /api/v1/alerts"), std::string::npos);
  EXPECT_EQ(run.Signal(SIGTERM, 10s), 0) << run.Stderr();
}

TEST(EdgewatchRunApi, AnAddressItCannotListenOnIsAnError) {
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  ChildProcess p({testing::EdgewatchBinary(), "run", "--rules", dir + "/checkout.yaml",
                  "--metrics-listen", "off", "--api-listen", "256.0.0.1:80"});
  EXPECT_EQ(p.Wait(15s), 2) << p.Stderr();
  EXPECT_NE(p.Stderr().find("flag --api-listen: cannot listen on 256.0.0.1:80"), std::string::npos)
      << p.Stderr();
}

}  // namespace
}  // namespace edgewatch
