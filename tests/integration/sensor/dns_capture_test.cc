// The dns probe against the real kernel: a hand-built UDP client in one network namespace asks
// dnsmasq in another, and the test asserts the packets DnsSource delivers — addresses, process,
// and bytes that ParseDnsMessage decodes — and that DnsTransactionTable stitches them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "sensor/dns_message.h"
#include "sensor/dns_source.h"
#include "sensor/dns_transaction_table.h"
#include "tests/support/dns_peer.h"
#include "tests/support/netns.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using sensor::DnsPacket;
using testing::ForkInNetns;
using testing::NetnsPair;
using testing::WaitChild;
using testing::WaitFor;

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

// A DnsPacket with its own copy of the bytes.
struct Captured {
  DnsPacket packet;
  std::vector<uint8_t> bytes;
};

sockaddr_in Addr(const char* ip, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &sa.sin_addr);
  return sa;
}

// Child side: waits up to timeout_ms for a datagram; true when one arrived.
bool AwaitAnswer(int fd, int timeout_ms) {
  pollfd pfd{fd, POLLIN, 0};
  if (poll(&pfd, 1, timeout_ms) != 1) return false;
  uint8_t buf[512];
  return recv(fd, buf, sizeof(buf), 0) > 0;
}

constexpr uint16_t kKnownId = 0x1111;
constexpr uint16_t kUnknownId = 0x2222;
constexpr uint16_t kRefusedId = 0x3333;
constexpr uint16_t kBlackholeId = 0x4444;
constexpr int kBlackholePort = 40053;  // the server namespace drops datagrams from this port

class DnsCaptureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::IsRoot()) {
      skip_reason_ = "needs root (CAP_BPF, CAP_SYS_ADMIN for cgroup attach, network namespaces)";
      return;
    }
    auto src = sensor::DnsSource::Create({}, [](const DnsPacket& p) {
      std::lock_guard lock(mu_);
      packets_->push_back({p, std::vector<uint8_t>(p.payload.begin(), p.payload.end())});
      packets_->back().packet.payload = {};
    });
    if (!src) {
      load_error_ = src.error();
      return;
    }
    source_ = src->release();
    std::fprintf(stderr, "[ dns      ] attached to cgroup v2 root %s\n",
                 source_->cgroup_root().c_str());
    thread_ = new std::thread([] {
      while (!stop_) source_->Poll(50);
    });
  }
  static void TearDownTestSuite() {
    stop_ = true;
    if (thread_ != nullptr) thread_->join();
    delete thread_;
    delete source_;
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(load_error_.empty())
        << "dns probe failed to load on a root machine: " << load_error_;
    std::string why;
    net_ = NetnsPair::Create(&why);
    ASSERT_NE(net_, nullptr) << why;
  }
  void TearDown() override {
    if (dnsmasq_ > 0 && !testing::StopDnsmasq(dnsmasq_)) {
      ADD_FAILURE() << "dnsmasq did not stop on SIGTERM";
    }
    net_.reset();  // removes the namespaces
  }

  void StartDnsmasq() {
    std::string why;
    dnsmasq_ = testing::StartDnsmasq(net_->server_ns(), "10.77.0.1", &why);
    ASSERT_GT(dnsmasq_, 0) << why;
  }

  static std::vector<Captured> Packets(const std::function<bool(const Captured&)>& pred) {
    std::lock_guard lock(mu_);
    std::vector<Captured> out;
    for (const auto& c : *packets_) {
      if (pred(c)) out.push_back(c);
    }
    return out;
  }

  std::unique_ptr<NetnsPair> net_;
  pid_t dnsmasq_ = -1;
  static inline sensor::DnsSource* source_ = nullptr;
  static inline std::thread* thread_ = nullptr;
  static inline std::atomic<bool> stop_{false};
  static inline std::mutex mu_;
  static inline std::vector<Captured>* packets_ = new std::vector<Captured>();
  static inline std::string skip_reason_;
  static inline std::string load_error_;
};

