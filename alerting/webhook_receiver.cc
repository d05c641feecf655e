#include "alerting/webhook_receiver.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cctype>

#include "schema/codec.h"

namespace edgewatch::alerting {

namespace {

// Headers edgewatch sets itself; a second copy from the configuration would confuse receivers.
constexpr std::string_view kReservedHeaders[] = {"Content-Type", "Content-Length", "Expect"};

std::string KeyPrefix(const WebhookConfig& c) { return "alerting.receivers." + c.name + "."; }

bool IsHeaderNameChar(char ch) {
  // RFC 9110 token characters.
  return std::isalnum(static_cast<unsigned char>(ch)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// curl_global_init is not thread-safe on every libcurl build: do it once, before any handle.
CURLcode GlobalInitOnce() {
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  return result;
}

// Keeps the first kQuotedBodyBytes + 1 bytes of the response (one more tells that it was cut).
size_t KeepBodyPrefix(char* data, size_t size, size_t nmemb, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * nmemb;
  const size_t keep = kQuotedBodyBytes + 1;
  if (body->size() < keep) {
    body->append(data, std::min(n, keep - body->size()));
  }
  return n;
}

std::string Quote(std::string_view body) {
  std::string out = "\"";
  for (char ch : body.substr(0, kQuotedBodyBytes)) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else {
      out.push_back(u < 0x20 || u == 0x7f ? ' ' : ch);  // keep the log line one line
    }
  }
  out.push_back('"');
  if (body.size() > kQuotedBodyBytes) {
    out += "...";
  }
  return out;
}

// Why a configured header cannot be sent as it is; nullopt when it can.
std::optional<std::string> HeaderProblem(const std::string& header, const std::string& value) {
  if (header.empty() || !std::all_of(header.begin(), header.end(), IsHeaderNameChar)) {
    return "invalid header name \"" + header + "\"";
  }
  if (std::any_of(std::begin(kReservedHeaders), std::end(kReservedHeaders),
                  [&](std::string_view reserved) { return EqualsIgnoreCase(header, reserved); })) {
    return header + " is set by edgewatch and cannot be configured";
  }
  if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
    return "value of " + header + " contains a line break or NUL";
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> WebhookConfig::Validate() const {
  const std::string prefix = KeyPrefix(*this);
  if (url.empty()) {
    return Err(prefix + "url: required");
  }
  if (GlobalInitOnce() != CURLE_OK) {
    return Err("libcurl: global initialisation failed");
  }
  CURLU* parsed = curl_url();
  if (parsed == nullptr) {
    return Err("libcurl: out of memory");
  }
  char* scheme = nullptr;
  char* host = nullptr;
  std::optional<Error> error;
  if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
      curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    error = Err(prefix + "url: not a valid absolute URL (expected http://host[:port]/path)");
  } else if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https")) {
    error = Err(prefix + "url: scheme must be http or https (got " + scheme + ")");
  }
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(parsed);
  if (error) {
    return error;
  }

  if (timeout.count() <= 0) {
    return Err(prefix + "timeout: must be positive (got " + std::to_string(timeout.count()) +
               "ms)");
  }
  for (const auto& [header, value] : headers) {
    if (auto problem = HeaderProblem(header, value)) {
      return Err(prefix + "headers: " + *problem);
    }
  }
  return std::nullopt;
}

DeliveryStatus ClassifyHttpStatus(int status, std::string_view body) {
  if (status >= 200 && status <= 299) {
    return DeliveryStatus::Delivered();
  }
  std::string message = "HTTP " + std::to_string(status) + ", response body " + Quote(body);
  if (status == 429 || (status >= 500 && status <= 599)) {
    return DeliveryStatus::Retryable(std::move(message));
  }
  // Other 4xx, and 1xx/3xx which a webhook should never answer (redirects are not followed).
  return DeliveryStatus::Permanent(std::move(message));
}

bool IsRetryableCurlError(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_FAILED_INIT:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_TOO_MANY_REDIRECTS:
      return false;
    default:
      return true;
  }
}

// The handles of one receiver. A multi handle drives the single easy handle so that Abort() can
// wake the transfer (curl_multi_wakeup) instead of waiting for the timeout; the multi handle
// also keeps the connection cache between alerts.
struct WebhookReceiver::Curl {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  std::string response;  // first bytes of the last response body

  ~Curl() {
    if (multi != nullptr) {
      curl_multi_cleanup(multi);
    }
    if (easy != nullptr) {
      curl_easy_cleanup(easy);
    }
    curl_slist_free_all(headers);
  }

