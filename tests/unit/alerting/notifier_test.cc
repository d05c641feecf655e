#include "alerting/notifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace edgewatch::alerting {
namespace {

using namespace std::chrono_literals;

// Time moves only when the test says so; the notifier's thread is off (Tick() by hand).
class ManualClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::nanoseconds(now_ns_.load())); }
  bool WaitUntil(std::unique_lock<std::mutex>& /*lock*/, std::condition_variable& /*cv*/,
                 TimePoint /*until*/, const std::function<bool()>& wake) override {
    return wake();
  }
  void Advance(std::chrono::nanoseconds d) { now_ns_ += d.count(); }

 private:
  std::atomic<int64_t> now_ns_{1'000'000'000};
};

schema::Alert MakeAlert(const std::string& fp, const std::string& system,
                        schema::AlertStatus status = schema::AlertStatus::kFiring) {
  schema::Alert a;
  a.fingerprint = fp;
  a.rule = "ConnectRefused";
  a.status = status;
  a.business_system = system;
  a.labels = {{"alertname", "ConnectRefused"}, {"business_system", system}, {"fp", fp}};
  a.annotations = {{"summary", "refused on " + fp}};
  a.starts_at_ns = 100;
  if (status == schema::AlertStatus::kResolved) a.ends_at_ns = 200;
  return a;
}

Matcher M(const std::string& text) {
  auto m = Matcher::Parse(text);
  EXPECT_TRUE(m.ok()) << m.error();
  return *m;
}

struct Harness {
  ManualClock clock;
  std::vector<Notification> sent;
  std::map<std::string, std::string> silences;  // label value of "fp" → silence id
  std::unique_ptr<Notifier> notifier;

  void Start(NotifierConfig config, const std::vector<std::string>& receivers = {"hook"},
             ResendFn resend = nullptr) {
    NotifierOptions o;
    o.clock = &clock;
    o.start_thread = false;
    o.now_unix_ns = [] { return int64_t{42}; };
    o.silenced = [this](const Labels& l, int64_t) -> std::optional<std::string> {
      auto it = l.find("fp");
      if (it == l.end()) return std::nullopt;
      auto s = silences.find(it->second);
      if (s == silences.end()) return std::nullopt;
      return s->second;
    };
    o.resend_interval = std::move(resend);
    auto n = Notifier::Create(
        std::move(config), receivers, [this](Notification x) { sent.push_back(std::move(x)); }, o);
    ASSERT_TRUE(n.ok()) << n.error();
    notifier = std::move(*n);
  }
  void At(std::chrono::nanoseconds d) {
    clock.Advance(d);
    notifier->Tick();
  }
};

NotifierConfig Grouped(std::vector<std::string> by, milliseconds wait, milliseconds interval,
                       milliseconds repeat) {
  NotifierConfig c;
  c.route.receiver = "hook";
  c.route.group_by = std::move(by);
  c.route.group_wait = wait;
  c.route.group_interval = interval;
  c.route.repeat_interval = repeat;
  return c;
}

std::vector<std::string> Fingerprints(const Notification& n) {
  std::vector<std::string> out;
  for (const auto& a : n.alerts) out.push_back(a.fingerprint);
  return out;
}

