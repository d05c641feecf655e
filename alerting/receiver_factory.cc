#include "alerting/receiver_factory.h"

#include <cstdio>

#include "alerting/alertmanager_receiver.h"
#include "alerting/im_receivers.h"
#include "alerting/stdout_receiver.h"
#include "alerting/webhook_receiver.h"
#include "rules/duration.h"

namespace edgewatch::alerting {

Error SettingsReader::Fail(const std::string& key, const std::string& what) const {
  auto it = spec_.where_key.find(key);
  const std::string& where = it != spec_.where_key.end() ? it->second : spec_.where;
  return Err(where + ": receivers." + spec_.name + "." + spec_.type + "." + key + ": " + what);
}

Error SettingsReader::Placed(const std::string& error) const {
  return Err(spec_.where + ": receiver \"" + spec_.name + "\" (" + spec_.type + "): " + error);
}

std::optional<Error> SettingsReader::OnlyKeys(
    std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, value] : spec_.settings.items()) {
    (void)value;
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || a == key;
    if (!ok) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Fail(key, "unknown key (" + spec_.type + " takes: " + list + ")");
    }
  }
  return std::nullopt;
}

Result<std::string> SettingsReader::String(const std::string& key, std::string fallback) const {
  auto it = spec_.settings.find(key);
  if (it == spec_.settings.end()) return fallback;
  if (!it->is_string()) return Fail(key, "must be a string");
  return it->get<std::string>();
}

Result<bool> SettingsReader::Bool(const std::string& key, bool fallback) const {
  auto s = String(key, fallback ? "true" : "false");
  if (!s) return Err(s.error());
  if (*s == "true") return true;
  if (*s == "false") return false;
  return Fail(key, "must be true or false (got \"" + *s + "\")");
}

Result<uint64_t> SettingsReader::Count(const std::string& key, uint64_t fallback) const {
  auto s = String(key, std::to_string(fallback));
  if (!s) return Err(s.error());
  if (s->empty() || s->find_first_not_of("0123456789") != std::string::npos) {
    return Fail(key, "must be a whole number (got \"" + *s + "\")");
  }
  return std::stoull(*s);
}

Result<std::chrono::milliseconds> SettingsReader::Duration(
    const std::string& key, std::chrono::milliseconds fallback) const {
  if (!Has(key)) return fallback;
  auto s = String(key);
  if (!s) return Err(s.error());
  auto d = rules::ParseDuration(*s);
  if (!d) return Fail(key, d.error());
  return std::chrono::milliseconds(*d / 1'000'000);
}