TEST_F(DnsCaptureTest, QueriesAndAnswersCarryProcessAddressesAndParseableBytes) {
  if (system("command -v dnsmasq >/dev/null") != 0) {
    GTEST_SKIP() << "dnsmasq is not installed (apt-get install dnsmasq-base)";
  }
  StartDnsmasq();
  ASSERT_EQ(NetnsPair::Exec(net_->server_ns(), "iptables -A INPUT -p udp --dport 53 --sport " +
                                                   std::to_string(kBlackholePort) + " -j DROP"),
            0)
      << "iptables failed";

  int cookie_pipe[2];
  ASSERT_EQ(pipe(cookie_pipe), 0);
  // Exit status: bit 0..3 set for each query answered (known, unknown, refused, blackhole).
  pid_t child = ForkInNetns(net_->client_ns(), "ew-dns-cli", [&] {
    sockaddr_in server = Addr("10.77.0.1", 53);
    int status = 0;
    // 1. connect() + send(): the cgroup/connect4 hook records the owner.
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof(server)) != 0) {
      return 100;
    }
    uint64_t netns_cookie = 0;
    socklen_t len = sizeof(netns_cookie);
    getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &netns_cookie, &len);
    if (write(cookie_pipe[1], &netns_cookie, sizeof(netns_cookie)) != sizeof(netns_cookie)) {
      return 101;
    }
    for (auto [id, name, bit] :
         {std::tuple{kKnownId, "known.test", 1}, std::tuple{kUnknownId, "unknown.test", 2}}) {
      auto q = testing::BuildDnsQuery(id, name);
      if (send(fd, q.data(), q.size(), 0) != static_cast<ssize_t>(q.size())) return 102;
      if (AwaitAnswer(fd, 2000)) status |= bit;
    }
    close(fd);
    // 2. unconnected sendto(): the cgroup/sendmsg4 hook records the owner.
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    auto q = testing::BuildDnsQuery(kRefusedId, "name.example");
    if (sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&server), sizeof(server)) !=
        static_cast<ssize_t>(q.size())) {
      return 103;
    }
    if (AwaitAnswer(fd, 2000)) status |= 4;
    close(fd);
    // 3. from the dropped source port: never answered.
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in local = Addr("10.77.0.2", kBlackholePort);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) return 104;
    q = testing::BuildDnsQuery(kBlackholeId, "blackhole.test");
    if (sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&server), sizeof(server)) !=
        static_cast<ssize_t>(q.size())) {
      return 105;
    }
    if (AwaitAnswer(fd, 1000)) status |= 8;
    close(fd);
    return status;
  });
  close(cookie_pipe[1]);
  ASSERT_GT(child, 0);
  EXPECT_EQ(WaitChild(child, 15s), 1 | 2 | 4) << "which queries dnsmasq answered (bits)";
  uint64_t client_netns_cookie = 0;
  EXPECT_EQ(read(cookie_pipe[0], &client_netns_cookie, sizeof(client_netns_cookie)),
            static_cast<ssize_t>(sizeof(client_netns_cookie)));
  close(cookie_pipe[0]);

  const auto cpid = static_cast<uint32_t>(child);
  auto is_query = [&](const Captured& c) { return c.packet.egress && c.packet.pid == cpid; };
  ASSERT_TRUE(WaitFor([&] { return Packets(is_query).size() >= 4; }, 5s))
      << "egress packets of the client: " << Packets(is_query).size();
  auto queries = Packets(is_query);
  ASSERT_EQ(queries.size(), 4u);

  struct Expect {
    uint16_t id;
    const char* qname;
    sensor::DnsRcode rcode;
  };
  const Expect expect[] = {{kKnownId, "known.test", sensor::DnsRcode::kNoError},
                           {kUnknownId, "unknown.test", sensor::DnsRcode::kNxDomain},
                           {kRefusedId, "name.example", sensor::DnsRcode::kRefused},
                           {kBlackholeId, "blackhole.test", sensor::DnsRcode::kOther}};
  sensor::DnsTransactionTable table({});
  auto key_of = [](const DnsPacket& p, uint16_t id, bool query) {
    sensor::DnsTransactionKey k;
    uint8_t src[4], dst[4];
    std::memcpy(src, p.src_ip.data(), 4);
    std::memcpy(dst, p.dst_ip.data(), 4);
    k.client_ip = sensor::DnsTransactionKey::MapV4(query ? src : dst);
    k.server_ip = sensor::DnsTransactionKey::MapV4(query ? dst : src);
    k.client_port = query ? p.src_port : p.dst_port;
    k.server_port = query ? p.dst_port : p.src_port;
    k.id = id;
    return k;
  };

  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(expect[i].qname);
    const DnsPacket& q = queries[i].packet;
    EXPECT_EQ(q.comm, "ew-dns-cli");
    EXPECT_FALSE(q.tcp);
    EXPECT_EQ(q.family, AF_INET);
    EXPECT_EQ(q.src_ip_string(), "10.77.0.2");
    EXPECT_EQ(q.dst_ip_string(), "10.77.0.1");
    EXPECT_EQ(q.dst_port, 53);
    EXPECT_NE(q.cgroup_id, 0u);
    EXPECT_NE(q.sock_cookie, 0u);
    EXPECT_EQ(q.netns_cookie, client_netns_cookie);
    EXPECT_EQ(q.payload_len, testing::BuildDnsQuery(expect[i].id, expect[i].qname).size());
    EXPECT_EQ(queries[i].bytes, testing::BuildDnsQuery(expect[i].id, expect[i].qname));
    auto msg = sensor::ParseDnsMessage(queries[i].bytes, /*tcp=*/false);
    ASSERT_TRUE(msg.ok()) << msg.error_name();
    EXPECT_FALSE(msg->is_response);
    EXPECT_EQ(msg->id, expect[i].id);
    EXPECT_EQ(msg->qname, expect[i].qname);
    EXPECT_EQ(msg->qtype, sensor::kDnsTypeA);
    table.OnQuery(key_of(q, msg->id, true), msg->qname, msg->qtype, static_cast<int64_t>(q.ts_ns));
  }
  EXPECT_EQ(queries[3].packet.src_port, kBlackholePort);

  // Answers arrive on the querying sockets (same cookie), delivered in softirq: the owner comes
  // from the cookie → process map.
  auto answers_to = [&](uint64_t cookie) {
    return Packets(
        [&](const Captured& c) { return !c.packet.egress && c.packet.sock_cookie == cookie; });
  };
  ASSERT_TRUE(WaitFor([&] { return answers_to(queries[2].packet.sock_cookie).size() == 1; }, 5s));
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(expect[i].qname);
    auto answers = answers_to(queries[i].packet.sock_cookie);
    // The first two queries share a socket: pick the answer by id.
    std::vector<Captured> mine;
    for (auto& a : answers) {
      auto m = sensor::ParseDnsMessage(a.bytes, false);
      if (m.ok() && m->id == expect[i].id) mine.push_back(a);
    }
    ASSERT_EQ(mine.size(), 1u);
    const DnsPacket& a = mine[0].packet;
    EXPECT_EQ(a.pid, cpid);
    EXPECT_EQ(a.comm, "ew-dns-cli");
    EXPECT_EQ(a.src_ip_string(), "10.77.0.1");
    EXPECT_EQ(a.src_port, 53);
    EXPECT_EQ(a.dst_port, queries[i].packet.src_port);
    EXPECT_EQ(a.payload_len, mine[0].bytes.size());
    EXPECT_GT(a.ts_ns, queries[i].packet.ts_ns);
    auto msg = sensor::ParseDnsMessage(mine[0].bytes, false);
    ASSERT_TRUE(msg.ok());
    EXPECT_TRUE(msg->is_response);
    EXPECT_EQ(msg->qname, expect[i].qname);
    EXPECT_EQ(msg->rcode, expect[i].rcode) << sensor::DnsRcodeName(msg->rcode);
    EXPECT_EQ(msg->ancount, i == 0 ? 1 : 0);
    auto done =
        table.OnResponse(key_of(a, msg->id, false), msg->rcode, static_cast<int64_t>(a.ts_ns));
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(done->name, expect[i].qname);
    EXPECT_EQ(done->rcode, expect[i].rcode);
  }
  // The black-holed query: sent, never answered, and a timeout for the transaction table.
  EXPECT_TRUE(answers_to(queries[3].packet.sock_cookie).empty());
  std::vector<sensor::DnsTransaction> timed_out;
  table.Expire(static_cast<int64_t>(queries[3].packet.ts_ns) + 3'000'000'000, timed_out);
  ASSERT_EQ(timed_out.size(), 1u);
  EXPECT_EQ(timed_out[0].name, "blackhole.test");
  EXPECT_EQ(timed_out[0].key.client_port, kBlackholePort);

  // The server side is seen too (dnsmasq's socket in the other namespace): its answers are
  // sendmsg() from :53, so they carry dnsmasq's pid.
  auto served = Packets([&](const Captured& c) {
    return c.packet.egress && c.packet.src_port == 53 &&
           c.packet.pid == static_cast<uint32_t>(dnsmasq_);
  });
  EXPECT_GE(served.size(), 3u);
  for (const auto& s : served) EXPECT_EQ(s.packet.comm, "dnsmasq");

  std::vector<StatSample> stats;
  source_->CollectStats(stats);
  for (const auto& s : stats) {
    if (s.name == "edgewatch_sensor_dns_packets_total") {
      EXPECT_GE(s.value, 3);
    } else if (s.name == "edgewatch_sensor_dns_ringbuf_lost_total" ||
               s.name == "edgewatch_sensor_dns_malformed_events_total") {
      EXPECT_EQ(s.value, 0) << s.name;
    }
  }
}

