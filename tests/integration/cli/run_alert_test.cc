// `edgewatch` as users run it: the real binary, real kernel events in namespaces this test
// creates, and a real HTTP webhook receiver in the test.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

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
using testing::WebhookServer;

constexpr const char* kRefusedRule = R"(business_system: checkout
rules:
  - name: CheckoutRefused
    signal: refused
    comparison: ">"
    threshold: 0
    for: 0s
    keep_firing_for: 1m
    severity: critical
    match:
      side: client
      server_port: 7201
    annotations:
      summary: "{{ client_workload }} refused by {{ server }}"
)";

TEST(EdgewatchRun, RefusedConnectReachesTheWebhookWithEvidence) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  WebhookServer hook;
  std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRefusedRule);

  // Root-cause alerts (the default) after a short group_wait: one refused client alone.
  ChildProcess run({testing::EdgewatchBinary(), "run", "--rules", dir, "--webhook", hook.url(),
                    "--node", "cli-node", "--metrics-listen", "127.0.0.1:19720", "--group-wait",
                    "1s"});
  ASSERT_TRUE(WaitFor([&] { return run.Stderr().find("attached") != std::string::npos; }, 15s))
      << run.Stderr();

  auto t0 = std::chrono::steady_clock::now();
  pid_t client = testing::ForkInNetns(net->client_ns(), "ew-checkout",
                                      [] { return testing::TcpConnect("10.77.0.1", 7201, 0); });
  ASSERT_EQ(testing::WaitChild(client, 5s), ECONNREFUSED);

  ASSERT_TRUE(WaitFor([&] { return hook.count() >= 1; }, 15s)) << run.Stderr();
  auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(hook.arrival(0) - t0);
  std::fprintf(stderr, "[ latency  ] refused connect -> alert at the webhook: %lld ms\n",
               static_cast<long long>(latency.count()));

  schema::Decoder decoder;
  auto alert = decoder.DecodeAlert(hook.body(0));
  ASSERT_TRUE(alert.ok()) << alert.error() << "\n" << hook.body(0);
  // One root cause: this client alone, its symptom (the rule on the edge) attached.
  ASSERT_TRUE(alert->root_cause) << hook.body(0);
  EXPECT_EQ(alert->root_cause->cause, "client_misconfig");
  EXPECT_EQ(alert->rule, "ClientMisconfig");
  EXPECT_EQ(alert->labels["scope_server_endpoint"], "10.77.0.1:7201");
  EXPECT_EQ(alert->labels["scope_client_workload"], "ew-checkout");
  ASSERT_EQ(alert->root_cause->symptoms.size(), 1u);
  EXPECT_EQ(alert->root_cause->symptoms[0].rule, "CheckoutRefused");
  EXPECT_EQ(alert->root_cause->symptoms[0].symptoms, std::vector<std::string>{"refused"});
  EXPECT_EQ(alert->root_cause->edge_count, 1u);
  EXPECT_EQ(alert->status, schema::AlertStatus::kFiring);
  EXPECT_EQ(alert->business_system, "checkout");
  EXPECT_EQ(alert->severity, "critical");
  EXPECT_EQ(alert->node, "cli-node");
  EXPECT_EQ(alert->edge.client.workload, "ew-checkout");
  EXPECT_EQ(alert->edge.client.ip, "10.77.0.2");
  EXPECT_EQ(alert->edge.server.ip, "10.77.0.1");
  EXPECT_EQ(alert->edge.server.port, 7201);
  EXPECT_EQ(alert->value, 1);
  EXPECT_EQ(alert->annotations["summary"],
            "Client ew-checkout failing alone calling 10.77.0.1:7201: 1 edge of 1 business system "
            "(checkout) affected");
  ASSERT_EQ(alert->evidence_ids.size(), 1u);
  ASSERT_EQ(alert->evidence.size(), 1u);
  const auto& ev = alert->evidence[0];
  EXPECT_EQ(ev.id, alert->evidence_ids[0]);
  EXPECT_EQ(ev.cause, "refused");
  EXPECT_EQ(ev.pid, static_cast<uint32_t>(client));
  EXPECT_EQ(ev.comm, "ew-checkout");
  EXPECT_EQ(ev.dst_port, 7201);
  EXPECT_EQ(ev.src_ip, "10.77.0.2");

  // The same alert is a JSON line on stdout.
  auto line = run.Stdout();
  ASSERT_FALSE(line.empty());
  auto from_stdout = decoder.DecodeAlert(line.substr(0, line.find('\n')));
  ASSERT_TRUE(from_stdout.ok()) << from_stdout.error();
  EXPECT_EQ(from_stdout->fingerprint, alert->fingerprint);

  // Self-metrics are served while it runs.
  httplib::Client metrics("127.0.0.1", 19720);
  auto res = metrics.Get("/metrics");
  ASSERT_TRUE(res) << "no /metrics";
  EXPECT_NE(res->body.find("edgewatch_sensor_windows_emitted_total"), std::string::npos);
  EXPECT_NE(res->body.find("edgewatch_sensor_ringbuf_lost_total"), std::string::npos);
  EXPECT_NE(res->body.find("edgewatch_run_queue_dropped_total"), std::string::npos);

  // A second refused connect while firing is not re-notified.
  pid_t again = testing::ForkInNetns(net->client_ns(), "ew-checkout",
                                     [] { return testing::TcpConnect("10.77.0.1", 7201, 0); });
  ASSERT_EQ(testing::WaitChild(again, 5s), ECONNREFUSED);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(hook.count(), 1u);

  EXPECT_EQ(run.Signal(SIGTERM, 10s), 0) << run.Stderr();
  EXPECT_NE(run.Stderr().find("stopped"), std::string::npos);
}

