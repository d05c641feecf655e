#include "cmd/pipeline_options.h"

#include <cstdio>
#include <iostream>

#include "alerting/stdout_receiver.h"
#include "alerting/webhook_receiver.h"
#include "cmd/signals.h"
#include "common/clock.h"
#include "rules/loader.h"

namespace edgewatch::cmd {

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

  std::vector<std::unique_ptr<alerting::Receiver>> receivers;
  if (!flags.quiet)
    receivers.push_back(std::make_unique<alerting::StdoutReceiver>("stdout", stdout));
  if (!flags.webhook.empty()) {
    alerting::WebhookConfig wc;
    wc.url = flags.webhook;
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
  auto d = alerting::Dispatcher::Create(alerting::DispatcherConfig{}, std::move(receivers));
  if (!d) return Err(d.error());

  Pipeline p;
  if (!flags.symptom_alerts) {
    auto wait = ParseDurationFlag("group-wait", flags.group_wait);
    if (!wait) return Err(wait.error());
    if (*wait < 0) return Err("flag --group-wait: must not be negative");
    p.root_causes.emplace().group_wait_ns = *wait;
  }
  p.rules = std::move(*rules);
  p.dispatcher = std::move(*d);
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
  alerting::Dispatcher* disp = dispatcher.get();
  return [disp, board = board](const schema::Alert& a) {
    board->Apply(a);
    disp->Submit(a);
  };
}

void Pipeline::Shutdown(std::chrono::milliseconds grace) {
  // Symptoms still within group_wait are localized and sent now rather than lost.
  if (detector) detector->FlushRootCauses();
  if (state && detector) state->Save(*detector, NowUnixNs());
  // The dispatcher logs, per receiver, what it could not deliver in time (and counts it).
  if (dispatcher) dispatcher->Stop(alerting::SystemClock::Get().Now() + grace);
}

}  // namespace edgewatch::cmd
