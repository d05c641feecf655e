#include "alerting/message.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "schema/codec.h"
#include "schema/edge.h"

namespace edgewatch::alerting {

namespace {

constexpr std::string_view kTruncatedMark = "… (truncated)";
constexpr size_t kMaxAlertnames = 3;

std::string Escape(Markup m, std::string_view s) {
  if (m != Markup::kSlack) {
    return std::string(s);
  }
  // Slack mrkdwn: the three characters it reserves for its own syntax.
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(ch);
    }
  }
  return out;
}

std::string Bold(Markup m, std::string_view s) {
  switch (m) {
    case Markup::kMarkdown:
      return "**" + std::string(s) + "**";
    case Markup::kSlack:
      return "*" + std::string(s) + "*";
    case Markup::kPlain:
      break;
  }
  return std::string(s);
}

std::string Link(Markup m, std::string_view text, std::string_view url) {
  switch (m) {
    case Markup::kMarkdown:
      return "[" + std::string(text) + "](" + std::string(url) + ")";
    case Markup::kSlack:
      return "<" + std::string(url) + "|" + Escape(m, text) + ">";
    case Markup::kPlain:
      break;
  }
  return std::string(url);
}

std::string Number(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

// "2026-11-22 10:15:03 UTC": seconds are enough on a phone.
std::string HumanTime(int64_t ns) {
  std::string t = schema::FormatTime(ns);  // 2026-11-22T10:15:03.123456789Z
  const size_t dot = t.find('.');
  t = t.substr(0, dot == std::string::npos ? t.size() - 1 : dot);
  if (t.size() > 10 && t[10] == 'T') {
    t[10] = ' ';
  }
  return t + " UTC";
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += s;
  }
  return out;
}

std::string PeerName(const schema::Peer& p) {
  if (!p.service.empty()) return p.service;
  if (!p.workload.empty()) return p.workload;
  return p.ip;
}

// "orders → 10.0.3.7:5432 (payments-db)".
std::string EdgeText(const schema::Edge& e) {
  std::string s = PeerName(e.client) + " → " + schema::HostPort(e.server.ip, e.server.port);
  if (!e.server.service.empty()) {
    s += " (" + e.server.service + ")";
  }
  return s;
}

// An edge key "<side>|<client workload>|<client container>|<client ip>|<server>|<protocol>"
// (schema::Edge::Key) as "orders → 10.0.3.7:5432".
std::string EdgeKeyText(std::string_view key) {
  std::vector<std::string_view> parts;
  while (true) {
    const size_t bar = key.find('|');
    parts.push_back(key.substr(0, bar));
    if (bar == std::string_view::npos) break;
    key.remove_prefix(bar + 1);
  }
  if (parts.size() < 5) {
    return std::string(key);
  }
  const std::string_view client = !parts[1].empty() ? parts[1] : parts[3];
  return std::string(client) + " → " + std::string(parts[4]);
}

std::string ScopeText(const schema::RootCauseInfo& rc) {
  std::vector<std::string> items;
  for (const auto& [attr, value] : rc.scope) items.push_back(attr + "=" + value);
  return Join(items, ", ");
}

std::string EvidenceUrl(const MessageOptions& o, const std::string& id) {
  return o.external_url + "/api/v1/evidence/" + id;  // ids keep their '/': the API expects them
}

// Up to max_evidence_links of `ids` as links, "(+N more)" after them; "" without ids.
std::string EvidenceLinks(const std::vector<std::string>& ids, const MessageOptions& o) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < ids.size() && i < o.max_evidence_links; ++i) {
    shown.push_back(o.external_url.empty() ? Escape(o.markup, ids[i])
                                           : Link(o.markup, ids[i], EvidenceUrl(o, ids[i])));
  }
  std::string s = Join(shown, ", ");
  if (ids.size() > shown.size()) {
    s += " (+" + std::to_string(ids.size() - shown.size()) + " more)";
  }
  return s;
}

