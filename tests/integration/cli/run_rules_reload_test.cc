// Hot reload of rules in `edgewatch run`, as users do it: rewrite the rule file (the change is
// picked up) or send SIGHUP; a broken file is rejected with its errors and the running rules
// keep alerting.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "schema/codec.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::NetnsPair;
using testing::WaitFor;

std::string Rule(const std::string& name, int port) {
  return "business_system: checkout\nrules:\n  - name: " + name +
         "\n    signal: refused\n    comparison: \">\"\n    threshold: 0\n    severity: critical\n"
         "    match: {side: client, server_port: " +
         std::to_string(port) + "}\n";
}

// Replaces the file the way editors and ConfigMap updates do (a new inode renamed into place).
void Replace(const std::string& path, const std::string& text) {
  std::ofstream(path + ".tmp") << text;
  std::filesystem::rename(path + ".tmp", path);
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(EdgewatchRunRulesReload, ChangedFilesAreSwappedInAndBrokenOnesRejected) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  const std::string dir = testing::MakeTempDir();
  const std::string file = dir + "/checkout.yaml";
  Replace(file, Rule("RefusedOld", 7301));

  ChildProcess run({testing::EdgewatchBinary(), "run", "--symptom-alerts", "--rules", dir,
                    "--rules-check-interval", "200ms", "--node", "reload-node", "--metrics-listen",
                    "127.0.0.1:19751"});
  ASSERT_TRUE(WaitFor([&] { return run.Stderr().find("attached") != std::string::npos; }, 15s))
      << run.Stderr();
  auto refuse = [&](int port) {
    const pid_t c = testing::ForkInNetns(net->client_ns(), "ew-reload", [port] {
      return testing::TcpConnect("10.77.0.1", port, 0);
    });
    return testing::WaitChild(c, 5s);
  };

  // 1. No rule selects port 7302 yet.
  ASSERT_EQ(refuse(7302), ECONNREFUSED);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(run.Stdout(), "");

  // 2. The file now selects 7302: picked up without a restart.
  Replace(file, Rule("RefusedNew", 7302));
  ASSERT_TRUE(WaitFor([&] { return run.Stderr().find("rules reloaded") != std::string::npos; }, 5s))
      << run.Stderr();
  ASSERT_EQ(refuse(7302), ECONNREFUSED);
  ASSERT_TRUE(WaitFor([&] { return Count(run.Stdout(), "\"status\":\"firing\"") == 1; }, 10s))
      << run.Stdout() << run.Stderr();
  EXPECT_NE(run.Stdout().find("\"rule\":\"RefusedNew\""), std::string::npos);

  // 3. A broken file is rejected with its error, on change and on SIGHUP alike.
  Replace(file, "business_system: checkout\nrules:\n  - name: Bad\n    signal: refusd\n");
  ASSERT_TRUE(
      WaitFor([&] { return run.Stderr().find("reload rejected") != std::string::npos; }, 5s))
      << run.Stderr();
  EXPECT_NE(run.Stderr().find("checkout.yaml:4:13: rules[0].signal: \"refusd\" is not a signal"),
            std::string::npos)
      << run.Stderr();
  kill(run.pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Count(run.Stderr(), "reload rejected") == 2; }, 5s))
      << run.Stderr();

  // 4. The rules in force keep running: RefusedNew resolves, then fires again.
  ASSERT_TRUE(WaitFor([&] { return Count(run.Stdout(), "\"status\":\"resolved\"") == 1; }, 10s))
      << run.Stdout();
  ASSERT_EQ(refuse(7302), ECONNREFUSED);
  ASSERT_TRUE(WaitFor([&] { return Count(run.Stdout(), "\"status\":\"firing\"") == 2; }, 10s))
      << run.Stdout() << run.Stderr();

  httplib::Client metrics("127.0.0.1", 19751);
  auto res = metrics.Get("/metrics");
  ASSERT_TRUE(res) << "no /metrics";
  EXPECT_NE(res->body.find("edgewatch_rules_reloads_total 1"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("edgewatch_rules_reload_failures_total 2"), std::string::npos);
  EXPECT_EQ(run.Signal(SIGTERM, 10s), 0) << run.Stderr();
}

}  // namespace
}  // namespace edgewatch
