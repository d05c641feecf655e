#include "alerting/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "alerting/secret.h"
#include "rules/duration.h"
#include "rules/yaml_document.h"

namespace edgewatch::alerting {

namespace {

using rules::PositionOf;
using rules::Where;

constexpr const char* kReceiverTypes[] = {"webhook", "alertmanager", "dingtalk", "wecom",
                                          "feishu",  "slack",        "stdout",   "kafka"};

// Parsing context: the file name for messages; throws ConfigError to unwind to the top.
struct ConfigError {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  std::string At(const YAML::Node& n) const { return Where(path_, PositionOf(n)); }

  [[noreturn]] void Fail(const YAML::Node& n, const std::string& what) const {
    throw ConfigError{At(n) + ": " + what};
  }

  void Map(const YAML::Node& n, const std::string& name) const {
    if (!n.IsMap()) Fail(n, name + ": must be a mapping");
  }

  // Every key of mapping `n` must be in `allowed`.
  void Keys(const YAML::Node& n, const std::string& name,
            std::initializer_list<std::string_view> allowed) const {
    Map(n, name);
    for (const auto& kv : n) {
      const std::string key = kv.first.as<std::string>();
      bool ok = false;
      for (std::string_view a : allowed) ok = ok || a == key;
      if (!ok) {
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        Fail(kv.first, name + ": unknown key \"" + key + "\" (known: " + list + ")");
      }
    }
  }

  std::string Str(const YAML::Node& n, const std::string& name) const {
    if (!n.IsScalar()) Fail(n, name + ": must be a string");
    return n.as<std::string>();
  }

  bool Bool(const YAML::Node& n, const std::string& name) const {
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
      Fail(n, name + ": must be true or false");
    return v;
  }

  double Number(const YAML::Node& n, const std::string& name) const {
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v)) Fail(n, name + ": must be a number");
    return v;
  }

  uint64_t Count(const YAML::Node& n, const std::string& name) const {
    const std::string s = Str(n, name);
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) {
      Fail(n, name + ": must be a whole number >= 0 (got \"" + s + "\")");
    }
    return std::stoull(s);
  }

  std::chrono::milliseconds Duration(const YAML::Node& n, const std::string& name) const {
    auto d = rules::ParseDuration(Str(n, name));
    if (!d) Fail(n, name + ": " + d.error());
    return std::chrono::milliseconds(*d / 1'000'000);
  }

  std::vector<std::string> Strings(const YAML::Node& n, const std::string& name) const {
    if (!n.IsSequence()) Fail(n, name + ": must be a list of strings");
    std::vector<std::string> out;
    out.reserve(n.size());
    for (const auto& item : n) out.push_back(Str(item, name));
    return out;
  }

  // `matchers: ['a="b"', …]`, and Alertmanager's older `match: {a: b}` / `match_re: {a: re}`.
  std::vector<Matcher> Matchers(const YAML::Node& parent, const std::string& name,
                                const std::string& list_key, const std::string& eq_key,
                                const std::string& re_key) const {
    std::vector<Matcher> out;
    if (const YAML::Node l = parent[list_key]) {
      for (const auto& item : l.IsSequence() ? l : YAML::Node()) {
        auto parsed = ParseMatchers(Str(item, name + "." + list_key));
        if (!parsed) Fail(item, name + "." + list_key + ": " + parsed.error());
        for (auto& m : *parsed) out.push_back(std::move(m));
      }
      if (!l.IsSequence()) Fail(l, name + "." + list_key + ": must be a list of matchers");
    }
    for (const auto& [key, op] :
         {std::pair{eq_key, Matcher::Op::kEqual}, std::pair{re_key, Matcher::Op::kRegex}}) {
      const YAML::Node m = parent[key];
      if (!m) continue;
      Map(m, name + "." + key);
      for (const auto& kv : m) {
        auto made =
            Matcher::Create(kv.first.as<std::string>(), op, Str(kv.second, name + "." + key));
        if (!made) Fail(kv.first, name + "." + key + ": " + made.error());
        out.push_back(std::move(*made));
      }
    }
    return out;
  }

  RouteConfig Route(const YAML::Node& n, const std::string& name, bool root) const {
    Keys(n, name,
         {"receiver", "matchers", "match", "match_re", "group_by", "group_wait", "group_interval",
          "repeat_interval", "continue", "routes"});
    RouteConfig r;
    r.where = At(n);
    if (n["receiver"]) r.receiver = Str(n["receiver"], name + ".receiver");
    r.matchers = Matchers(n, name, "matchers", "match", "match_re");
    if (root && !r.matchers.empty())
      Fail(n, name + ": the root route matches every alert; no matchers");
    if (n["group_by"]) r.group_by = Strings(n["group_by"], name + ".group_by");
    if (n["group_wait"]) r.group_wait = Duration(n["group_wait"], name + ".group_wait");
    if (n["group_interval"]) {
      r.group_interval = Duration(n["group_interval"], name + ".group_interval");
    }
    if (n["repeat_interval"]) {
      r.repeat_interval = Duration(n["repeat_interval"], name + ".repeat_interval");
    }
    if (n["continue"]) {
      if (root) Fail(n["continue"], name + ".continue: not allowed on the root route");
      r.continue_matching = Bool(n["continue"], name + ".continue");
    }
    if (const YAML::Node routes = n["routes"]) {
      if (!routes.IsSequence()) Fail(routes, name + ".routes: must be a list of routes");
      for (size_t i = 0; i < routes.size(); ++i) {
        r.routes.push_back(Route(routes[i], name + ".routes[" + std::to_string(i) + "]", false));
      }
    }
    return r;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

nlohmann::json ToJson(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& kv : n) j[kv.first.as<std::string>()] = ToJson(kv.second);
    return j;
  }
  if (n.IsSequence()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& item : n) j.push_back(ToJson(item));
    return j;
  }
  if (n.IsScalar()) return n.as<std::string>();
  return nullptr;
}

