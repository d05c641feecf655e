#include "alerting/dispatcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace edgewatch::alerting {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Time stands still until a waiter asks to sleep; then it jumps to the wake-up time at once and
// the sleep is recorded. Backoff schedules of minutes run in microseconds.
class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(nanoseconds(now_ns_.load())); }

  bool WaitUntil(std::unique_lock<std::mutex>& /*lock*/, std::condition_variable& /*cv*/,
                 TimePoint until, const std::function<bool()>& wake) override {
    if (wake()) {
      return true;
    }
    const TimePoint now = Now();
    if (until > now) {
      std::lock_guard lock(mu_);
      sleeps_.push_back(until - now);
      now_ns_.store(nanoseconds(until.time_since_epoch()).count());
    }
    return wake();
  }

  std::vector<nanoseconds> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  std::atomic<int64_t> now_ns_{1'000'000'000};
  mutable std::mutex mu_;
  std::vector<nanoseconds> sleeps_;
};

// A receiver that answers from a script (then `then`), counts calls and can be held in
// Deliver() until released or aborted.
class ScriptedReceiver final : public Receiver {
 public:
  explicit ScriptedReceiver(std::string name, DeliveryStatus then = DeliveryStatus::Delivered())
      : name_(std::move(name)), then_(std::move(then)) {}

  const std::string& name() const override { return name_; }

  void Script(std::vector<DeliveryStatus> answers) {
    std::lock_guard lock(mu_);
    script_.assign(answers.begin(), answers.end());
  }
  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }

  size_t max_batch() const override { return max_batch_; }
  RateLimit rate_limit() const override { return limit_; }
  void SetBatching(size_t max_batch, RateLimit limit) {
    max_batch_ = max_batch;
    limit_ = limit;
  }

  DeliveryStatus Deliver(const NotificationBatch& batch) override {
    std::unique_lock lock(mu_);
    ++calls_;
    batch_sizes_.push_back(batch.size());
    in_deliver_ = true;
    cv_.notify_all();
    // Bounded: a broken test fails instead of hanging.
    cv_.wait_for(lock, 10s, [&] { return !held_ || aborted_; });
    in_deliver_ = false;
    if (aborted_) {
      return DeliveryStatus::Retryable("aborted");
    }
    for (const auto& n : batch) delivered_.push_back(n->alerts.at(0).fingerprint);
    if (script_.empty()) {
      return then_;
    }
    DeliveryStatus answer = script_.front();
    script_.pop_front();
    return answer;
  }

  void Abort() override {
    {
      std::lock_guard lock(mu_);
      aborted_ = true;
    }
    cv_.notify_all();
  }

  // Waits (bounded) until a Deliver() call is in progress.
  bool AwaitInDeliver() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return in_deliver_; });
  }

  int calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  bool aborted() const {
    std::lock_guard lock(mu_);
    return aborted_;
  }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  std::vector<size_t> batch_sizes() const {
    std::lock_guard lock(mu_);
    return batch_sizes_;
  }

 private:
  const std::string name_;
  const DeliveryStatus then_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<DeliveryStatus> script_;
  bool held_ = false;
  bool aborted_ = false;
  bool in_deliver_ = false;
  int calls_ = 0;
  std::vector<std::string> delivered_;
  std::vector<size_t> batch_sizes_;
  size_t max_batch_ = 1;
  RateLimit limit_;
};

