#include "tests/support/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace edgewatch::testing {

namespace {
int Sh(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
}  // namespace

bool IsRoot() { return geteuid() == 0; }

std::unique_ptr<NetnsPair> NetnsPair::Create(std::string* why) {
  if (!IsRoot()) {
    *why = "needs root to create network namespaces";
    return nullptr;
  }
  if (Sh("ip -V") != 0) {
    *why = "iproute2 'ip' not installed";
    return nullptr;
  }
  static int counter = 0;
  std::unique_ptr<NetnsPair> p(new NetnsPair());
  std::string tag = std::to_string(getpid()) + "-" + std::to_string(++counter);
  p->client_ = "ewc-" + tag;
  p->server_ = "ews-" + tag;
  const std::vector<std::string> steps = {
      "ip netns add " + p->client_,
      "ip netns add " + p->server_,
      "ip link add vc netns " + p->client_ + " type veth peer name vs netns " + p->server_,
      "ip -n " + p->client_ + " addr add 10.77.0.2/24 dev vc",
      "ip -n " + p->server_ + " addr add 10.77.0.1/24 dev vs",
      "ip -n " + p->client_ + " link set vc up",
      "ip -n " + p->server_ + " link set vs up",
      "ip -n " + p->client_ + " link set lo up",
      "ip -n " + p->server_ + " link set lo up",
  };
  for (const auto& s : steps) {
    if (Sh(s) != 0) {
      *why = "failed: " + s;
      return nullptr;  // destructor removes what was made
    }
  }
  return p;
}

NetnsPair::~NetnsPair() {
  if (!client_.empty()) Sh("ip netns del " + client_);
  if (!server_.empty()) Sh("ip netns del " + server_);
}

std::unique_ptr<NatTriple> NatTriple::Create(int first_port, int last_port, std::string* why) {
  if (!IsRoot()) {
    *why = "needs root to create network namespaces";
    return nullptr;
  }
  if (Sh("ip -V") != 0 || Sh("iptables -V") != 0) {
    *why = "iproute2 'ip' or iptables not installed";
    return nullptr;
  }
  static int counter = 0;
  std::unique_ptr<NatTriple> t(new NatTriple());
  const std::string tag = std::to_string(getpid()) + "-" + std::to_string(++counter);
  t->client_ = "ewnc-" + tag;
  t->nat_ = "ewnn-" + tag;
  t->server_ = "ewns-" + tag;
  const std::string& c = t->client_;
  const std::string& n = t->nat_;
  const std::string& s = t->server_;
  const std::vector<std::string> steps = {
      "ip netns add " + c,
      "ip netns add " + n,
      "ip netns add " + s,
      "ip link add vc netns " + c + " type veth peer name vn1 netns " + n,
      "ip link add vs netns " + s + " type veth peer name vn2 netns " + n,
      "ip -n " + c + " addr add 10.78.1.2/24 dev vc",
      "ip -n " + n + " addr add 10.78.1.1/24 dev vn1",
      "ip -n " + n + " addr add 10.78.2.1/24 dev vn2",
      "ip -n " + s + " addr add 10.78.2.2/24 dev vs",
      "ip -n " + c + " link set vc up",
      "ip -n " + n + " link set vn1 up",
      "ip -n " + n + " link set vn2 up",
      "ip -n " + s + " link set vs up",
      "ip -n " + c + " link set lo up",
      "ip -n " + n + " link set lo up",
      "ip -n " + s + " link set lo up",
      "ip -n " + c + " route add default via 10.78.1.1",
      "ip -n " + s + " route add default via 10.78.2.1",
      "ip netns exec " + n + " sysctl -qw net.ipv4.ip_forward=1",
      "ip netns exec " + n + " iptables -t nat -A POSTROUTING -o vn2 -p tcp -j MASQUERADE " +
          "--to-ports " + std::to_string(first_port) + "-" + std::to_string(last_port),
  };
  for (const auto& step : steps) {
    if (Sh(step) != 0) {
      *why = "failed: " + step;
      return nullptr;  // destructor removes what was made
    }
  }
  return t;
}

NatTriple::~NatTriple() {
  for (const std::string* ns : {&client_, &nat_, &server_}) {
    if (!ns->empty()) Sh("ip netns del " + *ns);
  }
}

int NetnsPair::Exec(const std::string& ns, const std::string& command) {
  return Sh("ip netns exec " + ns + " " + command);
}

unsigned NetnsPair::NetnsInode(const std::string& ns) {
  struct stat st {};
  if (::stat(("/run/netns/" + ns).c_str(), &st) != 0) return 0;
  return static_cast<unsigned>(st.st_ino);
}

long long NetnsPair::NetstatCounter(const std::string& ns, const std::string& group,
                                    const std::string& name) {
  std::string cmd = "ip netns exec " + ns + " cat /proc/net/netstat /proc/net/snmp";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  pclose(f);
  // Pairs of lines: "Group: name1 name2 ..." then "Group: v1 v2 ...".
  std::istringstream in(text);
  std::string header, values;
  while (std::getline(in, header) && std::getline(in, values)) {
    std::istringstream h(header), v(values);
    std::string hg, vg;
    h >> hg;
    v >> vg;
    if (hg != group + ":") continue;
    std::string key;
    long long val;
    while (h >> key && v >> val) {
      if (key == name) return val;
    }
  }
  return -1;
}

pid_t ForkInNetns(const std::string& ns, const std::string& comm,
                  const std::function<int()>& body) {
  std::string path = "/run/netns/" + ns;
  int nsfd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    if (setns(nsfd, CLONE_NEWNET) != 0) _exit(120);
    prctl(PR_SET_NAME, comm.c_str(), 0, 0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    _exit(body());
  }
  close(nsfd);
  return pid;
}

int WaitChild(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int TcpConnect(const std::string& ip, int port, int syn_retries, int* out_fd) {
  const bool v6 = ip.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  if (syn_retries > 0) setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syn_retries, sizeof syn_retries);
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, ip.c_str(), &sa->sin6_addr);
    len = sizeof *sa;
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &sa->sin_addr);
    len = sizeof *sa;
  }
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  int err = rc == 0 ? 0 : errno;
  if (err == 0 && out_fd != nullptr) {
    *out_fd = fd;
  } else {
    close(fd);
  }
  return err;
}

int TcpListen(const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd, 64) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

}  // namespace edgewatch::testing
