#include "alerting/payloads.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "schema/codec.h"

namespace edgewatch::alerting {

namespace {

using nlohmann::json;

// DingTalk and Feishu refuse messages of about 20 000 bytes; stay clear of it.
constexpr size_t kDingTalkMaxTextBytes = 18000;
constexpr size_t kFeishuMaxTextBytes = 18000;
// Slack: 3000 characters per section text, 50 blocks per message.
constexpr size_t kSlackMaxSectionBytes = 2900;
constexpr size_t kSlackMaxSections = 49;

// No exceptions on the delivery path: bytes that are not UTF-8 become U+FFFD.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

const char* StatusText(schema::AlertStatus s) {
  return s == schema::AlertStatus::kFiring ? "firing" : "resolved";
}

template <typename Map>
json Object(const Map& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

// A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*; other characters become '_', and a leading
// digit gets a '_' in front.
std::string LabelName(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool digit = c >= '0' && c <= '9';
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (digit && out.empty()) out.push_back('_');
    out.push_back(letter || digit ? c : '_');
  }
  return out;
}

json ValidLabels(const std::map<std::string, std::string>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) {
    if (!k.empty() && !v.empty()) j[LabelName(k)] = v;
  }
  return j;
}

}  // namespace

int64_t SystemWallClockNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string GeneratorUrl(std::string_view external_url, std::string_view fingerprint) {
  if (external_url.empty()) return "";
  while (external_url.ends_with('/')) external_url.remove_suffix(1);
  return std::string(external_url) + "/api/v1/alerts?fingerprint=" + std::string(fingerprint);
}

std::string AlertmanagerWebhookPayload(const Notification& n, std::string_view external_url) {
  json alerts = json::array();
  for (const schema::Alert& a : n.alerts) {
    const bool firing = a.status == schema::AlertStatus::kFiring;
    alerts.push_back({
        {"status", StatusText(a.status)},
        {"labels", Object(a.labels)},
        {"annotations", Object(a.annotations)},
        {"startsAt", schema::FormatTime(a.starts_at_ns)},
        {"endsAt", firing ? std::string(kZeroTime) : schema::FormatTime(a.ends_at_ns)},
        {"generatorURL", GeneratorUrl(external_url, a.fingerprint)},
        {"fingerprint", a.fingerprint},
    });
  }
  json j = {
      {"version", "4"},
      {"groupKey", n.group_key},
      {"truncatedAlerts", n.truncated_alerts},
      {"status", StatusText(n.status())},
      {"receiver", n.receiver},
      {"groupLabels", Object(n.group_labels)},
      {"commonLabels", Object(n.CommonLabels())},
      {"commonAnnotations", Object(n.CommonAnnotations())},
      {"externalURL", std::string(external_url)},
      {"alerts", std::move(alerts)},
  };
  return Dump(j);
}

std::string AlertmanagerApiAlerts(const NotificationBatch& batch, int64_t now_ns,
                                  std::chrono::nanoseconds firing_horizon,
                                  std::string_view external_url) {
  std::vector<const schema::Alert*> alerts;
  for (const NotificationPtr& n : batch) {
    for (const schema::Alert& a : n->alerts) {
      auto same = std::find_if(alerts.begin(), alerts.end(), [&](const schema::Alert* seen) {
        return seen->fingerprint == a.fingerprint;
      });
      if (same == alerts.end()) {
        alerts.push_back(&a);
      } else {
        *same = &a;  // a later notification knows better
      }
    }
  }
  json out = json::array();
  for (const schema::Alert* a : alerts) {
    const bool firing = a->status == schema::AlertStatus::kFiring;
    json j = {
        {"labels", ValidLabels(a->labels)},
        {"annotations", ValidLabels(a->annotations)},
        {"startsAt", schema::FormatTime(a->starts_at_ns)},
        {"endsAt", schema::FormatTime(firing ? now_ns + firing_horizon.count() : a->ends_at_ns)},
    };
    if (std::string url = GeneratorUrl(external_url, a->fingerprint); !url.empty()) {
      j["generatorURL"] = std::move(url);
    }
    out.push_back(std::move(j));
  }
  return Dump(out);
}

std::string DingTalkMarkdown(const Message& m, const std::vector<std::string>& at_mobiles,
                             bool at_all) {
  std::string text = m.text;
  if (!at_mobiles.empty() || at_all) {
    std::string mentions = "\n\n";
    for (const std::string& mobile : at_mobiles) mentions += "@" + mobile + " ";
    if (at_all) mentions += "@all";
    while (mentions.back() == ' ') mentions.pop_back();
    text = TruncateUtf8(std::move(text), kDingTalkMaxTextBytes - mentions.size()) + mentions;
  } else {
    text = TruncateUtf8(std::move(text), kDingTalkMaxTextBytes);
  }
  json j = {
      {"msgtype", "markdown"},
      {"markdown", {{"title", m.title}, {"text", std::move(text)}}},
      {"at", {{"atMobiles", at_mobiles}, {"isAtAll", at_all}}},
  };
  return Dump(j);
}

std::string WeComMarkdown(const Message& m) {
  json j = {
      {"msgtype", "markdown"},
      {"markdown", {{"content", TruncateUtf8(m.text, kWeComMaxContentBytes)}}},
  };
  return Dump(j);
}

std::string FeishuText(const Message& m, int64_t timestamp_s, std::string_view sign) {
  json j = json::object();
  if (!sign.empty()) {
    j["timestamp"] = std::to_string(timestamp_s);
    j["sign"] = std::string(sign);
  }
  j["msg_type"] = "text";
  j["content"] = {{"text", TruncateUtf8(m.text, kFeishuMaxTextBytes)}};
  return Dump(j);
}

std::string SlackMessage(const Message& m) {
  std::vector<std::string> sections(1);
  std::string_view rest = m.text;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string line = TruncateUtf8(std::string(rest.substr(0, nl)), kSlackMaxSectionBytes);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    std::string& last = sections.back();
    if (last.size() + 1 + line.size() <= kSlackMaxSectionBytes) {
      last += last.empty() ? line : "\n" + line;
    } else if (sections.size() < kSlackMaxSections) {
      sections.push_back(std::move(line));
    } else {
      last += "\n… (truncated)";  // within Slack's 3000: the sections stop at 2900
      break;
    }
  }
  json blocks = json::array();
  for (const std::string& s : sections) {
    if (s.empty()) continue;  // Slack refuses a section with empty text
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", s}}}});
  }
  json j = {{"text", m.title}};
  if (!blocks.empty()) j["blocks"] = std::move(blocks);
  return Dump(j);
}

}  // namespace edgewatch::alerting
