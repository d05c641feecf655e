// WebhookReceiver: POSTs notifications to a URL (HttpClient, libcurl), in one of two formats:
// Alertmanager's webhook payload (version "4": one POST per notification, what
// prometheus-webhook-dingtalk and the other Alertmanager bridges read) or edgewatch's own (one
// POST per alert, its edgewatch.alert.v1 JSON, see docs/schema.md). 2xx is delivered; 5xx, 429,
// connection errors and timeouts are retryable; any other status is a permanent failure whose
// message quotes the status and the start of the body.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerting/http_client.h"
#include "alerting/receiver.h"
#include "alerting/secret.h"
#include "common/result.h"

namespace edgewatch::alerting {

inline constexpr std::string_view kWebhookUserAgent = kUserAgent;

enum class WebhookFormat : uint8_t {
  kAlertmanager,  // Alertmanager webhook payload version "4", one POST per notification
  kEdgewatch,     // one POST per alert: schema::Encode(alert), as `edgewatch run --webhook`
};
const char* WebhookFormatName(WebhookFormat f);  // "alertmanager", "edgewatch"
std::optional<WebhookFormat> ParseWebhookFormat(std::string_view name);

struct WebhookConfig {
  std::string name = "webhook";  // receiver="<name>" label; letters, digits, '_', '-', '.'
  std::string url;               // http:// or https://
  // The URL from a file or an environment variable instead (it may hold a token); at most one
  // of url, url_file, url_env.
  std::string url_file;
  std::string url_env;
  std::chrono::milliseconds timeout{5000};  // whole request: connect, send, wait for the answer
  // Extra request headers, e.g. {"Authorization", "Bearer ..."}. Values are never logged.
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent as "Authorization: Bearer <token>" (then headers must not set Authorization).
  SecretSource bearer_token;
  WebhookFormat format = WebhookFormat::kAlertmanager;
  // Base of externalURL and of the alerts' generatorURL (<external_url>/api/v1/alerts?
  // fingerprint=<fp>), e.g. the edgewatch API "http://host:9722". Empty: both "".
  std::string external_url;

  // Static checks (no file or environment is read); the error names the key under
  // `alerting.receivers.<name>.`.
  std::optional<Error> Validate() const;
};

class WebhookReceiver final : public Receiver {
 public:
  // Validates `config`, resolves its secrets and sets up the HTTP client.
  static Result<std::unique_ptr<WebhookReceiver>> Create(WebhookConfig config);
  ~WebhookReceiver() override;
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  const std::string& name() const override { return config_.name; }

  // Thread-safe; concurrent calls take turns on one connection, kept alive between requests.
  // Edgewatch format: the alerts of a notification in turn; after a failure, a retry of the
  // same notification starts with the alert that failed.
  DeliveryStatus Deliver(const NotificationBatch& batch) override;

  // Interrupts a transfer in progress at once (curl_multi_wakeup), not at the next timeout.
  void Abort() override;

  WebhookFormat format() const { return config_.format; }

 private:
  WebhookReceiver(WebhookConfig config, std::string url, std::unique_ptr<HttpClient> client,
                  SecretScrubber scrubber);
  DeliveryStatus Post(const std::string& body);
  DeliveryStatus DeliverAlerts(const NotificationPtr& n);

  const WebhookConfig config_;
  const std::string url_;  // resolved
  const std::unique_ptr<HttpClient> client_;
  const SecretScrubber scrubber_;
  std::mutex mu_;
  // Edgewatch format: the notification whose first `posted_` alerts went out before a failure.
  std::weak_ptr<const Notification> partial_;  // guarded by mu_
  size_t posted_ = 0;                          // guarded by mu_
};

}  // namespace edgewatch::alerting
