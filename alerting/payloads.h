// The JSON bodies the HTTP receivers send (docs/alerting.md "Receivers"). Pure functions of
// their arguments, the time included, so that tests compare them exactly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/message.h"
#include "alerting/notification.h"

namespace edgewatch::alerting {

// Wall-clock time in unix nanoseconds: timestamps of signatures and Alertmanager's endsAt.
// Injected so that tests fix it.
using WallClock = std::function<int64_t()>;
int64_t SystemWallClockNs();

// Alertmanager's zero time: the endsAt of a firing alert in a webhook payload.
inline constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

// <external_url>/api/v1/alerts?fingerprint=<fp>; "" without an external URL.
std::string GeneratorUrl(std::string_view external_url, std::string_view fingerprint);

// Alertmanager's webhook payload, version "4" (what prometheus-webhook-dingtalk and the other
// Alertmanager bridges read): version, groupKey, truncatedAlerts, status, receiver,
// groupLabels, commonLabels, commonAnnotations, externalURL and alerts[] with status, labels,
// annotations, startsAt, endsAt, generatorURL, fingerprint.
std::string AlertmanagerWebhookPayload(const Notification& n, std::string_view external_url);

// Alertmanager API v2 `POST /api/v2/alerts` body: one {labels, annotations, startsAt, endsAt,
// generatorURL} per alert of the batch (an alert in several notifications once, as the last
// one says). Firing alerts end at now + `firing_horizon` (re-sent before that, they stay
// firing; if edgewatch goes away, Alertmanager resolves them then); resolved ones at their
// end. Label and annotation names are made valid Prometheus label names (other characters
// become '_'); labels with an empty value are left out, as Prometheus does.
std::string AlertmanagerApiAlerts(const NotificationBatch& batch, int64_t now_ns,
                                  std::chrono::nanoseconds firing_horizon,
                                  std::string_view external_url);

// DingTalk robot markdown message. The mobiles are @-mentioned at the end of the text too
// (DingTalk shows a mention only when the text holds it).
std::string DingTalkMarkdown(const Message& m, const std::vector<std::string>& at_mobiles,
                             bool at_all);

// WeCom group robot markdown message: the text, cut to kWeComMaxContentBytes.
inline constexpr size_t kWeComMaxContentBytes = 4096;
std::string WeComMarkdown(const Message& m);

// Feishu/Lark custom bot text message; with a non-empty `sign`, "timestamp" and "sign" too.
std::string FeishuText(const Message& m, int64_t timestamp_s, std::string_view sign);

// Slack incoming webhook: "text" (the title: notifications and clients without blocks) and
// mrkdwn section blocks of the text (Slack takes at most 3000 characters per section).
std::string SlackMessage(const Message& m);

}  // namespace edgewatch::alerting
