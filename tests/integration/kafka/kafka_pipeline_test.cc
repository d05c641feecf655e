// sensor → Kafka → detector → alerts topic, against the real Apache Kafka broker of
// deploy/kafka: real kernel events in namespaces this test creates, the real edgewatch binary,
// kcat from Debian reading the topics.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "schema/codec.h"
#include "tests/support/kafka_broker.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"
#include "transport/kafka_producer.h"
#include "transport/kafka_topics.h"

namespace edgewatch {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::KafkaBroker;
using testing::WaitFor;

class KafkaPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = &KafkaBroker::Get();
    ASSERT_FALSE(broker_->bootstrap().empty()) << broker_->error();
    // Each test has its own topics and consumer group on the shared broker.
    prefix_ = std::string("t") + std::to_string(getpid()) + "." +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".";
    ASSERT_EQ(testing::InitTopics(broker_->bootstrap(), prefix_, Partitions()), "");
    dir_ = testing::MakeTempDir();
  }
  virtual int Partitions() const { return 4; }

  std::vector<std::string> Detector(const std::string& rules_yaml,
                                    std::vector<std::string> extra = {}) {
    testing::WriteFile(dir_ + "/rules.yaml", rules_yaml);
    std::vector<std::string> argv = {testing::EdgewatchBinary(),
                                     "detector",
                                     "--kafka",
                                     broker_->bootstrap(),
                                     "--topic-prefix",
                                     prefix_,
                                     "--group",
                                     prefix_ + "detectors",
                                     "--rules",
                                     dir_ + "/rules.yaml",
                                     "--symptom-alerts"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  std::vector<std::string> Sensor(const std::string& node) {
    return {testing::EdgewatchBinary(), "sensor", "--kafka", broker_->bootstrap(),
            "--topic-prefix",           prefix_,  "--node",  node,
            "--metrics-listen",         "off"};
  }
  std::string Topic(const char* name) const { return prefix_ + name; }
  // Alert records of the alerts topic, once there is at least one (or none after 30 s).
  std::vector<std::pair<std::string, schema::Alert>> AwaitAlerts();
  std::string Consume(const char* topic, const std::string& format = "%k\t%s\n") {
    return testing::KcatConsume(broker_->bootstrap(), Topic(topic), format);
  }

  KafkaBroker* broker_ = nullptr;
  std::string prefix_;
  std::string dir_;
};

// A thread that is told to stop and joined when the test leaves its scope, also on a failed
// ASSERT.
class Background {
 public:
  explicit Background(std::function<void(const std::atomic<bool>& stop)> body)
      : thread_([this, body = std::move(body)] { body(stop_); }) {}
  ~Background() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// "<key>\t<value>" records of the alerts topic, decoded.
std::vector<std::pair<std::string, schema::Alert>> Alerts(const std::string& records) {
  schema::Decoder decoder;
  std::vector<std::pair<std::string, schema::Alert>> out;
  for (const std::string& line : Lines(records)) {
    const auto tab = line.find('\t');
    auto a = decoder.DecodeAlert(line.substr(tab + 1));
    EXPECT_TRUE(a.ok()) << a.error() << "\n" << line;
    if (a.ok()) out.emplace_back(line.substr(0, tab), *a);
  }
  return out;
}

std::vector<std::pair<std::string, schema::Alert>> KafkaPipeline::AwaitAlerts() {
  std::vector<std::pair<std::string, schema::Alert>> alerts;
  WaitFor(
      [&] {
        alerts = Alerts(Consume("alerts"));
        return !alerts.empty();
      },
      30s);
  return alerts;
}

// A client process named `comm` in the client namespace connects to port 7301 and is refused.
void RefusedConnect(const testing::NetnsPair& net, const char* comm, pid_t* pid = nullptr) {
  pid_t client = testing::ForkInNetns(net.client_ns(), comm,
                                      [] { return testing::TcpConnect("10.77.0.1", 7301, 0); });
  EXPECT_EQ(testing::WaitChild(client, 5s), ECONNREFUSED);
  if (pid != nullptr) *pid = client;
}

constexpr const char* kRefusedRules = R"(business_system: checkout
rules:
  - name: CheckoutRefused
    signal: refused
    comparison: ">"
    threshold: 0
    for: 0s
    keep_firing_for: 1m
    severity: critical
    match:
      side: client
      server_port: 7301
)";

TEST_F(KafkaPipeline, KernelEventsReachTheAlertsTopicThroughKafka) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = testing::NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  ChildProcess detector(Detector(kRefusedRules, {"--metrics-listen", "off"}));
  ChildProcess sensor(Sensor("kafka-node"));
  ASSERT_TRUE(WaitFor([&] { return sensor.Stderr().find("attached") != std::string::npos; }, 15s))
      << sensor.Stderr();

  pid_t client = -1;
  RefusedConnect(*net, "ew-kafka-cli", &client);
  const auto alerts = AwaitAlerts();
  ASSERT_EQ(alerts.size(), 1u) << "detector:\n"
                               << detector.Stderr() << "\nsensor:\n"
                               << sensor.Stderr();
  const auto& [key, alert] = alerts[0];
  EXPECT_EQ(key, alert.fingerprint);  // alerts are keyed by fingerprint
  EXPECT_EQ(alert.rule, "CheckoutRefused");
  EXPECT_EQ(alert.status, schema::AlertStatus::kFiring);
  EXPECT_EQ(alert.node, "kafka-node");
  EXPECT_EQ(alert.edge.client.workload, "ew-kafka-cli");
  EXPECT_EQ(alert.edge.client.ip, "10.77.0.2");
  EXPECT_EQ(alert.edge.server.ip, "10.77.0.1");
  EXPECT_EQ(alert.edge.server.port, 7301);
  // The evidence came through the evidence topic and is inline in the alert.
  ASSERT_EQ(alert.evidence.size(), 1u) << detector.Stderr();
  EXPECT_EQ(alert.evidence[0].pid, static_cast<uint32_t>(client));
  EXPECT_EQ(alert.evidence[0].cause, "refused");
  EXPECT_EQ(alert.evidence[0].dst_port, 7301);

  // The edge window is keyed by node and edge on its topic.
  const std::string windows = Consume("edge-windows");
  EXPECT_NE(windows.find("kafka-node|client|ew-kafka-cli|"), std::string::npos) << windows;
  // The receivers got the same alert (stdout JSON lines).
  EXPECT_NE(detector.Stdout().find(alert.fingerprint), std::string::npos);

  EXPECT_EQ(sensor.Signal(SIGINT, 20s), 0) << sensor.Stderr();
  EXPECT_NE(sensor.Stderr().find("failed 0, dropped 0, unsent 0"), std::string::npos)
      << sensor.Stderr();
  EXPECT_EQ(detector.Signal(SIGINT, 20s), 0) << detector.Stderr();
}

