// Receivers for chat robots: DingTalk, WeCom (企业微信), Feishu/Lark and Slack incoming
// webhooks. Each renders a batch of notifications as one message (alerting/message.h) for
// phones, POSTs it (HttpClient) and reads the robot's answer: these APIs say "refused" in an
// HTTP 200 with an error code, which is classified here (rate limited: retryable; a bad
// signature, keyword or URL: permanent, with the robot's message quoted). The rate limits
// default to what each platform documents, so the Dispatcher batches instead of being refused.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerting/http_client.h"
#include "alerting/message.h"
#include "alerting/payloads.h"
#include "alerting/receiver.h"
#include "alerting/secret.h"
#include "common/result.h"

namespace edgewatch::alerting {

// Default rate limits (docs/alerting.md gives the sources).
inline constexpr RateLimit kDingTalkRateLimit{20, std::chrono::minutes(1)};
inline constexpr RateLimit kWeComRateLimit{20, std::chrono::minutes(1)};
inline constexpr RateLimit kFeishuRateLimit{5, std::chrono::seconds(3)};  // 100/min, 5/s burst
inline constexpr RateLimit kSlackRateLimit{1, std::chrono::seconds(1)};

// What all four take; the config key of each field is `alerting.receivers.<name>.<field>`.
struct ImReceiverConfig {
  std::string name;
  // The robot's webhook URL. A secret: it holds the token (DingTalk access_token, WeCom key,
  // Feishu and Slack hook ids), so it may come from a file or the environment and is never
  // logged (messages show scheme and host only).
  SecretSource url;
  // Signing secret: DingTalk ("SEC…", optional) and Feishu (optional). WeCom and Slack do not
  // sign: setting one is an error.
  SecretSource secret;
  std::chrono::milliseconds timeout{5000};  // whole request
  // Templates of the message (docs/alerting.md "Templates"); empty: the defaults.
  std::string title;
  std::string text;
  // Base of evidence links: <external_url>/api/v1/evidence/<id>, e.g. http://host:9722.
  std::string external_url;
  size_t max_batch = 10;                // notifications per message, 1–100
  std::optional<RateLimit> rate_limit;  // unset: the platform's (k*RateLimit above)
  size_t max_alerts = 10;               // alerts rendered per notification
};

struct DingTalkConfig : ImReceiverConfig {
  std::vector<std::string> at_mobiles;  // @-mentioned: digits, '+' and '-'
  bool at_all = false;
};
struct WeComConfig : ImReceiverConfig {};
struct FeishuConfig : ImReceiverConfig {};
struct SlackConfig : ImReceiverConfig {};

// The robots' answers. 429 and 5xx are retryable as for any webhook; then:
// DingTalk {"errcode":N,"errmsg":…}: 0 delivered, 130101 (send too fast) and -1 (busy)
// retryable, any other permanent (310000 bad signature/keyword/IP, 300001 bad token, …).
DeliveryStatus ClassifyDingTalkAnswer(const HttpResponse& r);
// WeCom {"errcode":N,"errmsg":…}: 0 delivered, 45009 (frequency limit) and -1 (busy)
// retryable, any other permanent (93000 invalid webhook URL, 40008 bad message type, …).
DeliveryStatus ClassifyWeComAnswer(const HttpResponse& r);
// Feishu {"code":N,"msg":…} (or the older {"StatusCode":N,"StatusMessage":…}): 0 delivered,
// 11232 (frequency limited) retryable, any other permanent (19021 bad signature, 19024 keyword
// missing, 9499 bad request, …).
DeliveryStatus ClassifyFeishuAnswer(const HttpResponse& r);
// Slack: 2xx ("ok") delivered, 429 and 5xx retryable, other 4xx ("invalid_payload",
// "no_service", "channel_is_archived", …) permanent.
DeliveryStatus ClassifySlackAnswer(const HttpResponse& r);

// The part the four share: render, build the request, POST, classify, scrub secrets.
class ImReceiver : public Receiver {
 public:
  ~ImReceiver() override;
  ImReceiver(const ImReceiver&) = delete;
  ImReceiver& operator=(const ImReceiver&) = delete;

  const std::string& name() const override { return name_; }
  DeliveryStatus Deliver(const NotificationBatch& batch) override;
  size_t max_batch() const override { return max_batch_; }
  RateLimit rate_limit() const override { return rate_limit_; }
  void Abort() override;

  // Resolved, validated parts of an ImReceiverConfig (the subclasses' Create() make them).
  struct Parts {
    std::string name;
    std::string url;
    std::string secret;
    MessageRenderer renderer;
    std::unique_ptr<HttpClient> client;
    SecretScrubber scrubber;
    size_t max_batch = 1;
    RateLimit rate_limit;
    WallClock clock;
  };
  enum class Platform : uint8_t { kDingTalk, kWeCom, kFeishu, kSlack };
  static Result<Parts> Setup(const ImReceiverConfig& config, Platform platform, WallClock clock);

 protected:
  explicit ImReceiver(Parts parts);

  struct Request {
    std::string url;
    std::string body;
  };
  virtual Request Build(const Message& m) const = 0;
  virtual DeliveryStatus Classify(const HttpResponse& r) const = 0;

  const std::string& url() const { return url_; }
  const std::string& secret() const { return secret_; }
  int64_t NowNs() const { return clock_(); }

 private:
  std::string name_;
  std::string url_;
  std::string secret_;
  MessageRenderer renderer_;
  std::unique_ptr<HttpClient> client_;
  SecretScrubber scrubber_;
  size_t max_batch_;
  RateLimit rate_limit_;
  WallClock clock_;
};

// Markdown message; signed (timestamp and sign in the query string) when a secret is set.
class DingTalkReceiver final : public ImReceiver {
 public:
  static Result<std::unique_ptr<DingTalkReceiver>> Create(DingTalkConfig config,
                                                          WallClock clock = SystemWallClockNs);

 private:
  DingTalkReceiver(Parts parts, std::vector<std::string> at_mobiles, bool at_all)
      : ImReceiver(std::move(parts)), at_mobiles_(std::move(at_mobiles)), at_all_(at_all) {}
  Request Build(const Message& m) const override;
  DeliveryStatus Classify(const HttpResponse& r) const override;

  std::vector<std::string> at_mobiles_;
  bool at_all_;
};

// Markdown message of at most 4096 bytes (cut at a character with "… (truncated)").
class WeComReceiver final : public ImReceiver {
 public:
  static Result<std::unique_ptr<WeComReceiver>> Create(const WeComConfig& config,
                                                       WallClock clock = SystemWallClockNs);

 private:
  using ImReceiver::ImReceiver;
  Request Build(const Message& m) const override;
  DeliveryStatus Classify(const HttpResponse& r) const override;
};

// Text message; timestamp and sign in the body when a secret is set.
class FeishuReceiver final : public ImReceiver {
 public:
  static Result<std::unique_ptr<FeishuReceiver>> Create(const FeishuConfig& config,
                                                        WallClock clock = SystemWallClockNs);

 private:
  using ImReceiver::ImReceiver;
  Request Build(const Message& m) const override;
  DeliveryStatus Classify(const HttpResponse& r) const override;
};

// "text" plus mrkdwn section blocks.
class SlackReceiver final : public ImReceiver {
 public:
  static Result<std::unique_ptr<SlackReceiver>> Create(const SlackConfig& config,
                                                       WallClock clock = SystemWallClockNs);

 private:
  using ImReceiver::ImReceiver;
  Request Build(const Message& m) const override;
  DeliveryStatus Classify(const HttpResponse& r) const override;
};

}  // namespace edgewatch::alerting
