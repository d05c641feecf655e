// Incremental HTTP/1.x parser for one direction of one connection, fed the chunks the probes
// capture from read/write/sendmsg/recvmsg. A chunk may hold only a prefix of the syscall's
// buffer (`real_len` says how long it was): bodies are skipped by length, so an uncaptured body
// costs nothing and keeps the stream in sync. Bytes lost inside a header section or a chunk-size
// line lose sync: the parser then waits for a chunk that starts with a start line (syscall
// buffers usually start at message boundaries). A stream whose first bytes are not HTTP/1.x is
// dropped for good after a few bytes. No I/O, no clock: unit-testable on byte strings.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/stats.h"
#include "sensor/http1_syntax.h"

namespace edgewatch::sensor {

enum class HttpMessageKind : uint8_t { kRequest, kResponse };

struct HttpMessage {
  HttpMessageKind kind = HttpMessageKind::kRequest;
  std::string_view method;  // requests: static storage, one of a closed set (KnownHttpMethod)
  std::string path;         // requests: the raw request-target (query included)
  std::string traceparent;  // requests: W3C trace context header value; empty when absent
  std::string x_request_id;
  int status = 0;     // responses
  int64_t ts_ns = 0;  // timestamp of the chunk that held the message's first byte
  // Part of the header section was not interpreted (over the header cap, lost in a capture gap,
  // malformed): the values above may be missing or cut.
  bool headers_truncated = false;
};

// Closed set: the `reason` label of edgewatch_sensor_http_parse_errors_total.
enum class Http1ParseError : uint8_t {
  kBadStartLine,
  kBadHeader,
  kBadFraming,  // invalid or conflicting Content-Length, request Transfer-Encoding not chunked
  kBadChunk,
  kHeaderTooLarge,
  kCaptureGap,  // header or chunk-size bytes were not captured
};
inline constexpr size_t kHttp1ParseErrorCount = 6;
static_assert(static_cast<size_t>(Http1ParseError::kCaptureGap) + 1 == kHttp1ParseErrorCount);
const char* Http1ParseErrorName(Http1ParseError e);

struct Http1ParserConfig {
  // Header section bytes interpreted per message. Beyond, only the framing headers are (the
  // body must still be skipped right); the message is emitted and counted as truncated.
  size_t max_header_bytes = 8192;
  // A longer header section (or trailer section) is a parse error.
  size_t max_header_section_bytes = 65536;
  size_t max_value_bytes = 256;  // of traceparent and X-Request-ID
};

// Shared by every parser of a sensor (there is one parser per connection direction).
class Http1ParserStats : public StatsSource {
 public:
  void CountParseError(Http1ParseError e) { parse_errors_[static_cast<size_t>(e)].Add(); }
  uint64_t parse_errors(Http1ParseError e) const {
    return parse_errors_[static_cast<size_t>(e)].Get();
  }
  void CollectStats(std::vector<StatSample>& out) const override;

  StatCounter requests;
  StatCounter responses;
  StatCounter not_http;           // directions given up at their first message
  StatCounter headers_truncated;  // messages over max_header_bytes
  StatCounter tunnels;            // directions switched to another protocol (101, CONNECT)

 private:
  std::array<StatCounter, kHttp1ParseErrorCount> parse_errors_;
};

class Http1Parser {
 public:
  // `stats` is shared and must outlive the parser.
  Http1Parser(const Http1ParserConfig& cfg, Http1ParserStats* stats);

  // One captured chunk: `captured` is the start of a `real_len`-byte syscall buffer, read or
  // written at `ts_ns`. Appends the messages whose header section ends in it to `out` and
  // returns how many.
  size_t Feed(std::span<const char> captured, size_t real_len, int64_t ts_ns,
              std::vector<HttpMessage>& out);

  // For a response stream: the method of each request seen in the other direction, in order,
  // so that responses to HEAD (no body) and CONNECT (a tunnel) are framed right. Without it
  // every response is framed as an answer to GET.
  void ExpectResponseTo(std::string_view method);

  // kClient once requests were parsed, kServer once responses were, kNotHttp after giving up.
  Http1Role role() const { return state_ == State::kNotHttp ? Http1Role::kNotHttp : role_; }
  // After a protocol switch (101, CONNECT) the bytes are no longer parsed.
  bool tunneled() const { return state_ == State::kTunnel; }

 private:
  enum class State : uint8_t {
    // Parsing states, in which captured bytes are consumed step by step.
    kIdle,  // between messages
    kStartLine,
    kHeaders,
    kBody,  // remaining_ bytes of a Content-Length body
    kChunkSize,
    kChunkData,  // remaining_ bytes of chunk data and its CRLF
    kTrailers,
    // Skipping states: whole chunks are ignored.
    kUntilClose,  // a response body delimited by the connection's end
    kResync,      // sync lost: waiting for a chunk that starts with a start line
    kTunnel,
    kNotHttp,
  };
  struct Framing {
    std::optional<uint64_t> content_length;
    bool transfer_encoding = false;
    bool chunked = false;
    bool connection_upgrade = false;
    bool upgrade = false;
    bool invalid = false;
  };

  bool Parsing() const { return state_ <= State::kTrailers; }
  size_t Step(std::string_view data, std::vector<HttpMessage>& out);
  size_t TakeLine(std::string_view data, std::vector<HttpMessage>& out);
  void HandleLine(std::vector<HttpMessage>& out);
  bool ParseStartLine(bool complete);
  size_t HeaderKeep() const;
  void HandleHeaderLine(std::vector<HttpMessage>& out);
  void ApplyHeader(std::string_view name, std::string_view value, bool interpreted);
  void EndHeaders(std::vector<HttpMessage>& out);
  void EndResponseHeaders(std::vector<HttpMessage>& out);
  void SkipGap(uint64_t gap, std::vector<HttpMessage>& out);
  void Fail(Http1ParseError error, std::vector<HttpMessage>& out);

  void BeginMessage();
  void BeginLine(State state, size_t keep);
  void StartBody(uint64_t length);
  void EndBodyPart();
  void EndMessage();
  void EnterTunnel();
  void Emit(std::vector<HttpMessage>& out);
  std::string_view PopExpectedMethod();

  Http1ParserConfig cfg_;
  Http1ParserStats* stats_;
  State state_ = State::kIdle;
  Http1Role role_ = Http1Role::kUnknown;  // set by the first valid start line
  bool start_line_ok_ = false;            // of the current message
  bool upgrade_pending_ = false;          // a request asked to switch protocols
  bool over_cap_ = false;                 // current message beyond max_header_bytes
  int64_t chunk_ts_ns_ = 0;
  HttpMessage msg_;
  Framing framing_;
  std::string line_;     // the current line, up to line_keep_ bytes
  size_t line_len_ = 0;  // its full length so far
  size_t line_keep_ = 0;
  size_t section_bytes_ = 0;  // of the current header or trailer section
  uint64_t remaining_ = 0;
  std::deque<std::string_view> expected_methods_;
};

}  // namespace edgewatch::sensor