TEST_F(KafkaPipeline, RunWithKafkaGoesThroughTheTopics) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = testing::NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  testing::WriteFile(dir_ + "/rules.yaml", kRefusedRules);
  // Root-cause alerts (the default) with a short group_wait.
  ChildProcess run({testing::EdgewatchBinary(), "run", "--kafka", broker_->bootstrap(),
                    "--topic-prefix", prefix_, "--group", prefix_ + "run", "--rules",
                    dir_ + "/rules.yaml", "--node", "run-node", "--metrics-listen", "off",
                    "--group-wait", "1s", "--api-listen", "127.0.0.1:19781"});
  ASSERT_TRUE(WaitFor([&] { return run.Stderr().find("attached") != std::string::npos; }, 15s))
      << run.Stderr();
  RefusedConnect(*net, "ew-run-kafka");
  // The alerts topic carries the symptom (kind symptom, for adoption and AIOps) and then its
  // root cause; the receivers (stdout here) get the root cause only.
  std::vector<std::pair<std::string, schema::Alert>> alerts;
  WaitFor(
      [&] {
        alerts = Alerts(Consume("alerts"));
        return alerts.size() >= 2;
      },
      30s);
  ASSERT_EQ(alerts.size(), 2u) << run.Stderr();
  // Two keys, so two partitions of the topic: read back in either order.
  if (alerts[0].second.root_cause) std::swap(alerts[0], alerts[1]);
  const schema::Alert& symptom = alerts[0].second;
  const schema::Alert& root = alerts[1].second;
  EXPECT_FALSE(symptom.root_cause);
  EXPECT_EQ(symptom.node, "run-node");
  EXPECT_EQ(symptom.edge.client.workload, "ew-run-kafka");
  ASSERT_TRUE(root.root_cause);
  EXPECT_EQ(alerts[1].first, root.fingerprint) << "keyed by its fingerprint";
  EXPECT_EQ(root.root_cause->cause, "client_misconfig");
  ASSERT_EQ(root.root_cause->symptoms.size(), 1u);
  EXPECT_EQ(root.root_cause->symptoms[0].fingerprint, symptom.fingerprint);
  // The window went through the edge-window topic, not an in-process queue.
  EXPECT_NE(Consume("edge-windows").find("run-node|client|ew-run-kafka|"), std::string::npos);
  EXPECT_TRUE(WaitFor(
      [&] {
        return run.Stdout().find("\"fingerprint\":\"" + root.fingerprint) != std::string::npos;
      },
      5s))
      << run.Stdout();
  EXPECT_EQ(run.Stdout().find("\"kind\":\"symptom\""), std::string::npos)
      << "a symptom is not sent on its own: " << run.Stdout();
  // The HTTP API in Kafka mode: the alert, and its evidence from the evidence topic.
  httplib::Client api("127.0.0.1", 19781);
  auto listed = api.Get("/api/v1/alerts");
  ASSERT_TRUE(listed) << "no API: " << run.Stderr();
  EXPECT_NE(listed->body.find(root.fingerprint), std::string::npos) << listed->body;
  ASSERT_FALSE(root.evidence_ids.empty());
  auto ev = api.Get("/api/v1/evidence/" + root.evidence_ids[0]);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->status, 200) << ev->body;
  EXPECT_NE(ev->body.find("\"cause\":\"refused\""), std::string::npos) << ev->body;
  EXPECT_EQ(run.Signal(SIGINT, 30s), 0) << run.Stderr();
}

