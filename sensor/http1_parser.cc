#include "sensor/http1_parser.h"

#include <algorithm>
#include <utility>

namespace edgewatch::sensor {
namespace {

// Line prefix kept where nothing but a short value is needed: framing headers beyond the header
// cap, chunk-size lines (extensions are ignored), trailer lines (not interpreted).
constexpr size_t kShortLineKeep = 128;
// Chunk extensions are not bounded by the RFC; a longer chunk-size line is not HTTP.
constexpr size_t kMaxChunkSizeLine = 4096;
// Requests whose responses are still expected; more means the other direction is not seen.
constexpr size_t kMaxExpectedMethods = 64;
// A line buffer grown by a long line is released at the message's end.
constexpr size_t kLineCapacityKept = 1024;

bool HasControlByte(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t' && c != '\r') || u == 0x7f;
  });
}

}  // namespace

const char* Http1ParseErrorName(Http1ParseError e) {
  switch (e) {
    case Http1ParseError::kBadStartLine:
      return "bad_start_line";
    case Http1ParseError::kBadHeader:
      return "bad_header";
    case Http1ParseError::kBadFraming:
      return "bad_framing";
    case Http1ParseError::kBadChunk:
      return "bad_chunk";
    case Http1ParseError::kHeaderTooLarge:
      return "header_too_large";
    case Http1ParseError::kCaptureGap:
      return "capture_gap";
  }
  return "unknown";
}

void Http1ParserStats::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(
      Counter("edgewatch_sensor_http_requests_total", "HTTP/1.x requests parsed.", requests.Get()));
  out.push_back(Counter("edgewatch_sensor_http_responses_total", "HTTP/1.x final responses parsed.",
                        responses.Get()));
  for (size_t i = 0; i < kHttp1ParseErrorCount; ++i) {
    auto e = static_cast<Http1ParseError>(i);
    out.push_back(Counter("edgewatch_sensor_http_parse_errors_total",
                          "HTTP/1.x parse errors; the direction resumes at the next chunk that "
                          "starts a message.",
                          parse_errors(e), {{"reason", Http1ParseErrorName(e)}}));
  }
  out.push_back(Counter("edgewatch_sensor_http_not_http_total",
                        "Connection directions whose first bytes are not HTTP/1.x (TLS, HTTP/2, "
                        "other protocols); not parsed further.",
                        not_http.Get()));
  out.push_back(Counter("edgewatch_sensor_http_headers_truncated_total",
                        "HTTP/1.x messages whose header section exceeded the header cap; header "
                        "values past the cap are missing.",
                        headers_truncated.Get()));
  out.push_back(Counter("edgewatch_sensor_http_tunnels_total",
                        "Connection directions switched to another protocol (101, CONNECT); not "
                        "parsed further.",
                        tunnels.Get()));
}

Http1Parser::Http1Parser(const Http1ParserConfig& cfg, Http1ParserStats* stats)
    : cfg_(cfg), stats_(stats) {}

size_t Http1Parser::Feed(std::span<const char> captured, size_t real_len, int64_t ts_ns,
                         std::vector<HttpMessage>& out) {
  const size_t before = out.size();
  std::string_view data(captured.data(), captured.size());
  const uint64_t gap = real_len > data.size() ? real_len - data.size() : 0;
  if (state_ == State::kResync) {
    // Body continuation or garbage unless the chunk starts a message.
    Http1Role seen = DetectHttp1Role(data);
    bool starts = role_ == Http1Role::kUnknown
                      ? seen == Http1Role::kClient || seen == Http1Role::kServer
                      : seen == role_;
    if (!starts) return 0;
    state_ = State::kIdle;
  }
  chunk_ts_ns_ = ts_ns;
  while (!data.empty() && Parsing()) data.remove_prefix(Step(data, out));
  if (gap > 0 && Parsing()) SkipGap(gap, out);
  return out.size() - before;
}

void Http1Parser::ExpectResponseTo(std::string_view method) {
  if (expected_methods_.size() >= kMaxExpectedMethods) expected_methods_.pop_front();
  expected_methods_.push_back(KnownHttpMethod(method));  // static storage: never dangles
}

