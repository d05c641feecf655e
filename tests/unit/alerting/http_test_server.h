// Test doubles of the receivers' HTTP peers: a cpp-httplib server on 127.0.0.1 (ephemeral port)
// that records every request and answers with a handler, plus alert and notification builders
// shared by the receiver tests.
#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "alerting/notification.h"
#include "schema/alert.h"

namespace edgewatch::alerting::testing {

using namespace std::chrono_literals;

struct Recorded {
  std::string method;
  std::string path;
  std::string query;  // the raw query string, without '?' ("" when none)
  std::string body;
  httplib::Headers headers;
  httplib::Params params;  // the query string, decoded

  std::string header(const char* name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string("<missing>") : it->second;
  }
  std::string param(const char* name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string("<missing>") : it->second;
  }
};

// An HTTP server on 127.0.0.1 answering POSTs to `path` with `handler`, recording every request.
class TestServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // `port` 0: an ephemeral port.
  explicit TestServer(Handler handler, int port = 0, std::string path = "/hook")
      : handler_(std::move(handler)), path_(std::move(path)) {
    server_.Post(path_, [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        std::string query;
        if (const size_t q = req.target.find('?'); q != std::string::npos) {
          query = req.target.substr(q + 1);
        }
        requests_.push_back({req.method, req.path, query, req.body, req.headers, req.params});
      }
      handler_(req, res);
    });
    port_ = port == 0 ? server_.bind_to_any_port("127.0.0.1")
                      : (server_.bind_to_port("127.0.0.1", port) ? port : -1);
    if (port_ <= 0) {
      return;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost; wait for it (bounded).
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(1ms);
    }
  }
  ~TestServer() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  bool ok() const { return port_ > 0 && server_.is_running(); }
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return base() + path_; }
  std::vector<Recorded> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t request_count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }

 private:
  Handler handler_;
  std::string path_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Recorded> requests_;
};

// Answers with the given statuses in turn, then with the last one, each with `body`.
inline TestServer::Handler Statuses(std::vector<int> statuses, std::string body = "",
                                    std::string content_type = "text/plain") {
  auto next = std::make_shared<std::atomic<size_t>>(0);
  return [statuses = std::move(statuses), body = std::move(body),
          content_type = std::move(content_type),
          next](const httplib::Request&, httplib::Response& res) {
    const size_t i = std::min(next->fetch_add(1), statuses.size() - 1);
    res.status = statuses[i];
    res.set_content(body, content_type);
  };
}

// Answers 200 with a JSON body.
inline TestServer::Handler Json(std::string body) {
  return Statuses({200}, std::move(body), "application/json");
}

// A server whose handler hangs until the test ends (or 10s pass).
class HangingServer {
 public:
  HangingServer()
      : server_([this](const httplib::Request&, httplib::Response& res) {
          std::unique_lock lock(mu_);
          cv_.wait_for(lock, 10s, [&] { return released_; });
          res.status = 200;
        }) {}
  ~HangingServer() {  // before server_ is destroyed: its stop() joins the handler threads
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  TestServer& server() { return server_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  TestServer server_;  // last: its handler uses the members above
};

// A port on 127.0.0.1 that nothing listens on (until a test starts a server there).
inline int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

inline bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

// libcurl honours proxy variables; the tests talk to 127.0.0.1 directly.
inline void UnsetProxies() {
  for (const char* v :
       {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    unsetenv(v);
  }
}

// 2025-11-22T08:35:03.123456789Z
inline constexpr int64_t kStartsAtNs = 1'763'800'503'123'456'789;

// A firing symptom alert of one edge.
inline schema::Alert SymptomAlert() {
  schema::Alert a;
  a.fingerprint = "8c1d3f0a9b2e4d71";
  a.rule = "connect_refused_burst";
  a.rule_file = "rules/payments.yaml";
  a.business_system = "payments";
  a.severity = "critical";
  a.labels = {{"alertname", "connect_refused_burst"},
              {"severity", "critical"},
              {"business_system", "payments"},
              {"server", "10.0.3.7:5432"}};
  a.annotations = {{"summary", "orders → 10.0.3.7:5432 refused 12 connects in 10s"}};
  a.node = "node-a";
  a.edge.client.workload = "orders";
  a.edge.client.ip = "10.0.1.5";
  a.edge.server.ip = "10.0.3.7";
  a.edge.server.port = 5432;
  a.signal = "connect_refused";
  a.comparison = ">";
  a.threshold = 5;
  a.value = 12;
  a.starts_at_ns = kStartsAtNs;
  a.evidence_ids = {"node-a/1796170159101208586/42"};
  return a;
}

// A firing root-cause alert (SNAT conflict on one node) with two symptoms attached.
inline schema::Alert RootCauseAlert() {
  schema::Alert a;
  a.fingerprint = "f00dfeed12345678";
  a.rule = "SnatConflict";
  a.severity = "critical";
  a.business_system = "payments,shop";
  a.node = "node-7";
  a.labels = {{"alertname", "SnatConflict"}, {"severity", "critical"}, {"cause", "snat_conflict"},
              {"scope", "node=node-7"},      {"scope_node", "node-7"}, {"kind", "root_cause"}};
  a.annotations = {{"summary", "SNAT port conflicts on node-7: 12 edges of payments, shop"},
                   {"description", "Symptoms attached: 2 on 12 edges"}};
  a.starts_at_ns = kStartsAtNs;
  a.evidence_ids = {"node-7/1/1", "node-7/1/2", "node-7/1/3", "node-7/1/4", "node-7/1/5"};
  schema::RootCauseInfo rc;
  rc.cause = "snat_conflict";
  rc.scope = {{"node", "node-7"}};
  rc.edge_count = 12;
  rc.business_systems = {"payments", "shop"};
  schema::SymptomRef s1;
  s1.fingerprint = "1111111111111111";
  s1.rule = "connect_timeout";
  s1.edge = "client|orders||10.0.1.5|10.0.3.7:5432|tcp";
  s1.symptoms = {"timeout", "snat_suspect"};
  schema::SymptomRef s2 = s1;
  s2.fingerprint = "2222222222222222";
  s2.edge = "client|cart||10.0.1.6|10.0.4.1:443|tcp";
  s2.symptoms = {"timeout"};
  rc.symptoms = {s1, s2};
  rc.symptoms_truncated = 10;
  a.root_cause = rc;
  return a;
}

inline schema::Alert Resolved(schema::Alert a, int64_t ends_at_ns = kStartsAtNs + 60'000'000'000) {
  a.status = schema::AlertStatus::kResolved;
  a.ends_at_ns = ends_at_ns;
  return a;
}

inline NotificationPtr MakeNotification(std::vector<schema::Alert> alerts,
                                        std::string receiver = "test") {
  auto n = std::make_shared<Notification>();
  n->receiver = std::move(receiver);
  n->group_key = "{}:{alertname=\"" + (alerts.empty() ? "" : alerts[0].rule) + "\"}";
  if (!alerts.empty()) n->group_labels = {{"alertname", alerts[0].rule}};
  n->alerts = std::move(alerts);
  n->created_ns = kStartsAtNs + 1'000'000'000;
  n->reason = "new";
  return n;
}

inline NotificationBatch Batch(std::vector<schema::Alert> alerts) {
  return {MakeNotification(std::move(alerts))};
}

}  // namespace edgewatch::alerting::testing
