// Scenario suite (issue 6): real faults in network namespaces this test creates, with healthy
// background traffic on other edges, watched by the real `edgewatch run` (sensor, detector,
// correlator) delivering to a webhook receiver here. Each scenario has its ground truth (cause
// and scope); the suite prints, per scenario and in total, whether cause and scope were right,
// the symptom anomalies versus the alerts sent (compression), and the time from the fault's
// start to the alert.
//
// Topology: clients 10.77.0.2 → servers 10.77.0.1 (NetnsPair): TCP services on 9300 (healthy)
// and nothing on 9301 / 9309, dnsmasq on :53, nginx answering 503 on :8081 and 200 on :8082.
// SNAT: clients 10.78.1.2 → NAT namespace (MASQUERADE onto two ports) → server 10.78.2.2
// (NatTriple). Twelve client workloads (processes ew-w00 … ew-w11, mapped by the identity file
// to services of three business systems) and a background workload (ew-bg).
//
// EW_CLEAN_RUN_S sets the length of the clean run (default 30 s; the issue's figure is 600).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "schema/codec.h"
#include "tests/support/dns_peer.h"
#include "tests/support/http_peer.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"
#include "tests/support/webhook_server.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ChildProcess;
using testing::WaitFor;

constexpr int kWorkloads = 12;
constexpr int kPortOk = 9300;
constexpr int kPortDown = 9301;
constexpr int kPortWrong = 9309;
constexpr int kNginxBusy = 8081;
constexpr int kNginxOk = 8082;
constexpr int kSnatPortA = 9201;
constexpr int kSnatPortB = 9202;
constexpr auto kFaultFor = 6s;

std::string Workload(int i) {
  char b[16];
  std::snprintf(b, sizeof b, "ew-w%02d", i);
  return b;
}
std::string Service(int i) { return "svc-" + Workload(i).substr(3); }
const char* System(int i) {
  static const char* const kSystems[] = {"payments", "loans", "cards"};
  return kSystems[i % 3];
}

// Strict rules: any failure of its kind on an edge is a symptom.
constexpr const char* kRules = R"(business_system: scenarios
rules:
  - {name: ConnectRefused, signal: refused, comparison: ">", threshold: 0, keep_firing_for: 5s,
     severity: critical, match: {side: client}}
  - {name: ConnectTimeouts, signal: timeout, comparison: ">", threshold: 0, keep_firing_for: 5s,
     severity: critical, match: {side: client}}
  - {name: SnatConflicts, signal: snat_suspect, comparison: ">", threshold: 0,
     keep_firing_for: 5s, severity: critical, match: {side: client}}
  - {name: DnsServfail, signal: dns_servfail, comparison: ">", threshold: 0, keep_firing_for: 5s,
     severity: warning}
  - {name: DnsNxdomain, signal: dns_nxdomain, comparison: ">", threshold: 0, keep_firing_for: 5s,
     severity: warning}
  - {name: Http5xx, signal: http_5xx, comparison: ">", threshold: 0, keep_firing_for: 5s,
     severity: warning}
)";

std::string IdentityYaml() {
  std::string y = "services:\n";
  for (int i = 0; i < kWorkloads; ++i) {
    y += "  - name: " + Service(i) + "\n    business_system: " + System(i) +
         "\n    match: {processes: [" + Workload(i) + "]}\n";
  }
  y += "  - name: background\n    business_system: ops\n    match: {processes: [ew-bg]}\n";
  return y;
}

// What a fault or background process does, over and over until its deadline.
struct Action {
  enum Kind { kConnect, kDns, kHttp } kind;
  std::string ip;
  int port = 0;
  std::string arg;  // DNS name or HTTP path
  int syn_retries = 0;
};