size_t Http1Parser::Step(std::string_view data, std::vector<HttpMessage>& out) {
  switch (state_) {
    case State::kIdle: {
      // Empty lines before a start line are tolerated (RFC 9112 §2.2).
      size_t start = data.find_first_not_of("\r\n");
      if (start == std::string_view::npos) return data.size();
      BeginMessage();
      return start;
    }
    case State::kBody:
    case State::kChunkData: {
      uint64_t n = std::min<uint64_t>(remaining_, data.size());
      remaining_ -= n;
      if (remaining_ == 0) EndBodyPart();
      return n;
    }
    default:
      return TakeLine(data, out);
  }
}

size_t Http1Parser::TakeLine(std::string_view data, std::vector<HttpMessage>& out) {
  const size_t nl = data.find('\n');
  const size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
  const std::string_view segment = data.substr(0, nl);
  if (HasControlByte(segment)) {
    Fail(state_ == State::kStartLine   ? Http1ParseError::kBadStartLine
         : state_ == State::kChunkSize ? Http1ParseError::kBadChunk
                                       : Http1ParseError::kBadHeader,
         out);
    return take;
  }
  line_len_ += segment.size();
  if (line_.size() < line_keep_) line_.append(segment.substr(0, line_keep_ - line_.size()));
  if (state_ == State::kChunkSize) {
    if (line_len_ > kMaxChunkSizeLine) {
      Fail(Http1ParseError::kBadChunk, out);
      return take;
    }
  } else {
    section_bytes_ += take;
    if (section_bytes_ > cfg_.max_header_section_bytes) {
      Fail(Http1ParseError::kHeaderTooLarge, out);
      return take;
    }
  }
  if (state_ == State::kStartLine) {
    // Checked as bytes arrive, so that TLS or binary data is rejected at its first bytes.
    Http1Role seen = DetectHttp1Role(line_);
    if (seen == Http1Role::kNotHttp ||
        (seen != Http1Role::kUnknown && role_ != Http1Role::kUnknown && seen != role_)) {
      Fail(Http1ParseError::kBadStartLine, out);
      return take;
    }
  }
  if (nl == std::string_view::npos) return take;
  if (line_.size() == line_len_ && !line_.empty() && line_.back() == '\r') {
    line_.pop_back();
    --line_len_;
  }
  HandleLine(out);
  return take;
}

void Http1Parser::HandleLine(std::vector<HttpMessage>& out) {
  switch (state_) {
    case State::kStartLine:
      if (!ParseStartLine(line_len_ == line_.size())) {
        Fail(Http1ParseError::kBadStartLine, out);
        return;
      }
      BeginLine(State::kHeaders, HeaderKeep());
      return;
    case State::kHeaders:
      HandleHeaderLine(out);
      return;
    case State::kChunkSize: {
      std::optional<uint64_t> size = ParseChunkSize(line_);
      if (!size) {
        Fail(Http1ParseError::kBadChunk, out);
      } else if (*size == 0) {
        section_bytes_ = 0;
        BeginLine(State::kTrailers, kShortLineKeep);
      } else {
        remaining_ = *size + 2;  // the data and its CRLF
        state_ = State::kChunkData;
      }
      return;
    }
    case State::kTrailers:
      // Trailer fields are not interpreted; the empty line ends the message.
      if (line_.empty()) {
        EndMessage();
      } else {
        BeginLine(State::kTrailers, kShortLineKeep);
      }
      return;
    default:
      return;
  }
}

bool Http1Parser::ParseStartLine(bool complete) {
  if (role_ != Http1Role::kServer) {
    if (std::optional<RequestLine> r = ParseRequestLine(line_, complete)) {
      msg_.kind = HttpMessageKind::kRequest;
      msg_.method = r->method;
      msg_.path.assign(r->target);
      role_ = Http1Role::kClient;
    }
  }
  if (role_ != Http1Role::kClient) {
    if (std::optional<int> status = ParseStatusCode(line_)) {
      msg_.kind = HttpMessageKind::kResponse;
      msg_.status = *status;
      role_ = Http1Role::kServer;
    }
  }
  if (msg_.method.empty() && msg_.status == 0) return false;
  if (!complete) msg_.headers_truncated = true;
  start_line_ok_ = true;
  upgrade_pending_ = false;  // a request after an upgrade request: the switch was refused
  return true;
}

