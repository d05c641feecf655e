#include "cmd/pipeline_options.h"

#include <cstdio>
#include <iostream>

#include "alerting/config.h"
#include "alerting/receiver_factory.h"
#include "alerting/secret.h"
#include "alerting/stdout_receiver.h"
#include "alerting/webhook_receiver.h"
#include "cmd/kafka_alert_receiver.h"
#include "cmd/signals.h"
#include "common/clock.h"
#include "rules/loader.h"

namespace edgewatch::cmd {

namespace {

// Without a config file: every alert record to every receiver at once, each its own group (the
// root-cause stage has grouped already), no reminders — what `run` always did.
alerting::RouteConfig EveryAlertToEveryReceiver(
    const std::vector<std::unique_ptr<alerting::Receiver>>& receivers) {
  alerting::RouteConfig root;
  root.receiver = receivers.front()->name();
  root.group_by = std::vector<std::string>{"..."};
  root.group_wait = root.group_interval = root.repeat_interval = std::chrono::milliseconds(0);
  if (receivers.size() > 1) {
    for (const auto& r : receivers) {
      alerting::RouteConfig child;
      child.receiver = r->name();
      child.continue_matching = true;
      root.routes.push_back(std::move(child));
    }
  }
  return root;
}

// The `kafka` receiver type: brokers, topic, timeout, properties.
std::optional<Result<std::unique_ptr<alerting::Receiver>>> KafkaReceiverFactory(
    const alerting::ReceiverSpec& spec) {
  using R = Result<std::unique_ptr<alerting::Receiver>>;
  if (spec.type != "kafka") return std::nullopt;
  alerting::SettingsReader s(spec);
  if (auto e = s.OnlyKeys({"brokers", "topic", "timeout", "properties"})) return R(*e);
  KafkaAlertReceiverConfig c;
  c.name = spec.name;
  auto brokers = s.String("brokers");
  auto topic = s.String("topic", c.topic);
  auto timeout = s.Duration("timeout", c.timeout);
  auto props = s.StringMap("properties");
  if (!brokers) return R(Err(brokers.error()));
  if (!topic) return R(Err(topic.error()));
  if (!timeout) return R(Err(timeout.error()));
  if (!props) return R(Err(props.error()));
  c.kafka.brokers = *brokers;
  for (const auto& [k, v] : *props) {
    if (std::string bad = c.kafka.AddProperty(k + "=" + v, spec.where); !bad.empty()) {
      return R(s.Fail("properties", bad));
    }
  }
  c.topic = *topic;
  c.timeout = *timeout;
  auto r = KafkaAlertReceiver::Create(std::move(c));
  if (!r) return R(s.Placed(r.error()));
  return R(std::unique_ptr<alerting::Receiver>(std::move(*r)));
}

}  // namespace

void PipelineFlags::Register(Flags& f) {
  f.String("rules", &rules,
           "rule file or directory of *.yaml rule files (docs/rules.md); reloaded when the "
           "files change and on SIGHUP",
           "PATH");
  f.String("rules-check-interval", &rules_check_interval,
           "how often the rule files are checked for changes", "DURATION");
  f.String("webhook", &webhook, "POST each alert as JSON to this URL", "URL");
  f.String("webhook-timeout", &webhook_timeout, "timeout of one webhook request", "DURATION");
  f.String("webhook-header", &webhook_header,
           "extra webhook header, e.g. 'Authorization: Bearer x'", "HEADER");
  f.Bool("quiet", &quiet, "do not print alerts as JSON lines on stdout");
  f.String("alerting-config", &alerting_config,
           "alerting config file: receivers (webhook, Alertmanager, DingTalk, WeCom, Feishu, "
           "Slack, Kafka), routes, grouping, inhibition, spool, silences, API token "
           "(docs/alerting.md); replaces --webhook and --quiet",
           "PATH");
  f.String("spool-dir", &spool_dir,
           "keep undelivered notifications in this directory across restarts", "DIR");
  f.String("silences-file", &silences_file,
           "keep the silences made through the API in this file across restarts", "PATH");
  f.String("api-token-file", &api_token_file,
           "bearer token that POST/DELETE calls of the HTTP API must present (silences)", "PATH");
  f.String("state-file", &state_file,
           "keep learned baselines in this file across restarts: loaded at start, saved every "
           "--state-save-interval and at shutdown (not with --kafka)",
           "PATH");
  f.String("state-save-interval", &state_save_interval, "how often --state-file is saved",
           "DURATION");
  f.String("group-wait", &group_wait,
           "root-cause alerts: how long a new symptom waits for concurrent ones before the "
           "correlator names their common cause (docs/alerting.md)",
           "DURATION");
  f.Bool("symptom-alerts", &symptom_alerts,
         "send one alert per (rule, edge) to the receivers instead of one per root cause");
}

std::string PipelineFlags::CheckForKafka() const {
  if (!state_file.empty()) {
    return "flag --state-file: not with --kafka (each detector of the group owns changing "
           "partitions; a file of one process cannot follow them)";
  }
  return "";
}

Result<Pipeline> Pipeline::BuildDelivery(const PipelineFlags& flags) {
  if (flags.rules.empty()) return Err("flag --rules is required (e.g. --rules rules/examples)");
  auto rules = rules::LoadRules(flags.rules);
  if (!rules) return Err("rules: " + rules.error());
  auto interval = ParseDurationFlag("rules-check-interval", flags.rules_check_interval);
  if (!interval) return Err(interval.error());
  if (*interval <= 0) return Err("flag --rules-check-interval: must be positive");

  Pipeline p;
  alerting::NotifierConfig notifier_config;
  alerting::DispatcherConfig dispatcher_config;
  std::vector<std::unique_ptr<alerting::Receiver>> receivers;
  std::string silences_file;
  if (!flags.alerting_config.empty()) {
    if (!flags.webhook.empty() || flags.quiet) {
      return Err(
          "flag --alerting-config: --webhook and --quiet do not go with it; define the "
          "receivers in the file (a `stdout` receiver prints JSON lines)");
    }
    auto config = alerting::LoadAlertingConfig(flags.alerting_config);
    if (!config) return Err(config.error());
    auto built = alerting::BuildReceivers(*config, KafkaReceiverFactory);
    if (!built) return Err(built.error());
    receivers = std::move(*built);
    notifier_config = config->notifier;
    dispatcher_config = config->dispatcher;
    silences_file = config->silences_file;
    p.api_token = config->api_token;
  } else {
    if (!flags.quiet)
      receivers.push_back(std::make_unique<alerting::StdoutReceiver>("stdout", stdout));
    if (!flags.webhook.empty()) {
      alerting::WebhookConfig wc;
      wc.url = flags.webhook;
      wc.format = alerting::WebhookFormat::kEdgewatch;
      auto t = ParseDurationFlag("webhook-timeout", flags.webhook_timeout);
      if (!t) return Err(t.error());
      wc.timeout = std::chrono::milliseconds(*t / 1'000'000);
      if (!flags.webhook_header.empty()) {
        auto colon = flags.webhook_header.find(':');
        if (colon == std::string::npos || colon == 0) {
          return Err("flag --webhook-header: \"" + flags.webhook_header +
                     "\" is not of the form 'Name: value'");
        }
        std::string value = flags.webhook_header.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        wc.headers.emplace_back(flags.webhook_header.substr(0, colon), value);
      }
      auto w = alerting::WebhookReceiver::Create(wc);
      if (!w) return Err("flag --webhook: " + w.error());
      receivers.push_back(std::move(*w));
    }
    if (receivers.empty()) {
      return Err("no receiver: --quiet without --webhook would deliver alerts nowhere");
    }
    notifier_config.route = EveryAlertToEveryReceiver(receivers);
  }
  if (!flags.spool_dir.empty()) dispatcher_config.spool_dir = flags.spool_dir;
  if (!flags.silences_file.empty()) silences_file = flags.silences_file;
  if (!flags.api_token_file.empty()) {
    auto token = alerting::ResolveSecret(alerting::SecretSource{.file = flags.api_token_file},
                                         "flag --api-token");
    if (!token) return Err(token.error());
    if (token->empty()) return Err("flag --api-token-file: " + flags.api_token_file + " is empty");
    p.api_token = *token;
  }

  auto d = alerting::Dispatcher::Create(dispatcher_config, std::move(receivers));
  if (!d) return Err(d.error());
  p.dispatcher = std::move(*d);

  alerting::SilenceStoreOptions so;
  so.path = silences_file;
  auto silences = alerting::SilenceStore::Open(so);
  if (!silences) return Err(silences.error());
  p.silences = std::move(*silences);

  alerting::NotifierOptions no;
  alerting::SilenceStore* store = p.silences.get();
  no.silenced = [store](const alerting::Labels& labels, int64_t now_ns) {
    return store->Silencing(labels, now_ns);
  };
  alerting::Dispatcher* disp = p.dispatcher.get();
  no.resend_interval = [disp](const std::string& name) {
    const alerting::Receiver* r = disp->receiver(name);
    return r != nullptr ? r->resend_interval() : std::chrono::milliseconds(0);
  };
  auto n = alerting::Notifier::Create(
      std::move(notifier_config), p.dispatcher->receiver_names(),
      [disp](const alerting::Notification& x) { disp->Submit(x); }, no);
  if (!n) return Err(n.error());
  p.notifier = std::move(*n);

  if (!flags.symptom_alerts) {
    auto wait = ParseDurationFlag("group-wait", flags.group_wait);
    if (!wait) return Err(wait.error());
    if (*wait < 0) return Err("flag --group-wait: must not be negative");
    p.root_causes.emplace().group_wait_ns = *wait;
  }
  p.rules = std::move(*rules);
  p.reloader = std::make_shared<detector::RulesReloader>(flags.rules, &std::cerr, *interval);
  return p;
}

std::function<void(detector::Detector&)> Pipeline::Tick() {
  std::atomic<bool>& hup = InstallReloadSignal();
  return [reloader = reloader, state = state, &hup](detector::Detector& d) {
    if (state) state->Tick(d, NowUnixNs());
    if (hup.exchange(false, std::memory_order_relaxed)) reloader->Request();
    if (auto set = reloader->Poll(NowUnixNs())) {
      const auto c = d.ReplaceRules(std::move(*set));
      std::fprintf(stderr,
                   "edgewatch: rules swapped in: %zu (rule, edge) states kept, %zu ended "
                   "(firing ones resolved), %zu started\n",
                   c.kept, c.ended, c.started);
    }
  };
}

Result<Pipeline> Pipeline::Build(const PipelineFlags& flags, int64_t window_ns) {
  auto built = BuildDelivery(flags);
  if (!built) return Err(built.error());
  Pipeline p = std::move(*built);
  detector::DetectorConfig dc;
  dc.window_ns = window_ns;
  if (std::string bad = dc.Check(); !bad.empty()) return Err("detector: " + bad);
  p.detector = std::make_unique<detector::Detector>(std::move(p.rules), dc, p.Deliver());
  if (p.root_causes) p.detector->EnableRootCauseAlerts(*p.root_causes);
  if (!flags.state_file.empty()) {
    auto every = ParseDurationFlag("state-save-interval", flags.state_save_interval);
    if (!every) return Err(every.error());
    if (*every <= 0) return Err("flag --state-save-interval: must be positive");
    p.state = std::make_shared<detector::StateStore>(flags.state_file, *every, std::cerr);
    p.state->Load(*p.detector);
  }
  return p;
}

Result<std::unique_ptr<detector::KafkaDetector>> Pipeline::BuildKafkaDetector(
    detector::KafkaDetectorConfig cfg, int64_t window_ns) {
  detector::DetectorConfig dc;
  dc.window_ns = window_ns;
  cfg.root_causes = root_causes;
  return detector::KafkaDetector::Create(std::move(cfg), std::move(rules), dc, Deliver());
}

std::function<void(const schema::Alert&)> Pipeline::Deliver() const {
  alerting::Notifier* n = notifier.get();
  return [n, board = board](const schema::Alert& a) {
    board->Apply(a);
    n->Submit(a);
  };
}

ApiOptions Pipeline::api_options() const {
  return ApiOptions{silences.get(), api_token, notifier.get()};
}

std::vector<const StatsSource*> Pipeline::stats_sources() const {
  return {dispatcher.get(), notifier.get(), silences.get(), reloader.get()};
}

void Pipeline::Shutdown(std::chrono::milliseconds grace) {
  // Symptoms still within group_wait are localized and sent now rather than lost.
  if (detector) detector->FlushRootCauses();
  if (state && detector) state->Save(*detector, NowUnixNs());
  // Groups still waiting are flushed, then the dispatcher delivers them; it logs, per
  // receiver, what it could not deliver in time (counted, or kept in the spool).
  if (notifier) notifier->Stop();
  if (dispatcher) dispatcher->Stop(alerting::SystemClock::Get().Now() + grace);
}

}  // namespace edgewatch::cmd
