#include "alerting/notifier.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/clock.h"

namespace edgewatch::alerting {

namespace {

std::string LabelsText(const Labels& labels) {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) s += ",";
    first = false;
    s += k + "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') s.push_back('\\');
      s.push_back(c);
    }
    s += "\"";
  }
  return s + "}";
}

bool SameContent(const schema::Alert& a, const schema::Alert& b) {
  if (a.status != b.status || a.labels != b.labels || a.annotations != b.annotations) return false;
  if (a.root_cause.has_value() != b.root_cause.has_value()) return false;
  if (a.root_cause && (a.root_cause->edge_count != b.root_cause->edge_count ||
                       a.root_cause->symptoms.size() != b.root_cause->symptoms.size())) {
    return false;
  }
  return true;
}

int64_t SystemUnixNs() { return NowUnixNs(); }

// The symptom-alert label of each scope attribute of the correlator (docs/root-causes.md);
// "" for attributes symptom alerts carry no label of (nat, dns_name).
std::string_view ScopeLabel(std::string_view attr) {
  if (attr == "server_endpoint") return "server";
  if (attr == "node" || attr == "zone" || attr == "client_workload" || attr == "server_service" ||
      attr == "business_system") {
    return attr;
  }
  return "";
}

// Whether symptom alert `a` lies in the scope of root cause `rc`: it carries every scope
// attribute as a label with the scope's value. A scope with an attribute symptoms have no
// label for is decided by the attached fingerprints alone.
bool InScope(const schema::RootCauseInfo& rc, const schema::Alert& a) {
  if (rc.scope.empty()) return false;
  for (const auto& [attr, value] : rc.scope) {
    const std::string_view label = ScopeLabel(attr);
    if (label.empty()) return false;
    auto it = a.labels.find(std::string(label));
    if (it == a.labels.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

// A route with everything inherited filled in.
struct Notifier::Node {
  std::string receiver;
  std::vector<Matcher> matchers;
  std::vector<std::string> group_by;
  bool group_by_all = false;
  milliseconds group_wait{0};
  milliseconds group_interval{0};
  milliseconds repeat_interval{0};
  bool continue_matching = false;
  std::string key;  // Alertmanager's route key: "{}" for the root, "{}/{matchers}" below
  std::string id;   // unique: the path of child indexes, "0", "0.2", …
  std::vector<std::unique_ptr<Node>> children;
};

struct Notifier::Entry {
  schema::Alert alert;
  size_t groups = 0;  // groups holding it
};

struct Notifier::Group {
  const Node* route = nullptr;
  std::string key;  // Alertmanager's groupKey
  Labels labels;
  std::set<std::string> members;          // fingerprints
  std::set<std::string> notified_firing;  // fingerprints whose firing the receiver was told
  std::set<std::string> last_sent;        // "<fp>/<status>" of the last notification
  bool flushed = false;
  bool changed = false;
  Clock::TimePoint last_flush{};
  Clock::TimePoint next_flush = Clock::TimePoint::max();
};

Result<std::unique_ptr<Notifier>> Notifier::Create(NotifierConfig config,
                                                   const std::vector<std::string>& receivers,
                                                   NotifyFn notify, NotifierOptions options) {
  if (!notify) return Err("alerting: notifier without a destination");
  if (options.clock == nullptr) return Err("alerting: notifier without a clock");
  if (!options.now_unix_ns) options.now_unix_ns = SystemUnixNs;

  // Resolves inheritance depth-first.
  std::function<Result<std::unique_ptr<Node>>(const RouteConfig&, const Node*, const std::string&,
                                              const std::string&)>
      build = [&](const RouteConfig& rc, const Node* parent, const std::string& id,
                  const std::string& parent_key) -> Result<std::unique_ptr<Node>> {
    auto n = std::make_unique<Node>();
    const std::string where = rc.where.empty() ? "route " + id : rc.where;
    n->receiver = !rc.receiver.empty() ? rc.receiver : parent ? parent->receiver : "";
    if (n->receiver.empty()) return Err(where + ": no receiver (the root route must name one)");
    if (std::find(receivers.begin(), receivers.end(), n->receiver) == receivers.end()) {
      return Err(where + ": receiver \"" + n->receiver + "\" is not defined under receivers");
    }
    n->matchers = rc.matchers;
    if (rc.group_by) {
      for (const std::string& l : *rc.group_by) {
        if (l == "...") {
          if (rc.group_by->size() > 1) {
            return Err(where + ": group_by \"...\" (every label) must be alone");
          }
          n->group_by_all = true;
        }
      }
      if (!n->group_by_all) n->group_by = *rc.group_by;
    } else if (parent) {
      n->group_by = parent->group_by;
      n->group_by_all = parent->group_by_all;
    }
    auto pick = [&](const std::optional<milliseconds>& own, milliseconds inherited,
                    const char* name) -> Result<milliseconds> {
      const milliseconds v = own.value_or(inherited);
      if (v.count() < 0) return Err(where + ": " + name + " must not be negative");
      return v;
    };
    auto gw = pick(rc.group_wait, parent ? parent->group_wait : NotifierConfig::kDefaultGroupWait,
                   "group_wait");
    auto gi = pick(rc.group_interval,
                   parent ? parent->group_interval : NotifierConfig::kDefaultGroupInterval,
                   "group_interval");
    auto ri = pick(rc.repeat_interval,
                   parent ? parent->repeat_interval : NotifierConfig::kDefaultRepeatInterval,
                   "repeat_interval");
    if (!gw) return Err(gw.error());
    if (!gi) return Err(gi.error());
    if (!ri) return Err(ri.error());
    n->group_wait = *gw;
    n->group_interval = *gi;
    n->repeat_interval = *ri;
    n->continue_matching = rc.continue_matching;
    n->id = id;
    if (!parent) {
      n->key = "{}";
    } else {
      std::string m = "{";
      for (size_t i = 0; i < rc.matchers.size(); ++i) {
        m += (i ? "," : "") + rc.matchers[i].ToString();
      }
      n->key = parent_key + "/" + m + "}";
    }
    for (size_t i = 0; i < rc.routes.size(); ++i) {
      auto child = build(rc.routes[i], n.get(), id + "." + std::to_string(i), n->key);
      if (!child) return Err(child.error());
      n->children.push_back(std::move(*child));
    }
    return n;
  };
  if (!config.route.matchers.empty()) {
    return Err((config.route.where.empty() ? "route" : config.route.where) +
               ": the root route matches every alert; it takes no matchers");
  }
  auto root = build(config.route, nullptr, "0", "");
  if (!root) return Err(root.error());
  for (const auto& [name, on] : config.send_resolved) {
    (void)on;
    if (std::find(receivers.begin(), receivers.end(), name) == receivers.end()) {
      return Err("send_resolved: receiver \"" + name + "\" is not defined");
    }
  }
  const bool start = options.start_thread;
  std::unique_ptr<Notifier> n(
      new Notifier(std::move(config), std::move(notify), std::move(options)));
  n->root_ = std::move(*root);
  if (start) n->thread_ = std::thread([p = n.get()] { p->Run(); });
  return n;
}

Notifier::Notifier(NotifierConfig config, NotifyFn notify, NotifierOptions options)
    : config_(std::move(config)), notify_(std::move(notify)), options_(std::move(options)) {}

Notifier::~Notifier() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Notifier::Match(const Node& node, const Labels& labels, std::vector<const Node*>& out) const {
  bool matched_child = false;
  for (const auto& child : node.children) {
    if (!MatchesAll(child->matchers, labels)) continue;
    matched_child = true;
    Match(*child, labels, out);
    if (!child->continue_matching) break;
  }
  if (!matched_child) out.push_back(&node);
}

std::vector<std::string> Notifier::Route(const Labels& labels) const {
  std::vector<const Node*> nodes;
  Match(*root_, labels, nodes);
  std::vector<std::string> out;
  out.reserve(nodes.size());
  for (const Node* n : nodes) out.push_back(n->receiver);
  return out;
}

void Notifier::Submit(const schema::Alert& alert) {
  received_.Add();
  std::lock_guard lock(mu_);
  auto it = alerts_.find(alert.fingerprint);
  if (it != alerts_.end() && SameContent(it->second->alert, alert)) {
    duplicates_.Add();
    return;
  }
  const bool known = it != alerts_.end();
  if (!known && alerts_.size() >= config_.max_alerts) {
    dropped_full_.Add();
    return;
  }
  std::shared_ptr<Entry> entry;
  if (known) {
    entry = it->second;
    entry->alert = alert;
  } else {
    entry = std::make_shared<Entry>();
    entry->alert = alert;
    alerts_.emplace(alert.fingerprint, entry);
  }
  const Clock::TimePoint now = options_.clock->Now();
  std::vector<const Node*> nodes;
  Match(*root_, alert.labels, nodes);
  if (nodes.empty()) unmatched_.Add();
  std::vector<std::string> immediate;  // groups of routes that wait for nothing
  for (const Node* node : nodes) {
    Labels gl;
    if (node->group_by_all) {
      gl = alert.labels;
    } else {
      for (const std::string& l : node->group_by) {
        auto f = alert.labels.find(l);
        if (f != alert.labels.end()) gl.emplace(l, f->second);
      }
    }
    std::string key = node->key + ":" + LabelsText(gl);
    std::string map_key = node->id + "|" + key;
    auto g = groups_.find(map_key);
    if (g == groups_.end()) {
      auto group = std::make_unique<Group>();
      group->route = node;
      group->key = std::move(key);
      group->labels = std::move(gl);
      group->next_flush = now + node->group_wait;
      g = groups_.emplace(std::move(map_key), std::move(group)).first;
    }
    Group& grp = *g->second;
    if (grp.members.insert(alert.fingerprint).second) ++entry->groups;
    // A resolved record of an alert this notifier never saw firing (e.g. it fired before a
    // restart): its receivers are told it resolved.
    if (!known && alert.status == schema::AlertStatus::kResolved) {
      grp.notified_firing.insert(alert.fingerprint);
    }
    grp.changed = true;
    if (node->group_wait.count() == 0 && node->group_interval.count() == 0) {
      immediate.push_back(g->first);
      continue;
    }
    if (grp.flushed) {
      grp.next_flush =
          std::min(grp.next_flush, std::max(now, grp.last_flush + node->group_interval));
    }
  }
  // Nothing to wait for: every record is notified as it comes, in order (a firing and its
  // resolved in quick succession are both told), on the caller's thread. After every group
  // holds the alert, so that none lets it go while another still needs it.
  for (const std::string& key : immediate) {
    auto g = groups_.find(key);
    Flush(*g->second, now, false);
    if (g->second->members.empty()) groups_.erase(g);
  }
  cv_.notify_all();
}

std::string Notifier::InhibitedBy(const schema::Alert& a) const {
  for (const auto& [fp, e] : alerts_) {
    const schema::Alert& s = e->alert;
    if (fp == a.fingerprint || s.status != schema::AlertStatus::kFiring) continue;
    if (s.root_cause && !a.root_cause) {
      for (const schema::SymptomRef& ref : s.root_cause->symptoms) {
        if (ref.fingerprint == a.fingerprint) return fp;
      }
      if (InScope(*s.root_cause, a)) return fp;
    }
  }
  for (const InhibitRule& rule : config_.inhibit_rules) {
    if (!MatchesAll(rule.target_matchers, a.labels)) continue;
    for (const auto& [fp, e] : alerts_) {
      const schema::Alert& s = e->alert;
      if (fp == a.fingerprint || s.status != schema::AlertStatus::kFiring) continue;
      if (!MatchesAll(rule.source_matchers, s.labels)) continue;
      bool equal = true;
      for (const std::string& l : rule.equal) {
        auto x = a.labels.find(l);
        auto y = s.labels.find(l);
        const std::string& xv = x == a.labels.end() ? std::string() : x->second;
        const std::string& yv = y == s.labels.end() ? std::string() : y->second;
        if (xv != yv) {
          equal = false;
          break;
        }
      }
      if (equal) return fp;
    }
  }
  return {};
}

void Notifier::Flush(Group& g, Clock::TimePoint now, bool force) {
  const Node& route = *g.route;
  auto sr = config_.send_resolved.find(route.receiver);
  const bool send_resolved = sr == config_.send_resolved.end() || sr->second;
  const int64_t now_ns = options_.now_unix_ns();

  std::vector<const schema::Alert*> firing;
  std::vector<const schema::Alert*> resolved;
  bool muted_any = false;
  for (const std::string& fp : g.members) {
    const schema::Alert& a = alerts_.at(fp)->alert;
    if (a.status == schema::AlertStatus::kResolved) {
      if (send_resolved && g.notified_firing.count(fp) > 0) resolved.push_back(&a);
      continue;
    }
    const bool muted =
        !InhibitedBy(a).empty() || (options_.silenced && options_.silenced(a.labels, now_ns));
    muted_any = muted_any || muted;
    if (!muted) firing.push_back(&a);
  }
  std::set<std::string> sent;
  for (const auto* a : firing) sent.insert(a->fingerprint + "/f");
  for (const auto* a : resolved) sent.insert(a->fingerprint + "/r");
  const bool changed = g.changed || sent != g.last_sent;
  milliseconds repeat = route.repeat_interval;
  if (options_.resend_interval) {
    const milliseconds resend = options_.resend_interval(route.receiver);
    if (resend.count() > 0 && (repeat.count() == 0 || resend < repeat)) repeat = resend;
  }
  const bool repeat_due = repeat.count() > 0 && g.flushed && now >= g.last_flush + repeat;
  const bool send = !sent.empty() && (changed || repeat_due || (force && g.changed));

  if (send) {
    Notification n;
    n.receiver = route.receiver;
    n.group_key = g.key;
    n.group_labels = g.labels;
    n.created_ns = now_ns;
    auto by_start = [](const schema::Alert* x, const schema::Alert* y) {
      return x->starts_at_ns < y->starts_at_ns;
    };
    std::sort(firing.begin(), firing.end(), by_start);
    std::sort(resolved.begin(), resolved.end(), by_start);
    for (const auto* list : {&firing, &resolved}) {
      for (const schema::Alert* a : *list) {
        if (n.alerts.size() < config_.max_alerts_per_notification) {
          n.alerts.push_back(*a);
        } else {
          ++n.truncated_alerts;
        }
      }
    }
    n.reason = !g.flushed ? "new" : firing.empty() ? "resolved" : changed ? "updated" : "repeat";
    for (const auto* a : firing) g.notified_firing.insert(a->fingerprint);
    g.last_sent = std::move(sent);
    notifications_.Add();
    notify_(std::move(n));
  }
  if (send || !g.flushed) {
    g.last_flush = now;
    g.flushed = true;
  }
  g.changed = false;

  // Resolved alerts leave the group (told or not); the alert goes when no group holds it.
  for (auto it = g.members.begin(); it != g.members.end();) {
    auto e = alerts_.find(*it);
    if (e->second->alert.status != schema::AlertStatus::kResolved) {
      ++it;
      continue;
    }
    g.notified_firing.erase(*it);
    if (--e->second->groups == 0) alerts_.erase(e);
    it = g.members.erase(it);
  }
  // Next look: a reminder, or sooner while something is muted (a silence may expire).
  Clock::TimePoint next = repeat.count() > 0 ? g.last_flush + repeat : Clock::TimePoint::max();
  if (muted_any) next = std::min(next, now + std::max(route.group_interval, milliseconds(1000)));
  g.next_flush = next;
}

void Notifier::Tick() {
  std::lock_guard lock(mu_);
  const Clock::TimePoint now = options_.clock->Now();
  for (auto it = groups_.begin(); it != groups_.end();) {
    Group& g = *it->second;
    if (g.next_flush <= now) Flush(g, now, false);
    it = g.members.empty() ? groups_.erase(it) : std::next(it);
  }
}

Clock::TimePoint Notifier::NextDue() const {
  Clock::TimePoint next = Clock::TimePoint::max();
  for (const auto& [k, g] : groups_) next = std::min(next, g->next_flush);
  return next;
}

void Notifier::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    const Clock::TimePoint due = NextDue();
    if (due > options_.clock->Now()) {
      // Woken by Submit() (a new group may be due sooner) or Stop().
      const size_t seen = received_.Get();
      options_.clock->WaitUntil(lock, cv_, due, [&] { return stop_ || received_.Get() != seen; });
      continue;
    }
    lock.unlock();
    Tick();
    lock.lock();
  }
}

void Notifier::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  const Clock::TimePoint now = options_.clock->Now();
  for (auto& [k, g] : groups_) {
    if (g->changed) Flush(*g, now, true);
  }
}