class LogCapture {
 public:
  LogFn Fn() {
    return [this](std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(line);
    };
  }
  int Count(std::string_view needle) const {
    std::lock_guard lock(mu_);
    return static_cast<int>(std::count_if(lines_.begin(), lines_.end(), [&](const std::string& l) {
      return l.find(needle) != std::string::npos;
    }));
  }
  std::string All() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& l : lines_) {
      out += l + "\n";
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// A notification of one alert, for every receiver (receiver left empty).
Notification MakeAlert(int i) {
  schema::Alert a;
  a.fingerprint = "fp" + std::to_string(i);
  a.rule = "edge_connect_failures";
  Notification n;
  n.group_key = "{}:{fp=\"" + a.fingerprint + "\"}";
  n.alerts.push_back(a);
  return n;
}

// Polls `done` for up to 5s; the tests' only waits that are not event-driven.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 5000; ++i) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

struct Harness {
  FakeClock clock;
  LogCapture log;
  std::vector<ScriptedReceiver*> receivers;
  std::unique_ptr<Dispatcher> dispatcher;

  void Start(const DispatcherConfig& config, std::vector<std::unique_ptr<ScriptedReceiver>> owned,
             Clock* clock_override = nullptr) {
    std::vector<std::unique_ptr<Receiver>> list;
    for (auto& r : owned) {
      receivers.push_back(r.get());
      list.push_back(std::move(r));
    }
    DispatcherOptions options;
    options.clock = clock_override != nullptr ? clock_override : &clock;
    options.log = log.Fn();
    options.jitter_seed = 7;
    auto created = Dispatcher::Create(config, std::move(list), options);
    ASSERT_TRUE(created.ok()) << created.error();
    dispatcher = std::move(created).value();
  }

  // Flush with a deadline far beyond any backoff: returns once every queue is worked off.
  uint64_t Drain() { return dispatcher->Stop(clock.Now() + 24h); }
};

DispatcherConfig NoJitter() {
  DispatcherConfig config;
  config.retry.jitter = 0;
  return config;
}

std::vector<std::unique_ptr<ScriptedReceiver>> One(std::unique_ptr<ScriptedReceiver> r) {
  std::vector<std::unique_ptr<ScriptedReceiver>> v;
  v.push_back(std::move(r));
  return v;
}

TEST(DispatcherTest, RetriesFollowTheBackoffScheduleOnTheClock) {
  Harness h;
  auto receiver = std::make_unique<ScriptedReceiver>("hook");
  receiver->Script({DeliveryStatus::Retryable("503"), DeliveryStatus::Retryable("503"),
                    DeliveryStatus::Retryable("timeout"), DeliveryStatus::Retryable("503"),
                    DeliveryStatus::Retryable("503")});
  h.Start(NoJitter(), One(std::move(receiver)));

  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(1)));
  EXPECT_EQ(h.Drain(), 0u);

  const std::vector<nanoseconds> want = {500ms, 1s, 2s, 4s, 8s};
  EXPECT_EQ(h.clock.sleeps(), want);
  const ReceiverProbe& p = h.dispatcher->probe(0);
  EXPECT_EQ(p.delivered(), 1u);
  EXPECT_EQ(p.failed_attempts(), 5u);
  EXPECT_EQ(p.retries(), 5u);
  EXPECT_EQ(h.receivers[0]->calls(), 6);
  EXPECT_EQ(h.log.Count("retrying with backoff"), 1) << h.log.All();
  EXPECT_EQ(h.log.Count("delivering again"), 1) << h.log.All();
}

TEST(DispatcherTest, GivesUpAfterMaxAttemptsCountsAndSaysSoOnce) {
  Harness h;
  DispatcherConfig config = NoJitter();
  config.retry.max_attempts = 8;
  h.Start(config,
          One(std::make_unique<ScriptedReceiver>("hook", DeliveryStatus::Retryable("HTTP 503"))));

  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(1)));
  EXPECT_EQ(h.Drain(), 0u);

  const std::vector<nanoseconds> want = {500ms, 1s, 2s, 4s, 8s, 16s, 30s};
  EXPECT_EQ(h.clock.sleeps(), want);
  const ReceiverProbe& p = h.dispatcher->probe(0);
  EXPECT_EQ(h.receivers[0]->calls(), 8);
  EXPECT_EQ(p.failed_attempts(), 8u);
  EXPECT_EQ(p.retries(), 7u);
  EXPECT_EQ(p.delivered(), 0u);
  EXPECT_EQ(p.dropped(DropReason::kGaveUp), 1u);
  EXPECT_EQ(h.log.Count("gave up on notification of group {}:{fp=\"fp1\"}"), 1) << h.log.All();
  EXPECT_EQ(h.log.Count("after 8 attempts: HTTP 503"), 1) << h.log.All();
}

