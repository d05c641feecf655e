// `edgewatch run` on HTTP as users run it: the real binary, nginx in a namespace this test
// creates answering 503, and a client sending requests with trace context. The on-call engineer
// gets one alert naming the services (identity file), with the failed requests and their trace
// ids as evidence.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>

#include "schema/codec.h"
#include "tests/support/http_peer.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::NetnsPair;
using testing::WaitFor;

constexpr int kPort = 8081;

constexpr const char* kRule = R"yaml(business_system: payments
rules:
  - name: GatewayServerErrors
    signal: http_5xx
    comparison: ">"
    threshold: 0
    severity: critical
    match:
      side: client
      server_service: payments-gateway
    annotations:
      summary: "{{ value }} server errors from {{ server_service }} to {{ client_service }}"
)yaml";

constexpr const char* kIdentity = R"(services:
  - name: checkout-web
    business_system: shop
    match:
      processes: [ew-httpcli]
  - name: payments-gateway
    business_system: payments
    tags: {oncall: pay-oncall}
    match:
      endpoints: ["10.77.0.1:8081"]
)";

TEST(EdgewatchRunHttp, ServerErrorsReachTheAlertWithTraceIds) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, tracefs, network namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  auto nginx = testing::NginxPeer::Start(net->server_ns(), net->server_ip(), kPort, 10, &why);
  ASSERT_NE(nginx, nullptr) << why;
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/payments.yaml", kRule);
  testing::WriteFile(dir + "/ids.yaml", kIdentity);

  ChildProcess run({testing::EdgewatchBinary(), "run", "--symptom-alerts", "--rules",
                    dir + "/payments.yaml", "--identity", dir + "/ids.yaml", "--node", "http-node",
                    "--metrics-listen", "127.0.0.1:19741"});
  ASSERT_TRUE(WaitFor([&] { return run.Stderr().find("attached") != std::string::npos; }, 15s))
      << run.Stderr();

  // 5 × 503 and 5 × 200 on one keep-alive connection, each with its own trace id.
  const pid_t client = testing::ForkInNetns(net->client_ns(), "ew-httpcli", [&] {
    int fd = -1;
    if (testing::TcpConnect(net->server_ip(), kPort, 0, &fd) != 0) return 100;
    int bad = 0;
    for (unsigned i = 0; i < 10; ++i) {
      bool closes = false;
      const char* path = i % 2 == 0 ? "/busy" : "/ok";
      const int status = testing::HttpGet(fd, testing::HttpIo::kSendRecv, path,
                                          testing::MakeTraceparent(i), "", &closes);
      bad += status != (i % 2 == 0 ? 503 : 200);
    }
    close(fd);
    return bad;
  });
  ASSERT_EQ(testing::WaitChild(client, 10s), 0);
  ASSERT_TRUE(WaitFor([&] { return run.Stdout().find('\n') != std::string::npos; }, 10s))
      << run.Stderr();

  schema::Decoder decoder;
  const std::string out = run.Stdout();
  auto alert = decoder.DecodeAlert(out.substr(0, out.find('\n')));
  ASSERT_TRUE(alert.ok()) << alert.error() << "\n" << out;
  EXPECT_EQ(alert->rule, "GatewayServerErrors");
  EXPECT_EQ(alert->signal, "http_5xx");
  // Usually all five in one window; a window boundary may split them.
  EXPECT_GE(alert->value, 1);
  EXPECT_LE(alert->value, 5);
  EXPECT_EQ(alert->labels["server_service"], "payments-gateway");
  EXPECT_EQ(alert->labels["client_service"], "checkout-web");
  EXPECT_EQ(alert->labels["oncall"], "pay-oncall");
  EXPECT_EQ(alert->annotations["summary"],
            std::to_string(static_cast<int>(alert->value)) +
                " server errors from payments-gateway to checkout-web");
  // The evidence: the failed requests of the firing window, with their trace ids, none of the
  // good ones.
  std::set<std::string> traces;
  for (const auto& e : alert->evidence) {
    ASSERT_EQ(e.kind, schema::EvidenceKind::kHttpRequest);
    ASSERT_TRUE(e.http.has_value());
    EXPECT_EQ(e.http->status, 503);
    EXPECT_EQ(e.http->path, "/busy");
    EXPECT_EQ(e.comm, "ew-httpcli");
    EXPECT_EQ(e.edge.server.service, "payments-gateway");
    traces.insert(e.http->trace_id);
  }
  std::set<std::string> want;
  for (unsigned i = 0; i < 10; i += 2) want.insert(testing::TraceIdOf(i));
  EXPECT_EQ(traces.size(), static_cast<size_t>(alert->value));
  for (const std::string& t : traces) EXPECT_EQ(want.count(t), 1u) << t;

  httplib::Client metrics("127.0.0.1", 19741);
  auto res = metrics.Get("/metrics");
  ASSERT_TRUE(res) << "no /metrics";
  EXPECT_NE(res->body.find("edgewatch_sensor_http_exchanges_total"), std::string::npos);
  EXPECT_NE(res->body.find("edgewatch_sensor_http_sockets_classified_total{result=\"http\"}"),
            std::string::npos)
      << res->body;
  EXPECT_EQ(run.Signal(SIGTERM, 10s), 0) << run.Stderr();
}

}  // namespace
}  // namespace edgewatch
