// Notification: what a receiver is given — one aggregation group of alerts at one flush, as
// Alertmanager's webhook payload carries one group. The Notifier (routing, grouping,
// inhibition, silences) makes them; the Dispatcher queues, rate-limits, spools and retries them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "schema/alert.h"

namespace edgewatch::alerting {

// The same map type as schema::Alert::labels, so alerts are matched without copies.
using Labels = std::map<std::string, std::string>;

struct Notification {
  std::string receiver;  // the receiver's configured name
  std::string
      group_key;        // route path + group labels, e.g. `{}/{business_system="pay"}:{node="n7"}`
  Labels group_labels;  // the values of the route's group_by labels
  // The group's alerts at this flush: every firing one, and those resolved since the last
  // notification of the group. Firing first, then resolved; each in starts_at order.
  std::vector<schema::Alert> alerts;
  uint64_t truncated_alerts = 0;  // alerts of the group left out (receivers cap the count)
  int64_t created_ns = 0;         // when the group was flushed (unix ns)
  // Why this notification was sent: "new" (first of its group), "updated", "repeat", "resolved".
  std::string reason;

  // Firing when at least one alert is firing, else resolved (Alertmanager's rule).
  schema::AlertStatus status() const;
  size_t firing_count() const;
  // Labels / annotations with the same value in every alert (Alertmanager's commonLabels).
  Labels CommonLabels() const;
  Labels CommonAnnotations() const;
};

using NotificationPtr = std::shared_ptr<const Notification>;
// What one Receiver::Deliver() carries: 1 notification, or several when the receiver batches
// (a rate-limited IM robot sends what queued up as one message instead of dropping).
using NotificationBatch = std::vector<NotificationPtr>;

// One line for logs: `group {…} (3 alerts, firing) to "dingtalk"`.
std::string Describe(const Notification& n);

// The spool's format: one JSON document (the alerts as edgewatch.alert.v1 records).
std::string EncodeNotification(const Notification& n);
Result<Notification> DecodeNotification(std::string_view json);

}  // namespace edgewatch::alerting
