// The sensor against the real kernel: connections made in network namespaces this test creates,
// asserting the exact records the sensor produces for them.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sensor/container_resolver.h"
#include "sensor/record_sink.h"
#include "sensor/sensor.h"
#include "tests/support/collecting_sink.h"
#include "tests/support/netns.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using schema::Counter;
using testing::ForkInNetns;
using testing::NetnsPair;
using testing::WaitChild;
using testing::WaitFor;

using Sink = testing::CollectingSink<sensor::RecordSink>;

class TcpLifecycleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::IsRoot()) {
      skip_reason_ = "needs root (CAP_BPF, CAP_PERFMON, network namespaces)";
      return;
    }
    sink_ = new Sink();
    sensor::SensorConfig cfg;
    // The same tests run once per attach type (tests/CMakeLists.txt sets the variable).
    const char* attach = std::getenv("EDGEWATCH_TEST_ATTACH");
    if (attach != nullptr && std::string(attach) == "tracepoint") {
      cfg.attach_mode = sensor::AttachMode::kTracepoint;
    }
    cfg.node = "test-node";
    cfg.window_ns = 200'000'000;
    cfg.flush_grace_ns = 100'000'000;
    auto s = sensor::Sensor::Create(cfg, *sink_);
    if (!s) {
      load_error_ = s.error();
      return;
    }
    sensor_ = s->release();
    std::fprintf(stderr, "[ sensor   ] BPF attached with %s programs\n",
                 sensor_->attach_mode().c_str());
    thread_ = new std::thread([] { sensor_->Run(stop_); });
  }
  static void TearDownTestSuite() {
    stop_ = true;
    if (thread_ != nullptr) thread_->join();
    delete thread_;
    delete sensor_;
    delete sink_;
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(load_error_.empty()) << "sensor failed to load on a root machine: " << load_error_;
    std::string why;
    net_ = NetnsPair::Create(&why);
    ASSERT_NE(net_, nullptr) << why;
  }

  // Windows of the client edge of `comm` to the server's `port`.
  static std::function<bool(const schema::EdgeWindow&)> ClientEdge(const std::string& comm,
                                                                   int port) {
    return [comm, port](const schema::EdgeWindow& w) {
      return w.edge.side == schema::Side::kClient && w.edge.client.workload == comm &&
             w.edge.server.ip == "10.77.0.1" && w.edge.server.port == port;
    };
  }
  static std::function<bool(const schema::EdgeWindow&)> ServerEdge(int port) {
    return [port](const schema::EdgeWindow& w) {
      return w.edge.side == schema::Side::kServer && w.edge.server.ip == "10.77.0.1" &&
             w.edge.server.port == port && w.edge.client.ip == "10.77.0.2";
    };
  }
  static std::vector<schema::EvidenceEvent> EvidenceOf(const std::string& comm) {
    return sink_->Evidence([&](const schema::EvidenceEvent& e) { return e.comm == comm; });
  }

  // A server child in the server namespace; signals readiness through a pipe.
  pid_t StartServer(const std::string& comm, int port, const std::function<void(int)>& serve) {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    pid_t pid = ForkInNetns(net_->server_ns(), comm, [&] {
      int lfd = testing::TcpListen("10.77.0.1", port);
      if (lfd < 0) return 90;
      char c = 'r';
      if (write(ready[1], &c, 1) != 1) return 91;
      serve(lfd);
      return 0;
    });
    close(ready[1]);
    pollfd pfd{ready[0], POLLIN, 0};
    EXPECT_EQ(poll(&pfd, 1, 5000), 1) << "server did not start";
    close(ready[0]);
    return pid;
  }

  std::unique_ptr<NetnsPair> net_;
  static inline Sink* sink_ = nullptr;
  static inline sensor::Sensor* sensor_ = nullptr;
  static inline std::thread* thread_ = nullptr;
  static inline std::atomic<bool> stop_{false};
  static inline std::string skip_reason_;
  static inline std::string load_error_;
};