TEST(NotifierTest, GroupsWaitGroupWaitThenOneNotificationPerGroup) {
  Harness h;
  h.Start(Grouped({"business_system"}, 30s, 5min, 4h));
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.notifier->Submit(MakeAlert("b", "pay"));
  h.notifier->Submit(MakeAlert("c", "dns"));
  h.At(29s);
  EXPECT_TRUE(h.sent.empty());
  h.At(1s);
  ASSERT_EQ(h.sent.size(), 2u);
  // Groups in key order: business_system="dns" before "pay".
  EXPECT_EQ(h.sent[0].group_key, R"({}:{business_system="dns"})");
  EXPECT_EQ(Fingerprints(h.sent[0]), std::vector<std::string>{"c"});
  EXPECT_EQ(Fingerprints(h.sent[1]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(h.sent[1].group_labels, (Labels{{"business_system", "pay"}}));
  EXPECT_EQ(h.sent[1].reason, "new");
  EXPECT_EQ(h.sent[1].receiver, "hook");
  EXPECT_EQ(h.sent[1].CommonLabels().count("fp"), 0u);
  EXPECT_EQ(h.sent[1].CommonLabels().at("business_system"), "pay");
}

TEST(NotifierTest, DuplicateRecordsChangeNothingUpdatesDo) {
  Harness h;
  h.Start(Grouped({"business_system"}, 0s, 1min, 0s));
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.At(0s);
  ASSERT_EQ(h.sent.size(), 1u);
  h.notifier->Submit(MakeAlert("a", "pay"));  // the same record again
  h.At(2min);
  EXPECT_EQ(h.sent.size(), 1u);
  schema::Alert updated = MakeAlert("a", "pay");
  updated.annotations["summary"] = "refused on a, now 14 edges";
  h.notifier->Submit(updated);
  h.At(59s);  // group_interval after the last flush has long passed: due at once
  ASSERT_EQ(h.sent.size(), 2u);
  EXPECT_EQ(h.sent[1].reason, "updated");
  EXPECT_EQ(h.sent[1].alerts[0].annotations.at("summary"), "refused on a, now 14 edges");
  std::vector<StatSample> stats;
  h.notifier->CollectStats(stats);
  bool found = false;
  for (const auto& s : stats) {
    if (s.name == "edgewatch_notifier_duplicates_total") {
      EXPECT_EQ(s.value, 1.0);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(NotifierTest, NewAlertInAFlushedGroupWaitsForGroupInterval) {
  Harness h;
  h.Start(Grouped({"business_system"}, 10s, 5min, 4h));
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.At(10s);
  ASSERT_EQ(h.sent.size(), 1u);
  h.At(1min);
  h.notifier->Submit(MakeAlert("b", "pay"));
  h.At(3min);  // 4 min after the first flush
  EXPECT_EQ(h.sent.size(), 1u);
  h.At(1min);  // 5 min
  ASSERT_EQ(h.sent.size(), 2u);
  EXPECT_EQ(Fingerprints(h.sent[1]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(h.sent[1].reason, "updated");
}

TEST(NotifierTest, RepeatIntervalRemindsOfWhatStillFires) {
  Harness h;
  h.Start(Grouped({"business_system"}, 0s, 1min, 1h));
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.At(0s);
  h.At(59min);
  EXPECT_EQ(h.sent.size(), 1u);
  h.At(1min);
  ASSERT_EQ(h.sent.size(), 2u);
  EXPECT_EQ(h.sent[1].reason, "repeat");
}

TEST(NotifierTest, ResolvedIsNotifiedOnceAndTheGroupGoes) {
  Harness h;
  h.Start(Grouped({"business_system"}, 0s, 1min, 1h));
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.notifier->Submit(MakeAlert("b", "pay"));
  h.At(0s);
  h.notifier->Submit(MakeAlert("a", "pay", schema::AlertStatus::kResolved));
  h.At(1min);
  ASSERT_EQ(h.sent.size(), 2u);
  ASSERT_EQ(h.sent[1].alerts.size(), 2u);
  EXPECT_EQ(h.sent[1].alerts[0].fingerprint, "b");  // firing first
  EXPECT_EQ(h.sent[1].alerts[1].status, schema::AlertStatus::kResolved);
  EXPECT_EQ(h.sent[1].status(), schema::AlertStatus::kFiring);
  h.notifier->Submit(MakeAlert("b", "pay", schema::AlertStatus::kResolved));
  h.At(1min);
  ASSERT_EQ(h.sent.size(), 3u);
  EXPECT_EQ(h.sent[2].status(), schema::AlertStatus::kResolved);
  EXPECT_EQ(h.sent[2].reason, "resolved");
  EXPECT_EQ(Fingerprints(h.sent[2]), std::vector<std::string>{"b"});
  h.At(2h);
  EXPECT_EQ(h.sent.size(), 3u);  // nothing left to remind of
  EXPECT_TRUE(h.notifier->Alerts().empty());
}

TEST(NotifierTest, ResolvedOfAnAlertNeverSeenFiringIsStillNotified) {
  Harness h;
  h.Start(Grouped({"..."}, 0s, 0s, 0s));
  h.notifier->Submit(MakeAlert("a", "pay", schema::AlertStatus::kResolved));
  h.At(0s);
  ASSERT_EQ(h.sent.size(), 1u);
  EXPECT_EQ(h.sent[0].status(), schema::AlertStatus::kResolved);
}

TEST(NotifierTest, RoutesThatWaitForNothingTellEveryRecordInOrder) {
  Harness h;
  NotifierConfig c = Grouped({"..."}, 0s, 0s, 0s);
  for (const char* r : {"hook", "stdout"}) {
    RouteConfig child;
    child.receiver = r;
    child.continue_matching = true;
    c.route.routes.push_back(child);
  }
  h.Start(std::move(c), {"hook", "stdout"});
  // No Tick(): firing and resolved in a row, each told to both receivers.
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.notifier->Submit(MakeAlert("a", "pay", schema::AlertStatus::kResolved));
  ASSERT_EQ(h.sent.size(), 4u);
  EXPECT_EQ(h.sent[0].status(), schema::AlertStatus::kFiring);
  EXPECT_EQ(h.sent[1].status(), schema::AlertStatus::kFiring);
  EXPECT_EQ(h.sent[2].status(), schema::AlertStatus::kResolved);
  EXPECT_EQ(h.sent[3].status(), schema::AlertStatus::kResolved);
  EXPECT_NE(h.sent[2].receiver, h.sent[3].receiver);
  EXPECT_TRUE(h.notifier->Alerts().empty());
}

TEST(NotifierTest, SendResolvedFalseLeavesResolvedOut) {
  Harness h;
  NotifierConfig c = Grouped({"..."}, 0s, 0s, 0s);
  c.send_resolved["hook"] = false;
  h.Start(std::move(c));
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.At(0s);
  h.notifier->Submit(MakeAlert("a", "pay", schema::AlertStatus::kResolved));
  h.At(1s);
  EXPECT_EQ(h.sent.size(), 1u);
}

TEST(NotifierTest, RouteTreeWithContinueAndInheritance) {
  Harness h;
  NotifierConfig c = Grouped({"business_system"}, 0s, 1min, 0s);
  RouteConfig pay;
  pay.matchers = {M(R"(business_system="pay")")};
  pay.receiver = "pay-dingtalk";
  pay.continue_matching = true;
  RouteConfig critical;
  critical.matchers = {M(R"(severity=~"crit.*")")};
  critical.receiver = "pager";
  pay.routes.push_back(critical);
  RouteConfig any_pay;
  any_pay.matchers = {M(R"(business_system=~"pay|dns")")};
  any_pay.receiver = "aiops";
  c.route.routes = {pay, any_pay};
  h.Start(std::move(c), {"hook", "pay-dingtalk", "pager", "aiops"});

  EXPECT_EQ(h.notifier->Route({{"business_system", "pay"}}),
            (std::vector<std::string>{"pay-dingtalk", "aiops"}));
  EXPECT_EQ(h.notifier->Route({{"business_system", "pay"}, {"severity", "critical"}}),
            (std::vector<std::string>{"pager", "aiops"}));
  EXPECT_EQ(h.notifier->Route({{"business_system", "dns"}}), std::vector<std::string>{"aiops"});
  EXPECT_EQ(h.notifier->Route({{"business_system", "crm"}}), std::vector<std::string>{"hook"});

  schema::Alert a = MakeAlert("a", "pay");
  a.labels["severity"] = "critical";
  h.notifier->Submit(a);
  h.At(0s);
  ASSERT_EQ(h.sent.size(), 2u);
  std::set<std::string> receivers = {h.sent[0].receiver, h.sent[1].receiver};
  EXPECT_EQ(receivers, (std::set<std::string>{"pager", "aiops"}));
  for (const auto& n : h.sent) {
    if (n.receiver == "pager") {
      EXPECT_EQ(n.group_key,
                R"({}/{business_system="pay"}/{severity=~"crit.*"}:{business_system="pay"})");
    }
  }
}

TEST(NotifierTest, RootCauseInhibitsTheSymptomsItAttached) {
  Harness h;
  h.Start(Grouped({"..."}, 0s, 0s, 0s));
  schema::Alert rc = MakeAlert("rc", "pay");
  rc.labels["kind"] = "root_cause";
  rc.root_cause.emplace();
  rc.root_cause->cause = "snat_conflict";
  schema::SymptomRef ref;
  ref.fingerprint = "s1";
  rc.root_cause->symptoms.push_back(ref);
  h.notifier->Submit(rc);
  h.notifier->Submit(MakeAlert("s1", "pay"));
  h.notifier->Submit(MakeAlert("s2", "pay"));
  h.At(0s);
  std::set<std::string> got;
  for (const auto& n : h.sent) got.insert(n.alerts.at(0).fingerprint);
  EXPECT_EQ(got, (std::set<std::string>{"rc", "s2"}));
  bool inhibited = false;
  for (const auto& v : h.notifier->Alerts()) {
    if (v.alert.fingerprint == "s1") inhibited = v.inhibited_by == "rc";
  }
  EXPECT_TRUE(inhibited);
  // The root cause resolves: the symptom still firing is no longer muted.
  rc.status = schema::AlertStatus::kResolved;
  h.notifier->Submit(rc);
  h.At(2s);
  got.clear();
  for (size_t i = 2; i < h.sent.size(); ++i) got.insert(h.sent[i].alerts.at(0).fingerprint);
  EXPECT_TRUE(got.count("s1")) << "symptom notified once the root cause is gone";
}

TEST(NotifierTest, RootCauseInhibitsSymptomsSharingItsScopeLabels) {
  Harness h;
  h.Start(Grouped({"..."}, 0s, 0s, 0s));
  schema::Alert rc = MakeAlert("rc", "pay");
  rc.labels["kind"] = "root_cause";
  rc.root_cause.emplace();
  rc.root_cause->cause = "endpoint_down";
  rc.root_cause->scope = {{"node", "node-7"}, {"server_endpoint", "10.0.0.1:7201"}};
  schema::Alert in = MakeAlert("in", "pay");
  in.labels["node"] = "node-7";
  in.labels["server"] = "10.0.0.1:7201";
  schema::Alert other_server = MakeAlert("other", "pay");
  other_server.labels["node"] = "node-7";
  other_server.labels["server"] = "10.0.0.9:7201";
  h.notifier->Submit(rc);
  h.notifier->Submit(in);
  h.notifier->Submit(other_server);
  std::set<std::string> got;
  for (const auto& n : h.sent) got.insert(n.alerts.at(0).fingerprint);
  EXPECT_EQ(got, (std::set<std::string>{"rc", "other"}));
}

TEST(NotifierTest, ScopeWithoutSymptomLabelsInhibitsByFingerprintOnly) {
  Harness h;
  h.Start(Grouped({"..."}, 0s, 0s, 0s));
  schema::Alert rc = MakeAlert("rc", "pay");
  rc.root_cause.emplace();
  rc.root_cause->scope = {{"node", "node-7"}, {"nat", "4026532"}};  // symptoms have no nat label
  schema::Alert s = MakeAlert("s", "pay");
  s.labels["node"] = "node-7";
  h.notifier->Submit(rc);
  h.notifier->Submit(s);
  ASSERT_EQ(h.sent.size(), 2u);
  EXPECT_EQ(h.sent[1].alerts.at(0).fingerprint, "s");
}

TEST(NotifierTest, InhibitRuleNeedsSourceTargetAndEqualLabels) {
  Harness h;
  NotifierConfig c = Grouped({"..."}, 0s, 0s, 0s);
  InhibitRule r;
  r.source_matchers = {M(R"(kind="root_cause")")};
  r.target_matchers = {M(R"(kind!="root_cause")")};
  r.equal = {"node"};
  c.inhibit_rules.push_back(r);
  h.Start(std::move(c));
  schema::Alert rc = MakeAlert("rc", "pay");
  rc.labels["kind"] = "root_cause";
  rc.labels["node"] = "node-7";
  schema::Alert same = MakeAlert("same", "pay");
  same.labels["node"] = "node-7";
  schema::Alert other = MakeAlert("other", "pay");
  other.labels["node"] = "node-8";
  h.notifier->Submit(rc);
  h.notifier->Submit(same);
  h.notifier->Submit(other);
  h.At(0s);
  std::set<std::string> got;
  for (const auto& n : h.sent) got.insert(n.alerts.at(0).fingerprint);
  EXPECT_EQ(got, (std::set<std::string>{"rc", "other"}));
}

TEST(NotifierTest, SilencedAlertsAreLeftOutUntilTheSilenceGoes) {
  Harness h;
  h.Start(Grouped({"business_system"}, 0s, 10s, 4h));
  h.silences["a"] = "silence-1";
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.notifier->Submit(MakeAlert("b", "pay"));
  h.At(0s);
  ASSERT_EQ(h.sent.size(), 1u);
  EXPECT_EQ(Fingerprints(h.sent[0]), std::vector<std::string>{"b"});
  auto views = h.notifier->Alerts();
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].silenced_by, "silence-1");
  h.silences.clear();  // expired
  h.At(10s);
  ASSERT_EQ(h.sent.size(), 2u);
  EXPECT_EQ(Fingerprints(h.sent[1]), (std::vector<std::string>{"a", "b"}));
}

TEST(NotifierTest, ReceiversThatForgetGetFiringGroupsAgain) {
  Harness h;
  h.Start(Grouped({"..."}, 0s, 0s, 4h), {"hook"}, [](const std::string& r) {
    return r == "hook" ? milliseconds(60'000) : milliseconds(0);
  });
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.At(0s);
  h.At(60s);
  h.At(60s);
  ASSERT_EQ(h.sent.size(), 3u);
  EXPECT_EQ(h.sent[2].reason, "repeat");
}

TEST(NotifierTest, StopFlushesGroupsStillWaiting) {
  Harness h;
  h.Start(Grouped({"business_system"}, 30s, 5min, 4h));
  h.notifier->Submit(MakeAlert("a", "pay"));
  h.notifier->Stop();
  ASSERT_EQ(h.sent.size(), 1u);
}

TEST(NotifierTest, CreateChecksTheRouteTree) {
  auto make = [](NotifierConfig c) {
    NotifierOptions o;
    o.start_thread = false;
    return Notifier::Create(
        std::move(c), {"hook"}, [](const Notification&) {}, o);
  };
  NotifierConfig none;
  none.route.where = "alerting.yaml:3:1";
  auto r1 = make(none);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error(), "alerting.yaml:3:1: no receiver (the root route must name one)");

  NotifierConfig unknown = Grouped({}, 0s, 0s, 0s);
  RouteConfig child;
  child.receiver = "nope";
  child.where = "alerting.yaml:9:7";
  unknown.route.routes.push_back(child);
  auto r2 = make(unknown);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error(), "alerting.yaml:9:7: receiver \"nope\" is not defined under receivers");

  NotifierConfig all_plus = Grouped({"...", "node"}, 0s, 0s, 0s);
  auto r3 = make(all_plus);
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.error().find("must be alone"), std::string::npos) << r3.error();

  NotifierConfig negative = Grouped({}, -1s, 0s, 0s);
  auto r4 = make(negative);
  ASSERT_FALSE(r4.ok());
  EXPECT_NE(r4.error().find("group_wait must not be negative"), std::string::npos) << r4.error();
}

TEST(NotifierTest, ThreadFlushesOnItsOwn) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Notification> sent;
  auto n = Notifier::Create(Grouped({"..."}, 50ms, 1s, 0s), {"hook"}, [&](Notification x) {
    std::lock_guard lock(mu);
    sent.push_back(std::move(x));
    cv.notify_all();
  });
  ASSERT_TRUE(n.ok()) << n.error();
  (*n)->Submit(MakeAlert("a", "pay"));
  std::unique_lock lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, 10s, [&] { return !sent.empty(); }));
}

}  // namespace
}  // namespace edgewatch::alerting