TEST(DispatcherTest, MaxAttemptsIsConfigurable) {
  Harness h;
  DispatcherConfig config = NoJitter();
  config.retry.max_attempts = 3;
  h.Start(config, One(std::make_unique<ScriptedReceiver>("hook", DeliveryStatus::Retryable("x"))));
  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(1)));
  h.Drain();
  EXPECT_EQ(h.receivers[0]->calls(), 3);
  EXPECT_EQ(h.dispatcher->probe(0).dropped(DropReason::kGaveUp), 1u);
}

TEST(DispatcherTest, JitteredWaitsStayWithinBounds) {
  Harness h;
  DispatcherConfig config;  // jitter 0.2
  config.retry.max_attempts = 8;
  h.Start(config, One(std::make_unique<ScriptedReceiver>("hook", DeliveryStatus::Retryable("x"))));
  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(1)));
  h.Drain();
  const std::vector<nanoseconds> sleeps = h.clock.sleeps();
  ASSERT_EQ(sleeps.size(), 7u);
  for (size_t i = 0; i < sleeps.size(); ++i) {
    const nanoseconds base = BaseBackoff(config.retry, static_cast<uint32_t>(i + 1));
    EXPECT_GE(sleeps[i], base * 8 / 10) << i;
    EXPECT_LE(sleeps[i], std::min<nanoseconds>(base * 12 / 10, 30s)) << i;
  }
}

TEST(DispatcherTest, PermanentFailureIsNotRetried) {
  Harness h;
  h.Start(NoJitter(), One(std::make_unique<ScriptedReceiver>(
                          "hook", DeliveryStatus::Permanent("HTTP 400, response body \"bad\""))));
  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(1)));
  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(2)));
  EXPECT_EQ(h.Drain(), 0u);

  const ReceiverProbe& p = h.dispatcher->probe(0);
  EXPECT_EQ(h.receivers[0]->calls(), 2);
  EXPECT_TRUE(h.clock.sleeps().empty());
  EXPECT_EQ(p.failed_attempts(), 2u);
  EXPECT_EQ(p.retries(), 0u);
  EXPECT_EQ(p.dropped(DropReason::kRejected), 2u);
  EXPECT_EQ(h.log.Count("notification of group {}:{fp=\"fp1\"} (1 alert, firing) rejected, "
                        "not retried: HTTP 400, response body \"bad\""),
            1)
      << h.log.All();
}

TEST(DispatcherTest, FullQueueDropsCountsAndNeverBlocks) {
  Harness h;
  DispatcherConfig config = NoJitter();
  config.queue_capacity = 4;
  auto receiver = std::make_unique<ScriptedReceiver>("hook");
  receiver->Hold();
  h.Start(config, One(std::move(receiver)));
  ScriptedReceiver& r = *h.receivers[0];

  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(0)));
  ASSERT_TRUE(r.AwaitInDeliver());  // the worker holds alert 0; the queue is empty again
  for (int i = 1; i <= 4; ++i) {
    EXPECT_TRUE(h.dispatcher->Submit(MakeAlert(i))) << i;
  }
  EXPECT_EQ(h.dispatcher->queue_length(0), 4u);

  const auto before = std::chrono::steady_clock::now();
  for (int i = 5; i <= 7; ++i) {
    EXPECT_FALSE(h.dispatcher->Submit(MakeAlert(i))) << i;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);  // dropped, not waited

  EXPECT_EQ(h.dispatcher->probe(0).dropped(DropReason::kQueueFull), 3u);
  EXPECT_EQ(h.log.Count("queue full (4 notifications)"), 1) << h.log.All();  // said once

  r.Release();
  EXPECT_EQ(h.Drain(), 0u);
  EXPECT_EQ(h.dispatcher->probe(0).delivered(), 5u);
  EXPECT_EQ(r.seen(), (std::vector<std::string>{"fp0", "fp1", "fp2", "fp3", "fp4"}));
}

