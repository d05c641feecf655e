#include "tests/support/dns_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>

#include "tests/support/netns.h"

namespace edgewatch::testing {

std::vector<uint8_t> BuildDnsQuery(uint16_t id, const std::string& name) {
  std::vector<uint8_t> q = {static_cast<uint8_t>(id >> 8),
                            static_cast<uint8_t>(id & 0xff),
                            0x01,
                            0x00,
                            0,
                            1,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + static_cast<ptrdiff_t>(start),
             name.begin() + static_cast<ptrdiff_t>(dot));
    start = dot + 1;
  }
  q.push_back(0);
  q.insert(q.end(), {0, 1, 0, 1});  // QTYPE A, QCLASS IN
  return q;
}

namespace {

constexpr int kFailingUpstreamPort = 5399;  // on 127.0.0.1 of the resolver's namespace
pid_t failing_upstream = -1;

// An upstream resolver that answers every query with SERVFAIL (an upstream whose own backends
// are broken), so that a real dnsmasq in front of it answers its clients SERVFAIL.
int ServeServfail() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(kFailingUpstreamPort);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 1;
  uint8_t buf[512];
  for (;;) {  // ends with SIGTERM from StopDnsmasq
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 12) continue;
    buf[2] |= 0x80;                                         // QR: a response
    buf[3] = static_cast<uint8_t>((buf[3] & 0xf0) | 0x02);  // RCODE 2: SERVFAIL
    sendto(fd, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

}  // namespace

pid_t StartDnsmasq(const std::string& ns, const std::string& ip, std::string* why) {
  failing_upstream = ForkInNetns(ns, "ew-servfail", ServeServfail);
  const std::string listen = "--listen-address=" + ip;
  const std::string fail_server =
      "--server=/fail.test/127.0.0.1#" + std::to_string(kFailingUpstreamPort);
  const pid_t pid = ForkInNetns(ns, "dnsmasq", [&] {
    execlp("dnsmasq", "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv",
           "--no-hosts", listen.c_str(), "--bind-interfaces", "--port=53",
           "--pid-file=", "--user=root", fail_server.c_str(), "--local=/test/",
           "--address=/known.test/10.1.2.3", static_cast<char*>(nullptr));
    return 127;
  });
  if (pid <= 0) {
    *why = "fork failed";
    return -1;
  }
  using namespace std::chrono_literals;
  if (!WaitFor([&] { return NetnsPair::Exec(ns, "ss -Hlun 'sport = :53' | grep -q " + ip) == 0; },
               5s)) {
    StopDnsmasq(pid);
    *why = "dnsmasq did not listen on " + ip +
           ":53 (is dnsmasq installed? apt-get install "
           "dnsmasq-base)";
    return -1;
  }
  return pid;
}

bool StopDnsmasq(pid_t pid) {
  if (failing_upstream > 0) {
    kill(failing_upstream, SIGTERM);
    WaitChild(failing_upstream, std::chrono::seconds(3));
    failing_upstream = -1;
  }
  kill(pid, SIGTERM);
  return WaitChild(pid, std::chrono::seconds(3)) != -1;
}

int AskDns(const std::string& ip, const std::vector<uint8_t>& query, int source_port,
           int timeout_ms) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(static_cast<uint16_t>(source_port));
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(53);
  inet_pton(AF_INET, ip.c_str(), &server.sin_addr);
  int rcode = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
      sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&server),
             sizeof server) == static_cast<ssize_t>(query.size())) {
    pollfd pfd{fd, POLLIN, 0};
    uint8_t buf[512];
    if (poll(&pfd, 1, timeout_ms) == 1) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n >= 4) rcode = buf[3] & 0x0f;
    }
  }
  close(fd);
  return rcode;
}

}  // namespace edgewatch::testing
