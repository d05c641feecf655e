#include "sensor/http1_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace edgewatch::sensor {
namespace {

constexpr std::string_view kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string Request(std::string_view method, std::string_view target, std::string_view request_id,
                    std::string_view extra_headers = "") {
  std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  r += "Host: orders.shop.svc:8080\r\nUser-Agent: checkout/2.3.1\r\nAccept: */*\r\n";
  r += "traceparent: " + std::string(kTraceparent) + "\r\n";
  r += "X-Request-ID: " + std::string(request_id) + "\r\n";
  return r + std::string(extra_headers) + "\r\n";
}

std::string Response(std::string_view status_line, std::string_view body) {
  return "HTTP/1.1 " + std::string(status_line) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

const std::string kOrderBody = R"({"sku":"A-100","qty":2})";
const std::string kPostOrder = Request("POST", "/api/orders?dry_run=0", "req-1",
                                       "Content-Type: application/json\r\nContent-Length: " +
                                           std::to_string(kOrderBody.size()) + "\r\n") +
                               kOrderBody;
const std::string kGetOrder = Request("GET", "/api/orders/77?expand=items", "req-2");

const std::string kChunked200 =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
    "7;name=\"first\"\r\n{\"id\":7\r\n"
    "1 ; ext\r\n}\r\n"
    "0\r\nX-Checksum: 9f2c\r\nServer-Timing: db;dur=53\r\n\r\n";
const std::string kResponses = kChunked200 + Response("404 Not Found", R"({"error":"no order"})") +
                               Response("500 Internal Server Error", "") +
                               Response("503 Service Unavailable", "retry later");

std::span<const char> Span(std::string_view s) { return {s.data(), s.size()}; }

class Http1ParserTest : public ::testing::Test {
 protected:
  size_t Feed(std::string_view captured, int64_t ts_ns = 1000, size_t real_len = 0) {
    return parser_.Feed(Span(captured), std::max(real_len, captured.size()), ts_ns, out_);
  }
  std::vector<int> Statuses() const {
    std::vector<int> s;
    for (const HttpMessage& m : out_) s.push_back(m.status);
    return s;
  }
  uint64_t Errors(Http1ParseError e) const { return stats_.parse_errors(e); }

  Http1ParserStats stats_;
  Http1Parser parser_{Http1ParserConfig{}, &stats_};
  std::vector<HttpMessage> out_;
};

TEST_F(Http1ParserTest, ParsesRequestWithTraceHeaders) {
  EXPECT_EQ(Feed(kPostOrder, 42), 1u);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].kind, HttpMessageKind::kRequest);
  EXPECT_EQ(out_[0].method, "POST");
  EXPECT_EQ(out_[0].path, "/api/orders?dry_run=0");
  EXPECT_EQ(out_[0].traceparent, kTraceparent);
  EXPECT_EQ(out_[0].x_request_id, "req-1");
  EXPECT_EQ(out_[0].ts_ns, 42);
  EXPECT_FALSE(out_[0].headers_truncated);
  EXPECT_EQ(parser_.role(), Http1Role::kClient);
  EXPECT_EQ(stats_.requests.Get(), 1u);
}

TEST_F(Http1ParserTest, HeaderNamesAreCaseInsensitive) {
  Feed("GET /x HTTP/1.1\r\nTRACEPARENT:" + std::string(kTraceparent) +
       "  \r\nx-request-id:\tabc-123\r\ncontent-LENGTH: 3\r\n\r\nxyzGET /y HTTP/1.1\r\n\r\n");
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].traceparent, kTraceparent);
  EXPECT_EQ(out_[0].x_request_id, "abc-123");
  EXPECT_EQ(out_[1].path, "/y");
  EXPECT_EQ(out_[1].x_request_id, "");
}

TEST_F(Http1ParserTest, ParsesResponsesInOrder) {
  EXPECT_EQ(Feed(kResponses, 7), 4u);
  EXPECT_EQ(Statuses(), (std::vector<int>{200, 404, 500, 503}));
  EXPECT_EQ(out_[3].kind, HttpMessageKind::kResponse);
  EXPECT_EQ(out_[3].ts_ns, 7);
  EXPECT_EQ(parser_.role(), Http1Role::kServer);
  EXPECT_EQ(stats_.responses.Get(), 4u);
  for (size_t i = 0; i < kHttp1ParseErrorCount; ++i) {
    EXPECT_EQ(Errors(static_cast<Http1ParseError>(i)), 0u);
  }
}

