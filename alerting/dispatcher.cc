#include "alerting/dispatcher.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>

namespace edgewatch::alerting {

namespace {

using AlertPtr = std::shared_ptr<const schema::Alert>;

bool IsNameChar(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '-' || ch == '.';
}

std::string Describe(const schema::Alert& alert) {
  return "alert " + alert.fingerprint + " (rule " + alert.rule + ", " +
         schema::AlertStatusName(alert.status) + ")";
}

}  // namespace

void LogToStderr(std::string_view line) {
  std::string out = "edgewatch: ";
  out.append(line).push_back('\n');
  std::fwrite(out.data(), 1, out.size(), stderr);  // one call: lines from threads do not mix
}

std::optional<Error> DispatcherConfig::Validate() const {
  if (queue_capacity < 1) {
    return Err("alerting.queue_capacity: must be at least 1 (got 0)");
  }
  return retry.Validate();
}

// One receiver's queue, worker thread and counters.
class Dispatcher::Lane {
 public:
  Lane(std::unique_ptr<Receiver> receiver, const DispatcherConfig& config,
       const DispatcherOptions& options, uint64_t seed)
      : receiver_(std::move(receiver)),
        capacity_(config.queue_capacity),
        max_attempts_(config.retry.max_attempts),
        clock_(*options.clock),
        log_(options.log),
        backoff_(config.retry, seed),
        prefix_("alerting: receiver \"" + receiver_->name() + "\": ") {}

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  const std::string& name() const { return receiver_->name(); }
  const ReceiverProbe& probe() const { return probe_; }

  size_t QueueLength() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

  // Submit() side: never waits for the worker.
  bool Push(const AlertPtr& alert) {
    DropReason reason = DropReason::kQueueFull;
    {
      std::lock_guard lock(mu_);
      if (!stopping_ && queue_.size() < capacity_) {
        queue_.push_back(alert);
        cv_.notify_one();
        return true;
      }
      if (stopping_) {
        reason = DropReason::kShutdown;
      }
    }
    probe_.Dropped(reason);
    if (reason == DropReason::kQueueFull && !queue_full_logged_.exchange(true)) {
      log_(prefix_ + "queue full (" + std::to_string(capacity_) +
           " alerts), dropping new alerts; this is said once, later drops are counted in "
           "edgewatch_alerting_dropped_total{reason=\"queue_full\"}");
    }
    return false;
  }

  void RequestStop(Clock::TimePoint deadline) {
    std::lock_guard lock(mu_);
    stopping_ = true;
    deadline_ = deadline;
    cv_.notify_all();
  }

  // Waits until the worker has exited or `real_deadline` (steady_clock) has passed.
  bool AwaitExit(std::chrono::steady_clock::time_point real_deadline) {
    std::unique_lock lock(mu_);
    return exited_cv_.wait_until(lock, real_deadline, [&] { return exited_; });
  }

  void Abort() {
    {
      // Set first, so that the worker reading the receiver's "aborted" failure finds it.
      std::lock_guard lock(mu_);
      aborted_ = true;
      cv_.notify_all();
    }
    receiver_->Abort();
  }

  // Joins the worker; returns how many alerts it left undelivered at shutdown.
  uint64_t Join() {
    if (thread_.joinable()) {
      thread_.join();
    }
    if (undelivered_ > 0) {
      log_(prefix_ + std::to_string(undelivered_) +
           " alert(s) undelivered at shutdown (edgewatch_alerting_dropped_total"
           "{reason=\"shutdown\"})");
    }
    return undelivered_;
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) {
        break;  // stopping, and everything delivered
      }
      if (aborted_ || (stopping_ && clock_.Now() >= deadline_)) {
        break;
      }
      AlertPtr alert = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      DeliverWithRetries(*alert);
      lock.lock();
    }
    if (!queue_.empty()) {
      undelivered_ += queue_.size();
      probe_.Dropped(DropReason::kShutdown, queue_.size());
      queue_.clear();
    }
    exited_ = true;
    exited_cv_.notify_all();
  }

  // Called without mu_ held: receivers and the log may be slow, and Submit() must not wait.
  void DeliverWithRetries(const schema::Alert& alert) {
    for (uint32_t attempt = 1;; ++attempt) {
      const DeliveryStatus status = receiver_->Deliver(alert);
      if (status.ok()) {
        probe_.Delivered();
        if (failing_) {
          log_(prefix_ + "delivering again");
          failing_ = false;
        }
        return;
      }
      if (!status.retryable()) {
        probe_.FailedAttempt();
        probe_.Dropped(DropReason::kRejected);
        log_(prefix_ + Describe(alert) + " rejected, not retried: " + status.message());
        return;
      }
      if (Aborted()) {  // our own doing (Stop() ran out of time), not the receiver's failure
        ++undelivered_;
        probe_.Dropped(DropReason::kShutdown);
        return;
      }
      probe_.FailedAttempt();
      if (attempt >= max_attempts_) {
        probe_.Dropped(DropReason::kGaveUp);
        log_(prefix_ + "gave up on " + Describe(alert) + " after " + std::to_string(attempt) +
             " attempts: " + status.message());
        return;
      }
      if (!failing_) {
        // Said when the receiver starts failing, not per attempt; "delivering again" ends it.
        log_(prefix_ + "delivery failed, retrying with backoff: " + status.message());
        failing_ = true;
      }
      std::unique_lock lock(mu_);
      if (!WaitForRetry(clock_.Now() + backoff_.Delay(attempt), lock)) {
        ++undelivered_;
        probe_.Dropped(DropReason::kShutdown);
        return;
      }
      probe_.Retry();
    }
  }

  bool Aborted() const {
    std::lock_guard lock(mu_);
    return aborted_;
  }

  // Sleeps until `retry_at`. False when the retry must not happen: aborted, or shutting down
  // and the retry would come at or after the deadline.
  bool WaitForRetry(Clock::TimePoint retry_at, std::unique_lock<std::mutex>& lock) {
    while (true) {
      if (aborted_) {
        return false;
      }
      const Clock::TimePoint now = clock_.Now();
      if (stopping_ && (now >= deadline_ || retry_at >= deadline_)) {
        return false;
      }
      if (now >= retry_at) {
        return true;
      }
      const bool was_stopping = stopping_;
      clock_.WaitUntil(lock, cv_, retry_at, [&] { return aborted_ || stopping_ != was_stopping; });
    }
  }

  const std::unique_ptr<Receiver> receiver_;
  const size_t capacity_;
  const uint32_t max_attempts_;
  Clock& clock_;
  const LogFn log_;
  ReceiverProbe probe_;
  std::atomic<bool> queue_full_logged_{false};

  mutable std::mutex mu_;
  std::condition_variable cv_;                           // worker waits: new alert, stop, abort
  std::condition_variable exited_cv_;                    // Stop() waits: worker gone
  std::deque<AlertPtr> queue_;                           // guarded by mu_
  bool stopping_ = false;                                // guarded by mu_
  bool aborted_ = false;                                 // guarded by mu_
  bool exited_ = false;                                  // guarded by mu_
  Clock::TimePoint deadline_ = Clock::TimePoint::max();  // guarded by mu_

  // Worker-only state (read by Join() after the worker has exited).
  Backoff backoff_;
  bool failing_ = false;
  uint64_t undelivered_ = 0;
  const std::string prefix_;
  std::thread thread_;
};