Result<std::vector<std::string>> SettingsReader::Strings(const std::string& key) const {
  std::vector<std::string> out;
  auto it = spec_.settings.find(key);
  if (it == spec_.settings.end()) return out;
  if (!it->is_array()) return Fail(key, "must be a list of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) return Fail(key, "must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> SettingsReader::StringMap(
    const std::string& key) const {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = spec_.settings.find(key);
  if (it == spec_.settings.end()) return out;
  if (!it->is_object()) return Fail(key, "must be a mapping of names to strings");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return Fail(key, "value of \"" + k + "\" must be a string");
    out.emplace_back(k, v.get<std::string>());
  }
  return out;
}

Result<SecretSource> SettingsReader::Secret(const std::string& key) const {
  SecretSource s;
  int forms = 0;
  for (const auto& [suffix, into] : {std::pair<std::string, std::string*>{"", &s.literal},
                                     {"_file", &s.file},
                                     {"_env", &s.env}}) {
    if (!Has(key + suffix)) continue;
    ++forms;
    auto v = String(key + suffix);
    if (!v) return Err(v.error());
    *into = *v;
  }
  if (forms > 1) return Fail(key, "give one of " + key + ", " + key + "_file, " + key + "_env");
  return s;
}

Result<std::optional<RateLimit>> SettingsReader::Rate(const std::string& key) const {
  if (!Has(key)) return std::optional<RateLimit>();
  auto s = String(key);
  if (!s) return Err(s.error());
  const auto slash = s->find('/');
  const std::string count = s->substr(0, slash);
  if (slash == std::string::npos || count.empty() ||
      count.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(key, "must be <count>/<duration>, e.g. 20/1m (got \"" + *s + "\")");
  }
  auto per = rules::ParseDuration(s->substr(slash + 1));
  if (!per || *per <= 0) {
    return Fail(key, "must be <count>/<duration>, e.g. 20/1m (got \"" + *s + "\")");
  }
  RateLimit r;
  r.count = static_cast<uint32_t>(std::stoul(count));
  r.per = std::chrono::milliseconds(*per / 1'000'000);
  return std::optional<RateLimit>(r);
}

namespace {

template <typename T>
Result<std::unique_ptr<Receiver>> Up(Result<std::unique_ptr<T>> r, const SettingsReader& s) {
  if (!r) return s.Placed(r.error());
  return std::unique_ptr<Receiver>(std::move(*r));
}

// Fills the settings all four chat robots share.
std::optional<Error> ReadIm(const SettingsReader& s, const ReceiverSpec& spec,
                            const std::string& external_url, ImReceiverConfig& c) {
  c.name = spec.name;
  auto url = s.Secret("url");
  if (!url) return Err(url.error());
  c.url = *url;
  auto secret = s.Secret("secret");
  if (!secret) return Err(secret.error());
  c.secret = *secret;
  auto timeout = s.Duration("timeout", c.timeout);
  auto title = s.String("title");
  auto text = s.String("text");
  auto base = s.String("external_url", external_url);
  auto batch = s.Count("max_batch", c.max_batch);
  auto max_alerts = s.Count("max_alerts", c.max_alerts);
  auto rate = s.Rate("rate_limit");
  if (!timeout) return Err(timeout.error());
  if (!title) return Err(title.error());
  if (!text) return Err(text.error());
  if (!base) return Err(base.error());
  if (!batch) return Err(batch.error());
  if (!max_alerts) return Err(max_alerts.error());
  if (!rate) return Err(rate.error());
  c.timeout = *timeout;
  c.title = *title;
  c.text = *text;
  c.external_url = *base;
  c.max_batch = *batch;
  c.max_alerts = *max_alerts;
  c.rate_limit = *rate;
  return std::nullopt;
}

#define EW_IM_KEYS                                                                       \
  "url", "url_file", "url_env", "timeout", "title", "text", "external_url", "max_batch", \
      "max_alerts", "rate_limit"

Result<std::unique_ptr<Receiver>> Build(const ReceiverSpec& spec, const std::string& external_url) {
  SettingsReader s(spec);
  const std::string& t = spec.type;
  if (t == "stdout") {
    if (auto e = s.OnlyKeys({})) return *e;
    return std::unique_ptr<Receiver>(std::make_unique<StdoutReceiver>(spec.name, stdout));
  }
  if (t == "webhook") {
    if (auto e = s.OnlyKeys({"url", "url_file", "url_env", "timeout", "headers", "bearer_token",
                             "bearer_token_file", "bearer_token_env", "format", "external_url"})) {
      return *e;
    }
    WebhookConfig c;
    c.name = spec.name;
    auto url = s.Secret("url");
    auto timeout = s.Duration("timeout", c.timeout);
    auto headers = s.StringMap("headers");
    auto token = s.Secret("bearer_token");
    auto format = s.String("format", "alertmanager");
    auto base = s.String("external_url", external_url);
    if (!url) return Err(url.error());
    if (!timeout) return Err(timeout.error());
    if (!headers) return Err(headers.error());
    if (!token) return Err(token.error());
    if (!format) return Err(format.error());
    if (!base) return Err(base.error());
    auto f = ParseWebhookFormat(*format);
    if (!f) return s.Fail("format", "must be alertmanager or edgewatch (got \"" + *format + "\")");
    c.url = url->literal;
    c.url_file = url->file;
    c.url_env = url->env;
    c.timeout = *timeout;
    c.headers = *headers;
    c.bearer_token = *token;
    c.format = *f;
    c.external_url = *base;
    return Up(WebhookReceiver::Create(std::move(c)), s);
  }
  if (t == "alertmanager") {
    if (auto e =
            s.OnlyKeys({"url", "timeout", "resend_interval", "headers", "bearer_token",
                        "bearer_token_file", "bearer_token_env", "max_batch", "external_url"})) {
      return *e;
    }
    AlertmanagerReceiverConfig c;
    c.name = spec.name;
    auto url = s.String("url");
    auto timeout = s.Duration("timeout", c.timeout);
    auto resend = s.Duration("resend_interval", c.resend_interval);
    auto headers = s.StringMap("headers");
    auto token = s.Secret("bearer_token");
    auto batch = s.Count("max_batch", c.max_batch);
    auto base = s.String("external_url", external_url);
    if (!url) return Err(url.error());
    if (!timeout) return Err(timeout.error());
    if (!resend) return Err(resend.error());
    if (!headers) return Err(headers.error());
    if (!token) return Err(token.error());
    if (!batch) return Err(batch.error());
    if (!base) return Err(base.error());
    c.url = *url;
    c.timeout = *timeout;
    c.resend_interval = *resend;
    c.headers = *headers;
    c.bearer_token = *token;
    c.max_batch = *batch;
    c.external_url = *base;
    return Up(AlertmanagerReceiver::Create(std::move(c)), s);
  }
  if (t == "dingtalk") {
    if (auto e = s.OnlyKeys(
            {EW_IM_KEYS, "secret", "secret_file", "secret_env", "at_mobiles", "at_all"})) {
      return *e;
    }
    DingTalkConfig c;
    if (auto e = ReadIm(s, spec, external_url, c)) return *e;
    auto mobiles = s.Strings("at_mobiles");
    auto all = s.Bool("at_all", false);
    if (!mobiles) return Err(mobiles.error());
    if (!all) return Err(all.error());
    c.at_mobiles = *mobiles;
    c.at_all = *all;
    return Up(DingTalkReceiver::Create(std::move(c)), s);
  }
  if (t == "feishu") {
    if (auto e = s.OnlyKeys({EW_IM_KEYS, "secret", "secret_file", "secret_env"})) return *e;
    FeishuConfig c;
    if (auto e = ReadIm(s, spec, external_url, c)) return *e;
    return Up(FeishuReceiver::Create(c), s);
  }
  if (t == "wecom") {
    if (auto e = s.OnlyKeys({EW_IM_KEYS})) return *e;
    WeComConfig c;
    if (auto e = ReadIm(s, spec, external_url, c)) return *e;
    return Up(WeComReceiver::Create(c), s);
  }
  if (t == "slack") {
    if (auto e = s.OnlyKeys({EW_IM_KEYS})) return *e;
    SlackConfig c;
    if (auto e = ReadIm(s, spec, external_url, c)) return *e;
    return Up(SlackReceiver::Create(c), s);
  }
  return s.Placed("no such receiver type");
}

#undef EW_IM_KEYS

}  // namespace

Result<std::vector<std::unique_ptr<Receiver>>> BuildReceivers(const AlertingConfig& config,
                                                              const ExtraReceiverFactory& extra) {
  std::vector<std::unique_ptr<Receiver>> out;
  out.reserve(config.receivers.size());
  for (const ReceiverSpec& spec : config.receivers) {
    if (extra) {
      if (auto r = extra(spec)) {
        if (!*r) return Err(r->error());
        out.push_back(std::move(**r));
        continue;
      }
    }
    auto r = Build(spec, config.external_url);
    if (!r) return Err(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace edgewatch::alerting