int RunActions(const std::vector<Action>& actions, Clock::time_point until) {
  uint16_t id = static_cast<uint16_t>(getpid());
  unsigned n = 0;
  while (Clock::now() < until) {
    for (const Action& a : actions) {
      switch (a.kind) {
        case Action::kConnect:
          testing::TcpConnect(a.ip, a.port, a.syn_retries);
          break;
        case Action::kDns:
          testing::AskDns(a.ip, testing::BuildDnsQuery(++id, a.arg), 0, 1000);
          break;
        case Action::kHttp: {
          int fd = -1;
          if (testing::TcpConnect(a.ip, a.port, 0, &fd) == 0) {
            bool closes = false;
            testing::HttpGet(fd, testing::HttpIo::kSendRecv, a.arg, testing::MakeTraceparent(++n),
                             "", &closes);
            close(fd);
          }
          break;
        }
      }
    }
    usleep(300'000);
  }
  return 0;
}

pid_t Spawn(const std::string& ns, const std::string& comm, std::vector<Action> actions,
            std::chrono::milliseconds for_how_long) {
  const Clock::time_point until = Clock::now() + for_how_long;
  return testing::ForkInNetns(
      ns, comm, [actions = std::move(actions), until] { return RunActions(actions, until); });
}

// Accepts and closes connections on ip:ports until killed.
pid_t AcceptLoop(const std::string& ns, const std::string& ip, const std::vector<int>& ports) {
  const pid_t pid = testing::ForkInNetns(ns, "ew-server", [ip, ports] {
    std::vector<pollfd> fds;
    for (int p : ports) {
      const int fd = testing::TcpListen(ip, p);
      if (fd < 0) return 1;
      fds.push_back({fd, POLLIN, 0});
    }
    for (;;) {
      if (poll(fds.data(), fds.size(), 1000) <= 0) continue;
      for (const pollfd& p : fds) {
        if ((p.revents & POLLIN) == 0) continue;
        const int c = accept(p.fd, nullptr, nullptr);
        if (c >= 0) close(c);
      }
    }
  });
  std::this_thread::sleep_for(300ms);
  return pid;
}

void Kill(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  testing::WaitChild(pid, 2s);
  pid = -1;
}

// Ground truth: the cause and the scope terms its alert must carry.
struct Truth {
  std::string cause;
  std::map<std::string, std::string> scope;  // attribute → value (all must be in the scope)
};

struct Result {
  std::string name;
  bool correct = false;
  size_t symptoms = 0;  // distinct symptom anomalies (rule, edge) attached
  size_t sent = 0;      // alert records sent while firing (first ones and updates)
  size_t causes = 0;    // distinct root-cause alerts
  std::vector<double> time_to_alert_s;
  std::string detail;
};

std::vector<Result>& Results() {
  static std::vector<Result> r;
  return r;
}

class PrintTotals : public ::testing::Environment {
 public:
  void TearDown() override {
    auto& rs = Results();
    if (rs.empty()) return;
    std::printf("\n%-34s %-8s %9s %6s %12s %s\n", "scenario", "correct", "symptoms", "sent",
                "compression", "time to alert (s)");
    size_t ok = 0, symptoms = 0, sent = 0;
    for (const Result& r : rs) {
      std::string tta;
      for (double t : r.time_to_alert_s) {
        char b[16];
        std::snprintf(b, sizeof b, "%s%.1f", tta.empty() ? "" : ", ", t);
        tta += b;
      }
      const double comp = r.sent ? static_cast<double>(r.symptoms) / r.sent : 0;
      std::printf("%-34s %-8s %9zu %6zu %11.1fx %s\n", r.name.c_str(), r.correct ? "yes" : "NO",
                  r.symptoms, r.sent, comp, tta.empty() ? "-" : tta.c_str());
      ok += r.correct ? 1 : 0;
      symptoms += r.symptoms;
      sent += r.sent;
    }
    std::printf("%-34s %zu/%-6zu %9zu %6zu %11.1fx\n\n", "total", ok, rs.size(), symptoms, sent,
                sent ? static_cast<double>(symptoms) / sent : 0);
  }
};
const auto* const kTotals = ::testing::AddGlobalTestEnvironment(new PrintTotals);

// The lab of one scenario: namespaces, peers, `edgewatch run`, background traffic.
class Scenario : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
    std::string why;
    net_ = testing::NetnsPair::Create(&why);
    ASSERT_NE(net_, nullptr) << why;
    dnsmasq_ = testing::StartDnsmasq(net_->server_ns(), net_->server_ip(), &why);
    ASSERT_GT(dnsmasq_, 0) << why;
    busy_ = testing::NginxPeer::Start(net_->server_ns(), net_->server_ip(), kNginxBusy, 10, &why);
    ASSERT_NE(busy_, nullptr) << why;
    ok_ = testing::NginxPeer::Start(net_->server_ns(), net_->server_ip(), kNginxOk, 10, &why);
    ASSERT_NE(ok_, nullptr) << why;
    server_ = AcceptLoop(net_->server_ns(), net_->server_ip(), {kPortOk});
    dir_ = testing::MakeTempDir();
    testing::WriteFile(dir_ + "/rules.yaml", kRules);
    testing::WriteFile(dir_ + "/ids.yaml", IdentityYaml());
  }

  void TearDown() override {
    for (pid_t& p : faults_) Kill(p);
    Kill(background_);
    Kill(server_);
    Kill(nat_server_);
    Kill(holder_);
    if (run_) run_->Signal(SIGTERM, 10s);
    if (dnsmasq_ > 0) testing::StopDnsmasq(dnsmasq_);
  }

  // Starts `edgewatch run` and the background traffic, and lets edges form for a few windows.
  void Start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {testing::EdgewatchBinary(),
                                     "run",
                                     "--rules",
                                     dir_ + "/rules.yaml",
                                     "--identity",
                                     dir_ + "/ids.yaml",
                                     "--webhook",
                                     hook_.url(),
                                     "--quiet",
                                     "--node",
                                     "scn",
                                     "--metrics-listen",
                                     metrics_,
                                     "--api-listen",
                                     api_,
                                     "--group-wait",
                                     "3s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    run_ = std::make_unique<ChildProcess>(argv);
    ASSERT_TRUE(WaitFor([&] { return run_->Stderr().find("attached") != std::string::npos; }, 20s))
        << run_->Stderr();
    background_ = Spawn(net_->client_ns(), "ew-bg", Healthy(), 20min);
    std::this_thread::sleep_for(3s);
    first_ = hook_.count();
  }

  // The healthy traffic of a client: a TCP service, a DNS name, an HTTP page.
  std::vector<Action> Healthy() const {
    const std::string s = net_->server_ip();
    return {{Action::kConnect, s, kPortOk, "", 0},
            {Action::kDns, s, 53, "known.test", 0},
            {Action::kHttp, s, kNginxOk, "/ok", 0}};
  }

  // Starts `faulty` workloads (each with `fault` plus its healthy traffic) and healthy ones.
  void Fault(const std::vector<int>& faulty, const std::vector<Action>& fault,
             const std::string& ns = "") {
    t0_ = Clock::now();
    for (int i = 0; i < kWorkloads; ++i) {
      std::vector<Action> a = Healthy();
      if (std::find(faulty.begin(), faulty.end(), i) != faulty.end()) {
        if (!ns.empty()) {
          faults_.push_back(Spawn(ns, Workload(i), fault, kFaultFor));
        } else {
          a.insert(a.end(), fault.begin(), fault.end());
        }
      }
      faults_.push_back(Spawn(net_->client_ns(), Workload(i), a, kFaultFor));
    }
  }

  // Waits for the faults to end and every root cause raised to resolve, then scores against
  // `truth`.
  void Score(const std::string& name, const std::vector<Truth>& truth) {
    for (pid_t& p : faults_) {
      testing::WaitChild(p, 30s);
      p = -1;
    }
    WaitFor(
        [&] {
          const Parsed now = Parse();
          return now.open.empty() && !now.by_fingerprint.empty();
        },
        40s);
    std::this_thread::sleep_for(1s);
    const Parsed got = Parse();
    Result r;
    r.name = name;
    r.symptoms = got.symptoms.size();
    r.sent = got.sent;
    r.causes = got.by_fingerprint.size();
    std::set<std::string> matched;
    bool all = got.by_fingerprint.size() == truth.size();
    for (const Truth& t : truth) {
      bool found = false;
      for (const auto& [fp, a] : got.by_fingerprint) {
        if (matched.contains(fp) || a.root_cause->cause != t.cause) continue;
        const auto& scope = a.root_cause->scope;
        const bool in_scope = std::all_of(t.scope.begin(), t.scope.end(), [&](const auto& kv) {
          const std::pair<std::string, std::string> term(kv.first, kv.second);
          return std::find(scope.begin(), scope.end(), term) != scope.end();
        });
        if (!in_scope) continue;
        matched.insert(fp);
        found = true;
        r.time_to_alert_s.push_back(got.first_at.at(fp));
        break;
      }
      all = all && found;
    }
    r.correct = all;
    for (const auto& [fp, a] : got.by_fingerprint) {
      r.detail += "  " + a.root_cause->cause + " {" + a.labels.at("scope") +
                  "}: " + std::to_string(a.root_cause->edge_count) +
                  " edge(s): " + a.annotations.at("summary") + "\n";
    }
    std::printf("[ scenario ] %s: %s\n%s", name.c_str(), r.correct ? "correct" : "WRONG",
                r.detail.c_str());
    Results().push_back(r);
    EXPECT_TRUE(r.correct) << r.detail << run_->Stderr();
    EXPECT_TRUE(got.open.empty()) << "root causes still firing: " << r.detail;
  }

  struct Parsed {
    std::map<std::string, schema::Alert> by_fingerprint;  // last record of each root cause
    std::map<std::string, double> first_at;               // seconds from t0 to its first record
    std::set<std::string> open;                           // firing at their last record
    std::set<std::string> symptoms;
    size_t sent = 0;
  };
  Parsed Parse() {
    Parsed p;
    schema::Decoder decoder;
    for (const auto& [body, at] : hook_.since(first_)) {
      auto a = decoder.DecodeAlert(body);
      if (!a.ok() || !a->root_cause) {
        ADD_FAILURE() << "not a root-cause alert: " << (a.ok() ? "" : a.error()) << "\n" << body;
        continue;
      }
      if (!p.first_at.contains(a->fingerprint)) {
        p.first_at[a->fingerprint] = std::chrono::duration<double>(at - t0_).count();
      }
      for (const auto& s : a->root_cause->symptoms) p.symptoms.insert(s.fingerprint);
      if (a->status == schema::AlertStatus::kFiring) {
        ++p.sent;
        p.open.insert(a->fingerprint);
      } else {
        p.open.erase(a->fingerprint);
      }
      p.by_fingerprint[a->fingerprint] = std::move(*a);
    }
    return p;
  }

  std::vector<int> All() const {
    std::vector<int> v(kWorkloads);
    for (int i = 0; i < kWorkloads; ++i) v[i] = i;
    return v;
  }
  std::string Server(int port) const { return net_->server_ip() + ":" + std::to_string(port); }

  std::unique_ptr<testing::NetnsPair> net_;
  std::unique_ptr<testing::NatTriple> nat_;
  std::unique_ptr<testing::NginxPeer> busy_, ok_;
  std::unique_ptr<ChildProcess> run_;
  testing::WebhookServer hook_;
  std::string dir_;
  pid_t dnsmasq_ = -1, server_ = -1, background_ = -1, nat_server_ = -1, holder_ = -1;
  std::vector<pid_t> faults_;
  size_t first_ = 0;
  Clock::time_point t0_;
  std::string metrics_ = "off";
  std::string api_ = "off";
};

