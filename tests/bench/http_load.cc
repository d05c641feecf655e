// Keep-alive HTTP/1.1 load for the sensor's kernel-side cost (tests/bench/kernel_overhead.sh):
// `--conns` connections driven by one epoll loop, each sending the next GET as soon as the
// previous response is complete (no pipelining).
//
//   http_load --connect 10.231.0.2:8080 --duration 5 [--conns 32] [--path /ok]
//
// Responses are framed by Content-Length (the server must send it, as nginx's `return 200`
// does); a connection the server closes is reopened. Prints "requests_per_s <rate>" (and the
// totals) on stdout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Conn {
  int fd = -1;
  std::string in;
};

bool ParseAddr(const std::string& s, sockaddr_in& out) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::memset(&out, 0, sizeof out);
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<uint16_t>(std::atoi(s.c_str() + colon + 1)));
  return inet_pton(AF_INET, s.substr(0, colon).c_str(), &out.sin_addr) == 1;
}

// Bytes of the first complete response in `in`, 0 while incomplete, -1 when unframed.
long ResponseLength(std::string_view in, bool& close) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  std::string_view head = in.substr(0, end);
  long body = -1;
  close = false;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view line = head.substr(pos, eol - pos);
    if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
      body = std::atol(std::string(line.substr(15)).c_str());
    } else if (line.size() > 11 && strncasecmp(line.data(), "connection:", 11) == 0 &&
               line.find("close") != std::string_view::npos) {
      close = true;
    }
    pos = eol + 2;
  }
  if (body < 0) return -1;
  const long total = static_cast<long>(end + 4) + body;
  return static_cast<long>(in.size()) >= total ? total : 0;
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: http_load --connect IP:PORT --duration SECONDS [--conns N] [--path P]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr_s, path = "/";
  int conns = 32;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--connect") {
      addr_s = v;
    } else if (k == "--duration") {
      seconds = std::atof(v.c_str());
    } else if (k == "--conns") {
      conns = std::atoi(v.c_str());
    } else if (k == "--path") {
      path = v;
    } else {
      Usage();
    }
  }
  sockaddr_in addr{};
  if (!ParseAddr(addr_s, addr) || conns < 1 || seconds <= 0) Usage();
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + addr_s +
                              "\r\nUser-Agent: edgewatch-http-load\r\nAccept: */*\r\n\r\n";

  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> pool(static_cast<size_t>(conns));
  unsigned long long requests = 0, reconnects = 0, errors = 0;
  auto open = [&](size_t i) -> bool {
    Conn& c = pool[i];
    if (c.fd >= 0) close(c.fd);
    c.in.clear();
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      std::perror("http_load: connect");
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    return write(c.fd, request.data(), request.size()) == static_cast<ssize_t>(request.size());
  };
  for (size_t i = 0; i < pool.size(); ++i) {
    if (!open(i)) return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  std::vector<epoll_event> events(pool.size());
  char buf[16384];
  while (std::chrono::steady_clock::now() < until) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int k = 0; k < n; ++k) {
      const size_t i = events[static_cast<size_t>(k)].data.u64;
      Conn& c = pool[i];
      ssize_t r = read(c.fd, buf, sizeof buf);
      if (r <= 0) {
        ++reconnects;
        if (!open(i)) return 1;
        continue;
      }
      c.in.append(buf, static_cast<size_t>(r));
      bool close_after = false;
      long len = ResponseLength(c.in, close_after);
      if (len < 0) {
        std::fprintf(stderr, "http_load: response without Content-Length\n");
        return 1;
      }
      if (len == 0) continue;
      ++requests;
      c.in.erase(0, static_cast<size_t>(len));
      if (close_after) {
        ++reconnects;
        if (!open(i)) return 1;
      } else if (write(c.fd, request.data(), request.size()) !=
                 static_cast<ssize_t>(request.size())) {
        ++errors;
        if (!open(i)) return 1;
      }
    }
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("requests %llu reconnects %llu errors %llu seconds %.3f\nrequests_per_s %.1f\n",
              requests, reconnects, errors, elapsed, static_cast<double>(requests) / elapsed);
  return 0;
}
