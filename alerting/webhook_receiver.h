// WebhookReceiver: POSTs each alert's JSON (schema::Encode, see docs/schema.md) to a URL with
// libcurl. 2xx is delivered; 5xx, 429, connection errors and timeouts are retryable; any other
// status is a permanent failure whose message quotes the status and the start of the body.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerting/receiver.h"
#include "common/result.h"

namespace edgewatch::alerting {

inline constexpr std::string_view kWebhookUserAgent = "edgewatch/0.1";
// How much of a refused request's response body a failure message quotes.
inline constexpr size_t kQuotedBodyBytes = 200;

struct WebhookConfig {
  std::string name = "webhook";  // receiver="<name>" label; letters, digits, '_', '-', '.'
  std::string url;               // http:// or https://
  std::chrono::milliseconds timeout{5000};  // whole request: connect, send, wait for the answer
  // Extra request headers, e.g. {"Authorization", "Bearer ..."}. Values are never logged.
  std::vector<std::pair<std::string, std::string>> headers;

  // The error names the key under `alerting.receivers.<name>.`.
  std::optional<Error> Validate() const;
};

// Classification of a completed HTTP exchange; `body` is the response body (only its first
// kQuotedBodyBytes are quoted, control characters replaced).
DeliveryStatus ClassifyHttpStatus(int status, std::string_view body);

// Whether a libcurl transfer error (a CURLcode) may go away by itself: network, DNS, TLS
// handshake, timeouts. Errors of our own making (bad URL, unsupported protocol) are not.
bool IsRetryableCurlError(int curl_code);

class WebhookReceiver final : public Receiver {
 public:
  // Validates `config` and sets up the libcurl handles.
  static Result<std::unique_ptr<WebhookReceiver>> Create(WebhookConfig config);
  ~WebhookReceiver() override;
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  const std::string& name() const override { return config_.name; }

  // Thread-safe; concurrent calls take turns on one libcurl handle, which keeps the connection
  // to the webhook alive between alerts.
  DeliveryStatus Deliver(const schema::Alert& alert) override;

  // Interrupts a transfer in progress at once (curl_multi_wakeup), not at the next timeout.
  void Abort() override;

 private:
  struct Curl;

  WebhookReceiver(WebhookConfig config, std::unique_ptr<Curl> curl);
  DeliveryStatus Perform(const std::string& payload);

  const WebhookConfig config_;
  const std::unique_ptr<Curl> curl_;
  std::mutex mu_;  // one transfer at a time on curl_
  std::atomic<bool> aborted_{false};
};

}  // namespace edgewatch::alerting
