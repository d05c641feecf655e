// Flags and wiring shared by `edgewatch run` and `edgewatch detector`: rules, detector and
// alert delivery.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "alerting/dispatcher.h"
#include "alerting/notifier.h"
#include "alerting/silences.h"
#include "cmd/api_server.h"
#include "cmd/flags.h"
#include "detector/alert_board.h"
#include "detector/detector.h"
#include "detector/kafka_detector.h"
#include "detector/rules_reloader.h"
#include "detector/state_store.h"
#include "rules/rule.h"

namespace edgewatch::cmd {

struct PipelineFlags {
  std::string rules;
  std::string rules_check_interval = "5s";  // how often the rule files are stat'ed for changes
  std::string webhook;
  std::string webhook_timeout = "5s";
  std::string webhook_header;   // "Name: value"
  bool quiet = false;           // no alert lines on stdout
  std::string alerting_config;  // the alerting config file (receivers, routes, …)
  std::string spool_dir;        // overrides delivery.spool_dir
  std::string silences_file;    // overrides silences.file
  std::string api_token_file;   // overrides api.token*
  std::string state_file;       // learned baselines across restarts (embedded mode)
  std::string state_save_interval = "1m";
  std::string group_wait = "10s";  // root-cause alerts: how long a symptom waits for neighbours
  bool symptom_alerts = false;     // send each (rule, edge) alert instead of root-cause alerts

  void Register(Flags& f);
  // "" when these flags go with --kafka, otherwise why not.
  std::string CheckForKafka() const;
};

// The detector and its delivery, built from flags; errors name the flag or the rule file.
struct Pipeline {
  rules::RuleSet rules;  // moved into the detector by Build()
  std::unique_ptr<alerting::Dispatcher> dispatcher;
  // Lifecycle between the detector and the dispatcher: dedup, routes, groups, inhibition.
  std::unique_ptr<alerting::Notifier> notifier;
  // Silences (the HTTP API changes them; the notifier asks them).
  std::unique_ptr<alerting::SilenceStore> silences;
  std::string api_token;  // bearer token of the API's mutating calls; "" refuses them
  std::unique_ptr<detector::Detector> detector;
  // Follows --rules (file changes, SIGHUP) for the detector's loop: see Tick().
  std::shared_ptr<detector::RulesReloader> reloader;
  // --state-file: learned baselines loaded by Build(), saved by Tick() and Shutdown().
  std::shared_ptr<detector::StateStore> state;
  // Root-cause alerts (--group-wait), unless --symptom-alerts: set by BuildDelivery().
  std::optional<detector::RootCauseConfig> root_causes;
  // Alerts as the HTTP API shows them (GET /api/v1/alerts), fed by the detector's callback.
  std::shared_ptr<detector::AlertBoard> board = std::make_shared<detector::AlertBoard>();

  // Rules and delivery only (the Kafka detector builds its own Detector from `rules`).
  static Result<Pipeline> BuildDelivery(const PipelineFlags& flags);
  // Rules, delivery and an in-process detector.
  static Result<Pipeline> Build(const PipelineFlags& flags, int64_t window_ns);
  // After BuildDelivery(): a Kafka group detector over `rules`, delivering to the dispatcher.
  Result<std::unique_ptr<detector::KafkaDetector>> BuildKafkaDetector(
      detector::KafkaDetectorConfig cfg, int64_t window_ns);
  // Called from the detector's loop: swaps in reloaded rules when the files changed or SIGHUP
  // came (a broken version is rejected, the running rules stay), and saves the learned states
  // every --state-save-interval. Installs the SIGHUP handler.
  std::function<void(detector::Detector&)> Tick();
  // After the detector's loop ended: saves the learned states (--state-file), then delivers
  // what is queued, for up to `grace`.
  void Shutdown(std::chrono::milliseconds grace);

  // What the HTTP API serves besides the detector: silences and the token.
  ApiOptions api_options() const;
  // The delivery side's /metrics sources.
  std::vector<const StatsSource*> stats_sources() const;

 private:
  // The detectors' alert callback: hands each alert to the dispatcher.
  std::function<void(const schema::Alert&)> Deliver() const;
};

}  // namespace edgewatch::cmd
