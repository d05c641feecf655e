#include "alerting/dispatcher.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "common/durable_file.h"

namespace edgewatch::alerting {

namespace {

namespace fs = std::filesystem;

bool IsNameChar(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '-' || ch == '.';
}

std::string Describe(const NotificationBatch& batch) {
  if (batch.size() == 1) return "notification of " + alerting::Describe(*batch.front());
  size_t alerts = 0;
  for (const auto& n : batch) alerts += n->alerts.size();
  return std::to_string(batch.size()) + " notifications (" + std::to_string(alerts) + " alerts)";
}

// Token bucket: `count` tokens, refilled at count/per.
class TokenBucket {
 public:
  explicit TokenBucket(const RateLimit& limit) : limit_(limit), tokens_(limit.count) {}
  bool unlimited() const { return limit_.unlimited(); }

  // When the next token is (or was) available; takes it if that is now.
  Clock::TimePoint TakeOrNext(Clock::TimePoint now) {
    Refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return now;
    }
    const double per_token_ns =
        static_cast<double>(std::chrono::nanoseconds(limit_.per).count()) / limit_.count;
    return now + std::chrono::nanoseconds(static_cast<int64_t>((1.0 - tokens_) * per_token_ns) + 1);
  }

 private:
  void Refill(Clock::TimePoint now) {
    if (last_ == Clock::TimePoint()) last_ = now;
    const double elapsed = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count());
    const double per = static_cast<double>(std::chrono::nanoseconds(limit_.per).count());
    tokens_ = std::min<double>(limit_.count, tokens_ + elapsed * limit_.count / per);
    last_ = now;
  }

  RateLimit limit_;
  double tokens_;
  Clock::TimePoint last_{};
};

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

// One receiver's queue, worker thread, spool and counters.
class Dispatcher::Lane {
 public:
  Lane(std::unique_ptr<Receiver> receiver, const DispatcherConfig& config,
       const DispatcherOptions& options, uint64_t seed)
      : receiver_(std::move(receiver)),
        capacity_(config.queue_capacity),
        retry_(config.retry),
        clock_(*options.clock),
        log_(options.log),
        bucket_(receiver_->rate_limit()),
        max_batch_(std::max<size_t>(1, receiver_->max_batch())),
        backoff_(config.retry, seed),
        prefix_("alerting: receiver \"" + receiver_->name() + "\": ") {
    if (!config.spool_dir.empty()) spool_ = fs::path(config.spool_dir) / receiver_->name();
  }

