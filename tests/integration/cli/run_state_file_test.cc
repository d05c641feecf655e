// `edgewatch run --state-file FILE`: the baselines an edge learned from real kernel events are in
// the file after a stop and are taken back by the same edge after a restart; a broken file is
// moved aside, said, and not lost.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "detector/state_snapshot.h"
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
  - name: RefusedUnusual
    signal: refused
    baseline: {method: edgewatch, sensitivity: 0.9, min_history: 1m, seasonality: none}
    severity: warning
    match: {side: client, server_ip: 10.77.0.1, server_port: 7231}
)yaml";

constexpr int kMetricsPort = 19741;

void Refuse(NetnsPair& net) {
  pid_t client = testing::ForkInNetns(net.client_ns(), "ew-stcli",
                                      [] { return testing::TcpConnect("10.77.0.1", 7231, 0); });
  ASSERT_EQ(testing::WaitChild(client, 5s), ECONNREFUSED);
}

std::string Metrics() {
  httplib::Client c("127.0.0.1", kMetricsPort);
  auto res = c.Get("/metrics");
  return res ? res->body : "";
}

// `edgewatch run` with the state file dir/state, once it has attached.
std::unique_ptr<ChildProcess> StartRun(const std::string& dir) {
  auto run = std::make_unique<ChildProcess>(std::vector<std::string>{
      testing::EdgewatchBinary(), "run", "--symptom-alerts", "--rules", dir + "/checkout.yaml",
      "--state-file", dir + "/state", "--state-save-interval", "1s", "--node", "st-node",
      "--metrics-listen", "127.0.0.1:" + std::to_string(kMetricsPort)});
  EXPECT_TRUE(WaitFor([&] { return run->Stderr().find("attached") != std::string::npos; }, 15s))
      << run->Stderr();
  return run;
}

TEST(EdgewatchRunStateFile, LearnedBaselinesSurviveARestart) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  {
    auto run = StartRun(dir);
    EXPECT_NE(run->Stderr().find("0 learned (rule, edge) states loaded from " + dir + "/state"),
              std::string::npos)
        << run->Stderr();
    Refuse(*net);
    // The edge's window reaches the detector, and a periodic save writes its state.
    ASSERT_TRUE(WaitFor(
        [&] {
          return Metrics().find("edgewatch_detector_state_file_entries 1") != std::string::npos;
        },
        15s))
        << Metrics() << run->Stderr();
    EXPECT_EQ(run->Signal(SIGINT, 10s), 0) << run->Stderr();
  }
  auto saved = detector::StateSnapshot::ReadFile(dir + "/state");
  ASSERT_TRUE(saved.ok()) << saved.error();
  ASSERT_EQ(saved->entries.size(), 1U);
  EXPECT_EQ(saved->entries[0].edge_key.rfind("st-node\x1f", 0), 0U) << saved->entries[0].edge_key;
  EXPECT_NE(saved->entries[0].rule_key.find("RefusedUnusual"), std::string::npos);
  EXPECT_FALSE(saved->entries[0].state.empty());

  auto again = StartRun(dir);
  EXPECT_NE(again->Stderr().find("1 learned (rule, edge) states loaded"), std::string::npos)
      << again->Stderr();
  Refuse(*net);
  // The same edge comes back and takes its baseline back instead of learning again.
  EXPECT_TRUE(WaitFor(
      [&] {
        return Metrics().find("edgewatch_detector_states_restored_total 1") != std::string::npos;
      },
      15s))
      << Metrics() << again->Stderr();
  EXPECT_EQ(again->Signal(SIGTERM, 10s), 0) << again->Stderr();
}

TEST(EdgewatchRunStateFile, ABrokenFileIsMovedAsideAndSaid) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF)";
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  testing::WriteFile(dir + "/state", "EWSTATE1 but then garbage");
  auto run = StartRun(dir);
  EXPECT_NE(run->Stderr().find("state file " + dir + "/state: "), std::string::npos)
      << run->Stderr();
  EXPECT_NE(run->Stderr().find("moved aside to " + dir + "/state.corrupt"), std::string::npos)
      << run->Stderr();
  EXPECT_EQ(testing::ReadFile(dir + "/state.corrupt"), "EWSTATE1 but then garbage");
  EXPECT_NE(Metrics().find("edgewatch_detector_state_load_errors_total 1"), std::string::npos);
  EXPECT_EQ(run->Signal(SIGTERM, 10s), 0) << run->Stderr();
  // The stop saved a fresh (empty) snapshot in its place.
  auto fresh = detector::StateSnapshot::ReadFile(dir + "/state");
  ASSERT_TRUE(fresh.ok()) << fresh.error();
}

TEST(EdgewatchRunStateFile, NotWithKafka) {
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  ChildProcess p({testing::EdgewatchBinary(), "detector", "--kafka", "127.0.0.1:1", "--rules",
                  dir + "/checkout.yaml", "--state-file", dir + "/state", "--metrics-listen",
                  "off"});
  EXPECT_EQ(p.Wait(10s), 2) << p.Stderr();
  EXPECT_NE(p.Stderr().find("flag --state-file: not with --kafka"), std::string::npos)
      << p.Stderr();
}

}  // namespace
}  // namespace edgewatch