TEST(DispatcherTest, SlowReceiverDelaysNobodyElse) {
  Harness h;
  auto slow = std::make_unique<ScriptedReceiver>("slow");
  slow->Hold();
  std::vector<std::unique_ptr<ScriptedReceiver>> owned;
  owned.push_back(std::move(slow));
  owned.push_back(std::make_unique<ScriptedReceiver>("fast"));
  h.Start(NoJitter(), std::move(owned));

  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(i)));
  }
  EXPECT_TRUE(Eventually([&] { return h.dispatcher->probe(1).delivered() == 10; }));
  EXPECT_EQ(h.dispatcher->probe(0).delivered(), 0u);

  h.receivers[0]->Release();
  EXPECT_EQ(h.Drain(), 0u);
  EXPECT_EQ(h.dispatcher->probe(0).delivered(), 10u);
}

TEST(DispatcherTest, StopFlushesEverythingQueuedIncludingRetries) {
  Harness h;
  auto receiver = std::make_unique<ScriptedReceiver>("hook");
  receiver->Hold();  // so that Stop() finds a full queue
  receiver->Script({DeliveryStatus::Retryable("503"), DeliveryStatus::Retryable("503")});
  h.Start(NoJitter(), One(std::move(receiver)));

  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(i)));
  }
  ASSERT_TRUE(h.receivers[0]->AwaitInDeliver());
  h.receivers[0]->Release();
  EXPECT_EQ(h.dispatcher->Stop(h.clock.Now() + 10s), 0u);

  const ReceiverProbe& p = h.dispatcher->probe(0);
  EXPECT_EQ(p.delivered(), 100u);
  EXPECT_EQ(p.retries(), 2u);
  EXPECT_EQ(p.dropped(DropReason::kShutdown), 0u);
  EXPECT_EQ(h.dispatcher->queue_length(0), 0u);
  EXPECT_EQ(h.log.Count("undelivered"), 0) << h.log.All();
}

TEST(DispatcherTest, StopGivesUpWhenTheNextRetryIsPastTheDeadline) {
  Harness h;
  auto receiver = std::make_unique<ScriptedReceiver>("hook", DeliveryStatus::Retryable("down"));
  receiver->Hold();  // keeps the clock still until Stop() has set the deadline
  h.Start(NoJitter(), One(std::move(receiver)));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(i)));
  }
  ASSERT_TRUE(h.receivers[0]->AwaitInDeliver());

  uint64_t undelivered = 0;
  const Clock::TimePoint deadline = h.clock.Now() + 1800ms;
  std::thread stopper([&] { undelivered = h.dispatcher->Stop(deadline); });
  ASSERT_TRUE(Eventually([&] { return h.dispatcher->stopping(); }));
  h.receivers[0]->Release();
  stopper.join();

  // Alert 0: attempts at +0, +0.5s, +1.5s; the next (+3.5s) is past the deadline. Alerts 1 and
  // 2: one attempt each at +1.5s, whose first retry (+2s) is past it too.
  EXPECT_EQ(undelivered, 3u);
  EXPECT_EQ(h.receivers[0]->calls(), 5);
  const ReceiverProbe& p = h.dispatcher->probe(0);
  EXPECT_EQ(p.dropped(DropReason::kShutdown), 3u);
  EXPECT_EQ(p.dropped(DropReason::kGaveUp), 0u);
  EXPECT_EQ(h.log.Count("3 notification(s) undelivered at shutdown"), 1) << h.log.All();
}