// A sample's value on a /metrics page ("name{labels} value" or "name value"), -1 when absent.
double Metric(const std::string& page, const std::string& name) {
  size_t at = 0;
  while ((at = page.find(name, at)) != std::string::npos) {
    const bool line_start = at == 0 || page[at - 1] == '\n';
    const size_t end = at + name.size();
    if (line_start && end < page.size() && (page[end] == ' ' || page[end] == '{')) {
      const size_t sp = page.find(' ', end);
      return std::atof(page.c_str() + sp + 1);
    }
    at = end;
  }
  return -1;
}

TEST_F(Scenario, SnatExhaustionBehindANatNamespace) {
  std::string why;
  nat_ = testing::NatTriple::Create(40000, 40001, &why);
  ASSERT_NE(nat_, nullptr) << why;
  const std::string s = nat_->server_ip();
  nat_server_ = AcceptLoop(nat_->server_ns(), s, {kSnatPortA, kSnatPortB});
  // The NAT's two ports, taken towards both server ports by connections held open.
  holder_ = testing::ForkInNetns(nat_->client_ns(), "ew-holder", [s] {
    int fd = -1;
    for (int port : {kSnatPortA, kSnatPortA, kSnatPortB, kSnatPortB}) {
      if (testing::TcpConnect(s, port, 0, &fd) != 0) return 1;
    }
    sleep(600);
    return 0;
  });
  Start({"--conntrack-netns", "nat=" + nat_->nat_ns_path()});
  // Every workload behind the NAT connects to both server ports: each SYN collides.
  Fault(All(), {{Action::kConnect, s, kSnatPortA, "", 1}, {Action::kConnect, s, kSnatPortB, "", 1}},
        nat_->client_ns());
  Score("snat exhaustion (12 workloads)", {{"snat_conflict", {{"nat", "scn/conntrack/nat"}}}});
}

