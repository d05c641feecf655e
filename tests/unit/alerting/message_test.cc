// Message rendering for IM robots: templates, placeholders, the default per-alert text, mark-up
// and truncation.
#include "alerting/message.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/alerting/http_test_server.h"

namespace edgewatch::alerting {
namespace {

using testing::Batch;
using testing::MakeNotification;
using testing::Resolved;
using testing::RootCauseAlert;
using testing::SymptomAlert;

MessageOptions Options(Markup markup = Markup::kMarkdown) {
  MessageOptions o;
  o.markup = markup;
  o.external_url = "http://ew:9722";
  return o;
}

MessageRenderer Renderer(std::string_view title, std::string_view text,
                         MessageOptions options = Options()) {
  auto r = MessageRenderer::Create(title, text, std::move(options), "alerting.receivers.dd.");
  EXPECT_TRUE(r.ok()) << r.error();
  return std::move(r).value();
}

std::string Render(std::string_view text, const NotificationBatch& batch,
                   MessageOptions options = Options()) {
  return Renderer("", text, std::move(options)).Render(batch).text;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MessageTemplateTest, UnknownPlaceholderIsAnErrorNamingIt) {
  auto t = MessageTemplate::Parse("alert {{alertname}} on {{ nodename }}", "alerting.x.text");
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(t.error().starts_with("alerting.x.text: unknown placeholder {{nodename}}; known: "))
      << t.error();
  EXPECT_TRUE(Contains(t.error(), "labels.<name>")) << t.error();

  auto open = MessageTemplate::Parse("oops {{status", "alerting.x.title");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error(), "alerting.x.title: \"{{\" at byte 5 is not closed by \"}}\"");

  EXPECT_FALSE(MessageTemplate::Parse("{{labels.}}", "k").ok());
  EXPECT_TRUE(MessageTemplate::Parse("{{labels.team}} {{annotations.runbook}}", "k").ok());
  EXPECT_TRUE(MessageTemplate::Parse("no placeholders at all", "k").ok());

  auto bad = MessageRenderer::Create("", "{{foo}}", Options(), "alerting.receivers.dd.");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.error().starts_with("alerting.receivers.dd.text: unknown placeholder {{foo}}"))
      << bad.error();
}

TEST(MessageTemplateTest, Placeholders) {
  schema::Alert a = SymptomAlert();
  a.labels["team"] = "pay";
  a.annotations["runbook"] = "https://wiki/runbook";
  schema::Alert b = Resolved(SymptomAlert());
  b.fingerprint = "0000000000000002";
  b.labels["team"] = "pay";
  b.labels["server"] = "10.0.3.8:5432";
  const NotificationBatch batch = Batch({a, b});
  EXPECT_EQ(Render("{{status}} {{count}} {{firing}}/{{resolved}}", batch), "FIRING 1 1/1");
  EXPECT_EQ(Render("{{alertname}} {{severity}} {{labels.team}} {{labels.server}}|", batch),
            "connect_refused_burst critical pay |");  // server differs: not common
  EXPECT_EQ(Render("{{summary}}", batch), "orders → 10.0.3.7:5432 refused 12 connects in 10s");
  EXPECT_EQ(Render("{{annotations.runbook}}|{{description}}", batch), "|");
  EXPECT_EQ(Render("{{receiver}} {{group_labels}} {{external_url}}", batch),
            "test alertname=connect_refused_burst http://ew:9722");
  EXPECT_EQ(Render("{{starts_at}}", batch), "2025-11-22 08:35:03 UTC");
  EXPECT_EQ(Render("{{evidence_links}}", batch),
            "[node-a/1796170159101208586/42](http://ew:9722/api/v1/evidence/"
            "node-a/1796170159101208586/42)");
  EXPECT_EQ(Render("{{cause}}|{{scope}}|{{edge_count}}", batch), "||");  // no root cause

  const NotificationBatch rc = Batch({RootCauseAlert()});
  EXPECT_EQ(Render("{{cause}} [{{scope}}] {{edge_count}} edges of {{business_systems}}", rc),
            "snat_conflict [node=node-7] 12 edges of payments, shop");
  EXPECT_EQ(Render("{{ status }}:{{count}}", Batch({Resolved(RootCauseAlert())})), "RESOLVED:1");
}

TEST(MessageRendererTest, DefaultSymptomAlertMessage) {
  const Message m = Renderer("", "").Render(Batch({SymptomAlert()}));
  EXPECT_EQ(m.title, "[FIRING:1] connect_refused_burst");
  EXPECT_EQ(m.text,
            "#### [FIRING:1] connect_refused_burst\n"
            "\n"
            "**connect_refused_burst** · critical · FIRING since 2025-11-22 08:35:03 UTC\n"
            "- Summary: orders → 10.0.3.7:5432 refused 12 connects in 10s\n"
            "- Edge: orders → 10.0.3.7:5432 on node-a\n"
            "- Value: 12 (connect_refused > 5)\n"
            "- Evidence: [node-a/1796170159101208586/42](http://ew:9722/api/v1/evidence/"
            "node-a/1796170159101208586/42)");
}

