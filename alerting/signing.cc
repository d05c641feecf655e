#include "alerting/signing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "alerting/http_client.h"

namespace edgewatch::alerting {

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static const unsigned char kEmpty = 0;
  const auto* data =
      message.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(message.data());
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, message.size(), out,
           &len) == nullptr) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string DingTalkSign(std::string_view secret, int64_t timestamp_ms) {
  const std::string message = std::to_string(timestamp_ms) + "\n" + std::string(secret);
  return Base64(HmacSha256(secret, message));
}

std::string DingTalkSignedUrl(std::string_view url, std::string_view secret, int64_t timestamp_ms) {
  std::string out(url);
  out += url.find('?') == std::string_view::npos ? '?' : '&';
  out += "timestamp=" + std::to_string(timestamp_ms) +
         "&sign=" + UrlEncode(DingTalkSign(secret, timestamp_ms));
  return out;
}

std::string FeishuSign(std::string_view secret, int64_t timestamp_s) {
  const std::string key = std::to_string(timestamp_s) + "\n" + std::string(secret);
  return Base64(HmacSha256(key, ""));
}

}  // namespace edgewatch::alerting