// The edge-window sequence numbers a record file holds for `node`.
std::set<uint64_t> Seqs(const std::string& records, const std::string& node) {
  schema::Decoder decoder;
  std::set<uint64_t> seqs;
  for (const std::string& line : Lines(records)) {
    auto w = decoder.DecodeEdgeWindow(line);
    if (w.ok() && w->node == node) seqs.insert(w->seq);
  }
  return seqs;
}

TEST_F(KafkaPipeline, BrokerRestartMidStreamLosesNoEdgeWindow) {
  if (!testing::IsRoot()) GTEST_SKIP() << "needs root (CAP_BPF, network namespaces)";
  std::string why;
  auto net = testing::NetnsPair::Create(&why);
  ASSERT_NE(net, nullptr) << why;
  const std::string record = dir_ + "/consumed.jsonl";
  ChildProcess detector(Detector(kRefusedRules, {"--metrics-listen", "off", "--record", record}));
  ChildProcess sensor(Sensor("restart-node"));
  ASSERT_TRUE(WaitFor([&] { return sensor.Stderr().find("attached") != std::string::npos; }, 15s))
      << sensor.Stderr();

  // Refused connects to three ports (three edges) every 100 ms, before, during and after the
  // outage.
  std::atomic<int> connects{0};
  Background traffic([&](const std::atomic<bool>& stop) {
    for (int i = 0; !stop && i < 2000; ++i) {
      const int port = 7310 + i % 3;
      pid_t c = testing::ForkInNetns(net->client_ns(), "ew-restart",
                                     [port] { return testing::TcpConnect("10.77.0.1", port, 0); });
      if (testing::WaitChild(c, 5s) == ECONNREFUSED) ++connects;
      std::this_thread::sleep_for(100ms);
    }
  });
  std::this_thread::sleep_for(4s);
  ASSERT_TRUE(broker_->Stop());
  std::this_thread::sleep_for(5s);  // windows produced now wait in the sensor's producer
  ASSERT_TRUE(broker_->Start()) << broker_->error();
  std::this_thread::sleep_for(4s);
  traffic.Stop();
  EXPECT_GT(connects.load(), 50);

  ASSERT_EQ(sensor.Signal(SIGINT, 30s), 0) << sensor.Stderr();
  const std::string summary = sensor.Stderr();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      summary, m, std::regex(R"(published (\d+) edge windows \(seq (\d+)\.\.(\d+)\))")))
      << summary;
  const uint64_t published = std::stoull(m[1]);
  const uint64_t first = std::stoull(m[2]);
  const uint64_t last = std::stoull(m[3]);
  EXPECT_NE(summary.find("failed 0, dropped 0, unsent 0"), std::string::npos) << summary;
  EXPECT_EQ(published, last - first + 1);
  EXPECT_GT(published, 30u);  // ~3 edges × ~15 s of windows

  std::set<uint64_t> got;
  WaitFor(
      [&] {
        got = Seqs(testing::ReadFile(record), "restart-node");
        return got.size() >= published;
      },
      60s);
  std::vector<uint64_t> missing;
  for (uint64_t s = first; s <= last; ++s) {
    if (!got.count(s)) missing.push_back(s);
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << published
                               << " windows never reached the detector, first missing seq "
                               << missing.front() << "\ndetector:\n"
                               << detector.Stderr();
  std::fprintf(stderr, "[ restart  ] %llu windows produced (seq %llu..%llu), %zu consumed\n",
               static_cast<unsigned long long>(published), static_cast<unsigned long long>(first),
               static_cast<unsigned long long>(last), got.size());
  EXPECT_EQ(detector.Signal(SIGINT, 30s), 0) << detector.Stderr();
}

