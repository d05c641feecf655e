#include "alerting/notification.h"

#include <nlohmann/json.hpp>

#include "schema/codec.h"

namespace edgewatch::alerting {

schema::AlertStatus Notification::status() const {
  return firing_count() > 0 ? schema::AlertStatus::kFiring : schema::AlertStatus::kResolved;
}

size_t Notification::firing_count() const {
  size_t n = 0;
  for (const schema::Alert& a : alerts) n += a.status == schema::AlertStatus::kFiring ? 1 : 0;
  return n;
}

namespace {

template <typename Get>
Labels Common(const std::vector<schema::Alert>& alerts, Get get) {
  Labels out;
  if (alerts.empty()) return out;
  for (const auto& [k, v] : get(alerts.front())) out.emplace(k, v);
  for (size_t i = 1; i < alerts.size() && !out.empty(); ++i) {
    const auto& m = get(alerts[i]);
    for (auto it = out.begin(); it != out.end();) {
      auto f = m.find(it->first);
      it = f == m.end() || f->second != it->second ? out.erase(it) : std::next(it);
    }
  }
  return out;
}

}  // namespace

Labels Notification::CommonLabels() const {
  return Common(
      alerts, [](const schema::Alert& a) -> const auto& { return a.labels; });
}

Labels Notification::CommonAnnotations() const {
  return Common(
      alerts, [](const schema::Alert& a) -> const auto& { return a.annotations; });
}

std::string Describe(const Notification& n) {
  std::string s = "group " + n.group_key + " (" + std::to_string(n.alerts.size()) +
                  (n.alerts.size() == 1 ? " alert, " : " alerts, ") +
                  schema::AlertStatusName(n.status()) + ")";
  return s;
}

std::string EncodeNotification(const Notification& n) {
  nlohmann::json j;
  j["receiver"] = n.receiver;
  j["group_key"] = n.group_key;
  j["group_labels"] = n.group_labels;
  j["truncated_alerts"] = n.truncated_alerts;
  j["created_ns"] = n.created_ns;
  j["reason"] = n.reason;
  nlohmann::json alerts = nlohmann::json::array();
  for (const schema::Alert& a : n.alerts)
    alerts.push_back(nlohmann::json::parse(schema::Encode(a)));
  j["alerts"] = std::move(alerts);
  return j.dump();
}

Result<Notification> DecodeNotification(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Err("notification: not a JSON object");
  Notification n;
  try {
    n.receiver = j.at("receiver").get<std::string>();
    n.group_key = j.at("group_key").get<std::string>();
    for (const auto& [k, v] : j.at("group_labels").items())
      n.group_labels[k] = v.get<std::string>();
    n.truncated_alerts = j.value("truncated_alerts", uint64_t{0});
    n.created_ns = j.at("created_ns").get<int64_t>();
    n.reason = j.value("reason", std::string());
    schema::Decoder decoder;
    size_t i = 0;
    for (const auto& a : j.at("alerts")) {
      auto alert = decoder.DecodeAlert(a.dump());
      if (!alert) return Err("notification: alerts[" + std::to_string(i) + "]: " + alert.error());
      n.alerts.push_back(std::move(*alert));
      ++i;
    }
  } catch (const nlohmann::json::exception& e) {
    return Err(std::string("notification: ") + e.what());
  }
  return n;
}

}  // namespace edgewatch::alerting
