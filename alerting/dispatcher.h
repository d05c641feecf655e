// Dispatcher: takes notifications from the Notifier and delivers them to their receivers.
//
// Each receiver has its own bounded queue and its own worker thread, so a webhook that is down
// (and retried with backoff) delays nobody but itself. Order is kept per receiver: a
// notification being retried holds back the ones behind it. Submit() never blocks: when a
// receiver's queue is full the notification is dropped for that receiver and counted.
// A receiver's rate limit (Receiver::rate_limit()) makes its worker wait for a token; what
// queues up meanwhile goes in one delivery (up to Receiver::max_batch()). With a spool
// directory every queued notification is also a file until it is delivered or dropped, so a
// restart (or a crash) delivers what was pending.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "alerting/backoff.h"
#include "alerting/clock.h"
#include "alerting/receiver.h"
#include "alerting/receiver_probe.h"
#include "common/result.h"
#include "common/stats.h"
#include "schema/alert.h"

namespace edgewatch::alerting {

struct DispatcherConfig {
  size_t queue_capacity = 1024;  // notifications waiting per receiver
  RetryPolicy retry;
  // Durable spool: <spool_dir>/<receiver>/<sequence>.json per pending notification, written
  // (and fsync'ed) before Submit() returns, removed when delivered or dropped. Empty: none.
  std::string spool_dir;

  // The error names the key under `alerting.`.
  std::optional<Error> Validate() const;
};

// Where the dispatcher says what went wrong: one line, no trailing newline.
using LogFn = std::function<void(std::string_view line)>;
// Writes "edgewatch: <line>\n" to stderr.
void LogToStderr(std::string_view line);

struct DispatcherOptions {
  Clock* clock = &SystemClock::Get();  // not owned
  LogFn log = LogToStderr;
  std::optional<uint64_t> jitter_seed;  // fixed seed for tests; random otherwise
};

class Dispatcher final : public StatsSource {
 public:
  // Validates the configuration and the receiver names (non-empty, unique, [A-Za-z0-9_.-]) and
  // starts one worker per receiver.
  static Result<std::unique_ptr<Dispatcher>> Create(
      const DispatcherConfig& config, std::vector<std::unique_ptr<Receiver>> receivers,
      DispatcherOptions options = {});
  // Stop(now) unless stopped: whatever is still queued is dropped and counted.
  ~Dispatcher() override;
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues the notification for its receiver (`receiver` empty: for every receiver); never
  // blocks beyond a short lock (and, with a spool, one file write). Returns false when a
  // receiver did not take it (unknown receiver, queue full, or after Stop()); such drops are
  // counted as dropped_total{reason="queue_full"|"shutdown"} (unknown: unrouted_total).
  bool Submit(const Notification& notification);

  // Names of the receivers, in Create() order.
  std::vector<std::string> receiver_names() const;
  // The receiver called `name`, or nullptr (the Notifier asks for resend intervals).
  const Receiver* receiver(std::string_view name) const;

  // Flush and exit: stops accepting, keeps delivering (and retrying) what is queued until
  // `deadline` on the dispatcher's clock, then aborts deliveries still in progress and joins the
  // workers. Returns how many notifications were left undone. Without a spool they are counted
  // as dropped_total{reason="shutdown"}; with one they stay spooled and are delivered by the
  // next start. Later calls return 0.
  uint64_t Stop(Clock::TimePoint deadline);

  // True once Stop() has handed its deadline to every receiver's worker.
  bool stopping() const { return stopping_.load(); }

  // Per receiver: delivered, failed attempts, retries, dropped by reason, queue length.
  void CollectStats(std::vector<StatSample>& out) const override;

  // The probe of receiver `i` (in Create() order), for tests and status pages.
  const ReceiverProbe& probe(size_t i) const;
  size_t queue_length(size_t i) const;

 private:
  class Lane;

  Dispatcher(const DispatcherConfig& config, DispatcherOptions options);

  const DispatcherConfig config_;
  const DispatcherOptions options_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  StatCounter submitted_;
  StatCounter unrouted_;
  std::mutex stop_mu_;  // serialises Stop()
  bool stopped_ = false;
  std::atomic<bool> stopping_{false};
};

}  // namespace edgewatch::alerting
