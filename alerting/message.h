// Message: the title and body an IM robot (DingTalk, WeCom, Feishu, Slack) shows on a phone,
// rendered from a batch of notifications. What it says is set by two templates, `title` and
// `text`, with {{placeholders}} from a fixed set (kPlaceholders, docs/alerting.md "Templates");
// an unknown placeholder is a configuration error at start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerting/notification.h"
#include "common/result.h"

namespace edgewatch::alerting {

// The mark-up the destination understands.
enum class Markup : uint8_t {
  kMarkdown,  // DingTalk, WeCom: **bold**, [text](url), "- " lists
  kSlack,     // Slack mrkdwn: *bold*, <url|text>; &, < and > escaped
  kPlain,     // Feishu text messages: no mark-up, links as bare URLs
};

struct MessageOptions {
  Markup markup = Markup::kMarkdown;
  // Base of the links: evidence as <external_url>/api/v1/evidence/<id>. Empty: ids, no links.
  std::string external_url;
  size_t max_alerts = 10;         // alerts rendered per notification; "… N more" after them
  size_t max_symptoms = 5;        // symptoms listed per root-cause alert
  size_t max_evidence_links = 3;  // evidence links per alert
};

// Placeholders a template may use, besides labels.<name> and annotations.<name>.
inline constexpr std::string_view kPlaceholders[] = {
    "status",         "count",  "firing",       "resolved",         "alertname",    "severity",
    "cause",          "scope",  "edge_count",   "business_systems", "summary",      "description",
    "evidence_links", "alerts", "group_labels", "receiver",         "external_url", "starts_at",
};

// Text with {{name}} placeholders ({{ name }} too). Everything else is literal.
class MessageTemplate {
 public:
  // Errors name `key` (e.g. "alerting.receivers.dd.text") and the placeholder.
  static Result<MessageTemplate> Parse(std::string_view text, std::string_view key);

  // One notification's rendering; label and annotation values are escaped for the mark-up.
  std::string Render(const Notification& n, const MessageOptions& options) const;

 private:
  struct Part {
    bool placeholder = false;
    std::string text;  // literal text, or the placeholder's name
  };
  std::vector<Part> parts_;
};

struct Message {
  std::string title;  // one line: the phone's notification
  std::string text;   // the body, in the options' mark-up
};

class MessageRenderer {
 public:
  // Empty templates: the defaults (DefaultTitleTemplate, DefaultTextTemplate). `key_prefix` is
  // "alerting.receivers.<name>." for the errors.
  static Result<MessageRenderer> Create(std::string_view title, std::string_view text,
                                        MessageOptions options, std::string_view key_prefix);

  // The title of the first notification ("(+N more)" when the batch holds N others) and the
  // texts of all, one after another.
  Message Render(const NotificationBatch& batch) const;

  const MessageOptions& options() const { return options_; }

 private:
  MessageRenderer(MessageTemplate title, MessageTemplate text, MessageOptions options)
      : title_(std::move(title)), text_(std::move(text)), options_(std::move(options)) {}

  MessageTemplate title_;
  MessageTemplate text_;
  MessageOptions options_;
};

// "[{{status}}:{{count}}] {{alertname}}", e.g. "[FIRING:2] connect_refused_burst".
std::string_view DefaultTitleTemplate();
// The title in bold, then {{alerts}}.
std::string_view DefaultTextTemplate(Markup markup);

// The default rendering of every alert of `n` ({{alerts}}): for a root-cause alert its cause,
// scope, blast radius, top symptoms, summary, description and evidence links; for a symptom
// alert its summary, edge, value against the threshold and evidence links.
std::string RenderAlerts(const Notification& n, const MessageOptions& options);

// `text` cut to at most `max_bytes` bytes at a UTF-8 character boundary, ending with
// "… (truncated)" when cut.
std::string TruncateUtf8(std::string text, size_t max_bytes);

}  // namespace edgewatch::alerting
