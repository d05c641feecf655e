#include "alerting/im_receivers.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "alerting/signing.h"

namespace edgewatch::alerting {

namespace {

constexpr size_t kMaxBatchLimit = 100;

const char* PlatformName(ImReceiver::Platform p) {
  switch (p) {
    case ImReceiver::Platform::kDingTalk:
      return "DingTalk";
    case ImReceiver::Platform::kWeCom:
      return "WeCom";
    case ImReceiver::Platform::kFeishu:
      return "Feishu";
    case ImReceiver::Platform::kSlack:
      break;
  }
  return "Slack";
}

RateLimit DefaultRateLimit(ImReceiver::Platform p) {
  switch (p) {
    case ImReceiver::Platform::kDingTalk:
      return kDingTalkRateLimit;
    case ImReceiver::Platform::kWeCom:
      return kWeComRateLimit;
    case ImReceiver::Platform::kFeishu:
      return kFeishuRateLimit;
    case ImReceiver::Platform::kSlack:
      break;
  }
  return kSlackRateLimit;
}

Markup PlatformMarkup(ImReceiver::Platform p) {
  switch (p) {
    case ImReceiver::Platform::kDingTalk:
    case ImReceiver::Platform::kWeCom:
      return Markup::kMarkdown;
    case ImReceiver::Platform::kFeishu:
      return Markup::kPlain;
    case ImReceiver::Platform::kSlack:
      break;
  }
  return Markup::kSlack;
}

bool Signs(ImReceiver::Platform p) {
  return p == ImReceiver::Platform::kDingTalk || p == ImReceiver::Platform::kFeishu;
}

// An answer in HTTP 200 with an error code: {"<code_key>":N,"<msg_key>":"…"}.
struct ErrcodeAnswer {
  const char* platform;
  std::vector<std::pair<std::string, std::string>> fields;  // (code key, message key)
  std::vector<int64_t> retryable;
};

DeliveryStatus ClassifyErrcode(const HttpResponse& r, const ErrcodeAnswer& a) {
  const std::string platform(a.platform);
  if (r.status == 429 || (r.status >= 500 && r.status <= 599)) {
    return ClassifyHttpStatus(r.status, r.body);
  }
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    for (const auto& [code_key, msg_key] : a.fields) {
      auto code = j.find(code_key);
      if (code == j.end() || !code->is_number_integer()) continue;
      const int64_t c = code->get<int64_t>();
      if (c == 0 && r.status >= 200 && r.status <= 299) return DeliveryStatus::Delivered();
      auto msg = j.find(msg_key);
      std::string message =
          platform + " " + code_key + " " + std::to_string(c) + ": " +
          QuoteBody(msg != j.end() && msg->is_string() ? msg->get<std::string>() : std::string());
      if (r.status < 200 || r.status > 299) {
        message += " (HTTP " + std::to_string(r.status) + ")";
      }
      if (std::find(a.retryable.begin(), a.retryable.end(), c) != a.retryable.end()) {
        return DeliveryStatus::Retryable(std::move(message));
      }
      return DeliveryStatus::Permanent(std::move(message));
    }
  }
  if (r.status >= 200 && r.status <= 299) {
    // Not the robot API (a proxy's page?): whether it was delivered is unknown; retrying could
    // only repeat the same answer.
    return DeliveryStatus::Permanent(platform + ": unexpected answer, HTTP " +
                                     std::to_string(r.status) + ", response body " +
                                     QuoteBody(r.body));
  }
  return ClassifyHttpStatus(r.status, r.body);
}

bool IsMobile(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '+' || c == '-';
  });
}

}  // namespace

DeliveryStatus ClassifyDingTalkAnswer(const HttpResponse& r) {
  return ClassifyErrcode(r, {"DingTalk", {{"errcode", "errmsg"}}, {130101, -1}});
}

DeliveryStatus ClassifyWeComAnswer(const HttpResponse& r) {
  return ClassifyErrcode(r, {"WeCom", {{"errcode", "errmsg"}}, {45009, -1}});
}

DeliveryStatus ClassifyFeishuAnswer(const HttpResponse& r) {
  return ClassifyErrcode(r,
                         {"Feishu", {{"code", "msg"}, {"StatusCode", "StatusMessage"}}, {11232}});
}

DeliveryStatus ClassifySlackAnswer(const HttpResponse& r) {
  return ClassifyHttpStatus(r.status, r.body);
}