TEST_F(TcpLifecycleTest, ConnectToClosedPortIsRefused) {
  const int port = 7101;
  pid_t child = ForkInNetns(net_->client_ns(), "ew-refused",
                            [&] { return testing::TcpConnect("10.77.0.1", port, 0); });
  ASSERT_EQ(WaitChild(child, 5s), ECONNREFUSED);

  ASSERT_TRUE(WaitFor([&] { return !EvidenceOf("ew-refused").empty(); }, 5s));
  auto ev = EvidenceOf("ew-refused");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, schema::EvidenceKind::kConnectFailed);
  EXPECT_EQ(ev[0].cause, "refused");
  EXPECT_EQ(ev[0].pid, static_cast<uint32_t>(child));
  EXPECT_EQ(ev[0].src_ip, "10.77.0.2");
  EXPECT_GE(ev[0].src_port, 1024);
  EXPECT_EQ(ev[0].dst_ip, "10.77.0.1");
  EXPECT_EQ(ev[0].dst_port, port);
  EXPECT_EQ(ev[0].sk_err, ECONNREFUSED);
  EXPECT_EQ(ev[0].old_state, "SYN_SENT");
  EXPECT_EQ(ev[0].netns, NetnsPair::NetnsInode(net_->client_ns()));
  EXPECT_EQ(ev[0].node, "test-node");

  auto edge = ClientEdge("ew-refused", port);
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kRefused, edge) == 1; }, 5s));
  auto windows = sink_->Windows(edge);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].at(Counter::kConnects), 0u);
  EXPECT_EQ(windows[0].at(Counter::kTimeout), 0u);
  EXPECT_EQ(windows[0].at(Counter::kResetsReceived), 1u);
  EXPECT_EQ(windows[0].evidence_ids, std::vector<std::string>{ev[0].id});
  EXPECT_EQ(windows[0].edge.client.ip, "10.77.0.2");
  EXPECT_EQ(windows[0].edge.client.port, 0) << "client ports are collapsed";

  // The server's stack answered the SYN with a RST from no socket.
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kResetsSent, ServerEdge(port)) == 1; }, 5s));
}

TEST_F(TcpLifecycleTest, DroppedSynsTimeOutWithTheKernelsRetransmitCount) {
  const int port = 7102;
  ASSERT_EQ(NetnsPair::Exec(net_->server_ns(), "iptables -A INPUT -p tcp --dport " +
                                                   std::to_string(port) + " -j DROP"),
            0)
      << "iptables failed";
  long long before = NetnsPair::NetstatCounter(net_->client_ns(), "TcpExt", "TCPSynRetrans");
  // TCP_SYNCNT 1: SYN, one retransmit after 1s, ETIMEDOUT after 3s.
  pid_t child = ForkInNetns(net_->client_ns(), "ew-timeout",
                            [&] { return testing::TcpConnect("10.77.0.1", port, 1); });
  ASSERT_EQ(WaitChild(child, 10s), ETIMEDOUT);
  long long kernel_retrans =
      NetnsPair::NetstatCounter(net_->client_ns(), "TcpExt", "TCPSynRetrans") - before;
  ASSERT_GE(kernel_retrans, 1);

  ASSERT_TRUE(WaitFor([&] { return !EvidenceOf("ew-timeout").empty(); }, 5s));
  auto ev = EvidenceOf("ew-timeout");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cause, "timeout");
  EXPECT_EQ(ev[0].sk_err, ETIMEDOUT);
  EXPECT_EQ(ev[0].pid, static_cast<uint32_t>(child));
  EXPECT_EQ(ev[0].syn_retransmits, static_cast<uint32_t>(kernel_retrans));
  EXPECT_GE(ev[0].duration_us, 2'000'000u);

  auto edge = ClientEdge("ew-timeout", port);
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kTimeout, edge) == 1; }, 5s));
  EXPECT_EQ(sink_->Sum(Counter::kSynRetransmits, edge), static_cast<uint64_t>(kernel_retrans));
  EXPECT_EQ(sink_->Sum(Counter::kDataRetransmits, edge), 0u);
  EXPECT_EQ(sink_->Sum(Counter::kRefused, edge), 0u);
}