Result<std::unique_ptr<Dispatcher>> Dispatcher::Create(
    DispatcherConfig config, std::vector<std::unique_ptr<Receiver>> receivers,
    DispatcherOptions options) {
  if (auto error = config.Validate()) {
    return *error;
  }
  if (options.clock == nullptr) {
    return Err("alerting: no clock given");
  }
  if (!options.log) {
    options.log = LogToStderr;
  }
  if (receivers.empty()) {
    return Err("alerting.receivers: at least one receiver is required");
  }
  std::set<std::string, std::less<>> names;
  for (const auto& receiver : receivers) {
    if (receiver == nullptr) {
      return Err("alerting.receivers: null receiver");
    }
    const std::string& name = receiver->name();
    if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), IsNameChar)) {
      return Err("alerting.receivers: name \"" + name +
                 "\" must be 1-64 letters, digits, '_', '-' or '.' (it is a metric label)");
    }
    if (!names.insert(name).second) {
      return Err("alerting.receivers: name \"" + name + "\" is used twice; names must be unique");
    }
  }

  const uint64_t seed = options.jitter_seed.value_or(std::random_device{}());
  std::unique_ptr<Dispatcher> dispatcher(new Dispatcher(config, std::move(options)));
  for (size_t i = 0; i < receivers.size(); ++i) {
    dispatcher->lanes_.push_back(std::make_unique<Lane>(
        std::move(receivers[i]), dispatcher->config_, dispatcher->options_, seed + i));
  }
  for (auto& lane : dispatcher->lanes_) {
    lane->Start();
  }
  return dispatcher;
}

Dispatcher::Dispatcher(const DispatcherConfig& config, DispatcherOptions options)
    : config_(config), options_(std::move(options)) {}

Dispatcher::~Dispatcher() { Stop(options_.clock->Now()); }

bool Dispatcher::Submit(schema::Alert alert) {
  submitted_.Add();
  const AlertPtr shared = std::make_shared<const schema::Alert>(std::move(alert));
  bool all = true;
  for (auto& lane : lanes_) {
    all = lane->Push(shared) && all;
  }
  return all;
}

uint64_t Dispatcher::Stop(Clock::TimePoint deadline) {
  std::lock_guard stop_lock(stop_mu_);
  if (stopped_) {
    return 0;
  }
  stopped_ = true;

  for (auto& lane : lanes_) {
    lane->RequestStop(deadline);
  }
  stopping_.store(true);

  // Workers keep to the deadline on their own, except inside Receiver::Deliver(). This watchdog
  // waits in real time for what is left on the dispatcher's clock (a fake clock in tests drives
  // only the backoff waits), then aborts the deliveries still running.
  const Clock::TimePoint now = options_.clock->Now();
  const auto budget = deadline > now
                          ? std::min<Clock::Duration>(deadline - now, std::chrono::hours(24))
                          : Clock::Duration::zero();
  const auto real_deadline = std::chrono::steady_clock::now() + budget;
  for (auto& lane : lanes_) {
    if (!lane->AwaitExit(real_deadline)) {
      lane->Abort();
    }
  }
  uint64_t undelivered = 0;
  for (auto& lane : lanes_) {
    undelivered += lane->Join();
  }
  return undelivered;
}

void Dispatcher::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_alerting_submitted_total",
                        "Alerts handed to the dispatcher; each goes to every receiver.",
                        static_cast<double>(submitted_.Get())));
  for (const auto& lane : lanes_) {
    lane->probe().Collect(lane->name(), lane->QueueLength(), out);
  }
}

const ReceiverProbe& Dispatcher::probe(size_t i) const { return lanes_.at(i)->probe(); }

size_t Dispatcher::queue_length(size_t i) const { return lanes_.at(i)->QueueLength(); }

}  // namespace edgewatch::alerting