TEST_F(Scenario, ResolverAnswersServfailForEverything) {
  Start();
  Fault(All(), {{Action::kDns, net_->server_ip(), 53, "x.fail.test", 0}});
  Score("resolver SERVFAIL (12 clients)",
        {{"dns_resolver_failure", {{"server_endpoint", Server(53)}}}});
}

TEST_F(Scenario, OneClientAsksForANameThatDoesNotExist) {
  Start();
  Fault({4}, {{Action::kDns, net_->server_ip(), 53, "nope.test", 0}});
  Score("missing name (1 client)",
        {{"dns_name_missing", {{"client_workload", Service(4)}, {"dns_name", "nope.test"}}}});
}

TEST_F(Scenario, OneEndpointDownForManyClients) {
  api_ = "127.0.0.1:19772";
  Start();
  Fault(All(), {{Action::kConnect, net_->server_ip(), kPortDown, "", 0}});
  Score("endpoint down (12 clients)",
        {{"endpoint_down", {{"server_endpoint", Server(kPortDown)}}}});
  // The alert's evidence links resolve at the API: each id is a refused connect to the endpoint.
  const Parsed got = Parse();
  ASSERT_EQ(got.by_fingerprint.size(), 1u);
  const schema::Alert& a = got.by_fingerprint.begin()->second;
  ASSERT_FALSE(a.evidence_ids.empty());
  httplib::Client api("127.0.0.1", 19772);
  auto alerts = api.Get("/api/v1/alerts?resolved=true");
  ASSERT_TRUE(alerts) << "no API: " << httplib::to_string(alerts.error()) << "\n" << run_->Stderr();
  EXPECT_NE(alerts->body.find(a.fingerprint), std::string::npos) << alerts->body;
  std::set<std::string> clients;
  for (const std::string& id : a.evidence_ids) {
    auto res = api.Get("/api/v1/evidence/" + id);
    ASSERT_TRUE(res) << id;
    EXPECT_EQ(res->status, 200) << id << ": " << res->body;
    EXPECT_NE(res->body.find("\"cause\":\"refused\""), std::string::npos) << res->body;
    EXPECT_NE(res->body.find("\"dst_port\":" + std::to_string(kPortDown)), std::string::npos)
        << res->body;
    const size_t comm = res->body.find("\"comm\":\"");
    if (comm != std::string::npos) clients.insert(res->body.substr(comm + 8, 6));
  }
  EXPECT_GE(clients.size(), 10u) << "evidence is taken from each symptom in turn";
}