AlertingConfig Parse(const YAML::Node& root, const Reader& r) {
  AlertingConfig c;
  c.path = r.path();
  r.Keys(root, "alerting config",
         {"global", "api", "silences", "delivery", "route", "inhibit_rules", "receivers"});

  if (const YAML::Node g = root["global"]) {
    r.Keys(g, "global", {"external_url"});
    if (g["external_url"]) c.external_url = r.Str(g["external_url"], "global.external_url");
  }

  if (const YAML::Node recv = root["receivers"]) {
    if (!recv.IsSequence()) r.Fail(recv, "receivers: must be a list");
    std::set<std::string> names;
    for (size_t i = 0; i < recv.size(); ++i) {
      const YAML::Node e = recv[i];
      const std::string name = "receivers[" + std::to_string(i) + "]";
      r.Map(e, name);
      ReceiverSpec spec;
      spec.where = r.At(e);
      if (!e["name"]) r.Fail(e, name + ": no name");
      spec.name = r.Str(e["name"], name + ".name");
      if (!names.insert(spec.name).second) {
        r.Fail(e["name"], name + ".name: \"" + spec.name + "\" is defined twice");
      }
      for (const auto& kv : e) {
        const std::string key = kv.first.as<std::string>();
        if (key == "name") continue;
        if (key == "send_resolved") {
          spec.send_resolved = r.Bool(kv.second, name + ".send_resolved");
          continue;
        }
        bool known = false;
        for (const char* t : kReceiverTypes) known = known || key == t;
        if (!known) {
          r.Fail(kv.first, name + " (" + spec.name + "): unknown key \"" + key +
                               "\" (a receiver has a name, send_resolved and one of webhook, "
                               "alertmanager, dingtalk, wecom, feishu, slack, stdout, kafka)");
        }
        if (!spec.type.empty()) {
          r.Fail(kv.first, name + " (" + spec.name + "): has both " + spec.type + " and " + key +
                               "; define one receiver per destination");
        }
        spec.type = key;
        if (!kv.second.IsNull()) {
          r.Map(kv.second, name + "." + key);
          spec.settings = ToJson(kv.second);
          for (const auto& s : kv.second) spec.where_key[s.first.as<std::string>()] = r.At(s.first);
        }
      }
      if (spec.type.empty()) {
        r.Fail(e, name + " (" + spec.name +
                      "): no destination (one of webhook, alertmanager, dingtalk, wecom, feishu, "
                      "slack, stdout, kafka)");
      }
      c.notifier.send_resolved[spec.name] = spec.send_resolved;
      c.receivers.push_back(std::move(spec));
    }
  }
  if (c.receivers.empty()) r.Fail(root, "receivers: at least one receiver is required");

  if (!root["route"]) {
    r.Fail(root, "route: missing (at least `route: {receiver: <name>}`)");
  }
  c.notifier.route = r.Route(root["route"], "route", true);

  if (const YAML::Node inh = root["inhibit_rules"]) {
    if (!inh.IsSequence()) r.Fail(inh, "inhibit_rules: must be a list");
    for (size_t i = 0; i < inh.size(); ++i) {
      const std::string name = "inhibit_rules[" + std::to_string(i) + "]";
      r.Keys(inh[i], name,
             {"source_matchers", "target_matchers", "source_match", "source_match_re",
              "target_match", "target_match_re", "equal"});
      InhibitRule rule;
      rule.source_matchers =
          r.Matchers(inh[i], name, "source_matchers", "source_match", "source_match_re");
      rule.target_matchers =
          r.Matchers(inh[i], name, "target_matchers", "target_match", "target_match_re");
      if (rule.source_matchers.empty() || rule.target_matchers.empty()) {
        r.Fail(inh[i], name + ": needs source_matchers and target_matchers");
      }
      if (inh[i]["equal"]) rule.equal = r.Strings(inh[i]["equal"], name + ".equal");
      c.notifier.inhibit_rules.push_back(std::move(rule));
    }
  }

  if (const YAML::Node d = root["delivery"]) {
    r.Keys(d, "delivery", {"queue_capacity", "spool_dir", "retry"});
    if (d["queue_capacity"]) {
      c.dispatcher.queue_capacity = r.Count(d["queue_capacity"], "delivery.queue_capacity");
    }
    if (d["spool_dir"]) c.dispatcher.spool_dir = r.Str(d["spool_dir"], "delivery.spool_dir");
    if (const YAML::Node rt = d["retry"]) {
      r.Keys(rt, "delivery.retry",
             {"initial_backoff", "multiplier", "max_backoff", "jitter", "max_attempts",
              "give_up_after"});
      RetryPolicy& p = c.dispatcher.retry;
      if (rt["initial_backoff"])
        p.initial_backoff = r.Duration(rt["initial_backoff"], "delivery.retry.initial_backoff");
      if (rt["max_backoff"])
        p.max_backoff = r.Duration(rt["max_backoff"], "delivery.retry.max_backoff");
      if (rt["give_up_after"])
        p.give_up_after = r.Duration(rt["give_up_after"], "delivery.retry.give_up_after");
      if (rt["multiplier"]) p.multiplier = r.Number(rt["multiplier"], "delivery.retry.multiplier");
      if (rt["jitter"]) p.jitter = r.Number(rt["jitter"], "delivery.retry.jitter");
      if (rt["max_attempts"]) {
        p.max_attempts =
            static_cast<uint32_t>(r.Count(rt["max_attempts"], "delivery.retry.max_attempts"));
      }
    }
    if (auto bad = c.dispatcher.Validate()) r.Fail(d, "delivery: " + bad->message);
  }

  if (const YAML::Node s = root["silences"]) {
    r.Keys(s, "silences", {"file"});
    if (s["file"]) c.silences_file = r.Str(s["file"], "silences.file");
  }

  if (const YAML::Node a = root["api"]) {
    r.Keys(a, "api", {"token", "token_file", "token_env"});
    SecretSource src;
    int forms = 0;
    if (a["token"]) src.literal = r.Str(a["token"], "api.token"), ++forms;
    if (a["token_file"]) src.file = r.Str(a["token_file"], "api.token_file"), ++forms;
    if (a["token_env"]) src.env = r.Str(a["token_env"], "api.token_env"), ++forms;
    if (forms > 1) r.Fail(a, "api: give one of token, token_file, token_env");
    auto token = ResolveSecret(src, "api.token");
    if (!token) r.Fail(a, token.error());
    if (forms == 1 && token->empty()) r.Fail(a, "api: the token is empty");
    c.api_token = std::move(*token);
  }
  return c;
}

}  // namespace

Result<AlertingConfig> ParseAlertingConfig(std::string_view text, const std::string& path) {
  const rules::YamlDocument doc = rules::LoadSingleYamlDocument(text);
  if (!doc.ok()) return Err(Where(path, doc.error_at) + ": " + doc.error);
  if (doc.root.IsNull())
    return Err(path + ":1:1: the file is empty (at least route and receivers)");
  Reader reader(path);
  try {
    AlertingConfig c = Parse(doc.root, reader);
    // The route tree against the receivers: the Notifier's own check, with positions.
    std::vector<std::string> names;
    names.reserve(c.receivers.size());
    for (const auto& s : c.receivers) names.push_back(s.name);
    NotifierOptions o;
    o.start_thread = false;
    auto check = Notifier::Create(
        c.notifier, names, [](const Notification&) {}, o);
    if (!check) return Err(check.error());
    return c;
  } catch (const ConfigError& e) {
    return Err(e.message);
  } catch (const YAML::Exception& e) {
    return Err(Where(path, PositionOf(e.mark)) + ": " + e.msg);
  }
}

Result<AlertingConfig> LoadAlertingConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(path + ": cannot read the alerting config: " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseAlertingConfig(ss.str(), path);
}

}  // namespace edgewatch::alerting
