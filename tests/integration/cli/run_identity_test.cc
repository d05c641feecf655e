// `edgewatch run --identity FILE` as users run it: the real binary and real kernel events; the
// alert names both ends of its edge from the identity file.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "schema/codec.h"
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
  - name: PaymentsRefused
    signal: refused
    comparison: ">"
    threshold: 0
    severity: critical
    match:
      side: client
      server_service: payments-api
    annotations:
      summary: "{{ client_service }} refused by {{ server_service }} ({{ server }})"
)yaml";

constexpr const char* kIdentity = R"(services:
  - name: checkout-web
    business_system: shop
    tags: {owner: team-shop}
    match:
      processes: [ew-idcli]
  - name: payments-api
    business_system: payments
    tags: {oncall: pay-oncall, tier: "1"}
    match:
      endpoints: ["10.77.0.1:7221"]
)";

TEST(EdgewatchRunIdentity, AlertCarriesTheMappedServices) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  testing::WriteFile(dir + "/ids.yaml", kIdentity);

  ChildProcess run({testing::EdgewatchBinary(), "run", "--symptom-alerts", "--rules",
                    dir + "/checkout.yaml", "--identity", dir + "/ids.yaml", "--node", "id-node",
                    "--metrics-listen", "127.0.0.1:19731"});
  ASSERT_TRUE(WaitFor([&] { return run.Stderr().find("attached") != std::string::npos; }, 15s))
      << run.Stderr();
  pid_t client = testing::ForkInNetns(net->client_ns(), "ew-idcli",
                                      [] { return testing::TcpConnect("10.77.0.1", 7221, 0); });
  ASSERT_EQ(testing::WaitChild(client, 5s), ECONNREFUSED);
  ASSERT_TRUE(WaitFor([&] { return run.Stdout().find('\n') != std::string::npos; }, 10s))
      << run.Stderr();

  schema::Decoder decoder;
  const std::string out = run.Stdout();
  auto alert = decoder.DecodeAlert(out.substr(0, out.find('\n')));
  ASSERT_TRUE(alert.ok()) << alert.error() << "\n" << out;
  EXPECT_EQ(alert->rule, "PaymentsRefused");
  EXPECT_EQ(alert->business_system, "checkout");
  EXPECT_EQ(alert->labels["business_system"], "checkout") << "the rule file's, not the CMDB's";
  EXPECT_EQ(alert->labels["client_service"], "checkout-web");
  EXPECT_EQ(alert->labels["server_service"], "payments-api");
  EXPECT_EQ(alert->labels["client_business_system"], "shop");
  EXPECT_EQ(alert->labels["server_business_system"], "payments");
  EXPECT_EQ(alert->labels["oncall"], "pay-oncall") << "the server's tags";
  EXPECT_EQ(alert->labels["tier"], "1");
  EXPECT_EQ(alert->labels.count("owner"), 0u) << "not the client's, the server is mapped";
  EXPECT_EQ(alert->annotations["summary"], "checkout-web refused by payments-api (10.77.0.1:7221)");
  EXPECT_EQ(alert->edge.client.service, "checkout-web");
  EXPECT_EQ(alert->edge.server.business_system, "payments");
  ASSERT_EQ(alert->evidence.size(), 1u);
  EXPECT_EQ(alert->evidence[0].edge.server.service, "payments-api");

  httplib::Client metrics("127.0.0.1", 19731);
  auto res = metrics.Get("/metrics");
  ASSERT_TRUE(res) << "no /metrics";
  EXPECT_NE(res->body.find("edgewatch_sensor_identity_services 2"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("edgewatch_sensor_identity_unknown_lookups_total"), std::string::npos);
  EXPECT_EQ(run.Signal(SIGTERM, 10s), 0) << run.Stderr();
}

TEST(EdgewatchRunIdentity, InvalidFileIsAConfigurationError) {
  const std::string dir = testing::MakeTempDir();
  testing::WriteFile(dir + "/checkout.yaml", kRule);
  testing::WriteFile(dir + "/ids.yaml",
                     "services:\n  - name: a\n    business_system: b\n    match:\n"
                     "      cidrs: [10.0.0.1/8]\n");
  for (const char* command : {"run", "sensor"}) {
    std::vector<std::string> argv = {
        testing::EdgewatchBinary(), command, "--identity", dir + "/ids.yaml",
        "--metrics-listen",         "off"};
    if (std::string(command) == "run") {
      argv.insert(argv.end(), {"--rules", dir + "/checkout.yaml"});
    }
    ChildProcess p(argv);
    EXPECT_EQ(p.Wait(10s), 2) << command << ": " << p.Stderr();
    EXPECT_NE(
        p.Stderr().find("flag --identity: " + dir + "/ids.yaml:5: services[0].match.cidrs[0]"),
        std::string::npos)
        << p.Stderr();
  }
  ChildProcess missing({testing::EdgewatchBinary(), "sensor", "--identity", dir + "/nope.yaml",
                        "--metrics-listen", "off"});
  EXPECT_EQ(missing.Wait(10s), 2) << missing.Stderr();
  EXPECT_NE(missing.Stderr().find("nope.yaml: cannot open identity file"), std::string::npos)
      << missing.Stderr();
}

}  // namespace
}  // namespace edgewatch