TEST(DispatcherTest, StopAbortsADeliveryThatOutlivesTheDeadline) {
  Harness h;
  auto receiver = std::make_unique<ScriptedReceiver>("hook");
  receiver->Hold();  // released only by Abort()
  h.Start(NoJitter(), One(std::move(receiver)), &SystemClock::Get());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(i)));
  }
  ASSERT_TRUE(h.receivers[0]->AwaitInDeliver());

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(h.dispatcher->Stop(SystemClock::Get().Now() + 50ms), 3u);  // 1 in flight + 2 queued
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 40ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(h.receivers[0]->aborted());
  const ReceiverProbe& p = h.dispatcher->probe(0);
  EXPECT_EQ(p.dropped(DropReason::kShutdown), 3u);
  EXPECT_EQ(p.failed_attempts(), 0u);  // the abort is ours, not the receiver's failure
}

TEST(DispatcherTest, StopInterruptsALongBackoffWait) {
  Harness h;
  DispatcherConfig config = NoJitter();
  config.retry.initial_backoff = 10s;
  h.Start(config, One(std::make_unique<ScriptedReceiver>("hook", DeliveryStatus::Retryable("x"))),
          &SystemClock::Get());
  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(1)));
  ASSERT_TRUE(Eventually([&] { return h.dispatcher->probe(0).failed_attempts() == 1; }));

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(h.dispatcher->Stop(SystemClock::Get().Now() + 5s), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(h.dispatcher->probe(0).dropped(DropReason::kShutdown), 1u);
}

TEST(DispatcherTest, SubmitAfterStopIsDroppedAsShutdown) {
  Harness h;
  h.Start(NoJitter(), One(std::make_unique<ScriptedReceiver>("hook")));
  EXPECT_EQ(h.Drain(), 0u);
  EXPECT_FALSE(h.dispatcher->Submit(MakeAlert(1)));
  EXPECT_EQ(h.dispatcher->probe(0).dropped(DropReason::kShutdown), 1u);
  EXPECT_EQ(h.dispatcher->Stop(h.clock.Now()), 0u);  // idempotent
}

TEST(DispatcherTest, DestructorWithoutStopDoesNotWaitForAHeldDelivery) {
  Harness h;
  auto receiver = std::make_unique<ScriptedReceiver>("hook");
  receiver->Hold();
  h.Start(NoJitter(), One(std::move(receiver)), &SystemClock::Get());
  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(1)));
  ASSERT_TRUE(h.receivers[0]->AwaitInDeliver());
  const auto start = std::chrono::steady_clock::now();
  h.dispatcher.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(DispatcherTest, StatsArePerReceiverWithClosedLabelSets) {
  Harness h;
  std::vector<std::unique_ptr<ScriptedReceiver>> owned;
  owned.push_back(std::make_unique<ScriptedReceiver>("stdout"));
  owned.push_back(
      std::make_unique<ScriptedReceiver>("ops-webhook", DeliveryStatus::Permanent("HTTP 404")));
  h.Start(NoJitter(), std::move(owned));
  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(1)));
  h.Drain();

  std::vector<StatSample> samples;
  h.dispatcher->CollectStats(samples);
  std::map<std::string, double> by_key;
  for (const auto& s : samples) {
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) {
      key.append(",").append(k).append("=").append(v);
    }
    EXPECT_TRUE(by_key.emplace(key, s.value).second) << "duplicate series " << key;
    EXPECT_EQ(s.name.rfind("edgewatch_alerting_", 0), 0u) << s.name;
    EXPECT_FALSE(s.help.empty()) << s.name;
  }
  EXPECT_EQ(by_key.at("edgewatch_alerting_submitted_total"), 1);
  EXPECT_EQ(by_key.at("edgewatch_alerting_delivered_total,receiver=stdout"), 1);
  EXPECT_EQ(by_key.at("edgewatch_alerting_delivered_total,receiver=ops-webhook"), 0);
  EXPECT_EQ(by_key.at("edgewatch_alerting_failed_attempts_total,receiver=ops-webhook"), 1);
  EXPECT_EQ(by_key.at("edgewatch_alerting_retries_total,receiver=ops-webhook"), 0);
  EXPECT_EQ(by_key.at("edgewatch_alerting_dropped_total,receiver=ops-webhook,reason=rejected"), 1);
  for (const char* reason : {"queue_full", "gave_up", "shutdown"}) {
    EXPECT_EQ(
        by_key.at(std::string("edgewatch_alerting_dropped_total,receiver=stdout,reason=") + reason),
        0);
  }
  EXPECT_EQ(by_key.at("edgewatch_alerting_queue_length,receiver=stdout"), 0);
  EXPECT_EQ(by_key.at("edgewatch_alerting_unrouted_total"), 0);
  EXPECT_EQ(by_key.at("edgewatch_alerting_spool_errors_total,receiver=stdout"), 0);
  EXPECT_EQ(samples.size(), 2u + 2u * 11u);
}

