#include "alerting/http_client.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cctype>

namespace edgewatch::alerting {

namespace {

// Headers edgewatch sets itself; a second copy from the configuration would confuse receivers.
constexpr std::string_view kReservedHeaders[] = {"Content-Type", "Content-Length", "Expect"};

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

size_t KeepBodyPrefix(char* data, size_t size, size_t nmemb, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * nmemb;
  if (body->size() < kMaxResponseBytes) {
    body->append(data, std::min(n, kMaxResponseBytes - body->size()));
  }
  return n;
}

}  // namespace

std::optional<Error> ValidateHttpUrl(std::string_view url, std::string_view key) {
  const std::string k(key);
  if (url.empty()) {
    return Err(k + ": required");
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
  const std::string text(url);
  if (curl_url_set(parsed, CURLUPART_URL, text.c_str(), 0) != CURLUE_OK ||
      curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    error = Err(k + ": not a valid absolute URL (expected http://host[:port]/path)");
  } else if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https")) {
    error = Err(k + ": scheme must be http or https (got " + scheme + ")");
  }
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(parsed);
  return error;
}

std::optional<std::string> HeaderProblem(const std::string& name, const std::string& value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsHeaderNameChar)) {
    return "invalid header name \"" + name + "\"";
  }
  if (std::any_of(std::begin(kReservedHeaders), std::end(kReservedHeaders),
                  [&](std::string_view reserved) { return EqualsIgnoreCase(name, reserved); })) {
    return name + " is set by edgewatch and cannot be configured";
  }
  if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
    return "value of " + name + " contains a line break or NUL";
  }
  return std::nullopt;
}

std::string QuoteBody(std::string_view body) {
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

DeliveryStatus ClassifyHttpStatus(int status, std::string_view body) {
  if (status >= 200 && status <= 299) {
    return DeliveryStatus::Delivered();
  }
  std::string message = "HTTP " + std::to_string(status) + ", response body " + QuoteBody(body);
  if (status == 429 || (status >= 500 && status <= 599)) {
    return DeliveryStatus::Retryable(std::move(message));
  }
  // Other 4xx, and 1xx/3xx which a receiver should never answer (redirects are not followed).
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

std::string UrlEncode(std::string_view text) {
  if (GlobalInitOnce() != CURLE_OK) {
    return std::string();
  }
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (escaped == nullptr) {
    return std::string();
  }
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

DeliveryStatus Scrubbed(DeliveryStatus status, const SecretScrubber& scrubber) {
  switch (status.code()) {
    case DeliveryStatus::Code::kDelivered:
      return status;
    case DeliveryStatus::Code::kRetryable:
      return DeliveryStatus::Retryable(scrubber.Scrub(status.message()));
    case DeliveryStatus::Code::kPermanent:
      break;
  }
  return DeliveryStatus::Permanent(scrubber.Scrub(status.message()));
}

// The handles of one client. A multi handle drives the single easy handle so that Abort() can
// wake the transfer (curl_multi_wakeup) instead of waiting for the timeout; the multi handle
// also keeps the connection cache between requests.
struct HttpClient::Curl {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  std::string response;

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

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpClientOptions& options) {
  if (GlobalInitOnce() != CURLE_OK) {
    return Err("libcurl: global initialisation failed");
  }
  if (options.timeout.count() <= 0) {
    return Err("timeout: must be positive");
  }
  auto curl = std::make_unique<Curl>();
  curl->easy = curl_easy_init();
  curl->multi = curl_multi_init();
  if (curl->easy == nullptr || curl->multi == nullptr) {
    return Err("libcurl handle setup failed");
  }
  bool ok = curl->AddHeader("Content-Type: " + options.content_type) &&
            curl->AddHeader("Expect:");  // no 100-continue round trip for large bodies
  for (const auto& [header, value] : options.headers) {
    std::string line;
    line.append(header).append(": ").append(value);
    ok = ok && curl->AddHeader(line);
  }
  if (!ok) {
    return Err("out of memory for headers");
  }

  CURL* e = curl->easy;
  const std::string user_agent(kUserAgent);
  // setopt results: every option here exists in the libcurl we build against; a failure would
  // only come from a bad argument, which the receivers' validation excludes.
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, curl->headers);
  curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent.c_str());  // copied by libcurl
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are threaded
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curl->error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &KeepBodyPrefix);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &curl->response);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0 deprecates the bitmask form
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(curl)));
}

HttpClient::HttpClient(std::unique_ptr<Curl> curl) : curl_(std::move(curl)) {}

HttpClient::~HttpClient() = default;

void HttpClient::Abort() {
  aborted_.store(true);
  curl_multi_wakeup(curl_->multi);  // documented as callable from any thread
}

DeliveryStatus HttpClient::Post(const std::string& url, std::string_view body,
                                HttpResponse& response) {
  std::lock_guard lock(mu_);
  return Perform(url, body, response);
}

DeliveryStatus HttpClient::Perform(const std::string& url, std::string_view body,
                                   HttpResponse& response) {
  response = HttpResponse{};
  if (aborted_.load()) {
    return DeliveryStatus::Retryable("aborted: shutting down");
  }
  Curl& c = *curl_;
  c.response.clear();
  c.error[0] = '\0';
  curl_easy_setopt(c.easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.easy, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));

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
  response.status = static_cast<int>(status);
  response.body = std::move(c.response);
  return DeliveryStatus::Delivered();
}

Result<std::unique_ptr<HttpClient>> CreateClientWithAuth(std::chrono::milliseconds timeout,
                                                         const HttpHeaders& headers,
                                                         const std::string& bearer_token,
                                                         SecretScrubber& scrubber,
                                                         const std::string& prefix) {
  HttpClientOptions options;
  options.timeout = timeout;
  options.headers = headers;
  for (const auto& [header, value] : headers) scrubber.Add(value);
  if (!bearer_token.empty()) {
    if (auto problem = HeaderProblem("Authorization", "Bearer " + bearer_token)) {
      return Err(prefix + "bearer_token: " + *problem);
    }
    options.headers.emplace_back("Authorization", "Bearer " + bearer_token);
    scrubber.Add(bearer_token);
  }
  auto client = HttpClient::Create(options);
  if (!client) return Err(prefix + client.error());
  return client;
}

}  // namespace edgewatch::alerting
