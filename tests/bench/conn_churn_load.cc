// Connection churn for the sensor's kernel-side cost (tests/bench/kernel_overhead.sh): a client
// that opens, uses and closes TCP connections as fast as it can, and the server it talks to.
//
//   conn_churn_load server --listen 10.231.0.2:9000 [--threads 2]
//   conn_churn_load client --connect 10.231.0.2:9000 --duration 5 [--threads 2]
//
// One connection: connect, the client writes one byte, the server reads it, writes one byte
// back and closes; the client reads the byte and the end of stream, then closes. The server
// closes first, so TIME_WAIT stays on the server side and the client's ephemeral ports are
// free again at once. The client prints "connections_per_s <rate>" (and the totals) on stdout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

bool ParseAddr(const std::string& s, sockaddr_in& out) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::memset(&out, 0, sizeof out);
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<uint16_t>(std::atoi(s.c_str() + colon + 1)));
  return inet_pton(AF_INET, s.substr(0, colon).c_str(), &out.sin_addr) == 1;
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: conn_churn_load server --listen IP:PORT [--threads N]\n"
               "       conn_churn_load client --connect IP:PORT --duration SECONDS "
               "[--threads N]\n");
  std::exit(2);
}

int Server(const sockaddr_in& addr, int threads) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(lfd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(lfd, 4096) != 0) {
    std::perror("conn_churn_load server: bind/listen");
    return 1;
  }
  std::fprintf(stderr, "conn_churn_load server: listening\n");
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([lfd] {
      char b;
      for (;;) {
        int c = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        if (read(c, &b, 1) == 1) (void)!write(c, &b, 1);
        close(c);
      }
    });
  }
  for (auto& t : pool) t.join();
  return 0;
}

int Client(const sockaddr_in& addr, int threads, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0}, failed{0};
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      uint64_t ok = 0, bad = 0;
      char b = 'x';
      while (!stop.load(std::memory_order_relaxed)) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool good = fd >= 0 &&
                    connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
                    write(fd, &b, 1) == 1 && read(fd, &b, 1) == 1 && read(fd, &b, 1) == 0;
        if (fd >= 0) close(fd);
        good ? ++ok : ++bad;
      }
      done += ok;
      failed += bad;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : pool) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("connections %llu failed %llu seconds %.3f\nconnections_per_s %.1f\n",
              static_cast<unsigned long long>(done.load()),
              static_cast<unsigned long long>(failed.load()), elapsed,
              static_cast<double>(done.load()) / elapsed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage();
  const std::string mode = argv[1];
  std::string addr_s;
  int threads = 2;
  double seconds = 5;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--listen" || k == "--connect") {
      addr_s = v;
    } else if (k == "--threads") {
      threads = std::atoi(v.c_str());
    } else if (k == "--duration") {
      seconds = std::atof(v.c_str());
    } else {
      Usage();
    }
  }
  sockaddr_in addr{};
  if (!ParseAddr(addr_s, addr) || threads < 1 || seconds <= 0) Usage();
  if (mode == "server") return Server(addr, threads);
  if (mode == "client") return Client(addr, threads, seconds);
  Usage();
}
