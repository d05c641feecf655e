// Notifier: the alert lifecycle between the detector and the receivers, as Alertmanager does it.
//
//   detector ─ Submit(alert) ─► dedup ─► route tree ─► aggregation groups ─► flush ─► Dispatcher
//                                         (matchers,     (group_by, group_wait,     (inhibited and
//                                          continue)      group_interval,            silenced
//                                          alerts
//                                                         repeat_interval)           left out)
//
// Alerts are kept by fingerprint: a record that repeats the last one (same status, labels,
// annotations, blast radius) is a duplicate and changes nothing; one that differs updates the
// alert and marks its groups changed. A group is flushed group_wait after its first alert, then
// every group_interval when something changed, or every repeat_interval when nothing did (a
// reminder of what still fires). A flush notifies every firing alert that is neither inhibited
// nor silenced, and the alerts resolved since the last notification whose firing was notified;
// resolved alerts then leave the group, and an empty group goes away.
//
// Inhibition: a firing root-cause alert mutes the symptom alerts it has attached (by
// fingerprint: in Kafka mode or with --symptom-alerts they may also arrive on their own) and
// those that share its scope labels (scope node=n7 mutes symptoms labelled node="n7"), and
// configured rules mute alerts matching `target_matchers` while an alert matching
// `source_matchers` fires with the same values of the `equal` labels (Alertmanager's rule).
// Silences are asked of a callback (the SilenceStore) at each flush.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alerting/clock.h"
#include "alerting/matcher.h"
#include "alerting/notification.h"
#include "common/result.h"
#include "common/stats.h"
#include "schema/alert.h"

namespace edgewatch::alerting {

using std::chrono::milliseconds;

// One node of the route tree (Alertmanager's `route`). Unset fields are inherited from the
// parent; the root must set what its children inherit (defaults below).
struct RouteConfig {
  std::string receiver;           // empty: the parent's
  std::vector<Matcher> matchers;  // all must hold; the root matches every alert
  // Labels whose values make the group; {"..."}: every label (each alert its own group).
  std::optional<std::vector<std::string>> group_by;
  std::optional<milliseconds> group_wait;
  std::optional<milliseconds> group_interval;
  std::optional<milliseconds> repeat_interval;  // 0: no reminders
  bool continue_matching = false;               // `continue`: siblings after it are tried too
  std::vector<RouteConfig> routes;
  std::string where;  // "file:line:column" of the route in its config, for messages
};

struct InhibitRule {
  std::vector<Matcher> source_matchers;
  std::vector<Matcher> target_matchers;
  std::vector<std::string> equal;
};

struct NotifierConfig {
  RouteConfig route;
  std::vector<InhibitRule> inhibit_rules;
  // Resolved alerts notified (Alertmanager's send_resolved), per receiver; default true.
  std::map<std::string, bool> send_resolved;
  size_t max_alerts_per_notification = 100;  // more are counted in truncated_alerts
  size_t max_alerts = 100000;                // alerts held; beyond it new ones are dropped

  // Root defaults when the root route leaves them unset (edgewatch's root-cause stage has
  // already grouped symptoms, so a route group waits for nothing by default).
  static constexpr milliseconds kDefaultGroupWait{0};
  static constexpr milliseconds kDefaultGroupInterval{60'000};
  static constexpr milliseconds kDefaultRepeatInterval{4 * 3600'000};
};

// Who silences an alert with these labels now: the silence id, or nullopt.
using SilenceFn =
    std::function<std::optional<std::string>(const Labels& labels, int64_t now_unix_ns)>;
// Where flushed notifications go (the Dispatcher's Submit).
using NotifyFn = std::function<void(Notification)>;
// Re-send period a receiver needs (Receiver::resend_interval()), 0 for none.
using ResendFn = std::function<milliseconds(const std::string& receiver)>;

struct NotifierOptions {
  Clock* clock = &SystemClock::Get();    // not owned; group timers
  std::function<int64_t()> now_unix_ns;  // notification times; the system clock by default
  SilenceFn silenced;                    // none: nothing is silenced
  ResendFn resend_interval;              // none: no receiver needs re-sends
  bool start_thread = true;              // false: tests call Tick() themselves
};

class Notifier final : public StatsSource {
 public:
  // Checks the route tree (every route ends at a receiver in `receivers`, durations >= 0).
  static Result<std::unique_ptr<Notifier>> Create(NotifierConfig config,
                                                  const std::vector<std::string>& receivers,
                                                  NotifyFn notify, NotifierOptions options = {});
  ~Notifier() override;
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Takes one alert record from the detector (any thread). Never blocks for long: on routes
  // that wait for nothing it hands the notification to the dispatcher at once (with a spool,
  // one fsync'ed file write per notification — alerts are rare, records are not).
  void Submit(const schema::Alert& alert);

  // Flushes the groups that are due (the notifier's thread calls it; tests too).
  void Tick();

  // Flushes every group with something unsent now (shutdown), then stops the thread.
  void Stop();

  // The receivers an alert with these labels goes to (`edgewatch` routing tests, docs).
  std::vector<std::string> Route(const Labels& labels) const;

  // Ids of what mutes this alert now: "inhibited by <fingerprint>" / "silenced by <id>".
  struct AlertView {
    schema::Alert alert;
    std::vector<std::string> receivers;
    std::string inhibited_by;  // fingerprint of the inhibiting alert, or empty
    std::string silenced_by;   // silence id, or empty
  };
  std::vector<AlertView> Alerts() const;

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  struct Node;
  struct Entry;
  struct Group;

  Notifier(NotifierConfig config, NotifyFn notify, NotifierOptions options);
  void Run();
  void Match(const Node& node, const Labels& labels, std::vector<const Node*>& out) const;
  std::string InhibitedBy(const schema::Alert& a) const;   // mu_ held
  void Flush(Group& g, Clock::TimePoint now, bool force);  // mu_ held
  Clock::TimePoint NextDue() const;                        // mu_ held

  const NotifierConfig config_;
  const NotifyFn notify_;
  NotifierOptions options_;
  std::unique_ptr<Node> root_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::map<std::string, std::shared_ptr<Entry>> alerts_;  // by fingerprint
  std::map<std::string, std::unique_ptr<Group>> groups_;  // by group key
  std::thread thread_;

  StatCounter received_;
  StatCounter duplicates_;
  StatCounter dropped_full_;
  StatCounter notifications_;
  StatCounter unmatched_;
};

}  // namespace edgewatch::alerting