TEST_F(TcpLifecycleTest, ApplicationConnectTimeoutAfterSynRetransmitsIsATimeout) {
  const int port = 7103;
  ASSERT_EQ(NetnsPair::Exec(net_->server_ns(), "iptables -A INPUT -p tcp --dport " +
                                                   std::to_string(port) + " -j DROP"),
            0);
  // Like curl --connect-timeout: non-blocking connect, give up after 1.5s (one SYN retransmit).
  pid_t child = ForkInNetns(net_->client_ns(), "ew-apptimeout", [&] {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, "10.77.0.1", &sa.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 || errno != EINPROGRESS)
      return 1;
    pollfd pfd{fd, POLLOUT, 0};
    int n = poll(&pfd, 1, 1500);
    close(fd);
    return n == 0 ? 0 : 2;
  });
  ASSERT_EQ(WaitChild(child, 5s), 0);
  ASSERT_TRUE(WaitFor([&] { return !EvidenceOf("ew-apptimeout").empty(); }, 5s));
  auto ev = EvidenceOf("ew-apptimeout");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cause, "timeout");
  EXPECT_EQ(ev[0].sk_err, 0);
  EXPECT_EQ(ev[0].syn_retransmits, 1u);
}

TEST_F(TcpLifecycleTest, AbortiveCloseIsAReset) {
  const int port = 7104;
  pid_t server = StartServer("ew-rst-srv", port, [](int lfd) {
    int c = accept(lfd, nullptr, nullptr);
    char buf[16];
    (void)!read(c, buf, sizeof buf);  // wait for the client's request
    linger lg{1, 0};
    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(c);  // RST instead of FIN
  });
  pid_t client = ForkInNetns(net_->client_ns(), "ew-reset", [&] {
    int fd = -1;
    if (testing::TcpConnect("10.77.0.1", port, 0, &fd) != 0) return 1;
    if (write(fd, "GET", 3) != 3) return 2;
    char buf[16];
    ssize_t n = read(fd, buf, sizeof buf);
    return n < 0 ? errno : 3;
  });
  ASSERT_EQ(WaitChild(client, 5s), ECONNRESET);
  ASSERT_EQ(WaitChild(server, 5s), 0);

  ASSERT_TRUE(WaitFor([&] { return !EvidenceOf("ew-reset").empty(); }, 5s));
  auto ev = EvidenceOf("ew-reset");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, schema::EvidenceKind::kReset);
  EXPECT_EQ(ev[0].cause, "reset");
  EXPECT_EQ(ev[0].sk_err, ECONNRESET);
  EXPECT_EQ(ev[0].old_state, "ESTABLISHED");
  EXPECT_EQ(ev[0].pid, static_cast<uint32_t>(client));

  auto edge = ClientEdge("ew-reset", port);
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kReset, edge) == 1; }, 5s));
  EXPECT_EQ(sink_->Sum(Counter::kConnects, edge), 1u);
  EXPECT_EQ(sink_->Sum(Counter::kResetsReceived, edge), 1u);
  auto server_edge = ServerEdge(port);
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kResetsSent, server_edge) == 1; }, 5s));
  EXPECT_EQ(sink_->Sum(Counter::kAccepts, server_edge), 1u);
  EXPECT_EQ(sink_->Windows(server_edge).at(0).edge.server.workload, "ew-rst-srv");
}