Result<ImReceiver::Parts> ImReceiver::Setup(const ImReceiverConfig& config, Platform platform,
                                            WallClock clock) {
  const std::string prefix = "alerting.receivers." + config.name + ".";
  if (config.name.empty()) return Err("alerting.receivers: a receiver needs a name");
  if (config.url.empty()) return Err(prefix + "url: required");
  auto url = ResolveSecret(config.url, prefix + "url");
  if (!url) return Err(url.error());
  if (auto error = ValidateHttpUrl(*url, prefix + "url")) return *error;
  if (!Signs(platform) && !config.secret.empty()) {
    return Err(prefix + "secret: " + PlatformName(platform) + " robots are not signed");
  }
  auto secret = ResolveSecret(config.secret, prefix + "secret");
  if (!secret) return Err(secret.error());
  if (config.timeout.count() <= 0) {
    return Err(prefix + "timeout: must be positive (got " + std::to_string(config.timeout.count()) +
               "ms)");
  }
  if (config.max_batch == 0 || config.max_batch > kMaxBatchLimit) {
    return Err(prefix + "max_batch: must be 1 to " + std::to_string(kMaxBatchLimit) + " (got " +
               std::to_string(config.max_batch) + ")");
  }
  if (config.max_alerts == 0) return Err(prefix + "max_alerts: must be positive");
  const RateLimit rate = config.rate_limit.value_or(DefaultRateLimit(platform));
  if (!rate.unlimited() && rate.per.count() <= 0) {
    return Err(prefix + "rate_limit: the period must be positive");
  }
  if (!config.external_url.empty()) {
    if (auto error = ValidateHttpUrl(config.external_url, prefix + "external_url")) return *error;
  }
  MessageOptions options;
  options.markup = PlatformMarkup(platform);
  options.external_url = config.external_url;
  options.max_alerts = config.max_alerts;
  auto renderer = MessageRenderer::Create(config.title, config.text, options, prefix);
  if (!renderer) return Err(renderer.error());
  auto client = HttpClient::Create(HttpClientOptions{.timeout = config.timeout});
  if (!client) return Err(prefix + client.error());

  SecretScrubber scrubber;
  scrubber.AddUrl(*url);
  scrubber.Add(*secret);
  return Parts{
      .name = config.name,
      .url = std::move(*url),
      .secret = std::move(*secret),
      .renderer = std::move(*renderer),
      .client = std::move(*client),
      .scrubber = std::move(scrubber),
      .max_batch = config.max_batch,
      .rate_limit = rate,
      .clock = std::move(clock),
  };
}

ImReceiver::ImReceiver(Parts parts)
    : name_(std::move(parts.name)),
      url_(std::move(parts.url)),
      secret_(std::move(parts.secret)),
      renderer_(std::move(parts.renderer)),
      client_(std::move(parts.client)),
      scrubber_(std::move(parts.scrubber)),
      max_batch_(parts.max_batch),
      rate_limit_(parts.rate_limit),
      clock_(std::move(parts.clock)) {}

ImReceiver::~ImReceiver() = default;

void ImReceiver::Abort() { client_->Abort(); }

DeliveryStatus ImReceiver::Deliver(const NotificationBatch& batch) {
  if (batch.empty()) return DeliveryStatus::Delivered();
  const Request request = Build(renderer_.Render(batch));
  HttpResponse response;
  DeliveryStatus s = client_->Post(request.url, request.body, response);
  if (s.ok()) s = Classify(response);
  return Scrubbed(std::move(s), scrubber_);
}

Result<std::unique_ptr<DingTalkReceiver>> DingTalkReceiver::Create(DingTalkConfig config,
                                                                   WallClock clock) {
  for (const std::string& mobile : config.at_mobiles) {
    if (!IsMobile(mobile)) {
      return Err("alerting.receivers." + config.name + ".at_mobiles: \"" + mobile +
                 "\" is not a mobile number (digits, '+' and '-')");
    }
  }
  auto parts = Setup(config, Platform::kDingTalk, std::move(clock));
  if (!parts) return Err(parts.error());
  return std::unique_ptr<DingTalkReceiver>(
      new DingTalkReceiver(std::move(*parts), std::move(config.at_mobiles), config.at_all));
}

ImReceiver::Request DingTalkReceiver::Build(const Message& m) const {
  const int64_t now_ms = NowNs() / 1'000'000;
  return {secret().empty() ? url() : DingTalkSignedUrl(url(), secret(), now_ms),
          DingTalkMarkdown(m, at_mobiles_, at_all_)};
}

DeliveryStatus DingTalkReceiver::Classify(const HttpResponse& r) const {
  return ClassifyDingTalkAnswer(r);
}

Result<std::unique_ptr<WeComReceiver>> WeComReceiver::Create(const WeComConfig& config,
                                                             WallClock clock) {
  auto parts = Setup(config, Platform::kWeCom, std::move(clock));
  if (!parts) return Err(parts.error());
  return std::unique_ptr<WeComReceiver>(new WeComReceiver(std::move(*parts)));
}

ImReceiver::Request WeComReceiver::Build(const Message& m) const {
  return {url(), WeComMarkdown(m)};
}

DeliveryStatus WeComReceiver::Classify(const HttpResponse& r) const {
  return ClassifyWeComAnswer(r);
}

Result<std::unique_ptr<FeishuReceiver>> FeishuReceiver::Create(const FeishuConfig& config,
                                                               WallClock clock) {
  auto parts = Setup(config, Platform::kFeishu, std::move(clock));
  if (!parts) return Err(parts.error());
  return std::unique_ptr<FeishuReceiver>(new FeishuReceiver(std::move(*parts)));
}

ImReceiver::Request FeishuReceiver::Build(const Message& m) const {
  const int64_t now_s = NowNs() / 1'000'000'000;
  return {url(), FeishuText(m, now_s, secret().empty() ? "" : FeishuSign(secret(), now_s))};
}

DeliveryStatus FeishuReceiver::Classify(const HttpResponse& r) const {
  return ClassifyFeishuAnswer(r);
}

Result<std::unique_ptr<SlackReceiver>> SlackReceiver::Create(const SlackConfig& config,
                                                             WallClock clock) {
  auto parts = Setup(config, Platform::kSlack, std::move(clock));
  if (!parts) return Err(parts.error());
  return std::unique_ptr<SlackReceiver>(new SlackReceiver(std::move(*parts)));
}

ImReceiver::Request SlackReceiver::Build(const Message& m) const {
  return {url(), SlackMessage(m)};
}

DeliveryStatus SlackReceiver::Classify(const HttpResponse& r) const {
  return ClassifySlackAnswer(r);
}

}  // namespace edgewatch::alerting