schema::EdgeWindow FeedWindow(const std::string& node, int client, int64_t end_ns, uint64_t seq) {
  schema::EdgeWindow w;
  w.node = node;
  w.seq = seq;
  w.window_start_ns = end_ns - 1'000'000'000;
  w.window_end_ns = end_ns;
  w.edge.side = schema::Side::kClient;
  w.edge.client.ip = "10.88.0." + std::to_string(client);
  w.edge.client.workload = "feed-" + std::to_string(client);
  w.edge.server.ip = "10.88.1.1";
  w.edge.server.port = 8443;
  w.at(schema::Counter::kRefused) = 1;
  return w;
}

TEST_F(KafkaPipeline, MalformedRecordsGoToTheDeadLetterTopicAndTheDetectorKeepsGoing) {
  const std::string record = dir_ + "/consumed.jsonl";
  ChildProcess detector(Detector(kRefusedRules, {"--metrics-listen", "off", "--record", record}));
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  schema::Alert alert;
  alert.fingerprint = "0123456789abcdef";
  alert.rule = "X";
  const std::string good = schema::Encode(FeedWindow("dlq-node", 1, now - now % 1'000'000'000, 42));
  testing::WriteFile(dir_ + "/records",
                     "bad-json:{\"schema\": \"edgewatch.edge_window.v1\", \"seq\": \n"
                     "missing-field:{\"schema\":\"edgewatch.edge_window.v1\",\"node\":\"n\"}\n"
                     "wrong-type:" +
                         schema::Encode(alert) + "\n" +
                         "binary:\x01\x02\xff\xfe\n"
                         "good:" +
                         good + "\n");
  std::string out;
  std::string err;
  ASSERT_EQ(testing::RunCommand({"sh", "-c",
                                 "kcat -P -b " + broker_->bootstrap() + " -t " +
                                     Topic("edge-windows") + " -K: < " + dir_ + "/records"},
                                &out, 60s, &err),
            0)
      << err;

  std::vector<std::string> dead;
  ASSERT_TRUE(WaitFor(
      [&] {
        dead = Lines(Consume("dead-letters", "%k\t%h\n"));
        return dead.size() >= 4;
      },
      30s))
      << detector.Stderr();
  std::map<std::string, std::string> headers;
  for (const std::string& d : dead) headers[d.substr(0, d.find('\t'))] = d.substr(d.find('\t') + 1);
  ASSERT_EQ(headers.size(), 4u);
  for (const char* key : {"bad-json", "missing-field", "wrong-type", "binary"}) {
    ASSERT_TRUE(headers.count(key)) << key;
    EXPECT_NE(headers[key].find("edgewatch-error="), std::string::npos) << headers[key];
    EXPECT_NE(headers[key].find("edgewatch-source-topic=" + Topic("edge-windows")),
              std::string::npos)
        << headers[key];
  }
  EXPECT_NE(headers["missing-field"].find("missing"), std::string::npos)
      << headers["missing-field"];
  EXPECT_NE(headers["wrong-type"].find("not an edge window"), std::string::npos)
      << headers["wrong-type"];
  // The good record after them was processed.
  ASSERT_TRUE(
      WaitFor([&] { return Seqs(testing::ReadFile(record), "dlq-node").count(42) == 1; }, 20s))
      << detector.Stderr();
  EXPECT_EQ(detector.Signal(SIGINT, 20s), 0) << detector.Stderr();
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(a.sin_port);
}

// The value of the sample `series` (a metric name, with its labels if it has any) on a
// detector's /metrics; -1 when it is not there.
int Metric(int port, const std::string& series) {
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/metrics");
  if (!res) return -1;
  const std::string& body = res->body;
  for (size_t at = body.find(series + " "); at != std::string::npos;
       at = body.find(series + " ", at + 1)) {
    if (at == 0 || body[at - 1] == '\n') return std::stoi(body.substr(at + series.size() + 1));
  }
  return -1;
}

// edgewatch_kafka_consumer_assigned_partitions{client="detector"} of a detector's /metrics.
int Assigned(int port) {
  return Metric(port, R"(edgewatch_kafka_consumer_assigned_partitions{client="detector"})");
}

constexpr const char* kFeedRules = R"(business_system: feed
rules:
  - name: FeedRefused
    signal: refused
    comparison: ">"
    threshold: 0
    for: 0s
    keep_firing_for: 3s
    severity: warning
    match:
      side: client
)";

// Windows of `edges` edges of `node` (refused 1, connects 10–12), one per edge per second, until
// stopped.
Background FeedEdges(transport::KafkaProducer& producer, const std::string& topic,
                     const std::string& node, int edges) {
  return Background([&producer, topic, node, edges](const std::atomic<bool>& stop) {
    uint64_t seq = 0;
    for (int i = 0; !stop && i < 600; ++i) {
      const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      for (int c = 1; c <= edges; ++c) {
        schema::EdgeWindow w = FeedWindow(node, c, now - now % 1'000'000'000, ++seq);
        w.at(schema::Counter::kConnects) = 10 + static_cast<uint64_t>(i % 3);
        producer.Produce(topic, transport::EdgeRecordKey(w.node, w.edge.Key()), schema::Encode(w));
      }
      producer.Flush(1s);
      std::this_thread::sleep_for(1s);
    }
  });
}

TEST_F(KafkaPipeline, TwoDetectorsSplitPartitionsAndNotifyEachFiringOnce) {
  constexpr int kEdges = 8;
  auto kcfg = transport::KafkaConfig{broker_->bootstrap(), {}};
  auto producer = transport::KafkaProducer::Create(kcfg, "test-feed");
  ASSERT_TRUE(producer.ok()) << producer.error();
  Background feed = FeedEdges(**producer, Topic("edge-windows"), "feed-node", kEdges);

  const int port_a = FreePort();
  const int port_b = FreePort();
  ASSERT_GT(port_a, 0);
  ASSERT_GT(port_b, 0);
  ChildProcess a(Detector(kFeedRules, {"--metrics-listen", "127.0.0.1:" + std::to_string(port_a)}));
  auto b = std::make_unique<ChildProcess>(
      Detector(kFeedRules, {"--metrics-listen", "127.0.0.1:" + std::to_string(port_b)}));
  auto split = [&](int want_a_min) {
    return WaitFor(
        [&] {
          const int pa = Assigned(port_a);
          const int pb = Assigned(port_b);
          return pa >= want_a_min && pb >= 1 && pa + pb == Partitions();
        },
        45s);
  };
  EXPECT_TRUE(split(1)) << "a: " << Assigned(port_a) << " b: " << Assigned(port_b) << "\n"
                        << a.Stderr() << b->Stderr();
  auto firing_keys = [&] {
    std::set<std::string> keys;
    for (const auto& [k, alert] : Alerts(Consume("alerts"))) {
      if (alert.status == schema::AlertStatus::kFiring) keys.insert(k);
    }
    return keys;
  };
  ASSERT_TRUE(WaitFor([&] { return firing_keys().size() == kEdges; }, 30s))
      << a.Stderr() << b->Stderr();

  // B leaves: A takes every partition over, with B's firing alerts.
  EXPECT_EQ(b->Signal(SIGTERM, 30s), 0) << b->Stderr();
  const std::string b_stdout = b->Stdout();
  const std::string b_stderr = b->Stderr();
  EXPECT_TRUE(WaitFor([&] { return Assigned(port_a) == Partitions(); }, 45s)) << a.Stderr();
  std::this_thread::sleep_for(3s);
  // B comes back: the partitions split again.
  b = std::make_unique<ChildProcess>(
      Detector(kFeedRules, {"--metrics-listen", "127.0.0.1:" + std::to_string(port_b)}));
  EXPECT_TRUE(split(1)) << a.Stderr() << b->Stderr();
  std::this_thread::sleep_for(3s);
  feed.Stop();

  // Every edge fired exactly once and resolved exactly once, across both rebalances.
  std::map<std::string, std::pair<int, int>> per_fingerprint;  // firing, resolved
  ASSERT_TRUE(WaitFor(
      [&] {
        per_fingerprint.clear();
        int resolved = 0;
        for (const auto& [k, alert] : Alerts(Consume("alerts"))) {
          auto& [f, r] = per_fingerprint[k];
          (alert.status == schema::AlertStatus::kFiring ? f : r)++;
          if (alert.status == schema::AlertStatus::kResolved) ++resolved;
        }
        return resolved >= kEdges;
      },
      45s))
      << a.Stderr() << b->Stderr();
  std::this_thread::sleep_for(2s);  // room for a duplicate to show up
  per_fingerprint.clear();
  for (const auto& [k, alert] : Alerts(Consume("alerts"))) {
    auto& [f, r] = per_fingerprint[k];
    (alert.status == schema::AlertStatus::kFiring ? f : r)++;
  }
  EXPECT_EQ(per_fingerprint.size(), static_cast<size_t>(kEdges));
  SCOPED_TRACE("detector a:\n" + a.Stderr() + "first b:\n" + b_stderr + "second b:\n" +
               b->Stderr());
  for (const auto& [fp, counts] : per_fingerprint) {
    EXPECT_EQ(counts.first, 1) << fp << " fired " << counts.first << " times";
    EXPECT_EQ(counts.second, 1) << fp << " resolved " << counts.second << " times";
  }
  // The receivers (stdout) saw each firing once across the three detector processes.
  EXPECT_EQ(b->Signal(SIGINT, 30s), 0) << b->Stderr();
  EXPECT_EQ(a.Signal(SIGINT, 30s), 0) << a.Stderr();
  std::map<std::string, int> notified;
  for (const std::string* out : {&b_stdout}) {
    for (const std::string& line : Lines(*out)) {
      if (line.find("\"status\":\"firing\"") != std::string::npos) {
        notified[line.substr(line.find("\"fingerprint\":\"") + 15, 16)]++;
      }
    }
  }
  for (const std::string& line : Lines(a.Stdout() + b->Stdout())) {
    if (line.find("\"status\":\"firing\"") != std::string::npos) {
      notified[line.substr(line.find("\"fingerprint\":\"") + 15, 16)]++;
    }
  }
  EXPECT_EQ(notified.size(), static_cast<size_t>(kEdges));
  for (const auto& [fp, n] : notified) EXPECT_EQ(n, 1) << fp << " notified " << n << " times";
}

constexpr const char* kFeedBaselineRules = R"(business_system: feed
rules:
  - name: FeedConnectsUnusual
    signal: connects
    baseline: {method: edgewatch, sensitivity: 0.9, min_history: 1m, seasonality: none}
    severity: info
    match:
      side: client
)";

TEST_F(KafkaPipeline, LearnedBaselinesMoveWithTheirEdgesThroughTheBaselinesTopic) {
  constexpr int kEdges = 4;
  auto kcfg = transport::KafkaConfig{broker_->bootstrap(), {}};
  auto producer = transport::KafkaProducer::Create(kcfg, "test-feed");
  ASSERT_TRUE(producer.ok()) << producer.error();
  Background feed = FeedEdges(**producer, Topic("edge-windows"), "bl-node", kEdges);

  const int port_a = FreePort();
  ASSERT_GT(port_a, 0);
  auto a = std::make_unique<ChildProcess>(
      Detector(kFeedBaselineRules, {"--metrics-listen", "127.0.0.1:" + std::to_string(port_a),
                                    "--baseline-save-interval", "2s"}));
  // A learns the edges and publishes their baselines periodically, one record per edge.
  ASSERT_TRUE(WaitFor(
      [&] { return Metric(port_a, "edgewatch_detector_baselines_published_total") >= kEdges; },
      45s))
      << a->Stderr();
  // A stops (its edges' last baselines go out at the handover); B takes every partition over.
  EXPECT_EQ(a->Signal(SIGTERM, 30s), 0) << a->Stderr();
  const std::string a_stderr = a->Stderr();
  const int port_b = FreePort();
  ASSERT_GT(port_b, 0);
  ChildProcess b(
      Detector(kFeedBaselineRules, {"--metrics-listen", "127.0.0.1:" + std::to_string(port_b)}));
  ASSERT_TRUE(WaitFor(
      [&] { return Metric(port_b, "edgewatch_detector_states_restored_total") >= kEdges; }, 45s))
      << "a:\n"
      << a_stderr << "b:\n"
      << b.Stderr();
  EXPECT_GE(Metric(port_b, "edgewatch_detector_baselines_read_total"), kEdges);
  EXPECT_EQ(Metric(port_b, "edgewatch_detector_baseline_records_bad_total"), 0);
  EXPECT_NE(b.Stderr().find("baselines of "), std::string::npos) << b.Stderr();
  // The topic holds binary state snapshots keyed as the edges' windows.
  std::set<std::string> keys;
  for (const std::string& line : Lines(Consume("baselines", "%k\n"))) keys.insert(line);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kEdges));
  for (const std::string& k : keys) EXPECT_EQ(k.rfind("bl-node|", 0), 0U) << k;
  feed.Stop();
  EXPECT_EQ(b.Signal(SIGINT, 30s), 0) << b.Stderr();
}

