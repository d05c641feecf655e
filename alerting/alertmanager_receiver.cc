#include "alerting/alertmanager_receiver.h"

#include <strings.h>

namespace edgewatch::alerting {

namespace {

constexpr std::string_view kAlertsPath = "/api/v2/alerts";
constexpr size_t kMaxBatchLimit = 1000;

std::string KeyPrefix(const AlertmanagerReceiverConfig& c) {
  return "alerting.receivers." + c.name + ".";
}

}  // namespace

std::optional<Error> AlertmanagerReceiverConfig::Validate() const {
  const std::string prefix = KeyPrefix(*this);
  if (auto error = ValidateHttpUrl(url, prefix + "url")) return error;
  if (url.find_first_of("?#") != std::string::npos) {
    return Err(prefix + "url: the Alertmanager base URL takes no query string or fragment");
  }
  if (timeout.count() <= 0) {
    return Err(prefix + "timeout: must be positive (got " + std::to_string(timeout.count()) +
               "ms)");
  }
  if (resend_interval.count() <= 0) {
    return Err(prefix + "resend_interval: must be positive (got " +
               std::to_string(resend_interval.count()) + "ms)");
  }
  if (max_batch == 0 || max_batch > kMaxBatchLimit) {
    return Err(prefix + "max_batch: must be 1 to " + std::to_string(kMaxBatchLimit) + " (got " +
               std::to_string(max_batch) + ")");
  }
  for (const auto& [header, value] : headers) {
    if (auto problem = HeaderProblem(header, value)) return Err(prefix + "headers: " + *problem);
    if (!bearer_token.empty() && strcasecmp(header.c_str(), "Authorization") == 0) {
      return Err(prefix + "headers: Authorization is set by bearer_token");
    }
  }
  if (!external_url.empty()) {
    if (auto error = ValidateHttpUrl(external_url, prefix + "external_url")) return error;
  }
  return std::nullopt;
}

Result<std::unique_ptr<AlertmanagerReceiver>> AlertmanagerReceiver::Create(
    AlertmanagerReceiverConfig config, WallClock clock) {
  if (auto error = config.Validate()) return *error;
  const std::string prefix = KeyPrefix(config);
  auto token = ResolveSecret(config.bearer_token, prefix + "bearer_token");
  if (!token) return Err(token.error());

  std::string alerts_url = config.url;
  while (alerts_url.ends_with('/')) alerts_url.pop_back();
  if (!alerts_url.ends_with(kAlertsPath)) alerts_url += kAlertsPath;

  SecretScrubber scrubber;
  scrubber.AddUrl(config.url);
  auto client = CreateClientWithAuth(config.timeout, config.headers, *token, scrubber, prefix);
  if (!client) return Err(client.error());
  return std::unique_ptr<AlertmanagerReceiver>(
      new AlertmanagerReceiver(std::move(config), std::move(alerts_url), std::move(*client),
                               std::move(scrubber), std::move(clock)));
}

AlertmanagerReceiver::AlertmanagerReceiver(AlertmanagerReceiverConfig config,
                                           std::string alerts_url,
                                           std::unique_ptr<HttpClient> client,
                                           SecretScrubber scrubber, WallClock clock)
    : config_(std::move(config)),
      alerts_url_(std::move(alerts_url)),
      client_(std::move(client)),
      scrubber_(std::move(scrubber)),
      clock_(std::move(clock)) {}

DeliveryStatus AlertmanagerReceiver::Deliver(const NotificationBatch& batch) {
  const std::string body =
      AlertmanagerApiAlerts(batch, clock_(), firing_horizon(), config_.external_url);
  if (body == "[]") return DeliveryStatus::Delivered();
  HttpResponse response;
  DeliveryStatus s = client_->Post(alerts_url_, body, response);
  if (s.ok()) s = ClassifyHttpStatus(response.status, response.body);
  return Scrubbed(std::move(s), scrubber_);
}

}  // namespace edgewatch::alerting