TEST_F(TcpLifecycleTest, FirewallRejectWithTcpResetOnDataIsAReset) {
  const int port = 7106;
  // Segments carrying data (PSH) are answered with a RST by the server's firewall.
  ASSERT_EQ(NetnsPair::Exec(net_->server_ns(), "iptables -A INPUT -p tcp --dport " +
                                                   std::to_string(port) +
                                                   " --tcp-flags PSH PSH -j REJECT "
                                                   "--reject-with tcp-reset"),
            0);
  pid_t server = StartServer("ew-rej-srv", port, [](int lfd) {
    int c = accept(lfd, nullptr, nullptr);
    pollfd pfd{c, POLLIN, 0};
    poll(&pfd, 1, 500);  // the request never arrives: the firewall rejects it
    close(c);
  });
  pid_t client = ForkInNetns(net_->client_ns(), "ew-rejected", [&] {
    int fd = -1;
    if (testing::TcpConnect("10.77.0.1", port, 0, &fd) != 0) return 1;
    if (write(fd, "GET", 3) != 3) return 2;
    char buf[16];
    ssize_t n = read(fd, buf, sizeof buf);
    return n < 0 ? errno : 3;
  });
  ASSERT_EQ(WaitChild(client, 5s), ECONNRESET);
  WaitChild(server, 5s);
  auto edge = ClientEdge("ew-rejected", port);
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kReset, edge) == 1; }, 5s));
  EXPECT_EQ(sink_->Sum(Counter::kConnects, edge), 1u);
  EXPECT_EQ(sink_->Sum(Counter::kRefused, edge), 0u);
  auto ev = EvidenceOf("ew-rejected");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].cause, "reset");
  EXPECT_EQ(ev[0].pid, static_cast<uint32_t>(client));
}

TEST_F(TcpLifecycleTest, ContainerIdComesFromTheProcessCgroup) {
  std::string root = sensor::ContainerResolver::FindCgroup2Root();
  if (root.empty()) GTEST_SKIP() << "no cgroup2 mount on this machine";
  const std::string id =
      "4f1c0ffee0ddba11c0dec0de5eed1e55"
      "0123456789abcdef0123456789abcdef";
  const std::string slice = root + "/edgewatch-test-" + std::to_string(getpid()) + ".slice";
  const std::string scope = slice + "/docker-" + id + ".scope";
  std::filesystem::create_directories(scope);
  const int port = 7107;
  pid_t child = ForkInNetns(net_->client_ns(), "ew-container", [&] {
    std::ofstream(scope + "/cgroup.procs") << getpid() << std::endl;
    int rc = testing::TcpConnect("10.77.0.1", port, 0);
    usleep(300'000);  // stay alive while the sensor resolves the cgroup
    return rc;
  });
  ASSERT_EQ(WaitChild(child, 5s), ECONNREFUSED);
  bool found = WaitFor([&] { return !EvidenceOf("ew-container").empty(); }, 5s);
  WaitFor([&] { return ::rmdir(scope.c_str()) == 0; }, 2s);
  ::rmdir(slice.c_str());
  ASSERT_TRUE(found);
  auto ev = EvidenceOf("ew-container");
  EXPECT_EQ(ev[0].container_id, id);
  EXPECT_NE(ev[0].cgroup_id, 0u);
  auto edge = ClientEdge("ew-container", port);
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kRefused, edge) == 1; }, 5s));
  EXPECT_EQ(sink_->Windows(edge).at(0).edge.client.container_id, id);
}

TEST_F(TcpLifecycleTest, LostHandshakeAcksAreSynAckRetransmitsOnTheServerEdge) {
  const int port = 7108;
  // The client's pure ACKs to the port are dropped: the server keeps retransmitting SYN-ACKs.
  ASSERT_EQ(NetnsPair::Exec(net_->client_ns(), "iptables -A OUTPUT -p tcp --dport " +
                                                   std::to_string(port) +
                                                   " --tcp-flags SYN,ACK,FIN,RST,PSH ACK -j DROP"),
            0);
  long long before = NetnsPair::NetstatCounter(net_->server_ns(), "TcpExt", "TCPSynRetrans");
  pid_t server = StartServer("ew-synack-srv", port, [](int lfd) {
    pollfd pfd{lfd, POLLIN, 0};
    poll(&pfd, 1, 2500);  // nothing completes the handshake
    close(lfd);
  });
  pid_t client = ForkInNetns(net_->client_ns(), "ew-synack-cli", [&] {
    int fd = -1;
    int rc = testing::TcpConnect("10.77.0.1", port, 0, &fd);
    usleep(2'000'000);  // the client believes it is connected and stays silent
    return rc;
  });
  ASSERT_EQ(WaitChild(client, 5s), 0);
  ASSERT_EQ(WaitChild(server, 5s), 0);
  long long kernel =
      NetnsPair::NetstatCounter(net_->server_ns(), "TcpExt", "TCPSynRetrans") - before;
  ASSERT_GE(kernel, 1);
  auto server_edge = ServerEdge(port);
  ASSERT_TRUE(WaitFor(
      [&] {
        return sink_->Sum(Counter::kSynackRetransmits, server_edge) ==
               static_cast<uint64_t>(kernel);
      },
      5s))
      << "sensor saw " << sink_->Sum(Counter::kSynackRetransmits, server_edge) << ", kernel "
      << kernel;
  EXPECT_EQ(sink_->Windows(server_edge).at(0).edge.server.workload, "ew-synack-srv");
  EXPECT_EQ(sink_->Sum(Counter::kAccepts, server_edge), 0u);
}