size_t Http1Parser::HeaderKeep() const {
  size_t left = cfg_.max_header_bytes > section_bytes_ ? cfg_.max_header_bytes - section_bytes_ : 0;
  return std::max(left, kShortLineKeep);
}

void Http1Parser::HandleHeaderLine(std::vector<HttpMessage>& out) {
  if (line_.empty()) {
    EndHeaders(out);
    return;
  }
  const bool interpreted = section_bytes_ <= cfg_.max_header_bytes && line_len_ == line_.size();
  if (!interpreted) {
    over_cap_ = true;
    msg_.headers_truncated = true;
  }
  const std::string_view line = line_;
  // A line starting with whitespace continues the previous field (obsolete line folding): the
  // folded part is not interpreted.
  if (line[0] != ' ' && line[0] != '\t') {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsFieldName(line.substr(0, colon))) {
      Fail(Http1ParseError::kBadHeader, out);
      return;
    }
    ApplyHeader(line.substr(0, colon), TrimOws(line.substr(colon + 1)), interpreted);
  }
  BeginLine(State::kHeaders, HeaderKeep());
}

void Http1Parser::ApplyHeader(std::string_view name, std::string_view value, bool interpreted) {
  if (EqualsIgnoreCase(name, "content-length")) {
    std::optional<uint64_t> n = ParseContentLength(value);
    if (!n || (framing_.content_length && *framing_.content_length != *n)) framing_.invalid = true;
    framing_.content_length = n;
  } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
    // Several fields form one list: the last field's last coding is the final one.
    framing_.transfer_encoding = true;
    framing_.chunked = LastCodingIsChunked(value);
  } else if (EqualsIgnoreCase(name, "connection")) {
    framing_.connection_upgrade = framing_.connection_upgrade || HasToken(value, "upgrade");
  } else if (EqualsIgnoreCase(name, "upgrade")) {
    framing_.upgrade = true;
  } else if (!interpreted) {
    return;
  } else if (EqualsIgnoreCase(name, "traceparent")) {
    if (msg_.traceparent.empty()) msg_.traceparent.assign(value.substr(0, cfg_.max_value_bytes));
  } else if (EqualsIgnoreCase(name, "x-request-id")) {
    if (msg_.x_request_id.empty()) msg_.x_request_id.assign(value.substr(0, cfg_.max_value_bytes));
  }
}

void Http1Parser::EndHeaders(std::vector<HttpMessage>& out) {
  if (framing_.invalid) {
    Fail(Http1ParseError::kBadFraming, out);
    return;
  }
  if (role_ == Http1Role::kServer) {
    EndResponseHeaders(out);
    return;
  }
  // A request body is chunked or has a Content-Length, else there is none (RFC 9112 §6.3).
  if (framing_.transfer_encoding && !framing_.chunked) {
    Fail(Http1ParseError::kBadFraming, out);
    return;
  }
  const bool upgrade =
      msg_.method == "CONNECT" || (framing_.upgrade && framing_.connection_upgrade);
  Emit(out);
  if (framing_.chunked) {
    BeginLine(State::kChunkSize, kShortLineKeep);
  } else {
    StartBody(framing_.content_length.value_or(0));
  }
  upgrade_pending_ = upgrade;
}

void Http1Parser::EndResponseHeaders(std::vector<HttpMessage>& out) {
  const int status = msg_.status;
  if (status < 200 && status != 101) {
    // Interim response (100 Continue, 103 Early Hints): the final one follows.
    EndMessage();
    return;
  }
  const std::string_view method = PopExpectedMethod();
  Emit(out);
  if (status == 101 || (method == "CONNECT" && status / 100 == 2)) {
    EnterTunnel();
  } else if (method == "HEAD" || status == 204 || status == 304) {
    StartBody(0);
  } else if (framing_.transfer_encoding) {
    if (framing_.chunked) {
      BeginLine(State::kChunkSize, kShortLineKeep);
    } else {
      state_ = State::kUntilClose;
    }
  } else if (framing_.content_length) {
    StartBody(*framing_.content_length);
  } else {
    state_ = State::kUntilClose;  // the body ends with the connection (RFC 9112 §6.3)
  }
}