std::string StatusLine(const schema::Alert& a, const MessageOptions& o) {
  std::string s = Bold(o.markup, Escape(o.markup, a.rule));
  if (!a.severity.empty()) {
    s += " · " + Escape(o.markup, a.severity);
  }
  if (a.status == schema::AlertStatus::kFiring) {
    s += " · FIRING since " + HumanTime(a.starts_at_ns);
  } else {
    s += " · RESOLVED at " + HumanTime(a.ends_at_ns) + " (started " + HumanTime(a.starts_at_ns) +
         ")";
  }
  return s;
}

const std::string* Find(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() || it->second.empty() ? nullptr : &it->second;
}

std::string RenderAlert(const schema::Alert& a, const MessageOptions& o) {
  const Markup m = o.markup;
  std::vector<std::string> lines;
  const auto item = [&](std::string_view name, const std::string& value) {
    lines.push_back("- " + std::string(name) + ": " + value);
  };
  lines.push_back(StatusLine(a, o));
  if (a.root_cause) {
    const schema::RootCauseInfo& rc = *a.root_cause;
    item("Cause", Escape(m, rc.cause));
    if (!rc.scope.empty()) item("Scope", Escape(m, ScopeText(rc)));
    std::string radius = std::to_string(rc.edge_count) + (rc.edge_count == 1 ? " edge" : " edges");
    if (!rc.business_systems.empty()) {
      radius += "; business systems: " + Escape(m, Join(rc.business_systems, ", "));
    }
    item("Blast radius", radius);
    const size_t shown = std::min(rc.symptoms.size(), o.max_symptoms);
    for (size_t i = 0; i < shown; ++i) {
      const schema::SymptomRef& s = rc.symptoms[i];
      std::string text = s.rule + " on " + EdgeKeyText(s.edge);
      if (!s.symptoms.empty()) text += " (" + Join(s.symptoms, ", ") + ")";
      item("Symptom", Escape(m, text));
    }
    const uint64_t more = rc.symptoms.size() - shown + rc.symptoms_truncated;
    if (more > 0) lines.push_back("- … " + std::to_string(more) + " more symptoms");
    if (const std::string* v = Find(a.annotations, "summary")) item("Summary", Escape(m, *v));
  } else {
    if (const std::string* v = Find(a.annotations, "summary")) item("Summary", Escape(m, *v));
    std::string edge = EdgeText(a.edge);
    if (!a.node.empty()) edge += " on " + a.node;
    item("Edge", Escape(m, edge));
    item("Value", Escape(m, Number(a.value) + " (" + a.signal + " " + a.comparison + " " +
                                Number(a.threshold) + ")"));
  }
  if (!a.evidence_ids.empty()) item("Evidence", EvidenceLinks(a.evidence_ids, o));
  std::string out = Join(lines, "\n");
  if (const std::string* v = Find(a.annotations, "description")) {
    out += "\n\n" + Escape(m, *v);
  }
  return out;
}