  // Creates the spool directory and queues what an earlier run left in it, oldest first.
  std::optional<Error> OpenSpool() {
    if (spool_.empty()) return std::nullopt;
    std::error_code ec;
    fs::create_directories(spool_, ec);
    if (ec)
      return Err("alerting.spool_dir: cannot create " + spool_.string() + ": " + ec.message());
    std::vector<std::pair<uint64_t, fs::path>> files;
    for (const auto& entry : fs::directory_iterator(spool_, ec)) {
      const std::string stem = entry.path().stem().string();
      if (entry.path().extension() != ".json" || stem.empty() ||
          !std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        continue;  // .tmp leftovers of a crash mid-write, .bad files set aside earlier
      }
      files.emplace_back(std::stoull(stem), entry.path());
    }
    if (ec) return Err("alerting.spool_dir: cannot list " + spool_.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& [seq, path] : files) {
      next_seq_ = std::max(next_seq_, seq + 1);
      std::ifstream in(path, std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto n = DecodeNotification(data);
      if (!n) {
        spool_errors_.Add();
        fs::rename(path, path.string() + ".bad", ec);
        log_(prefix_ + "spool file " + path.string() +
             " is unreadable, set aside as .bad: " + n.error());
        continue;
      }
      queue_.push_back(Item{std::make_shared<const Notification>(std::move(*n)), path});
      recovered_.Add();
    }
    if (!queue_.empty()) {
      log_(prefix_ + std::to_string(queue_.size()) +
           " notification(s) pending from the last run, delivering them first");
    }
    return std::nullopt;
  }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  const std::string& name() const { return receiver_->name(); }
  const Receiver& receiver() const { return *receiver_; }
  const ReceiverProbe& probe() const { return probe_; }

  size_t QueueLength() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

  // Submit() side: never waits for the worker (with a spool, one file write).
  bool Push(const NotificationPtr& n) {
    DropReason reason = DropReason::kQueueFull;
    {
      std::lock_guard lock(mu_);
      if (!stopping_ && queue_.size() < capacity_) {
        Item item{n, {}};
        if (!spool_.empty()) {
          item.spool_file = spool_ / (std::to_string(next_seq_++) + ".json");
          if (auto error = WriteFileDurably(item.spool_file.string(), EncodeNotification(*n))) {
            // Still delivered from memory; only a restart before delivery would lose it.
            spool_errors_.Add();
            item.spool_file.clear();
            if (!spool_error_logged_.exchange(true)) {
              log_(prefix_ + "cannot spool, delivering from memory only: " + *error +
                   " (said once; counted in edgewatch_alerting_spool_errors_total)");
            }
          }
        }
        queue_.push_back(std::move(item));
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
           " notifications), dropping new ones; this is said once, later drops are counted in "
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

  // Joins the worker; returns how many notifications it left undelivered at shutdown.
  uint64_t Join() {
    if (thread_.joinable()) {
      thread_.join();
    }
    if (undelivered_ > 0) {
      log_(prefix_ + std::to_string(undelivered_) +
           (spool_.empty() ? " notification(s) undelivered at shutdown "
                             "(edgewatch_alerting_dropped_total{reason=\"shutdown\"})"
                           : " notification(s) undelivered at shutdown, kept in the spool " +
                                 spool_.string() + " for the next start"));
    }
    return undelivered_;
  }

  void Collect(std::vector<StatSample>& out) const {
    probe_.Collect(name(), QueueLength(), out);
    const std::vector<std::pair<std::string, std::string>> labels = {{"receiver", name()}};
    out.push_back(Counter("edgewatch_alerting_spool_recovered_total",
                          "Notifications found in the spool at start and queued again.",
                          static_cast<double>(recovered_.Get()), labels));
    out.push_back(Counter("edgewatch_alerting_spool_errors_total",
                          "Spool files that could not be written or read back.",
                          static_cast<double>(spool_errors_.Get()), labels));
    out.push_back(Counter("edgewatch_alerting_batches_total",
                          "Deliveries that carried more than one notification (rate limits).",
                          static_cast<double>(batches_.Get()), labels));
  }

 private:
  struct Item {
    NotificationPtr n;
    fs::path spool_file;  // empty: not spooled
  };

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
      if (!bucket_.unlimited()) {
        const Clock::TimePoint at = bucket_.TakeOrNext(clock_.Now());
        if (at > clock_.Now()) {
          // Rate limited: wait for the token while more notifications queue up.
          if (!WaitForTime(at, lock)) break;
          continue;
        }
      }
      std::vector<Item> batch;
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      DeliverWithRetries(batch);
      lock.lock();
    }
    if (!queue_.empty()) {
      undelivered_ += queue_.size();
      if (spool_.empty()) probe_.Dropped(DropReason::kShutdown, queue_.size());
      queue_.clear();
    }
    exited_ = true;
    exited_cv_.notify_all();
  }

  void Forget(const std::vector<Item>& batch) {
    for (const Item& item : batch) {
      if (!item.spool_file.empty()) ::unlink(item.spool_file.c_str());
    }
  }

  // Called without mu_ held: receivers and the log may be slow, and Submit() must not wait.
  void DeliverWithRetries(const std::vector<Item>& items) {
    NotificationBatch batch;
    batch.reserve(items.size());
    for (const Item& item : items) batch.push_back(item.n);
    const uint64_t count = batch.size();
    if (count > 1) batches_.Add();
    const Clock::TimePoint first = clock_.Now();
    for (uint32_t attempt = 1;; ++attempt) {
      const DeliveryStatus status = receiver_->Deliver(batch);
      if (status.ok()) {
        probe_.Delivered(count);
        Forget(items);
        if (failing_) {
          log_(prefix_ + "delivering again");
          failing_ = false;
        }
        return;
      }
      if (!status.retryable()) {
        probe_.FailedAttempt();
        probe_.Dropped(DropReason::kRejected, count);
        Forget(items);
        log_(prefix_ + Describe(batch) + " rejected, not retried: " + status.message());
        return;
      }
      if (Aborted()) {  // our own doing (Stop() ran out of time), not the receiver's failure
        Undelivered(count);
        return;
      }
      probe_.FailedAttempt();
      const bool out_of_attempts = retry_.max_attempts > 0 && attempt >= retry_.max_attempts;
      const bool too_old =
          retry_.give_up_after.count() > 0 && clock_.Now() - first >= retry_.give_up_after;
      if (out_of_attempts || too_old) {
        probe_.Dropped(DropReason::kGaveUp, count);
        Forget(items);
        log_(prefix_ + "gave up on " + Describe(batch) + " after " + std::to_string(attempt) +
             " attempts: " + status.message());
        return;
      }
      if (!failing_) {
        // Said when the receiver starts failing, not per attempt; "delivering again" ends it.
        log_(prefix_ + "delivery failed, retrying with backoff: " + status.message());
        failing_ = true;
      }
      std::unique_lock lock(mu_);
      if (!WaitForTime(clock_.Now() + backoff_.Delay(attempt), lock)) {
        lock.unlock();
        Undelivered(count);
        return;
      }
      probe_.Retry();
    }
  }

  // Left undone at shutdown: dropped without a spool, kept in it otherwise.
  void Undelivered(uint64_t count) {
    undelivered_ += count;
    if (spool_.empty()) probe_.Dropped(DropReason::kShutdown, count);
  }

  bool Aborted() const {
    std::lock_guard lock(mu_);
    return aborted_;
  }

  // Sleeps until `at`. False when what comes after must not happen: aborted, or shutting down
  // and `at` is at or after the deadline.
  bool WaitForTime(Clock::TimePoint at, std::unique_lock<std::mutex>& lock) {
    while (true) {
      if (aborted_) {
        return false;
      }
      const Clock::TimePoint now = clock_.Now();
      if (stopping_ && (now >= deadline_ || at >= deadline_)) {
        return false;
      }
      if (now >= at) {
        return true;
      }
      const bool was_stopping = stopping_;
      clock_.WaitUntil(lock, cv_, at, [&] { return aborted_ || stopping_ != was_stopping; });
    }
  }

  const std::unique_ptr<Receiver> receiver_;
  const size_t capacity_;
  const RetryPolicy retry_;
  Clock& clock_;
  const LogFn log_;
  ReceiverProbe probe_;
  std::atomic<bool> queue_full_logged_{false};
  std::atomic<bool> spool_error_logged_{false};
  fs::path spool_;  // empty: no spool
  StatCounter recovered_;
  StatCounter spool_errors_;
  StatCounter batches_;

  mutable std::mutex mu_;
  std::condition_variable cv_;                           // worker waits: new item, stop, abort
  std::condition_variable exited_cv_;                    // Stop() waits: worker gone
  std::deque<Item> queue_;                               // guarded by mu_
  uint64_t next_seq_ = 1;                                // guarded by mu_
  bool stopping_ = false;                                // guarded by mu_
  bool aborted_ = false;                                 // guarded by mu_
  bool exited_ = false;                                  // guarded by mu_
  Clock::TimePoint deadline_ = Clock::TimePoint::max();  // guarded by mu_
  TokenBucket bucket_;                                   // guarded by mu_
  const size_t max_batch_;

  // Worker-only state (read by Join() after the worker has exited).
  Backoff backoff_;
  bool failing_ = false;
  uint64_t undelivered_ = 0;
  const std::string prefix_;
  std::thread thread_;
};

Result<std::unique_ptr<Dispatcher>> Dispatcher::Create(
    const DispatcherConfig& config, std::vector<std::unique_ptr<Receiver>> receivers,
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
    if (auto error = dispatcher->lanes_.back()->OpenSpool()) return *error;
  }
  for (auto& lane : dispatcher->lanes_) {
    lane->Start();
  }
  return dispatcher;
}

Dispatcher::Dispatcher(const DispatcherConfig& config, DispatcherOptions options)
    : config_(config), options_(std::move(options)) {}

Dispatcher::~Dispatcher() { Stop(options_.clock->Now()); }

bool Dispatcher::Submit(const Notification& notification) {
  submitted_.Add();
  const std::string receiver = notification.receiver;
  bool all = true;
  bool found = false;
  for (auto& lane : lanes_) {
    if (!receiver.empty() && lane->name() != receiver) continue;
    found = true;
    auto n = std::make_shared<Notification>(notification);
    n->receiver = lane->name();
    all = lane->Push(n) && all;
  }
  if (!found) {
    unrouted_.Add();
    return false;
  }
  return all;
}

std::vector<std::string> Dispatcher::receiver_names() const {
  std::vector<std::string> out;
  out.reserve(lanes_.size());
  for (const auto& lane : lanes_) out.push_back(lane->name());
  return out;
}

const Receiver* Dispatcher::receiver(std::string_view name) const {
  for (const auto& lane : lanes_) {
    if (lane->name() == name) return &lane->receiver();
  }
  return nullptr;
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
                        "Notifications handed to the dispatcher.",
                        static_cast<double>(submitted_.Get())));
  out.push_back(Counter("edgewatch_alerting_unrouted_total",
                        "Notifications for a receiver the dispatcher does not have (dropped).",
                        static_cast<double>(unrouted_.Get())));
  for (const auto& lane : lanes_) {
    lane->Collect(out);
  }
}

const ReceiverProbe& Dispatcher::probe(size_t i) const { return lanes_.at(i)->probe(); }

size_t Dispatcher::queue_length(size_t i) const { return lanes_.at(i)->QueueLength(); }

}  // namespace edgewatch::alerting
