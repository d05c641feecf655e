// An HTTP receiver for tests: records every POST to /alerts with its arrival time.
#pragma once

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace edgewatch::testing {

// Records every POST it receives, with the time it arrived.
class WebhookServer {
 public:
  WebhookServer() {
    server_.Post("/alerts", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      bodies_.push_back(req.body);
      arrivals_.push_back(std::chrono::steady_clock::now());
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~WebhookServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/alerts"; }
  size_t count() {
    std::lock_guard lock(mu_);
    return bodies_.size();
  }
  std::string body(size_t i) {
    std::lock_guard lock(mu_);
    return bodies_.at(i);
  }
  std::chrono::steady_clock::time_point arrival(size_t i) {
    std::lock_guard lock(mu_);
    return arrivals_.at(i);
  }
  // Bodies (and their arrival times) from index `from` on.
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> since(size_t from) {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> out;
    for (size_t i = from; i < bodies_.size(); ++i) out.emplace_back(bodies_[i], arrivals_[i]);
    return out;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::vector<std::chrono::steady_clock::time_point> arrivals_;
};

}  // namespace edgewatch::testing