bool IsPlaceholder(std::string_view name) {
  for (std::string_view p : kPlaceholders) {
    if (p == name) return true;
  }
  for (std::string_view prefix : {std::string_view("labels."), std::string_view("annotations.")}) {
    if (name.starts_with(prefix) && name.size() > prefix.size()) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string CommonOrFirst(const Notification& n, const Labels& common, const char* key,
                          bool annotation) {
  if (auto it = common.find(key); it != common.end()) return it->second;
  if (n.alerts.empty()) return "";
  const auto& m = annotation ? n.alerts.front().annotations : n.alerts.front().labels;
  auto it = m.find(key);
  return it == m.end() ? "" : it->second;
}

std::string Alertnames(const Notification& n) {
  std::vector<std::string> names;
  for (const schema::Alert& a : n.alerts) {
    auto it = a.labels.find("alertname");
    const std::string& name = it != a.labels.end() ? it->second : a.rule;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (names.size() > kMaxAlertnames) {
    names.resize(kMaxAlertnames);
    names.emplace_back("…");
  }
  return Join(names, ", ");
}

const schema::RootCauseInfo* FirstRootCause(const Notification& n) {
  for (const schema::Alert& a : n.alerts) {
    if (a.root_cause) return &*a.root_cause;
  }
  return nullptr;
}

// {{cause}}, {{scope}}, {{edge_count}}, {{business_systems}}: of `rc`, empty without one.
std::string RootCauseValue(std::string_view name, const schema::RootCauseInfo* rc, Markup m) {
  if (rc == nullptr) return "";
  if (name == "cause") return Escape(m, rc->cause);
  if (name == "scope") return Escape(m, ScopeText(*rc));
  if (name == "edge_count") return std::to_string(rc->edge_count);
  return Escape(m, Join(rc->business_systems, ", "));
}

// {{labels.X}}: a group label, else a common one; {{annotations.X}}: a common annotation.
std::string LabelValue(std::string_view name, const Notification& n, Markup m) {
  if (name.starts_with("labels.")) {
    const std::string_view key = name.substr(7);
    if (auto it = n.group_labels.find(std::string(key)); it != n.group_labels.end()) {
      return Escape(m, it->second);
    }
    const Labels common = n.CommonLabels();
    auto it = common.find(std::string(key));
    return it == common.end() ? "" : Escape(m, it->second);
  }
  if (name.starts_with("annotations.")) {
    const Labels common = n.CommonAnnotations();
    auto it = common.find(std::string(name.substr(12)));
    return it == common.end() ? "" : Escape(m, it->second);
  }
  return "";  // Parse() lets no other name through
}

std::string Value(std::string_view name, const Notification& n, const MessageOptions& o) {
  const Markup m = o.markup;
  const bool firing = n.status() == schema::AlertStatus::kFiring;
  const size_t firing_count = n.firing_count();
  if (name == "status") return firing ? "FIRING" : "RESOLVED";
  if (name == "count") return std::to_string(firing ? firing_count : n.alerts.size());
  if (name == "firing") return std::to_string(firing_count);
  if (name == "resolved") return std::to_string(n.alerts.size() - firing_count);
  if (name == "alertname") return Escape(m, Alertnames(n));
  if (name == "severity") return Escape(m, CommonOrFirst(n, n.CommonLabels(), "severity", false));
  if (name == "summary") {
    return Escape(m, CommonOrFirst(n, n.CommonAnnotations(), "summary", true));
  }
  if (name == "description") {
    return Escape(m, CommonOrFirst(n, n.CommonAnnotations(), "description", true));
  }
  if (name == "alerts") return RenderAlerts(n, o);
  if (name == "receiver") return Escape(m, n.receiver);
  if (name == "external_url") return o.external_url;
  if (name == "group_labels") {
    std::vector<std::string> items;
    for (const auto& [k, v] : n.group_labels) items.push_back(k + "=" + v);
    return Escape(m, Join(items, ", "));
  }
  if (name == "starts_at") {
    int64_t first = 0;
    for (const schema::Alert& a : n.alerts) {
      if (first == 0 || (a.starts_at_ns != 0 && a.starts_at_ns < first)) first = a.starts_at_ns;
    }
    return first == 0 ? "" : HumanTime(first);
  }
  if (name == "evidence_links") {
    std::vector<std::string> ids;
    std::set<std::string_view> seen;
    for (const schema::Alert& a : n.alerts) {
      for (const std::string& id : a.evidence_ids) {
        if (seen.insert(id).second) ids.push_back(id);
      }
    }
    return EvidenceLinks(ids, o);
  }
  if (name == "cause" || name == "scope" || name == "edge_count" || name == "business_systems") {
    return RootCauseValue(name, FirstRootCause(n), m);
  }
  return LabelValue(name, n, m);
}

}  // namespace

Result<MessageTemplate> MessageTemplate::Parse(std::string_view text, std::string_view key) {
  MessageTemplate t;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      t.parts_.push_back({false, std::string(text.substr(pos))});
      break;
    }
    if (open > pos) t.parts_.push_back({false, std::string(text.substr(pos, open - pos))});
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Err(std::string(key) + ": \"{{\" at byte " + std::to_string(open) +
                 " is not closed by \"}}\"");
    }
    const std::string_view name = Trim(text.substr(open + 2, close - open - 2));
    if (!IsPlaceholder(name)) {
      std::string known;
      for (std::string_view p : kPlaceholders) known += std::string(p) + ", ";
      return Err(std::string(key) + ": unknown placeholder {{" + std::string(name) +
                 "}}; known: " + known + "labels.<name>, annotations.<name>");
    }
    t.parts_.push_back({true, std::string(name)});
    pos = close + 2;
  }
  return t;
}