TEST_F(Http1ParserTest, RequestsSplitAtEveryOffset) {
  const std::string stream = kPostOrder + kGetOrder;
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    SCOPED_TRACE(cut);
    Http1ParserStats stats;
    Http1Parser p(Http1ParserConfig{}, &stats);
    std::vector<HttpMessage> out;
    p.Feed(Span(stream).subspan(0, cut), cut, 100, out);
    p.Feed(Span(stream).subspan(cut), stream.size() - cut, 200, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].method, "POST");
    EXPECT_EQ(out[0].path, "/api/orders?dry_run=0");
    EXPECT_EQ(out[0].traceparent, kTraceparent);
    EXPECT_EQ(out[0].x_request_id, "req-1");
    EXPECT_EQ(out[0].ts_ns, cut > 0 ? 100 : 200);
    EXPECT_EQ(out[1].method, "GET");
    EXPECT_EQ(out[1].path, "/api/orders/77?expand=items");
    EXPECT_EQ(out[1].x_request_id, "req-2");
    EXPECT_EQ(out[1].ts_ns, cut > kPostOrder.size() ? 100 : 200);
  }
}

TEST_F(Http1ParserTest, ResponsesSplitAtEveryPairOfOffsets) {
  const std::string stream = kChunked200 + Response("404 Not Found", "{}");
  for (size_t a = 0; a <= stream.size(); ++a) {
    for (size_t b = a; b <= stream.size(); ++b) {
      Http1ParserStats stats;
      Http1Parser p(Http1ParserConfig{}, &stats);
      std::vector<HttpMessage> out;
      p.Feed(Span(stream).subspan(0, a), a, 1, out);
      p.Feed(Span(stream).subspan(a, b - a), b - a, 2, out);
      p.Feed(Span(stream).subspan(b), stream.size() - b, 3, out);
      ASSERT_EQ(out.size(), 2u) << a << " " << b;
      ASSERT_EQ(out[0].status, 200) << a << " " << b;
      ASSERT_EQ(out[1].status, 404) << a << " " << b;
      size_t second = kChunked200.size();
      ASSERT_EQ(out[1].ts_ns, second < a ? 1 : second < b ? 2 : 3) << a << " " << b;
    }
  }
}

TEST_F(Http1ParserTest, OneByteAtATime) {
  for (size_t i = 0; i < kResponses.size(); ++i) Feed(std::string_view(kResponses).substr(i, 1));
  EXPECT_EQ(Statuses(), (std::vector<int>{200, 404, 500, 503}));
}

TEST_F(Http1ParserTest, PipelinedRequestsInOneChunk) {
  const std::string chunk = Request("GET", "/api/users/1", "a") +
                            Request("DELETE", "/api/users/2/sessions", "b") +
                            Request("HEAD", "/healthz", "c");
  EXPECT_EQ(Feed(chunk, 500), 3u);
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].method, "GET");
  EXPECT_EQ(out_[1].method, "DELETE");
  EXPECT_EQ(out_[1].path, "/api/users/2/sessions");
  EXPECT_EQ(out_[2].method, "HEAD");
  EXPECT_EQ(out_[2].x_request_id, "c");
  EXPECT_EQ(out_[2].ts_ns, 500);
}

TEST_F(Http1ParserTest, SkipsContentLengthBodiesNotCaptured) {
  // A 1 MiB response written at once, of which the probe captured 512 bytes.
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n";
  std::string captured = head + std::string(512 - head.size(), '\xff');
  Feed(captured, 1, head.size() + 1048576);
  const std::string large = Response("503 Service Unavailable", std::string(100000, '\0'));
  Feed(std::string_view(large).substr(0, 300), 2, large.size());
  // A body over three writes, each captured in part; the 48 bytes are the header section.
  Feed("HTTP/1.1 404 Not Found\r\nContent-Length: 5000\r\n\r\n" + std::string(100, 'a'), 3,
       48 + 2000);
  Feed(std::string(512, '\x16'), 4, 1000);
  Feed(std::string(512, 'H'), 5, 2000);  // ends the 404's body exactly
  Feed(Response("500 Internal Server Error", "{}"), 6);
  EXPECT_EQ(Statuses(), (std::vector<int>{200, 503, 404, 500}));
  EXPECT_EQ(out_[3].ts_ns, 6);
  EXPECT_EQ(Errors(Http1ParseError::kCaptureGap), 0u);
}

TEST_F(Http1ParserTest, SkipsChunkDataNotCaptured) {
  std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n4000\r\n";
  Feed(head + std::string(100, '\x8b'), 1, head.size() + 0x4000 + 2);
  Feed("10;ext=1\r\n0123456789abcdef\r\n0\r\n\r\n" + Response("201 Created", ""), 2);
  EXPECT_EQ(Statuses(), (std::vector<int>{200, 201}));
  EXPECT_EQ(out_[1].ts_ns, 2);
}

