#include "cmd/pipeline_options.h"

#include "alerting/stdout_receiver.h"
#include "alerting/webhook_receiver.h"
#include "rules/loader.h"

namespace edgewatch::cmd {

void PipelineFlags::Register(Flags& f) {
  f.String("rules", &rules, "rule file or directory of *.yaml rule files (docs/rules.md)", "PATH");
  f.String("webhook", &webhook, "POST each alert as JSON to this URL", "URL");
  f.String("webhook-timeout", &webhook_timeout, "timeout of one webhook request", "DURATION");
  f.String("webhook-header", &webhook_header,
           "extra webhook header, e.g. 'Authorization: Bearer x'", "HEADER");
  f.Bool("quiet", &quiet, "do not print alerts as JSON lines on stdout");
}

Result<Pipeline> Pipeline::BuildDelivery(const PipelineFlags& flags) {
  if (flags.rules.empty()) return Err("flag --rules is required (e.g. --rules rules/examples)");
  auto rules = rules::LoadRules(flags.rules);
  if (!rules) return Err("rules: " + rules.error());

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
  p.rules = std::move(*rules);
  p.dispatcher = std::move(*d);
  return p;
}

Result<Pipeline> Pipeline::Build(const PipelineFlags& flags, int64_t window_ns) {
  auto built = BuildDelivery(flags);
  if (!built) return Err(built.error());
  Pipeline p = std::move(*built);
  detector::DetectorConfig dc;
  dc.window_ns = window_ns;
  if (std::string bad = dc.Check(); !bad.empty()) return Err("detector: " + bad);
  p.detector = std::make_unique<detector::Detector>(std::move(p.rules), dc, p.Deliver());
  return p;
}

Result<std::unique_ptr<detector::KafkaDetector>> Pipeline::BuildKafkaDetector(
    detector::KafkaDetectorConfig cfg, int64_t window_ns) {
  detector::DetectorConfig dc;
  dc.window_ns = window_ns;
  return detector::KafkaDetector::Create(std::move(cfg), std::move(rules), dc, Deliver());
}

std::function<void(const schema::Alert&)> Pipeline::Deliver() const {
  alerting::Dispatcher* disp = dispatcher.get();
  return [disp](const schema::Alert& a) { disp->Submit(a); };
}

void Pipeline::Shutdown(std::chrono::milliseconds grace) {
  // The dispatcher logs, per receiver, what it could not deliver in time (and counts it).
  if (dispatcher) dispatcher->Stop(alerting::SystemClock::Get().Now() + grace);
}

}  // namespace edgewatch::cmd