// DNS over TCP (what a client falls back to after a truncated answer): the segments carrying
// the length-prefixed messages are captured on the connect()ed socket.
TEST_F(DnsCaptureTest, TcpQueryAndAnswerAreCapturedWithTheLengthPrefix) {
  if (system("command -v dnsmasq >/dev/null") != 0) {
    GTEST_SKIP() << "dnsmasq is not installed (apt-get install dnsmasq-base)";
  }
  StartDnsmasq();
  constexpr uint16_t kTcpId = 0x5555;
  pid_t child = ForkInNetns(net_->client_ns(), "ew-dns-tcp", [&] {
    int fd = -1;
    if (testing::TcpConnect("10.77.0.1", 53, 0, &fd) != 0) return 100;
    auto q = testing::BuildDnsQuery(kTcpId, "known.test");
    std::vector<uint8_t> framed = {static_cast<uint8_t>(q.size() >> 8),
                                   static_cast<uint8_t>(q.size() & 0xff)};
    framed.insert(framed.end(), q.begin(), q.end());
    if (send(fd, framed.data(), framed.size(), 0) != static_cast<ssize_t>(framed.size())) {
      return 101;
    }
    bool answered = AwaitAnswer(fd, 2000);
    close(fd);
    return answered ? 0 : 102;
  });
  ASSERT_GT(child, 0);
  ASSERT_EQ(WaitChild(child, 10s), 0);

  const auto cpid = static_cast<uint32_t>(child);
  auto is_query = [&](const Captured& c) { return c.packet.egress && c.packet.pid == cpid; };
  ASSERT_TRUE(WaitFor([&] { return !Packets(is_query).empty(); }, 5s));
  auto queries = Packets(is_query);
  ASSERT_EQ(queries.size(), 1u) << "data segments only: no SYN, ACK or FIN";
  const DnsPacket& q = queries[0].packet;
  EXPECT_TRUE(q.tcp);
  EXPECT_EQ(q.comm, "ew-dns-tcp");
  EXPECT_EQ(q.dst_ip_string(), "10.77.0.1");
  EXPECT_EQ(q.dst_port, 53);
  auto msg = sensor::ParseDnsMessage(queries[0].bytes, /*tcp=*/true);
  ASSERT_TRUE(msg.ok()) << msg.error_name();
  EXPECT_EQ(msg->id, kTcpId);
  EXPECT_EQ(msg->qname, "known.test");
  EXPECT_FALSE(msg->capture_truncated);

  auto is_answer = [&](const Captured& c) {
    return !c.packet.egress && c.packet.sock_cookie == q.sock_cookie;
  };
  ASSERT_TRUE(WaitFor([&] { return !Packets(is_answer).empty(); }, 5s));
  // The answer may come as one segment or as prefix + message: join the bytes in order.
  std::vector<uint8_t> stream;
  for (const auto& a : Packets(is_answer)) {
    EXPECT_TRUE(a.packet.tcp);
    EXPECT_EQ(a.packet.pid, cpid);
    EXPECT_EQ(a.packet.src_port, 53);
    stream.insert(stream.end(), a.bytes.begin(), a.bytes.end());
  }
  auto answer = sensor::ParseDnsMessage(stream, /*tcp=*/true);
  ASSERT_TRUE(answer.ok()) << answer.error_name();
  EXPECT_TRUE(answer->is_response);
  EXPECT_EQ(answer->id, kTcpId);
  EXPECT_EQ(answer->rcode, sensor::DnsRcode::kNoError);
  EXPECT_EQ(answer->ancount, 1);
}

}  // namespace
}  // namespace edgewatch
