// HttpClient: one POST at a time over libcurl, for every HTTP receiver (webhook, Alertmanager,
// DingTalk, WeCom, Feishu, Slack). The URL may change per request (DingTalk signs each one in
// the query string); the connection is kept alive between requests; Abort() cuts a transfer in
// progress at once. Plus the classification of answers and transport errors that the receivers
// share.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerting/receiver.h"
#include "alerting/secret.h"
#include "common/result.h"

namespace edgewatch::alerting {

inline constexpr std::string_view kUserAgent = "edgewatch/0.1";
// How much of a refused request's response body a failure message quotes.
inline constexpr size_t kQuotedBodyBytes = 200;
// How much of a response body is kept (IM APIs answer with small JSON objects).
inline constexpr size_t kMaxResponseBytes = size_t{64} * 1024;

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Why `url` cannot be a receiver's URL (not absolute, not http/https), naming `key`; the URL is
// not quoted (it may hold a token). nullopt when it can.
std::optional<Error> ValidateHttpUrl(std::string_view url, std::string_view key);

// Why a configured header cannot be sent as it is (bad name, a header edgewatch sets itself,
// a line break in the value); nullopt when it can. The value is never quoted.
std::optional<std::string> HeaderProblem(const std::string& name, const std::string& value);

// Classification of a completed HTTP exchange; `body` is the response body (only its first
// kQuotedBodyBytes are quoted, control characters replaced): 2xx delivered, 429 and 5xx
// retryable, anything else permanent.
DeliveryStatus ClassifyHttpStatus(int status, std::string_view body);

// `body` as a one-line double-quoted string of at most kQuotedBodyBytes bytes ("..." after the
// quote when cut).
std::string QuoteBody(std::string_view body);

// Whether a libcurl transfer error (a CURLcode) may go away by itself: network, DNS, TLS
// handshake, timeouts. Errors of our own making (bad URL, unsupported protocol) are not.
bool IsRetryableCurlError(int curl_code);

// Percent-encoding of everything but RFC 3986 unreserved characters (curl_easy_escape).
std::string UrlEncode(std::string_view text);

// The same status with its message passed through `scrubber`.
DeliveryStatus Scrubbed(DeliveryStatus status, const SecretScrubber& scrubber);

struct HttpResponse {
  int status = 0;
  std::string body;  // its first kMaxResponseBytes bytes
};

struct HttpClientOptions {
  std::chrono::milliseconds timeout{5000};  // whole request: connect, send, wait for the answer
  std::string content_type = "application/json";
  HttpHeaders headers;  // extra request headers, checked with HeaderProblem() by the caller
};

class HttpClient {
 public:
  static Result<std::unique_ptr<HttpClient>> Create(const HttpClientOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `url` (http or https; redirects are not followed). ok(): an answer came,
  // whatever its status, and is in `response`; otherwise the transport failure (retryable per
  // IsRetryableCurlError, or after Abort()). Thread-safe: concurrent calls take turns.
  DeliveryStatus Post(const std::string& url, std::string_view body, HttpResponse& response);

  // Makes the Post() in progress (from any thread) and every later one return a retryable
  // "aborted" failure at once (curl_multi_wakeup), not at the timeout.
  void Abort();

 private:
  struct Curl;

  explicit HttpClient(std::unique_ptr<Curl> curl);
  DeliveryStatus Perform(const std::string& url, std::string_view body, HttpResponse& response);

  const std::unique_ptr<Curl> curl_;
  std::mutex mu_;  // one transfer at a time on curl_
  std::atomic<bool> aborted_{false};
};

// A client sending `headers` and, when `bearer_token` is not empty, "Authorization: Bearer
// <token>"; the header values and the token are added to `scrubber`. Errors start with
// `prefix` (e.g. "alerting.receivers.am: ").
Result<std::unique_ptr<HttpClient>> CreateClientWithAuth(std::chrono::milliseconds timeout,
                                                         const HttpHeaders& headers,
                                                         const std::string& bearer_token,
                                                         SecretScrubber& scrubber,
                                                         const std::string& prefix);

}  // namespace edgewatch::alerting