TEST(DispatcherTest, CreateValidatesConfigAndReceiverNames) {
  auto make = [](const std::vector<std::string>& names, const DispatcherConfig& config = {}) {
    std::vector<std::unique_ptr<Receiver>> list;
    list.reserve(names.size());
    for (const auto& n : names) {
      list.push_back(std::make_unique<ScriptedReceiver>(n));
    }
    return Dispatcher::Create(config, std::move(list));
  };
  EXPECT_TRUE(make({"stdout", "webhook"}).ok());

  auto dup = make({"hook", "hook"});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().find("used twice"), std::string::npos) << dup.error();

  EXPECT_FALSE(make({""}).ok());
  EXPECT_FALSE(make({"has space"}).ok());
  EXPECT_FALSE(make({"quote\""}).ok());
  EXPECT_FALSE(make({}).ok());

  DispatcherConfig zero;
  zero.queue_capacity = 0;
  auto bad = make({"hook"}, zero);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("alerting.queue_capacity"), std::string::npos) << bad.error();

  DispatcherConfig negative;
  negative.retry.give_up_after = std::chrono::milliseconds(-1);
  auto bad2 = make({"hook"}, negative);
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.error().find("alerting.retry.give_up_after"), std::string::npos) << bad2.error();
}

TEST(DispatcherTest, ConcurrentSubmittersAreAllAccountedFor) {
  Harness h;
  DispatcherConfig config = NoJitter();
  config.queue_capacity = 64;
  h.Start(config, One(std::make_unique<ScriptedReceiver>("hook")));
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        (void)h.dispatcher->Submit(MakeAlert(t * 1000 + i));
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(h.Drain(), 0u);
  const ReceiverProbe& p = h.dispatcher->probe(0);
  EXPECT_EQ(p.delivered() + p.dropped(DropReason::kQueueFull), 2000u);
}

TEST(DispatcherTest, NotificationsGoOnlyToTheirReceiver) {
  Harness h;
  std::vector<std::unique_ptr<ScriptedReceiver>> owned;
  owned.push_back(std::make_unique<ScriptedReceiver>("a"));
  owned.push_back(std::make_unique<ScriptedReceiver>("b"));
  h.Start(NoJitter(), std::move(owned));
  Notification n = MakeAlert(1);
  n.receiver = "b";
  ASSERT_TRUE(h.dispatcher->Submit(n));
  n.receiver = "nobody";
  EXPECT_FALSE(h.dispatcher->Submit(n));
  h.Drain();
  EXPECT_EQ(h.receivers[0]->calls(), 0);
  EXPECT_EQ(h.receivers[1]->seen(), std::vector<std::string>{"fp1"});
}