TEST(EdgewatchSensor, SigintFlushesTheOpenWindowToTheOutputFile) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  std::string out = testing::MakeTempDir() + "/records.jsonl";
  // A window far longer than the test: only the shutdown flush can write it.
  ChildProcess sensor({testing::EdgewatchBinary(), "sensor", "--output", out, "--window", "60m",
                       "--metrics-listen", "off", "--node", "flush-node"});
  ASSERT_TRUE(WaitFor([&] { return sensor.Stderr().find("attached") != std::string::npos; }, 15s))
      << sensor.Stderr();
  pid_t client = testing::ForkInNetns(net->client_ns(), "ew-flush",
                                      [] { return testing::TcpConnect("10.77.0.1", 7202, 0); });
  ASSERT_EQ(testing::WaitChild(client, 5s), ECONNREFUSED);
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(sensor.Signal(SIGINT, 10s), 0) << sensor.Stderr();

  schema::Decoder decoder;
  std::istringstream lines(testing::ReadFile(out));
  std::string line;
  int windows = 0, evidence = 0;
  while (std::getline(lines, line)) {
    auto r = decoder.Decode(line);
    ASSERT_TRUE(r.ok()) << r.error() << ": " << line;
    if (auto* w = std::get_if<schema::EdgeWindow>(&*r)) {
      if (w->edge.client.workload != "ew-flush") continue;
      ++windows;
      EXPECT_EQ(w->at(schema::Counter::kRefused), 1u);
      EXPECT_EQ(w->node, "flush-node");
      EXPECT_LT(w->window_end_ns - w->window_start_ns, 3600'000'000'000LL) << "partial window";
    } else if (auto* e = std::get_if<schema::EvidenceEvent>(&*r)) {
      if (e->comm == "ew-flush") ++evidence;
    }
  }
  EXPECT_EQ(windows, 1);
  EXPECT_EQ(evidence, 1);
}

TEST(EdgewatchCli, WithoutCapabilitiesTheSensorSaysWhatIsMissing) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root to drop to an unprivileged user";
  ChildProcess p({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                  "--bounding-set=-all", testing::EdgewatchBinary(), "sensor", "--metrics-listen",
                  "off"});
  EXPECT_EQ(p.Wait(10s), 3) << p.Stderr();
  EXPECT_NE(p.Stderr().find("missing capability"), std::string::npos) << p.Stderr();
  EXPECT_NE(p.Stderr().find("CAP_BPF"), std::string::npos) << p.Stderr();
}

TEST(EdgewatchCli, DetectorReplaysARecordingAndReportsBadLines) {
  std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRefusedRule);
  schema::EdgeWindow w;
  w.node = "n1";
  w.seq = 1;
  w.window_start_ns = 1'795'000'000'000'000'000;
  w.window_end_ns = w.window_start_ns + 1'000'000'000;
  w.edge.side = schema::Side::kClient;
  w.edge.client = {"10.0.0.2", 0, "billing", ""};
  w.edge.server = {"10.0.0.1", 7201, "", ""};
  w.at(schema::Counter::kRefused) = 3;
  w.evidence_ids = {"n1/1/1"};
  schema::EvidenceEvent ev;
  ev.id = "n1/1/1";
  ev.node = "n1";
  ev.cause = "refused";
  ev.time_ns = w.window_start_ns + 5;
  ev.edge = w.edge;
  ev.edge_key = w.edge.Key();
  ev.pid = 4242;
  ev.comm = "billing";
  testing::WriteFile(dir + "/rec.jsonl",
                     schema::Encode(ev) + "\n{not json\n" + schema::Encode(w) + "\n");
  ChildProcess p({testing::EdgewatchBinary(), "detector", "--rules", dir + "/checkout.yaml",
                  "--input", dir + "/rec.jsonl"});
  ASSERT_EQ(p.Wait(20s), 0) << p.Stderr();
  EXPECT_NE(p.Stderr().find("line 2"), std::string::npos) << p.Stderr();
  schema::Decoder decoder;
  auto out = p.Stdout();
  auto alert = decoder.DecodeAlert(out.substr(0, out.find('\n')));
  ASSERT_TRUE(alert.ok()) << alert.error() << "\n" << out;
  // The recording ends within group_wait: the waiting symptom is localized at the end, not lost.
  ASSERT_TRUE(alert->root_cause) << out;
  ASSERT_EQ(alert->root_cause->symptoms.size(), 1u);
  EXPECT_EQ(alert->root_cause->symptoms[0].rule, "CheckoutRefused");
  EXPECT_EQ(alert->value, 3);
  ASSERT_EQ(alert->evidence.size(), 1u);
  EXPECT_EQ(alert->evidence[0].pid, 4242u);
}