TEST_F(TcpLifecycleTest, FastOpenChildThatNeverCompletesIsAFailedAccept) {
  // With TCP Fast Open the server creates the child socket in SYN_RECV at the SYN. If the
  // client's ACKs never arrive, the server gives up after its SYN-ACK retries: SYN_RECV→CLOSE.
  // Fast Open children get tcp_synack_retries + 1 retries: with 0, one retransmit at 1s and
  // ETIMEDOUT at 3s.
  const int port = 7111;
  ASSERT_EQ(NetnsPair::Exec(net_->server_ns(), "sysctl -qw net.ipv4.tcp_fastopen=0x202"), 0);
  ASSERT_EQ(NetnsPair::Exec(net_->server_ns(), "sysctl -qw net.ipv4.tcp_synack_retries=0"), 0);
  ASSERT_EQ(NetnsPair::Exec(net_->client_ns(), "sysctl -qw net.ipv4.tcp_fastopen=0x5"), 0);
  ASSERT_EQ(NetnsPair::Exec(net_->client_ns(), "iptables -A OUTPUT -p tcp --dport " +
                                                   std::to_string(port) +
                                                   " --tcp-flags SYN,ACK,FIN,RST,PSH ACK -j DROP"),
            0);
  pid_t server = StartServer("ew-tfo-srv", port, [](int lfd) {
    int qlen = 8;
    setsockopt(lfd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof qlen);
    usleep(4'500'000);  // never accepts; the kernel times the child out
    close(lfd);
  });
  pid_t client = ForkInNetns(net_->client_ns(), "ew-tfo-cli", [&] {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, "10.77.0.1", &sa.sin_addr);
    if (sendto(fd, "x", 1, MSG_FASTOPEN, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 1) {
      return errno;
    }
    usleep(4'000'000);
    return 0;
  });
  ASSERT_EQ(WaitChild(client, 8s), 0);
  ASSERT_EQ(WaitChild(server, 8s), 0);
  auto server_edge = ServerEdge(port);
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kAcceptFailures, server_edge) == 1; }, 5s));
  EXPECT_EQ(sink_->Sum(Counter::kAccepts, server_edge), 0u);
  EXPECT_GE(sink_->Sum(Counter::kSynackRetransmits, server_edge), 1u);
  auto ev = EvidenceOf("ew-tfo-srv");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, schema::EvidenceKind::kAcceptFailed);
  EXPECT_EQ(ev[0].old_state, "SYN_RECV");
  EXPECT_EQ(ev[0].src_port, port);
  EXPECT_EQ(ev[0].dst_ip, "10.77.0.2");
}

TEST_F(TcpLifecycleTest, ConnectToAnAbsentHostIsUnreachable) {
  // 10.77.0.99 is on the link but nobody answers ARP: the stack reports EHOSTUNREACH.
  pid_t child = ForkInNetns(net_->client_ns(), "ew-unreach",
                            [] { return testing::TcpConnect("10.77.0.99", 7109, 0); });
  ASSERT_EQ(WaitChild(child, 15s), EHOSTUNREACH);
  ASSERT_TRUE(WaitFor([&] { return !EvidenceOf("ew-unreach").empty(); }, 5s));
  auto ev = EvidenceOf("ew-unreach");
  EXPECT_EQ(ev[0].cause, "unreachable");
  EXPECT_EQ(ev[0].sk_err, EHOSTUNREACH);
  EXPECT_EQ(ev[0].dst_ip, "10.77.0.99");
}

