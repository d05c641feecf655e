// HTTP/1.x syntax pieces used by Http1Parser: start lines, framing header values, chunk-size
// lines, and role detection from a stream's first bytes. Pure functions on string_views.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace edgewatch::sensor {

// What the first bytes a socket side writes say about it.
enum class Http1Role : uint8_t {
  kUnknown,  // too few bytes to tell (a prefix of a request line or of a status line)
  kClient,   // a request line: this side is the HTTP client
  kServer,   // a status line: this side is the HTTP server
  kNotHttp,  // neither (TLS, HTTP/2, another protocol, binary data)
};

Http1Role DetectHttp1Role(std::string_view first_bytes);

// The method as one of a closed set of static strings ("GET", "POST", ...), or empty when
// `token` is not a method this parser knows. The result never dangles.
std::string_view KnownHttpMethod(std::string_view token);

struct RequestLine {
  std::string_view method;  // static storage, see KnownHttpMethod
  std::string_view target;  // points into the parsed line
};

// `complete` false: the end of the line was not seen (cut by a cap or a capture gap), so the
// version is not required and the target may be a prefix.
std::optional<RequestLine> ParseRequestLine(std::string_view line, bool complete);

// The status code of a status line ("HTTP/1.x NNN[ reason]"); its start is enough, so a line cut
// after the code still parses. A missing reason phrase is accepted (common in practice).
std::optional<int> ParseStatusCode(std::string_view line);

// Content-Length value: digits, or a list of identical values ("5, 5"). nullopt if invalid.
std::optional<uint64_t> ParseContentLength(std::string_view value);

// Chunk-size line without its CRLF: hex size, optional BWS and ";extensions".
std::optional<uint64_t> ParseChunkSize(std::string_view line);

// Whether the last coding of a Transfer-Encoding value is "chunked".
bool LastCodingIsChunked(std::string_view value);

// Whether a comma-separated header value has `token` as an element (case-insensitive).
bool HasToken(std::string_view value, std::string_view token);

// A field name: one or more token characters (RFC 9110 §5.6.2).
bool IsFieldName(std::string_view name);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Removes leading and trailing spaces and tabs.
std::string_view TrimOws(std::string_view s);

}  // namespace edgewatch::sensor
