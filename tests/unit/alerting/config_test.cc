#include "alerting/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

namespace edgewatch::alerting {
namespace {

constexpr const char* kFull = R"(global:
  external_url: http://node-7:9722
api:
  token_env: EW_TEST_API_TOKEN
silences:
  file: /var/lib/edgewatch/silences.json
delivery:
  queue_capacity: 50
  spool_dir: /var/lib/edgewatch/spool
  retry:
    initial_backoff: 1s
    max_backoff: 1m
    max_attempts: 0
    give_up_after: 12h
route:
  receiver: ops
  group_by: [business_system, cause]
  group_wait: 5s
  group_interval: 2m
  repeat_interval: 3h
  routes:
    - matchers: ['business_system="payment"', 'severity=~"critical|page"']
      receiver: pay-dingtalk
      continue: true
      group_wait: 0s
    - match: {business_system: payment}
      receiver: am
inhibit_rules:
  - source_matchers: ['kind="root_cause"']
    target_matchers: ['kind!="root_cause"']
    equal: [node]
receivers:
  - name: ops
    webhook:
      url: http://127.0.0.1:9000/alerts
  - name: pay-dingtalk
    send_resolved: false
    dingtalk:
      url: https://oapi.dingtalk.com/robot/send?access_token=x
      secret_env: EW_TEST_DD_SECRET
  - name: am
    alertmanager:
      url: http://127.0.0.1:9093
)";

TEST(AlertingConfigTest, ReadsEverySection) {
  ::setenv("EW_TEST_API_TOKEN", "s3cret-token", 1);
  auto c = ParseAlertingConfig(kFull, "alerting.yaml");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->external_url, "http://node-7:9722");
  EXPECT_EQ(c->api_token, "s3cret-token");
  EXPECT_EQ(c->silences_file, "/var/lib/edgewatch/silences.json");
  EXPECT_EQ(c->dispatcher.queue_capacity, 50u);
  EXPECT_EQ(c->dispatcher.spool_dir, "/var/lib/edgewatch/spool");
  EXPECT_EQ(c->dispatcher.retry.initial_backoff, std::chrono::seconds(1));
  EXPECT_EQ(c->dispatcher.retry.give_up_after, std::chrono::hours(12));
  const RouteConfig& r = c->notifier.route;
  EXPECT_EQ(r.receiver, "ops");
  EXPECT_EQ(*r.group_by, (std::vector<std::string>{"business_system", "cause"}));
  EXPECT_EQ(*r.group_wait, std::chrono::seconds(5));
  EXPECT_EQ(*r.repeat_interval, std::chrono::hours(3));
  EXPECT_EQ(r.where, "alerting.yaml:16:3");
  ASSERT_EQ(r.routes.size(), 2u);
  EXPECT_EQ(r.routes[0].matchers.size(), 2u);
  EXPECT_EQ(r.routes[0].matchers[1].ToString(), R"(severity=~"critical|page")");
  EXPECT_TRUE(r.routes[0].continue_matching);
  EXPECT_EQ(r.routes[1].matchers.at(0).ToString(), R"(business_system="payment")");
  ASSERT_EQ(c->notifier.inhibit_rules.size(), 1u);
  EXPECT_EQ(c->notifier.inhibit_rules[0].equal, std::vector<std::string>{"node"});
  ASSERT_EQ(c->receivers.size(), 3u);
  EXPECT_EQ(c->receivers[1].type, "dingtalk");
  EXPECT_EQ(c->receivers[1].settings.at("secret_env"), "EW_TEST_DD_SECRET");
  EXPECT_FALSE(c->receivers[1].send_resolved);
  EXPECT_FALSE(c->notifier.send_resolved.at("pay-dingtalk"));
  EXPECT_EQ(c->receivers[2].where, "alerting.yaml:41:5");
}

// Each broken file and the exact message it gets.
TEST(AlertingConfigTest, ErrorsSayWhatAndWhere) {
  ::unsetenv("EW_TEST_MISSING");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"route: {receiver: a}\nreceivers:\n  - name: a\n    webhok: {url: x}\n",
       "f.yaml:4:5: receivers[0] (a): unknown key \"webhok\" (a receiver has a name, send_resolved "
       "and one of webhook, alertmanager, dingtalk, wecom, feishu, slack, stdout, kafka)"},
      {"route: {receiver: b}\nreceivers:\n  - name: a\n    stdout: {}\n",
       "f.yaml:1:8: receiver \"b\" is not defined under receivers"},
      {"route:\n  receiver: a\n  routes:\n    - matchers: ['team=~\"(\"']\n      receiver: a\n"
       "receivers:\n  - name: a\n    stdout: {}\n",
       "f.yaml:4:18: route.routes[0].matchers: matcher team=~\"(\": \"(\" is not a valid regex"},
      {"route: {receiver: a, group_wait: 5 minutes}\nreceivers:\n  - name: a\n    stdout: {}\n",
       "f.yaml:1:34: route.group_wait: "},
      {"route: {receiver: a}\nreceivers:\n  - name: a\n    stdout: {}\n  - name: a\n    stdout: "
       "{}\n",
       "f.yaml:5:11: receivers[1].name: \"a\" is defined twice"},
      {"route: {receiver: a}\nreceivers:\n  - name: a\n    stdout: {}\napi:\n  token_env: "
       "EW_TEST_MISSING\n",
       "f.yaml:6:3: api.token_env: environment variable EW_TEST_MISSING is not set"},
      {"route: {receiver: a}\nreceivers:\n  - name: a\n    stdout: {}\ndelivery: {retry: {jitter: "
       "3}}\n",
       "f.yaml:5:11: delivery: alerting.retry.jitter: must be within [0, 1] (got 3.000000)"},
      {"route: {receiver: a, matchers: ['x=\"y\"']}\nreceivers:\n  - name: a\n    stdout: {}\n",
       "f.yaml:1:8: route: the root route matches every alert; no matchers"},
      {"rute: {receiver: a}\n", "f.yaml:1:1: alerting config: unknown key \"rute\""},
      {"route: [\n", "f.yaml:2:1: YAML syntax error: "},
      {"", "f.yaml:1:1: the file is empty (at least route and receivers)"},
  };
  for (const auto& [text, want] : cases) {
    auto c = ParseAlertingConfig(text, "f.yaml");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.error().substr(0, want.size()), want) << "config:\n" << text;
  }
}

}  // namespace
}  // namespace edgewatch::alerting