TEST_F(Http1ParserTest, NoBodyAfterHeadAnd204And304) {
  parser_.ExpectResponseTo("HEAD");
  parser_.ExpectResponseTo("DELETE");
  parser_.ExpectResponseTo("GET");
  parser_.ExpectResponseTo("GET");
  Feed(
      "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\nETag: \"v1\"\r\n\r\n" +
      Response("200 OK", "fresh"));
  EXPECT_EQ(Statuses(), (std::vector<int>{200, 204, 304, 200}));
}

TEST_F(Http1ParserTest, InterimResponsesAreNotEmitted) {
  Feed(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(Statuses(), (std::vector<int>{201}));
  EXPECT_EQ(stats_.responses.Get(), 1u);
}

TEST_F(Http1ParserTest, Http10AndBareLineFeeds) {
  Feed("GET /legacy HTTP/1.0\nHost: old\nX-Request-ID: r10\n\n", 1);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].path, "/legacy");
  EXPECT_EQ(out_[0].x_request_id, "r10");

  Http1Parser server(Http1ParserConfig{}, &stats_);
  // No Content-Length: the body runs until the connection closes, whatever it holds.
  const std::string_view first = "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nHTTP/1.1 500 x\r\n\r\n";
  const std::string_view second = "HTTP/1.1 500 x\r\n\r\n";
  server.Feed(Span(first), first.size(), 2, out_);
  server.Feed(Span(second), second.size(), 3, out_);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].status, 200);
}

std::string Filler(size_t bytes) {
  std::string s;
  for (int i = 0; s.size() < bytes; ++i) {
    s += "X-Filler-" + std::to_string(i) + ": " + std::string(80, 'f') + "\r\n";
  }
  return s;
}

TEST_F(Http1ParserTest, HeaderSectionOverCapIsCountedAndFramingKept) {
  // traceparent within the 8 KiB cap, then 20 KiB of fields, X-Request-ID and Content-Length.
  const std::string big = "POST /upload HTTP/1.1\r\ntraceparent: " + std::string(kTraceparent) +
                          "\r\n" + Filler(20480) +
                          "X-Request-ID: late\r\nContent-Length: 5\r\n\r\nhello" +
                          Request("GET", "/after", "second");
  for (size_t pos = 0; pos < big.size(); pos += 512) {
    Feed(std::string_view(big).substr(pos, 512), static_cast<int64_t>(pos));
  }
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].path, "/upload");
  EXPECT_EQ(out_[0].ts_ns, 0);
  EXPECT_EQ(out_[0].traceparent, kTraceparent);
  EXPECT_EQ(out_[0].x_request_id, "");  // past the cap
  EXPECT_TRUE(out_[0].headers_truncated);
  EXPECT_EQ(out_[1].path, "/after");
  EXPECT_EQ(out_[1].x_request_id, "second");
  EXPECT_FALSE(out_[1].headers_truncated);
  EXPECT_EQ(stats_.headers_truncated.Get(), 1u);
  EXPECT_EQ(stats_.requests.Get(), 2u);
}

TEST_F(Http1ParserTest, SingleHugeHeaderLineIsCut) {
  Feed("GET /c HTTP/1.1\r\nCookie: " + std::string(20480, 'c') +
       "\r\ntraceparent: " + std::string(kTraceparent) + "\r\n\r\n" + Request("GET", "/d", "d"));
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].traceparent, "");
  EXPECT_TRUE(out_[0].headers_truncated);
  EXPECT_EQ(out_[1].x_request_id, "d");
  EXPECT_EQ(stats_.headers_truncated.Get(), 1u);
}

TEST_F(Http1ParserTest, HeaderSectionTooLargeIsAnErrorThenResyncs) {
  Feed("GET /big HTTP/1.1\r\nX-Request-ID: big\r\n" + Filler(71680), 1);
  ASSERT_EQ(out_.size(), 1u);  // reported: the server answers it (431)
  EXPECT_EQ(out_[0].x_request_id, "big");
  EXPECT_TRUE(out_[0].headers_truncated);
  EXPECT_EQ(Errors(Http1ParseError::kHeaderTooLarge), 1u);
  Feed(Filler(1000), 2);  // rest of the section: skipped
  Feed(Request("GET", "/next", "n"), 3);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].path, "/next");
}

}  // namespace
}  // namespace edgewatch::sensor