void Http1Parser::SkipGap(uint64_t gap, std::vector<HttpMessage>& out) {
  while (gap > 0 && Parsing()) {
    if (state_ == State::kBody || state_ == State::kChunkData) {
      uint64_t n = std::min(remaining_, gap);
      remaining_ -= n;
      gap -= n;
      if (remaining_ == 0) EndBodyPart();
      continue;
    }
    if (state_ == State::kIdle && role_ == Http1Role::kUnknown) {
      state_ = State::kResync;  // nothing known of this stream yet: not an HTTP error
      return;
    }
    // The start line's beginning is enough to report the message, marked truncated.
    if (state_ == State::kStartLine && ParseStartLine(false)) state_ = State::kHeaders;
    Fail(Http1ParseError::kCaptureGap, out);
  }
}

void Http1Parser::Fail(Http1ParseError error, std::vector<HttpMessage>& out) {
  if (upgrade_pending_ && !start_line_ok_) {
    // What follows an upgrade request, when it is not another request, is the new protocol.
    EnterTunnel();
    return;
  }
  if (role_ == Http1Role::kUnknown) {
    state_ = State::kNotHttp;
    stats_->not_http.Add();
    std::string().swap(line_);
    return;
  }
  if (state_ == State::kHeaders &&
      (msg_.kind == HttpMessageKind::kRequest || msg_.status >= 200 || msg_.status == 101)) {
    // The peer answers even a malformed request (400, 431): reporting what is known keeps
    // request/response matching aligned.
    msg_.headers_truncated = true;
    if (msg_.kind == HttpMessageKind::kResponse) PopExpectedMethod();
    Emit(out);
  }
  stats_->CountParseError(error);
  state_ = State::kResync;
  start_line_ok_ = false;
  std::string().swap(line_);
}

void Http1Parser::BeginMessage() {
  msg_ = HttpMessage{};
  msg_.ts_ns = chunk_ts_ns_;
  framing_ = Framing{};
  start_line_ok_ = false;
  over_cap_ = false;
  section_bytes_ = 0;
  BeginLine(State::kStartLine, std::max(cfg_.max_header_bytes, kShortLineKeep));
}

void Http1Parser::BeginLine(State state, size_t keep) {
  state_ = state;
  line_.clear();
  line_len_ = 0;
  line_keep_ = keep;
}

void Http1Parser::StartBody(uint64_t length) {
  if (length == 0) {
    EndMessage();
  } else {
    remaining_ = length;
    state_ = State::kBody;
  }
}

void Http1Parser::EndBodyPart() {
  if (state_ == State::kBody) {
    EndMessage();
  } else {
    BeginLine(State::kChunkSize, kShortLineKeep);
  }
}

void Http1Parser::EndMessage() {
  state_ = State::kIdle;
  start_line_ok_ = false;
  if (line_.capacity() > kLineCapacityKept) std::string().swap(line_);
}

void Http1Parser::EnterTunnel() {
  state_ = State::kTunnel;
  stats_->tunnels.Add();
  std::string().swap(line_);
}

void Http1Parser::Emit(std::vector<HttpMessage>& out) {
  if (msg_.kind == HttpMessageKind::kRequest) {
    stats_->requests.Add();
  } else {
    stats_->responses.Add();
  }
  if (over_cap_) stats_->headers_truncated.Add();
  out.push_back(std::move(msg_));
  msg_ = HttpMessage{};
}

std::string_view Http1Parser::PopExpectedMethod() {
  if (expected_methods_.empty()) return {};
  std::string_view m = expected_methods_.front();
  expected_methods_.pop_front();
  return m;
}

}  // namespace edgewatch::sensor