TEST(EdgewatchCli, RulesCheckExitCodes) {
  std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/good.yaml", kRefusedRule);
  testing::WriteFile(dir + "/bad.yaml",
                     "business_system: x\nrules:\n  - name: A\n    signal: refused\n"
                     "    comparison: \"=>\"\n    threshold: 0\n    severity: critical\n");
  ChildProcess good({testing::EdgewatchBinary(), "rules", "check", dir + "/good.yaml"});
  EXPECT_EQ(good.Wait(10s), 0) << good.Stdout() << good.Stderr();
  EXPECT_NE(good.Stdout().find("SUCCESS"), std::string::npos) << good.Stdout();
  ChildProcess bad({testing::EdgewatchBinary(), "rules", "check", dir + "/bad.yaml"});
  EXPECT_EQ(bad.Wait(10s), 1);
  EXPECT_NE(bad.Stdout().find("bad.yaml:5:17: rules[0].comparison: \"=>\""), std::string::npos)
      << bad.Stdout();
  ChildProcess usage({testing::EdgewatchBinary(), "run", "--no-such-flag"});
  EXPECT_EQ(usage.Wait(10s), 2);
  EXPECT_NE(usage.Stderr().find("--no-such-flag"), std::string::npos);
}

TEST(EdgewatchCli, RulesTestPassesFailsAndReportsWhere) {
  // The shipped examples' own tests pass, and every example rule file has one.
  const std::string examples = std::string(EDGEWATCH_SOURCE_DIR) + "/rules/examples";
  for (const char* name : {"payments", "dns-platform", "default"}) {
    ChildProcess shipped(
        {testing::EdgewatchBinary(), "rules", "test", examples + "/tests/" + name + "_test.yaml"});
    EXPECT_EQ(shipped.Wait(20s), 0) << shipped.Stdout() << shipped.Stderr();
    EXPECT_NE(shipped.Stdout().find("SUCCESS"), std::string::npos) << shipped.Stdout();
    EXPECT_EQ(shipped.Stdout().find("  FAIL \""), std::string::npos) << shipped.Stdout();
  }
  // A wrong expectation fails with the time, the file position and the alert that differs.
  std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRefusedRule);
  testing::WriteFile(dir + "/checkout_test.yaml", R"(rule_files: [checkout.yaml]
tests:
  - name: refused once
    edges:
      - edge: {side: client, client_workload: api, server: "10.0.0.1:7201"}
        series: {refused: "0 1 0"}
    alerts:
      - at: 1s
        firing: [{rule: CheckoutRefused}]
)");
  ChildProcess failing({testing::EdgewatchBinary(), "rules", "test", dir + "/checkout_test.yaml"});
  EXPECT_EQ(failing.Wait(20s), 1);
  EXPECT_NE(failing.Stdout().find("  FAIL \"refused once\" (" + dir + "/checkout_test.yaml:3:5)\n"),
            std::string::npos)
      << failing.Stdout();
  EXPECT_NE(failing.Stdout().find("at 1s (" + dir + "/checkout_test.yaml:8:9):"), std::string::npos)
      << failing.Stdout();
  EXPECT_NE(failing.Stdout().find("expected firing, but is not: CheckoutRefused {}"),
            std::string::npos)
      << failing.Stdout();
  // A malformed test file: exit 1 with file:line:column: key.
  testing::WriteFile(dir + "/broken_test.yaml", "rule_files: [checkout.yaml]\ntests: 3\n");
  ChildProcess broken({testing::EdgewatchBinary(), "rules", "test", dir + "/broken_test.yaml"});
  EXPECT_EQ(broken.Wait(20s), 1);
  EXPECT_NE(broken.Stdout().find("broken_test.yaml:2:8: tests: must be a list of test cases"),
            std::string::npos)
      << broken.Stdout();
}

}  // namespace
}  // namespace edgewatch
