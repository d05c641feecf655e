#include "detector/alert_labels.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <system_error>

namespace edgewatch::detector {

std::string FormatNumber(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

namespace {

// Prometheus label names: [A-Za-z_][A-Za-z0-9_]*, and "__" is reserved for internal use.
bool IsLabelName(std::string_view s) {
  const auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (s.empty() || !alpha(s[0]) || s.starts_with("__")) {
    return false;
  }
  return std::all_of(s.begin() + 1, s.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

}  // namespace

const schema::Peer& TaggedPeer(const schema::Edge& edge) {
  return edge.server.service.empty() && !edge.client.service.empty() ? edge.client : edge.server;
}

Labels AlertLabels(const rules::Rule& rule, const schema::Edge& edge, const std::string& node) {
  // Lowest precedence first: CMDB tags of the mapped service, then the rule file's labels (the
  // platform team's explicit statement), then the labels the detector sets, which nothing
  // overrides (docs/identity.md "Alerts").
  Labels labels;
  for (const auto& [key, value] : TaggedPeer(edge).tags) {
    if (IsLabelName(key) && !rules::IsReservedLabel(key)) {
      labels[key] = value;
    }
  }
  for (const auto& [key, value] : rule.labels) {  // the loader keeps reserved names out of these
    labels[key] = value;
  }
  labels["alertname"] = rule.name;
  labels["severity"] = std::string(rules::SeverityName(rule.severity));
  labels["business_system"] = rule.business_system;
  labels["side"] = schema::SideName(edge.side);
  labels["server"] = schema::HostPort(edge.server.ip, edge.server.port);
  const auto add_if_set = [&](const char* name, const std::string& value) {
    if (!value.empty()) {
      labels[name] = value;
    }
  };
  add_if_set("client_workload", edge.client.workload);
  add_if_set("client_ip", edge.client.ip);
  add_if_set("client_container", edge.client.container_id);
  add_if_set("node", node);
  add_if_set("client_service", edge.client.service);
  add_if_set("server_service", edge.server.service);
  add_if_set("client_business_system", edge.client.business_system);
  add_if_set("server_business_system", edge.server.business_system);
  return labels;
}

std::map<std::string, std::string> AlertAnnotations(const rules::Rule& rule,
                                                    const schema::Edge& edge,
                                                    const std::string& node, const Evaluation& ev) {
  using rules::Placeholder;
  std::map<std::string, std::string> out;
  if (rule.annotations.empty()) {
    return out;
  }
  const std::string server = schema::HostPort(edge.server.ip, edge.server.port);
  const std::string port = std::to_string(edge.server.port);
  const std::string value = FormatNumber(ev.value);
  const std::string threshold = FormatNumber(ev.threshold);
  rules::TemplateValues values{};
  const auto set = [&](Placeholder p, std::string_view v) { values[static_cast<size_t>(p)] = v; };
  set(Placeholder::kClientWorkload, edge.client.workload);
  set(Placeholder::kClientIp, edge.client.ip);
  set(Placeholder::kServer, server);
  set(Placeholder::kServerIp, edge.server.ip);
  set(Placeholder::kServerPort, port);
  set(Placeholder::kSide, schema::SideName(edge.side));
  set(Placeholder::kValue, value);
  set(Placeholder::kThreshold, threshold);
  set(Placeholder::kSignal, rule.signal.name());
  set(Placeholder::kRule, rule.name);
  set(Placeholder::kNode, node);
  set(Placeholder::kBusinessSystem, rule.business_system);
  set(Placeholder::kClientService, edge.client.service);
  set(Placeholder::kServerService, edge.server.service);
  for (const rules::Annotation& a : rule.annotations) {
    out[a.name] = a.text.Render(values);
  }
  return out;
}

}  // namespace edgewatch::detector