  bool AddHeader(const std::string& line) {
    curl_slist* next = curl_slist_append(headers, line.c_str());
    if (next == nullptr) {
      return false;
    }
    headers = next;
    return true;
  }
};

Result<std::unique_ptr<WebhookReceiver>> WebhookReceiver::Create(WebhookConfig config) {
  if (auto error = config.Validate()) {
    return *error;
  }
  auto curl = std::make_unique<Curl>();
  curl->easy = curl_easy_init();
  curl->multi = curl_multi_init();
  if (curl->easy == nullptr || curl->multi == nullptr) {
    return Err("alerting.receivers." + config.name + ": libcurl handle setup failed");
  }
  bool ok = curl->AddHeader("Content-Type: application/json") &&
            curl->AddHeader("Expect:");  // no 100-continue round trip for large alerts
  for (const auto& [header, value] : config.headers) {
    std::string line;
    line.append(header).append(": ").append(value);
    ok = ok && curl->AddHeader(line);
  }
  if (!ok) {
    return Err("alerting.receivers." + config.name + ": out of memory for headers");
  }

  CURL* e = curl->easy;
  const std::string user_agent(kWebhookUserAgent);
  // setopt results: every option here exists in the libcurl we build against; a failure would
  // only come from a bad argument, which Validate() excludes.
  curl_easy_setopt(e, CURLOPT_URL, config.url.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, curl->headers);
  curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent.c_str());  // copied by libcurl
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout.count()));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are threaded
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curl->error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &KeepBodyPrefix);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &curl->response);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0 deprecates the bitmask form
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  return std::unique_ptr<WebhookReceiver>(new WebhookReceiver(std::move(config), std::move(curl)));
}

WebhookReceiver::WebhookReceiver(WebhookConfig config, std::unique_ptr<Curl> curl)
    : config_(std::move(config)), curl_(std::move(curl)) {}

WebhookReceiver::~WebhookReceiver() = default;

void WebhookReceiver::Abort() {
  aborted_.store(true);
  curl_multi_wakeup(curl_->multi);  // documented as callable from any thread
}

DeliveryStatus WebhookReceiver::Deliver(const schema::Alert& alert) {
  const std::string payload = schema::Encode(alert);
  std::lock_guard lock(mu_);
  return Perform(payload);
}

DeliveryStatus WebhookReceiver::Perform(const std::string& payload) {
  if (aborted_.load()) {
    return DeliveryStatus::Retryable("aborted: shutting down");
  }
  Curl& c = *curl_;
  c.response.clear();
  c.error[0] = '\0';
  curl_easy_setopt(c.easy, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(c.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));

  CURLMcode mc = curl_multi_add_handle(c.multi, c.easy);
  if (mc != CURLM_OK) {
    return DeliveryStatus::Retryable(std::string("libcurl: ") + curl_multi_strerror(mc));
  }
  bool done = false;
  bool aborted = false;
  CURLcode result = CURLE_OK;
  while (mc == CURLM_OK) {
    int running = 0;
    mc = curl_multi_perform(c.multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(c.multi, &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == c.easy) {
        done = true;
        result = msg->data.result;
      }
    }
    if (done || mc != CURLM_OK || running == 0) {
      break;
    }
    if (aborted_.load()) {
      aborted = true;
      break;
    }
    // Waits for socket activity, libcurl's own timers (CURLOPT_TIMEOUT_MS) or Abort().
    mc = curl_multi_poll(c.multi, nullptr, 0, 1000, nullptr);
  }
  curl_multi_remove_handle(c.multi, c.easy);  // also closes the connection of a cut transfer

  if (aborted) {
    return DeliveryStatus::Retryable("aborted: shutting down");
  }
  if (mc != CURLM_OK) {
    return DeliveryStatus::Retryable(std::string("libcurl: ") + curl_multi_strerror(mc));
  }
  if (!done) {
    return DeliveryStatus::Retryable("libcurl: transfer ended without a result");
  }
  if (result != CURLE_OK) {
    std::string message = c.error[0] != '\0' ? c.error : curl_easy_strerror(result);
    message += " (curl error " + std::to_string(static_cast<int>(result)) + ")";
    return IsRetryableCurlError(result) ? DeliveryStatus::Retryable(std::move(message))
                                        : DeliveryStatus::Permanent(std::move(message));
  }
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type
  curl_easy_getinfo(c.easy, CURLINFO_RESPONSE_CODE, &status);
  return ClassifyHttpStatus(static_cast<int>(status), c.response);
}

}  // namespace edgewatch::alerting