TEST_F(TcpLifecycleTest, Ipv6RefusedConnectHasTheV6Tuple) {
  ASSERT_EQ(NetnsPair::Exec(net_->client_ns(), "ip addr add fd77::2/64 dev vc nodad"), 0);
  ASSERT_EQ(NetnsPair::Exec(net_->server_ns(), "ip addr add fd77::1/64 dev vs nodad"), 0);
  pid_t child = ForkInNetns(net_->client_ns(), "ew-refused6",
                            [] { return testing::TcpConnect("fd77::1", 7110, 0); });
  ASSERT_EQ(WaitChild(child, 5s), ECONNREFUSED);
  ASSERT_TRUE(WaitFor([&] { return !EvidenceOf("ew-refused6").empty(); }, 5s));
  auto ev = EvidenceOf("ew-refused6");
  EXPECT_EQ(ev[0].cause, "refused");
  EXPECT_EQ(ev[0].src_ip, "fd77::2");
  EXPECT_EQ(ev[0].dst_ip, "fd77::1");
  EXPECT_EQ(ev[0].dst_port, 7110);
  EXPECT_EQ(ev[0].pid, static_cast<uint32_t>(child));
}

TEST_F(TcpLifecycleTest, HealthyRequestsCountConnectsAndNoFailures) {
  const int port = 7105;
  const int kRequests = 5;
  pid_t server = StartServer("ew-ok-srv", port, [&](int lfd) {
    for (int i = 0; i < kRequests; ++i) {
      int c = accept(lfd, nullptr, nullptr);
      char buf[16];
      (void)!read(c, buf, sizeof buf);
      (void)!write(c, "ok", 2);
      close(c);
    }
  });
  pid_t client = ForkInNetns(net_->client_ns(), "ew-healthy", [&] {
    for (int i = 0; i < kRequests; ++i) {
      int fd = -1;
      if (testing::TcpConnect("10.77.0.1", port, 0, &fd) != 0) return 1;
      char buf[16];
      if (write(fd, "ping", 4) != 4 || read(fd, buf, sizeof buf) != 2) return 2;
      close(fd);
    }
    return 0;
  });
  ASSERT_EQ(WaitChild(client, 5s), 0);
  ASSERT_EQ(WaitChild(server, 5s), 0);

  auto edge = ClientEdge("ew-healthy", port);
  auto server_edge = ServerEdge(port);
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kConnects, edge) == kRequests; }, 5s));
  ASSERT_TRUE(WaitFor([&] { return sink_->Sum(Counter::kAccepts, server_edge) == kRequests; }, 5s));
  std::this_thread::sleep_for(500ms);  // two more windows: nothing else may show up
  for (const auto& w : sink_->Windows(edge)) {
    EXPECT_EQ(w.Failures(), 0u);
    EXPECT_EQ(w.at(Counter::kSynRetransmits), 0u);
    EXPECT_EQ(w.at(Counter::kResetsReceived), 0u);
    EXPECT_EQ(w.connect_latency.count, w.at(Counter::kConnects));
    EXPECT_LT(w.connect_latency.max_us, 1'000'000u);
  }
  EXPECT_EQ(sink_->Sum(Counter::kConnects, edge), static_cast<uint64_t>(kRequests));
  for (const auto& w : sink_->Windows(server_edge)) {
    EXPECT_EQ(w.Failures(), 0u);
    EXPECT_EQ(w.edge.server.workload, "ew-ok-srv");
  }
  EXPECT_TRUE(EvidenceOf("ew-healthy").empty());
  EXPECT_TRUE(EvidenceOf("ew-ok-srv").empty());
}

}  // namespace
}  // namespace edgewatch