std::vector<Notifier::AlertView> Notifier::Alerts() const {
  std::lock_guard lock(mu_);
  std::vector<AlertView> out;
  const int64_t now_ns = options_.now_unix_ns();
  for (const auto& [fp, e] : alerts_) {
    AlertView v;
    v.alert = e->alert;
    v.receivers = Route(e->alert.labels);
    v.inhibited_by = InhibitedBy(e->alert);
    if (options_.silenced) v.silenced_by = options_.silenced(e->alert.labels, now_ns).value_or("");
    out.push_back(std::move(v));
  }
  return out;
}

void Notifier::CollectStats(std::vector<StatSample>& out) const {
  size_t alerts = 0;
  size_t groups = 0;
  size_t inhibited = 0;
  size_t silenced = 0;
  {
    std::lock_guard lock(mu_);
    alerts = alerts_.size();
    groups = groups_.size();
    const int64_t now_ns = options_.now_unix_ns();
    for (const auto& [fp, e] : alerts_) {
      if (e->alert.status != schema::AlertStatus::kFiring) continue;
      if (!InhibitedBy(e->alert).empty()) {
        ++inhibited;
      } else if (options_.silenced && options_.silenced(e->alert.labels, now_ns)) {
        ++silenced;
      }
    }
  }
  out.push_back(Counter("edgewatch_notifier_alerts_received_total",
                        "Alert records the notifier was given.",
                        static_cast<double>(received_.Get())));
  out.push_back(Counter("edgewatch_notifier_duplicates_total",
                        "Alert records that repeated the last one of their fingerprint.",
                        static_cast<double>(duplicates_.Get())));
  out.push_back(Counter("edgewatch_notifier_dropped_total",
                        "Alert records dropped: the notifier already held max_alerts.",
                        static_cast<double>(dropped_full_.Get())));
  out.push_back(Counter("edgewatch_notifier_notifications_total",
                        "Notifications flushed to receivers.",
                        static_cast<double>(notifications_.Get())));
  out.push_back(Gauge("edgewatch_notifier_muted_alerts",
                      "Firing alerts the receivers are not told about, by why.",
                      static_cast<double>(inhibited), {{"by", "inhibition"}}));
  out.push_back(Gauge("edgewatch_notifier_muted_alerts",
                      "Firing alerts the receivers are not told about, by why.",
                      static_cast<double>(silenced), {{"by", "silence"}}));
  out.push_back(Gauge("edgewatch_notifier_alerts", "Alerts the notifier holds.",
                      static_cast<double>(alerts)));
  out.push_back(
      Gauge("edgewatch_notifier_groups", "Aggregation groups.", static_cast<double>(groups)));
}

}  // namespace edgewatch::alerting
