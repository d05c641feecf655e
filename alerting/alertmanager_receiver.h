// AlertmanagerReceiver: pushes alerts to a Prometheus Alertmanager through its API v2
// (`POST <url>/api/v2/alerts`), as Prometheus does: Alertmanager then groups, inhibits,
// silences and notifies with its own configuration. Firing alerts are sent with endsAt =
// now + 4 × resend_interval; the Notifier re-sends firing groups every resend_interval, so
// they stay firing while edgewatch runs and resolve by themselves if it goes away. Resolved
// alerts are sent with their real end.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "alerting/http_client.h"
#include "alerting/payloads.h"
#include "alerting/receiver.h"
#include "alerting/secret.h"
#include "common/result.h"

namespace edgewatch::alerting {

struct AlertmanagerReceiverConfig {
  std::string name = "alertmanager";
  // Alertmanager's base URL, e.g. http://alertmanager:9093 (a path prefix such as
  // http://host/am is kept; "/api/v2/alerts" is appended unless the URL already ends so).
  std::string url;
  std::chrono::milliseconds timeout{5000};
  // How often the Notifier re-sends firing groups to this receiver.
  std::chrono::milliseconds resend_interval{60000};
  // Base of each alert's generatorURL (<external_url>/api/v1/alerts?fingerprint=<fp>), e.g.
  // the edgewatch API http://host:9722. Empty: no generatorURL.
  std::string external_url;
  HttpHeaders headers;        // extra request headers (e.g. for an authenticating proxy)
  SecretSource bearer_token;  // "Authorization: Bearer <token>" when set
  size_t max_batch = 64;      // notifications per POST (all their alerts in one array)

  // Static checks; the error names the key under `alerting.receivers.<name>.`.
  std::optional<Error> Validate() const;
};

class AlertmanagerReceiver final : public Receiver {
 public:
  static Result<std::unique_ptr<AlertmanagerReceiver>> Create(AlertmanagerReceiverConfig config,
                                                              WallClock clock = SystemWallClockNs);

  const std::string& name() const override { return config_.name; }
  // One POST with every alert of the batch. 200 delivered; 400 (Alertmanager refused the
  // alerts as invalid) permanent; 429, 5xx and network errors retryable.
  DeliveryStatus Deliver(const NotificationBatch& batch) override;
  size_t max_batch() const override { return config_.max_batch; }
  void Abort() override { client_->Abort(); }

  std::chrono::milliseconds resend_interval() const override { return config_.resend_interval; }
  // endsAt of a firing alert is now + this (4 × resend_interval).
  std::chrono::milliseconds firing_horizon() const { return config_.resend_interval * 4; }
  // The URL alerts are POSTed to.
  const std::string& alerts_url() const { return alerts_url_; }

 private:
  AlertmanagerReceiver(AlertmanagerReceiverConfig config, std::string alerts_url,
                       std::unique_ptr<HttpClient> client, SecretScrubber scrubber,
                       WallClock clock);

  const AlertmanagerReceiverConfig config_;
  const std::string alerts_url_;
  const std::unique_ptr<HttpClient> client_;
  const SecretScrubber scrubber_;
  const WallClock clock_;
};

}  // namespace edgewatch::alerting
