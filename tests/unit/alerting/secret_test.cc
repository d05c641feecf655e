// Secrets from a literal, a file or the environment; URL redaction and message scrubbing.
#include "alerting/secret.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace edgewatch::alerting {
namespace {

std::string WriteTemp(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(SecretTest, LiteralFileAndEnvironment) {
  EXPECT_EQ(*ResolveSecret({.literal = "SECabc"}, "alerting.receivers.dd.secret"), "SECabc");
  EXPECT_EQ(*ResolveSecret({}, "alerting.receivers.dd.secret"), "");

  const std::string lf = WriteTemp("secret-lf", "SECfromfile\n");
  EXPECT_EQ(*ResolveSecret({.file = lf}, "k"), "SECfromfile");
  const std::string crlf = WriteTemp("secret-crlf", "SECcrlf\r\n");
  EXPECT_EQ(*ResolveSecret({.file = crlf}, "k"), "SECcrlf");
  const std::string two = WriteTemp("secret-two", "line1\nline2\n\n");  // only one newline
  EXPECT_EQ(*ResolveSecret({.file = two}, "k"), "line1\nline2\n");

  setenv("EW_TEST_SECRET", "SECfromenv", 1);
  EXPECT_EQ(*ResolveSecret({.env = "EW_TEST_SECRET"}, "k"), "SECfromenv");
  unsetenv("EW_TEST_SECRET");
}

TEST(SecretTest, ErrorsNameTheKeyAndNeverTheValue) {
  auto missing = ResolveSecret({.file = "/nonexistent/x"}, "alerting.receivers.dd.secret");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(),
            "alerting.receivers.dd.secret_file: cannot read /nonexistent/x: No such file or "
            "directory");

  unsetenv("EW_TEST_UNSET");
  auto unset = ResolveSecret({.env = "EW_TEST_UNSET"}, "alerting.receivers.dd.secret");
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.error(),
            "alerting.receivers.dd.secret_env: environment variable EW_TEST_UNSET is not set");

  auto both = ResolveSecret({.literal = "SEChidden", .env = "X"}, "alerting.receivers.dd.url");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error(),
            "alerting.receivers.dd.url: set only one of alerting.receivers.dd.url, "
            "alerting.receivers.dd.url_file and alerting.receivers.dd.url_env");

  auto empty = ResolveSecret({.file = WriteTemp("secret-empty", "\n")}, "k");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().find("is empty"), std::string::npos) << empty.error();
}

TEST(SecretTest, RedactUrl) {
  EXPECT_EQ(RedactUrl("https://oapi.dingtalk.com/robot/send?access_token=abc"),
            "https://oapi.dingtalk.com/robot/send?<redacted>");
  EXPECT_EQ(RedactUrl("https://user:pw@example.com:8443/hook"), "https://example.com:8443/hook");
  EXPECT_EQ(RedactUrl("https://hooks.slack.com/services/T0/B0/XXXX", true),
            "https://hooks.slack.com/<redacted>");
  EXPECT_EQ(RedactUrl("http://h"), "http://h");
  EXPECT_EQ(RedactUrl("garbage"), "<redacted URL>");
}

TEST(SecretTest, ScrubberReplacesEveryOccurrence) {
  SecretScrubber s;
  s.Add("abc");  // too short to scrub
  s.Add("SECsecret");
  s.AddUrl("https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef0123?x=1&key=k3y-value");
  EXPECT_EQ(s.Scrub("sign for SECsecret failed, SECsecret again; abc"),
            "sign for <redacted> failed, <redacted> again; abc");
  EXPECT_EQ(s.Scrub("hook 0123456789abcdef0123 key k3y-value"), "hook <redacted> key <redacted>");
  EXPECT_EQ(s.Scrub("nothing here"), "nothing here");

  SecretScrubber auth;
  auth.AddUrl("http://alice:pa55word@am:9093");
  EXPECT_EQ(auth.Scrub("401 for alice:pa55word, password pa55word"),
            "401 for <redacted>, password <redacted>");
}

}  // namespace
}  // namespace edgewatch::alerting
