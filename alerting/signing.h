// Request signatures of the IM robots that take a signing secret (OpenSSL HMAC-SHA256, base64).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edgewatch::alerting {

// Raw 32-byte HMAC-SHA256 of `message` under `key`.
std::string HmacSha256(std::string_view key, std::string_view message);
// Standard base64 with padding.
std::string Base64(std::string_view bytes);

// DingTalk: base64(HMAC-SHA256(key = secret, message = "<timestamp_ms>\n<secret>")), not yet
// URL-encoded.
std::string DingTalkSign(std::string_view secret, int64_t timestamp_ms);
// `url` with "&timestamp=<ms>&sign=<urlencoded sign>" appended ('?' when it has no query).
std::string DingTalkSignedUrl(std::string_view url, std::string_view secret, int64_t timestamp_ms);

// Feishu/Lark: base64(HMAC-SHA256(key = "<timestamp_s>\n<secret>", message = "")).
std::string FeishuSign(std::string_view secret, int64_t timestamp_s);

}  // namespace edgewatch::alerting
