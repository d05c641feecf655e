#include "alerting/secret.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace edgewatch::alerting {

namespace {

constexpr size_t kMinSecretBytes = 4;
constexpr size_t kMinPathTokenBytes = 16;
constexpr size_t kMaxSecretFileBytes = size_t{64} * 1024;

Result<std::string> ReadSecretFile(const std::string& path, const std::string& key) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Err(key + ": cannot read " + path + ": " +
               std::error_code(errno, std::generic_category()).message());
  }
  std::string value;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0 && value.size() <= kMaxSecretFileBytes) {
    value.append(buf, n);
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    return Err(key + ": cannot read " + path + ": " +
               std::error_code(err, std::generic_category()).message());
  }
  if (value.size() > kMaxSecretFileBytes) {
    return Err(key + ": " + path + " is larger than 64 KiB; not a secret file");
  }
  if (value.ends_with("\r\n")) {
    value.resize(value.size() - 2);
  } else if (value.ends_with('\n')) {
    value.pop_back();
  }
  if (value.empty()) {
    return Err(key + ": " + path + " is empty");
  }
  return value;
}

}  // namespace

Result<std::string> ResolveSecret(const SecretSource& source, std::string_view key) {
  const std::string k(key);
  const int set = (source.literal.empty() ? 0 : 1) + (source.file.empty() ? 0 : 1) +
                  (source.env.empty() ? 0 : 1);
  if (set > 1) {
    return Err(k + ": set only one of " + k + ", " + k + "_file and " + k + "_env");
  }
  if (!source.literal.empty()) {
    return source.literal;
  }
  if (!source.file.empty()) {
    return ReadSecretFile(source.file, k + "_file");
  }
  if (!source.env.empty()) {
    const char* value = std::getenv(source.env.c_str());
    if (value == nullptr) {
      return Err(k + "_env: environment variable " + source.env + " is not set");
    }
    if (*value == '\0') {
      return Err(k + "_env: environment variable " + source.env + " is empty");
    }
    return std::string(value);
  }
  return std::string();
}

std::string RedactUrl(std::string_view url, bool hide_path) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return "<redacted URL>";
  }
  const size_t authority_start = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) {
    authority_end = url.size();
  }
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string out(url.substr(0, authority_start));
  out.append(authority);
  std::string_view rest = url.substr(authority_end);
  const size_t path_end = rest.find_first_of("?#");
  std::string_view path = rest.substr(0, path_end);
  if (hide_path && !path.empty() && path != "/") {
    out += "/<redacted>";
  } else {
    out.append(path);
  }
  if (path_end != std::string_view::npos && rest[path_end] == '?') {
    out += "?<redacted>";
  }
  return out;
}

void SecretScrubber::Add(std::string_view secret) {
  if (secret.size() < kMinSecretBytes) {
    return;
  }
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) {
    return;
  }
  secrets_.emplace_back(secret);
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void SecretScrubber::AddUrl(std::string_view url) {
  Add(url);
  const size_t query = url.find('?');
  std::string_view before_query = url.substr(0, query);
  if (query != std::string_view::npos) {
    std::string_view q = url.substr(query + 1);
    q = q.substr(0, q.find('#'));
    Add(q);
    while (!q.empty()) {
      const size_t amp = q.find('&');
      std::string_view pair = q.substr(0, amp);
      if (const size_t eq = pair.find('='); eq != std::string_view::npos) {
        Add(pair.substr(eq + 1));
      }
      q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    }
  }
  const size_t scheme_end = before_query.find("://");
  if (scheme_end != std::string_view::npos) {
    // user:password@ in the authority.
    std::string_view authority = before_query.substr(scheme_end + 3);
    authority = authority.substr(0, authority.find('/'));
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      Add(userinfo);
      if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
        Add(userinfo.substr(colon + 1));
      }
    }
  }
  size_t path_start =
      before_query.find('/', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
  while (path_start != std::string_view::npos) {
    const size_t next = before_query.find('/', path_start + 1);
    std::string_view segment =
        before_query.substr(path_start + 1, next == std::string_view::npos ? std::string_view::npos
                                                                           : next - path_start - 1);
    if (segment.size() >= kMinPathTokenBytes) {
      Add(segment);
    }
    path_start = next;
  }
}

std::string SecretScrubber::Scrub(std::string text) const {
  static constexpr std::string_view kMark = "<redacted>";
  for (const std::string& s : secrets_) {
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + kMark.size())) {
      text.replace(at, s.size(), kMark);
    }
  }
  return text;
}

}  // namespace edgewatch::alerting
