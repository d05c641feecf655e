#include "detector/alert_labels.h"

#include <charconv>
#include <system_error>

namespace edgewatch::detector {

std::string FormatNumber(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

Labels AlertLabels(const rules::Rule& rule, const schema::Edge& edge, const std::string& node) {
  Labels labels = rule.labels;  // the loader keeps reserved names out of these
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
  for (const rules::Annotation& a : rule.annotations) {
    out[a.name] = a.text.Render(values);
  }
  return out;
}

}  // namespace edgewatch::detector