// The `kafka` receiver of the alerting config (an embedded detector's AIOps feed): each alert
// as its full record, evidence inline, keyed by fingerprint, acknowledged by the real broker.
TEST_F(KafkaPipeline, KafkaReceiverOfTheAlertingConfigPublishesFullRecords) {
  testing::WriteFile(dir_ + "/rules.yaml", R"(business_system: checkout
rules:
  - name: CheckoutRefused
    signal: refused
    comparison: ">"
    threshold: 0
    severity: critical
    match: {side: client, server_port: 7201}
)");
  std::string rec;
  for (int i = 0; i < 3; ++i) {
    schema::EdgeWindow w;
    w.node = "n1";
    w.seq = static_cast<uint64_t>(i) + 1;
    w.window_start_ns = 1'795'000'000'000'000'000;
    w.window_end_ns = w.window_start_ns + 1'000'000'000;
    w.edge.side = schema::Side::kClient;
    w.edge.client = {"10.0.0." + std::to_string(10 + i), 0, "client-" + std::to_string(i), ""};
    w.edge.server = {"10.0.0.1", 7201, "", ""};
    w.at(schema::Counter::kRefused) = 1;
    schema::EvidenceEvent ev;
    ev.id = "n1/" + std::to_string(i) + "/1";
    ev.node = "n1";
    ev.cause = "refused";
    ev.time_ns = w.window_start_ns + 5;
    ev.edge = w.edge;
    ev.edge_key = w.edge.Key();
    ev.pid = 4000 + i;
    ev.comm = "client-" + std::to_string(i);
    w.evidence_ids = {ev.id};
    rec += schema::Encode(ev) + "\n" + schema::Encode(w) + "\n";
  }
  testing::WriteFile(dir_ + "/rec.jsonl", rec);
  testing::WriteFile(dir_ + "/alerting.yaml",
                     "route: {receiver: aiops, group_by: ['...'], group_wait: 0s, "
                     "group_interval: 0s}\nreceivers:\n  - name: aiops\n    kafka:\n"
                     "      brokers: " +
                         broker_->bootstrap() + "\n      topic: " + Topic("alerts") + "\n");
  ChildProcess d({testing::EdgewatchBinary(), "detector", "--rules", dir_ + "/rules.yaml",
                  "--symptom-alerts", "--alerting-config", dir_ + "/alerting.yaml", "--input",
                  dir_ + "/rec.jsonl"});
  ASSERT_EQ(d.Wait(60s), 0) << d.Stderr();
  std::vector<std::pair<std::string, schema::Alert>> alerts;
  ASSERT_TRUE(WaitFor(
      [&] {
        alerts = Alerts(Consume("alerts"));
        return alerts.size() >= 3;
      },
      30s))
      << Consume("alerts") << d.Stderr();
  std::set<uint32_t> pids;
  for (const auto& [key, a] : alerts) {
    EXPECT_EQ(key, a.fingerprint);
    EXPECT_EQ(a.rule, "CheckoutRefused");
    ASSERT_EQ(a.evidence.size(), 1u) << "evidence travels inline";
    pids.insert(a.evidence[0].pid);
  }
  EXPECT_EQ(pids, (std::set<uint32_t>{4000, 4001, 4002}));
}

}  // namespace
}  // namespace edgewatch