TEST_F(Scenario, NginxAnswers503ForOneService) {
  Start();
  Fault(All(), {{Action::kHttp, net_->server_ip(), kNginxBusy, "/busy", 0}});
  Score("nginx 503 (12 clients)",
        {{"service_degraded", {{"server_endpoint", Server(kNginxBusy)}}}});
}

TEST_F(Scenario, OneClientOnAWrongPort) {
  Start();
  Fault({7}, {{Action::kConnect, net_->server_ip(), kPortWrong, "", 0}});
  Score("misconfigured client (1)",
        {{"client_misconfig",
          {{"client_workload", Service(7)}, {"server_endpoint", Server(kPortWrong)}}}});
}

TEST_F(Scenario, EndpointDownAndResolverFailingAtOnce) {
  Start();
  Fault(All(), {{Action::kConnect, net_->server_ip(), kPortDown, "", 0},
                {Action::kDns, net_->server_ip(), 53, "y.fail.test", 0}});
  Score("endpoint down + SERVFAIL at once",
        {{"endpoint_down", {{"server_endpoint", Server(kPortDown)}}},
         {"dns_resolver_failure", {{"server_endpoint", Server(53)}}}});
}

// No fault: the twelve workloads and the background only do what works. Nothing may be sent.
TEST_F(Scenario, CleanRunWithBackgroundTrafficRaisesNoAlert) {
  int seconds = 30;
  if (const char* s = std::getenv("EW_CLEAN_RUN_S")) seconds = std::max(1, std::atoi(s));
  metrics_ = "127.0.0.1:19771";
  Start();
  t0_ = Clock::now();
  for (int i = 0; i < kWorkloads; ++i) {
    faults_.push_back(
        Spawn(net_->client_ns(), Workload(i), Healthy(), std::chrono::seconds(seconds)));
  }
  for (pid_t& p : faults_) {
    testing::WaitChild(p, std::chrono::seconds(seconds + 30));
    p = -1;
  }
  std::this_thread::sleep_for(5s);  // the last windows through the detector and group_wait
  // Not vacuous: the traffic was seen — DNS, HTTP and TCP edges of all the workloads.
  httplib::Client m("127.0.0.1", 19771);
  auto page = m.Get("/metrics");
  ASSERT_TRUE(page) << "no /metrics";
  EXPECT_GE(Metric(page->body, "edgewatch_rootcause_edges"), 3.0 * kWorkloads) << page->body;
  EXPECT_GT(Metric(page->body, "edgewatch_detector_windows_total"), 3.0 * kWorkloads * seconds / 2)
      << page->body;
  Result r;
  r.name = "clean run " + std::to_string(seconds) + " s";
  r.sent = hook_.count() - first_;
  r.correct = r.sent == 0;
  std::printf("[ scenario ] %s: %zu alerts\n", r.name.c_str(), r.sent);
  Results().push_back(r);
  for (const auto& [body, at] : hook_.since(first_))
    ADD_FAILURE() << "alert in a clean run: " << body;
}

}  // namespace
}  // namespace edgewatch