TEST(MessageRendererTest, DefaultRootCauseMessage) {
  const Message m = Renderer("", "").Render(Batch({RootCauseAlert()}));
  EXPECT_EQ(m.title, "[FIRING:1] SnatConflict");
  EXPECT_EQ(m.text,
            "#### [FIRING:1] SnatConflict\n"
            "\n"
            "**SnatConflict** · critical · FIRING since 2025-11-22 08:35:03 UTC\n"
            "- Cause: snat_conflict\n"
            "- Scope: node=node-7\n"
            "- Blast radius: 12 edges; business systems: payments, shop\n"
            "- Symptom: connect_timeout on orders → 10.0.3.7:5432 (timeout, snat_suspect)\n"
            "- Symptom: connect_timeout on cart → 10.0.4.1:443 (timeout)\n"
            "- … 10 more symptoms\n"
            "- Summary: SNAT port conflicts on node-7: 12 edges of payments, shop\n"
            "- Evidence: [node-7/1/1](http://ew:9722/api/v1/evidence/node-7/1/1), "
            "[node-7/1/2](http://ew:9722/api/v1/evidence/node-7/1/2), "
            "[node-7/1/3](http://ew:9722/api/v1/evidence/node-7/1/3) (+2 more)\n"
            "\n"
            "Symptoms attached: 2 on 12 edges");
}

TEST(MessageRendererTest, ResolvedAndBatchesOfSeveralNotifications) {
  NotificationBatch batch = Batch({Resolved(RootCauseAlert())});
  batch.push_back(MakeNotification({SymptomAlert()}));
  const Message m = Renderer("", "").Render(batch);
  EXPECT_EQ(m.title, "[RESOLVED:1] SnatConflict (+1 more)");
  const size_t first = m.text.find("#### [RESOLVED:1] SnatConflict");
  const size_t second = m.text.find("#### [FIRING:1] connect_refused_burst");
  ASSERT_NE(first, std::string::npos) << m.text;
  ASSERT_NE(second, std::string::npos) << m.text;
  EXPECT_LT(first, second);
  EXPECT_TRUE(Contains(m.text,
                       "RESOLVED at 2025-11-22 08:36:03 UTC (started 2025-11-22 "
                       "08:35:03 UTC)"))
      << m.text;
}

TEST(MessageRendererTest, AlertsBeyondTheCapAreCounted) {
  MessageOptions o = Options();
  o.max_alerts = 1;
  NotificationPtr n = MakeNotification({SymptomAlert(), SymptomAlert(), SymptomAlert()});
  auto copy = std::make_shared<Notification>(*n);
  copy->truncated_alerts = 4;
  const std::string text = Render("{{alerts}}", {copy}, o);
  EXPECT_TRUE(text.ends_with("\n\n… 6 more alerts")) << text;
}

TEST(MessageRendererTest, SlackAndPlainMarkup) {
  schema::Alert a = SymptomAlert();
  a.annotations["summary"] = "a <b> & c";
  const std::string slack = Render("", Batch({a}), Options(Markup::kSlack));
  EXPECT_TRUE(slack.starts_with("*[FIRING:1] connect_refused_burst*\n*connect_refused_burst*"))
      << slack;
  EXPECT_TRUE(Contains(slack, "- Summary: a &lt;b&gt; &amp; c")) << slack;
  EXPECT_TRUE(Contains(slack,
                       "<http://ew:9722/api/v1/evidence/node-a/1796170159101208586/42|"
                       "node-a/1796170159101208586/42>"))
      << slack;
  EXPECT_EQ(Render("{{summary}}", Batch({a}), Options(Markup::kSlack)), "a &lt;b&gt; &amp; c");

  const std::string plain = Render("", Batch({a}), Options(Markup::kPlain));
  EXPECT_TRUE(plain.starts_with("[FIRING:1] connect_refused_burst\nconnect_refused_burst · "))
      << plain;
  EXPECT_TRUE(Contains(plain, "- Summary: a <b> & c")) << plain;
  EXPECT_TRUE(
      Contains(plain, "- Evidence: http://ew:9722/api/v1/evidence/node-a/1796170159101208586/42"))
      << plain;

  MessageOptions no_url = Options();
  no_url.external_url.clear();
  EXPECT_EQ(Render("{{evidence_links}}", Batch({a}), no_url), "node-a/1796170159101208586/42");
}

TEST(MessageRendererTest, CustomTemplates) {
  const Message m =
      Renderer("{{status}} {{cause}}", "Root cause {{cause}} ({{edge_count}} edges)\n{{summary}}")
          .Render(Batch({RootCauseAlert()}));
  EXPECT_EQ(m.title, "FIRING snat_conflict");
  EXPECT_EQ(m.text,
            "Root cause snat_conflict (12 edges)\n"
            "SNAT port conflicts on node-7: 12 edges of payments, shop");
}

TEST(TruncateUtf8Test, CutsAtACharacterBoundaryWithAMark) {
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  const std::string mark = "… (truncated)";  // 15 bytes
  EXPECT_EQ(TruncateUtf8(std::string(30, 'a'), 20), std::string(5, 'a') + mark);
  // "é" is 2 bytes: a cut in its middle moves back to its start.
  const std::string text = "aaaa\xc3\xa9" + std::string(20, 'b');
  EXPECT_EQ(TruncateUtf8(text, 4 + 1 + mark.size()), "aaaa" + mark);
  EXPECT_EQ(TruncateUtf8(text, 4 + 2 + mark.size()), "aaaa\xc3\xa9" + mark);
  EXPECT_EQ(TruncateUtf8("\xe2\x86\x92\xe2\x86\x92", 4), "\xe2\x86\x92");  // no room for a mark
}

}  // namespace
}  // namespace edgewatch::alerting
