// A receiver that is down for 30 s, then up: every notification reaches it, once. The real
// notifier and dispatcher on the real clock, the real webhook receiver, a real HTTP server that
// is not listening for the first 30 s.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "alerting/dispatcher.h"
#include "alerting/notifier.h"
#include "alerting/webhook_receiver.h"

namespace edgewatch::alerting {
namespace {

using namespace std::chrono_literals;

schema::Alert MakeAlert(int i) {
  schema::Alert a;
  a.fingerprint = "fp" + std::to_string(i);
  a.rule = "CheckoutRefused";
  a.labels = {{"alertname", "CheckoutRefused"}, {"edge", "e" + std::to_string(i)}};
  a.annotations = {{"summary", "refused " + std::to_string(i)}};
  a.starts_at_ns = 1'795'000'000'000'000'000 + i;
  return a;
}

TEST(ReceiverOutage, DownFor30sThenUpGetsEveryNotificationOnce) {
  // A free port, closed again: nothing listens there for the first 30 s (connections are
  // refused). A plain bound socket, not a server: a listening one would take connections.
  int port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  WebhookConfig wc;
  wc.name = "ops";
  wc.url = "http://127.0.0.1:" + std::to_string(port) + "/alerts";
  wc.timeout = 2s;
  auto receiver = WebhookReceiver::Create(wc);
  ASSERT_TRUE(receiver.ok()) << receiver.error();
  std::vector<std::unique_ptr<Receiver>> receivers;
  receivers.push_back(std::move(*receiver));
  DispatcherConfig dc;
  dc.retry.max_backoff = 5s;  // retries every ≤ 5 s once the backoff has grown
  std::vector<std::string> log;
  std::mutex log_mu;
  DispatcherOptions dopt;
  dopt.log = [&](std::string_view line) {
    std::lock_guard lock(log_mu);
    log.emplace_back(line);
  };
  auto dispatcher = Dispatcher::Create(dc, std::move(receivers), dopt);
  ASSERT_TRUE(dispatcher.ok()) << dispatcher.error();
  NotifierConfig nc;
  nc.route.receiver = "ops";
  nc.route.group_by = std::vector<std::string>{"..."};
  nc.route.group_wait = 0ms;
  nc.route.group_interval = 1s;
  nc.route.repeat_interval = 0ms;
  Dispatcher* d = dispatcher->get();
  auto notifier = Notifier::Create(nc, {"ops"}, [d](const Notification& n) { d->Submit(n); });
  ASSERT_TRUE(notifier.ok()) << notifier.error();

  const auto t0 = std::chrono::steady_clock::now();
  constexpr int kAlerts = 20;
  for (int i = 0; i < kAlerts; ++i) (*notifier)->Submit(MakeAlert(i));
  std::this_thread::sleep_until(t0 + 30s);

  std::mutex mu;
  std::map<std::string, int> got;  // fingerprint → notifications with it
  httplib::Server server;
  server.Post("/alerts", [&](const httplib::Request& req, httplib::Response& res) {
    auto j = nlohmann::json::parse(req.body);
    std::lock_guard lock(mu);
    for (const auto& a : j.at("alerts")) ++got[a.at("fingerprint").get<std::string>()];
    res.status = 200;
  });
  ASSERT_TRUE(server.bind_to_port("127.0.0.1", port)) << "port " << port << " was taken meanwhile";
  std::thread serve([&] { server.listen_after_bind(); });
  const auto up = std::chrono::steady_clock::now();
  auto all_in = [&] {
    std::lock_guard lock(mu);
    return got.size() == static_cast<size_t>(kAlerts);
  };
  while (!all_in() && std::chrono::steady_clock::now() < up + 30s)
    std::this_thread::sleep_for(50ms);
  const auto delay = std::chrono::steady_clock::now() - up;
  // Whatever was still in flight comes in too; then nothing more may come.
  std::this_thread::sleep_for(2s);
  (*notifier)->Stop();
  EXPECT_EQ((*dispatcher)->Stop(std::chrono::steady_clock::now() + 5s), 0u);
  server.stop();
  serve.join();

  std::fprintf(stderr, "[ outage   ] all %d delivered %.1f s after the receiver came up\n", kAlerts,
               std::chrono::duration<double>(delay).count());
  ASSERT_EQ(got.size(), static_cast<size_t>(kAlerts));
  for (const auto& [fp, n] : got) EXPECT_EQ(n, 1) << fp << " delivered " << n << " times";
  const ReceiverProbe& p = (*dispatcher)->probe(0);
  EXPECT_EQ(p.delivered(), static_cast<uint64_t>(kAlerts));
  EXPECT_GT(p.retries(), 0u);
  for (auto reason : {DropReason::kQueueFull, DropReason::kGaveUp, DropReason::kRejected,
                      DropReason::kShutdown}) {
    EXPECT_EQ(p.dropped(reason), 0u) << DropReasonName(reason);
  }
  std::lock_guard lock(log_mu);
  size_t failing = 0;
  size_t again = 0;
  for (const auto& l : log) {
    failing += l.find("retrying with backoff") != std::string::npos ? 1 : 0;
    again += l.find("delivering again") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(failing, 1u);
  EXPECT_EQ(again, 1u);
}

}  // namespace
}  // namespace edgewatch::alerting