std::string MessageTemplate::Render(const Notification& n, const MessageOptions& options) const {
  std::string out;
  for (const Part& p : parts_) {
    out += p.placeholder ? Value(p.text, n, options) : p.text;
  }
  return out;
}

std::string_view DefaultTitleTemplate() { return "[{{status}}:{{count}}] {{alertname}}"; }

std::string_view DefaultTextTemplate(Markup markup) {
  switch (markup) {
    case Markup::kMarkdown:
      return "#### [{{status}}:{{count}}] {{alertname}}\n\n{{alerts}}";
    case Markup::kSlack:
      return "*[{{status}}:{{count}}] {{alertname}}*\n{{alerts}}";
    case Markup::kPlain:
      break;
  }
  return "[{{status}}:{{count}}] {{alertname}}\n{{alerts}}";
}

Result<MessageRenderer> MessageRenderer::Create(std::string_view title, std::string_view text,
                                                MessageOptions options,
                                                std::string_view key_prefix) {
  auto t = MessageTemplate::Parse(title.empty() ? DefaultTitleTemplate() : title,
                                  std::string(key_prefix) + "title");
  if (!t) return Err(t.error());
  auto x = MessageTemplate::Parse(text.empty() ? DefaultTextTemplate(options.markup) : text,
                                  std::string(key_prefix) + "text");
  if (!x) return Err(x.error());
  while (!options.external_url.empty() && options.external_url.back() == '/') {
    options.external_url.pop_back();
  }
  return MessageRenderer(std::move(*t), std::move(*x), std::move(options));
}

Message MessageRenderer::Render(const NotificationBatch& batch) const {
  Message m;
  for (const NotificationPtr& n : batch) {
    if (m.title.empty()) m.title = title_.Render(*n, options_);
    if (!m.text.empty()) m.text += "\n\n";
    m.text += text_.Render(*n, options_);
  }
  if (batch.size() > 1) m.title += " (+" + std::to_string(batch.size() - 1) + " more)";
  return m;
}

std::string RenderAlerts(const Notification& n, const MessageOptions& options) {
  std::string out;
  const size_t shown = std::min(n.alerts.size(), options.max_alerts);
  for (size_t i = 0; i < shown; ++i) {
    if (!out.empty()) out += "\n\n";
    out += RenderAlert(n.alerts[i], options);
  }
  const uint64_t more = n.alerts.size() - shown + n.truncated_alerts;
  if (more > 0) out += "\n\n… " + std::to_string(more) + " more alerts";
  return out;
}

std::string TruncateUtf8(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  const bool marked = max_bytes >= kTruncatedMark.size();
  size_t cut = marked ? max_bytes - kTruncatedMark.size() : max_bytes;
  // Back to the first byte of a character: continuation bytes are 10xxxxxx.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  if (marked) text += kTruncatedMark;
  return text;
}

}  // namespace edgewatch::alerting