TEST(DispatcherTest, RateLimitedReceiverGetsWhatQueuedUpAsOneBatch) {
  Harness h;
  auto receiver = std::make_unique<ScriptedReceiver>("dingtalk");
  receiver->SetBatching(10, RateLimit{2, std::chrono::minutes(1)});
  receiver->Hold();
  h.Start(NoJitter(), One(std::move(receiver)));
  // The first takes a token and is held in Deliver() while 12 more queue up.
  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(0)));
  ASSERT_TRUE(h.receivers[0]->AwaitInDeliver());
  for (int i = 1; i <= 12; ++i) ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(i)));
  h.receivers[0]->Release();
  EXPECT_EQ(h.Drain(), 0u);
  // 1, then the second token at once: 10 in one delivery; the third token 30 s later: 2.
  EXPECT_EQ(h.receivers[0]->batch_sizes(), (std::vector<size_t>{1, 10, 2}));
  EXPECT_EQ(h.dispatcher->probe(0).delivered(), 13u);
  ASSERT_EQ(h.clock.sleeps().size(), 1u);
  EXPECT_NEAR(std::chrono::duration<double>(h.clock.sleeps()[0]).count(), 30.0, 0.01);
}

TEST(DispatcherTest, SpoolKeepsWhatWasPendingForTheNextStart) {
  const std::string dir = ::testing::TempDir() + "/spool-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  DispatcherConfig config = NoJitter();
  config.spool_dir = dir;
  {
    Harness h;
    auto receiver = std::make_unique<ScriptedReceiver>("hook", DeliveryStatus::Retryable("down"));
    receiver->Hold();  // a receiver hanging until the shutdown deadline
    h.Start(config, One(std::move(receiver)));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(i)));
    ASSERT_TRUE(h.receivers[0]->AwaitInDeliver());
    // Stop at once: nothing is delivered; with a spool nothing is dropped either.
    EXPECT_EQ(h.dispatcher->Stop(h.clock.Now()), 3u);
    EXPECT_EQ(h.dispatcher->probe(0).dropped(DropReason::kShutdown), 0u);
    EXPECT_EQ(h.log.Count("kept in the spool"), 1) << h.log.All();
  }
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/hook")) {
    files += e.path().extension() == ".json" ? 1 : 0;
  }
  EXPECT_EQ(files, 3u);
  {
    // A garbage file is set aside, not fatal.
    std::ofstream(dir + "/hook/99.json") << "{not json";
    Harness h;
    h.Start(config, One(std::make_unique<ScriptedReceiver>("hook")));
    EXPECT_EQ(h.Drain(), 0u);
    EXPECT_EQ(h.receivers[0]->seen(), (std::vector<std::string>{"fp0", "fp1", "fp2"}));
    EXPECT_EQ(h.log.Count("3 notification(s) pending from the last run"), 1) << h.log.All();
    EXPECT_EQ(h.log.Count("is unreadable, set aside as .bad"), 1) << h.log.All();
  }
  files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/hook")) {
    files += e.path().extension() == ".json" ? 1 : 0;
  }
  EXPECT_EQ(files, 0u) << "delivered notifications leave the spool";
  EXPECT_TRUE(std::filesystem::exists(dir + "/hook/99.json.bad"));
  std::filesystem::remove_all(dir);
}

TEST(DispatcherTest, GiveUpAfterBoundsAnEndlessOutage) {
  Harness h;
  DispatcherConfig config = NoJitter();
  config.retry.give_up_after = std::chrono::minutes(5);
  h.Start(config, One(std::make_unique<ScriptedReceiver>("hook", DeliveryStatus::Retryable("x"))));
  ASSERT_TRUE(h.dispatcher->Submit(MakeAlert(1)));
  h.Drain();
  // Attempts at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s, then every 30 s: the one at 301.5 s, the
  // 16th, is the first to fail 5 min or more after the first.
  EXPECT_EQ(h.dispatcher->probe(0).dropped(DropReason::kGaveUp), 1u);
  EXPECT_EQ(h.receivers[0]->calls(), 16);
}

}  // namespace
}  // namespace edgewatch::alerting
