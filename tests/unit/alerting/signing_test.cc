// HMAC-SHA256, base64 and the DingTalk / Feishu signatures.
#include "alerting/signing.h"

#include <gtest/gtest.h>

#include <string>

namespace edgewatch::alerting {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

TEST(SigningTest, HmacSha256KnownAnswer) {
  // RFC 4231, test case 2.
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // HMAC of an empty message under an empty key (a well-known value).
  EXPECT_EQ(Hex(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(SigningTest, Base64) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

TEST(SigningTest, DingTalkSignedUrl) {
  const std::string sign = DingTalkSign("SECxyz", 1763800503123);
  EXPECT_EQ(sign, Base64(HmacSha256("SECxyz", "1763800503123\nSECxyz")));
  const std::string url = DingTalkSignedUrl("https://oapi.dingtalk.com/robot/send?access_token=t",
                                            "SECxyz", 1763800503123);
  EXPECT_TRUE(
      url.starts_with("https://oapi.dingtalk.com/robot/send?access_token=t&timestamp="
                      "1763800503123&sign="))
      << url;
  // base64's '+', '/' and '=' are percent-encoded.
  EXPECT_EQ(url.find_first_of("+/=", url.find("&sign=") + 6), std::string::npos) << url;
  EXPECT_TRUE(DingTalkSignedUrl("http://h/send", "s", 1).starts_with("http://h/send?timestamp=1&"));
}

TEST(SigningTest, FeishuSign) {
  EXPECT_EQ(FeishuSign("sec", 1763800503), Base64(HmacSha256("1763800503\nsec", "")));
}

}  // namespace
}  // namespace edgewatch::alerting
