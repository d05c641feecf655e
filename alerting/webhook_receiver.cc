#include "alerting/webhook_receiver.h"

#include <strings.h>

#include "alerting/payloads.h"
#include "schema/codec.h"

namespace edgewatch::alerting {

namespace {

std::string KeyPrefix(const WebhookConfig& c) { return "alerting.receivers." + c.name + "."; }

bool SameNotification(const std::weak_ptr<const Notification>& w, const NotificationPtr& p) {
  return !w.expired() && !w.owner_before(p) && !p.owner_before(w);
}

}  // namespace

const char* WebhookFormatName(WebhookFormat f) {
  return f == WebhookFormat::kAlertmanager ? "alertmanager" : "edgewatch";
}

std::optional<WebhookFormat> ParseWebhookFormat(std::string_view name) {
  if (name == "alertmanager") return WebhookFormat::kAlertmanager;
  if (name == "edgewatch") return WebhookFormat::kEdgewatch;
  return std::nullopt;
}

std::optional<Error> WebhookConfig::Validate() const {
  const std::string prefix = KeyPrefix(*this);
  const int urls = (url.empty() ? 0 : 1) + (url_file.empty() ? 0 : 1) + (url_env.empty() ? 0 : 1);
  if (urls == 0) {
    return Err(prefix + "url: required");
  }
  if (urls > 1) {
    return Err(prefix + "url: set only one of url, url_file and url_env");
  }
  if (!url.empty()) {
    if (auto error = ValidateHttpUrl(url, prefix + "url")) {
      return error;
    }
  }
  if (timeout.count() <= 0) {
    return Err(prefix + "timeout: must be positive (got " + std::to_string(timeout.count()) +
               "ms)");
  }
  for (const auto& [header, value] : headers) {
    if (auto problem = HeaderProblem(header, value)) {
      return Err(prefix + "headers: " + *problem);
    }
    if (!bearer_token.empty() && strcasecmp(header.c_str(), "Authorization") == 0) {
      return Err(prefix + "headers: Authorization is set by bearer_token");
    }
  }
  if (!external_url.empty()) {
    if (auto error = ValidateHttpUrl(external_url, prefix + "external_url")) {
      return error;
    }
  }
  return std::nullopt;
}

Result<std::unique_ptr<WebhookReceiver>> WebhookReceiver::Create(WebhookConfig config) {
  if (auto error = config.Validate()) {
    return *error;
  }
  const std::string prefix = KeyPrefix(config);
  auto url = ResolveSecret({config.url, config.url_file, config.url_env}, prefix + "url");
  if (!url) {
    return Err(url.error());
  }
  if (auto error = ValidateHttpUrl(*url, prefix + "url")) {
    return *error;
  }
  auto token = ResolveSecret(config.bearer_token, prefix + "bearer_token");
  if (!token) {
    return Err(token.error());
  }
  SecretScrubber scrubber;
  scrubber.AddUrl(*url);
  auto client = CreateClientWithAuth(config.timeout, config.headers, *token, scrubber,
                                     "alerting.receivers." + config.name + ": ");
  if (!client) return Err(client.error());
  std::string resolved = std::move(*url);
  return std::unique_ptr<WebhookReceiver>(new WebhookReceiver(
      std::move(config), std::move(resolved), std::move(*client), std::move(scrubber)));
}

WebhookReceiver::WebhookReceiver(WebhookConfig config, std::string url,
                                 std::unique_ptr<HttpClient> client, SecretScrubber scrubber)
    : config_(std::move(config)),
      url_(std::move(url)),
      client_(std::move(client)),
      scrubber_(std::move(scrubber)) {}

WebhookReceiver::~WebhookReceiver() = default;

void WebhookReceiver::Abort() { client_->Abort(); }

DeliveryStatus WebhookReceiver::Post(const std::string& body) {
  HttpResponse response;
  DeliveryStatus sent = client_->Post(url_, body, response);
  if (!sent.ok()) {
    return Scrubbed(std::move(sent), scrubber_);
  }
  return Scrubbed(ClassifyHttpStatus(response.status, response.body), scrubber_);
}

DeliveryStatus WebhookReceiver::DeliverAlerts(const NotificationPtr& n) {
  size_t first = 0;
  if (SameNotification(partial_, n)) {
    first = posted_;  // a retry: what went out before the failure is not sent twice
  }
  partial_.reset();
  for (size_t i = first; i < n->alerts.size(); ++i) {
    DeliveryStatus s = Post(schema::Encode(n->alerts[i]));
    if (!s.ok()) {
      if (s.retryable()) {
        partial_ = n;
        posted_ = i;
      }
      return s;
    }
  }
  return DeliveryStatus::Delivered();
}

DeliveryStatus WebhookReceiver::Deliver(const NotificationBatch& batch) {
  std::lock_guard lock(mu_);
  for (const NotificationPtr& n : batch) {
    DeliveryStatus s = config_.format == WebhookFormat::kEdgewatch
                           ? DeliverAlerts(n)
                           : Post(AlertmanagerWebhookPayload(*n, config_.external_url));
    if (!s.ok()) {
      return s;
    }
  }
  return DeliveryStatus::Delivered();
}

}  // namespace edgewatch::alerting
