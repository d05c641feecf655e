#include "sensor/http1_syntax.h"

#include <algorithm>
#include <array>

namespace edgewatch::sensor {
namespace {

// RFC 9110 methods plus the WebDAV ones and PURGE (caches). A closed set: a method outside it
// makes the stream "not HTTP", which keeps label values bounded and rejects random tokens.
constexpr std::array<std::string_view, 17> kMethods = {
    "GET",  "HEAD",     "POST",      "PUT",   "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    "COPY", "PROPFIND", "PROPPATCH", "MKCOL", "MOVE",   "LOCK",    "UNLOCK",  "PURGE"};
constexpr size_t kMaxMethodLen = 9;

enum class Verdict : uint8_t { kNo, kMaybe, kYes };

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  char l = Lower(c);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

Verdict LooksLikeStatusLine(std::string_view s) {
  static constexpr std::string_view kPattern = "HTTP/1.# ###";  // '#': a digit
  size_t n = std::min(s.size(), kPattern.size());
  for (size_t i = 0; i < n; ++i) {
    if (kPattern[i] == '#' ? !IsDigit(s[i]) : s[i] != kPattern[i]) return Verdict::kNo;
  }
  if (s.size() < kPattern.size()) return Verdict::kMaybe;
  if (s.size() > kPattern.size()) {
    char next = s[kPattern.size()];
    if (next != ' ' && next != '\r' && next != '\n') return Verdict::kNo;
  }
  return Verdict::kYes;
}

Verdict LooksLikeRequestLine(std::string_view s) {
  size_t sp = s.substr(0, kMaxMethodLen + 1).find(' ');
  if (sp == std::string_view::npos) {
    if (s.size() > kMaxMethodLen) return Verdict::kNo;
    for (std::string_view m : kMethods) {
      if (m.starts_with(s)) return Verdict::kMaybe;
    }
    return Verdict::kNo;
  }
  if (KnownHttpMethod(s.substr(0, sp)).empty()) return Verdict::kNo;
  if (s.size() == sp + 1) return Verdict::kMaybe;
  // origin-form, asterisk-form, absolute-form ("http://...") or authority-form (CONNECT).
  char c = s[sp + 1];
  return c == '/' || c == '*' || IsAlnum(c) ? Verdict::kYes : Verdict::kNo;
}

bool IsHttp1Version(std::string_view v) {
  return v.size() == 8 && v.starts_with("HTTP/1.") && IsDigit(v[7]);
}

// Calls f(element) for each trimmed element of a comma-separated list; stops when f is false.
template <typename F>
bool ForEachListElement(std::string_view value, F f) {
  while (true) {
    size_t comma = value.find(',');
    if (!f(TrimOws(value.substr(0, comma)))) return false;
    if (comma == std::string_view::npos) return true;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

Http1Role DetectHttp1Role(std::string_view first_bytes) {
  if (first_bytes.empty()) return Http1Role::kUnknown;
  Verdict response = LooksLikeStatusLine(first_bytes);
  if (response == Verdict::kYes) return Http1Role::kServer;
  Verdict request = LooksLikeRequestLine(first_bytes);
  if (request == Verdict::kYes) return Http1Role::kClient;
  if (request == Verdict::kMaybe || response == Verdict::kMaybe) return Http1Role::kUnknown;
  return Http1Role::kNotHttp;
}

std::string_view KnownHttpMethod(std::string_view token) {
  for (std::string_view m : kMethods) {
    if (m == token) return m;
  }
  return {};
}

std::optional<RequestLine> ParseRequestLine(std::string_view line, bool complete) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  RequestLine r;
  r.method = KnownHttpMethod(line.substr(0, sp));
  if (r.method.empty()) return std::nullopt;
  std::string_view rest = line.substr(sp + 1);
  if (complete) {
    size_t last = rest.rfind(' ');
    // No version at all is HTTP/0.9, which has no headers or status line: not supported.
    if (last == std::string_view::npos || !IsHttp1Version(rest.substr(last + 1))) {
      return std::nullopt;
    }
    r.target = rest.substr(0, last);
  } else {
    r.target = rest.substr(0, rest.find(' '));
  }
  if (r.target.empty() || r.target.find(' ') != std::string_view::npos) return std::nullopt;
  return r;
}

std::optional<int> ParseStatusCode(std::string_view line) {
  if (LooksLikeStatusLine(line) != Verdict::kYes) return std::nullopt;
  int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100) return std::nullopt;
  return status;
}

std::optional<uint64_t> ParseContentLength(std::string_view value) {
  std::optional<uint64_t> result;
  bool ok = ForEachListElement(value, [&](std::string_view e) {
    // 18 digits cannot overflow uint64_t; longer values are not real bodies.
    if (e.empty() || e.size() > 18) return false;
    uint64_t n = 0;
    for (char c : e) {
      if (!IsDigit(c)) return false;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (result && *result != n) return false;
    result = n;
    return true;
  });
  return ok ? result : std::nullopt;
}

std::optional<uint64_t> ParseChunkSize(std::string_view line) {
  uint64_t size = 0;
  size_t i = 0;
  for (; i < line.size() && HexValue(line[i]) >= 0; ++i) {
    if (i == 15) return std::nullopt;  // over 2^60 bytes: not a real chunk
    size = size * 16 + static_cast<uint64_t>(HexValue(line[i]));
  }
  if (i == 0) return std::nullopt;
  std::string_view rest = TrimOws(line.substr(i));
  if (!rest.empty() && rest[0] != ';') return std::nullopt;
  return size;
}

bool LastCodingIsChunked(std::string_view value) {
  size_t comma = value.rfind(',');
  std::string_view last = comma == std::string_view::npos ? value : value.substr(comma + 1);
  return EqualsIgnoreCase(TrimOws(last), "chunked");
}

bool HasToken(std::string_view value, std::string_view token) {
  return !ForEachListElement(value,
                             [&](std::string_view e) { return !EqualsIgnoreCase(e, token); });
}

bool IsFieldName(std::string_view name) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return IsAlnum(c) || kSymbols.find(c) != std::string_view::npos;
  });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace edgewatch::sensor
