// Http1Parser on what is not clean HTTP: binary data, TLS, truncated lines, malformed messages,
// protocol switches; plus role detection and the parser's stats.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sensor/http1_parser.h"

namespace edgewatch::sensor {
namespace {

constexpr std::string_view kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// The first bytes of a TLS 1.2 record carrying a ClientHello.
constexpr std::string_view kClientHello(
    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x5b\x1d\x7a\x3e\x00\x20GET", 20);

std::span<const char> Span(std::string_view s) { return {s.data(), s.size()}; }

class HttpParserRobustnessTest : public ::testing::Test {
 protected:
  size_t Feed(std::string_view captured, int64_t ts_ns = 1000, size_t real_len = 0) {
    return parser_.Feed(Span(captured), std::max(real_len, captured.size()), ts_ns, out_);
  }
  uint64_t Errors(Http1ParseError e) const { return stats_.parse_errors(e); }

  Http1ParserStats stats_;
  Http1Parser parser_{Http1ParserConfig{}, &stats_};
  std::vector<HttpMessage> out_;
};

TEST_F(HttpParserRobustnessTest, TlsClientHelloIsNotHttp) {
  Feed(kClientHello);
  EXPECT_EQ(parser_.role(), Http1Role::kNotHttp);
  EXPECT_EQ(stats_.not_http.Get(), 1u);
  Feed("GET / HTTP/1.1\r\n\r\n");  // too late: the direction is given up
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(stats_.not_http.Get(), 1u);
  EXPECT_EQ(Errors(Http1ParseError::kBadStartLine), 0u);
}

TEST_F(HttpParserRobustnessTest, Http2PrefaceIsNotHttp1) {
  Feed("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  EXPECT_EQ(parser_.role(), Http1Role::kNotHttp);
  EXPECT_TRUE(out_.empty());
}

TEST_F(HttpParserRobustnessTest, RandomBytesAreNotHttp) {
  std::mt19937 rng(20240611);
  constexpr int kBuffers = 5000;
  int given_up = 0;
  for (int i = 0; i < kBuffers; ++i) {
    std::string buf(1 + rng() % 600, '\0');
    for (char& c : buf) c = static_cast<char>(rng() & 0xff);
    Http1Parser p(Http1ParserConfig{}, &stats_);
    p.Feed(Span(buf), buf.size() + rng() % 4096, i, out_);
    p.Feed(Span(buf), buf.size(), i, out_);
    if (p.role() == Http1Role::kNotHttp) ++given_up;
  }
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(stats_.not_http.Get(), static_cast<uint64_t>(given_up));
  EXPECT_GE(given_up, kBuffers * 99 / 100);
  EXPECT_EQ(stats_.requests.Get() + stats_.responses.Get(), 0u);
}

TEST_F(HttpParserRobustnessTest, RandomBytesBetweenRequestsAreSkipped) {
  std::mt19937 rng(99);
  Feed("GET /first HTTP/1.1\r\n\r\n", 1);
  for (int i = 0; i < 2000; ++i) {
    std::string buf(1 + rng() % 512, '\0');
    for (char& c : buf) c = static_cast<char>(rng() & 0xff);
    Feed(buf, 2, buf.size() + rng() % 2048);
  }
  Feed("GET /last HTTP/1.1\r\n\r\n", 3);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].path, "/last");
  EXPECT_EQ(out_[1].ts_ns, 3);
  EXPECT_EQ(Errors(Http1ParseError::kBadStartLine), 1u);  // then resync: chunks skipped
  EXPECT_EQ(stats_.not_http.Get(), 0u);
}

TEST_F(HttpParserRobustnessTest, MutatedStreamsNeverCrash) {
  const std::string seeds[] = {
      "POST /api/v1/pay HTTP/1.1\r\nHost: pay\r\ntraceparent: " + std::string(kTraceparent) +
          "\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n0\r\nT: 1\r\n\r\n"
          "GET /a?b=1 HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "a\r\n0123456789\r\n0\r\n\r\nHTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy"
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"};
  std::mt19937 rng(4242);
  size_t emitted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = seeds[iter % 2];
    for (int flips = static_cast<int>(rng() % 4); flips > 0; --flips) {
      s[rng() % s.size()] = static_cast<char>(rng() & 0xff);
    }
    Http1Parser p(Http1ParserConfig{}, &stats_);
    std::vector<HttpMessage> out;
    for (size_t pos = 0; pos < s.size();) {
      size_t real = std::min<size_t>(1 + rng() % 64, s.size() - pos);
      size_t captured = rng() % 4 == 0 ? rng() % (real + 1) : real;
      p.Feed(Span(s).subspan(pos, captured), real, static_cast<int64_t>(pos), out);
      pos += real;
    }
    ASSERT_LE(out.size(), 4u);
    emitted += out.size();
    for (const HttpMessage& m : out) {
      if (m.kind == HttpMessageKind::kRequest) {
        ASSERT_EQ(KnownHttpMethod(m.method), m.method);
        ASSERT_FALSE(m.method.empty());
      } else {
        ASSERT_GE(m.status, 100);
        ASSERT_LE(m.status, 999);
      }
    }
  }
  EXPECT_GT(emitted, 15000u);  // most streams still get past their start lines
}

TEST_F(HttpParserRobustnessTest, StartLineCutByCaptureIsReportedTruncated) {
  const std::string_view captured = "GET /api/users/42?verbose=1 HT";
  Feed(captured, 10, 700);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].path, "/api/users/42?verbose=1");
  EXPECT_EQ(out_[0].ts_ns, 10);
  EXPECT_TRUE(out_[0].headers_truncated);
  EXPECT_EQ(Errors(Http1ParseError::kCaptureGap), 1u);
  Feed("Accept: */*\r\n\r\n", 11);  // the rest of the lost message: skipped
  Feed("GET /next HTTP/1.1\r\nX-Request-ID: n\r\n\r\n", 12);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].x_request_id, "n");
}

TEST_F(HttpParserRobustnessTest, HeaderLineCutByCaptureKeepsEarlierValues) {
  const std::string captured =
      "GET /x HTTP/1.1\r\ntraceparent: " + std::string(kTraceparent) + "\r\nX-Request-ID: ab";
  Feed(captured, 1, captured.size() + 3000);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].traceparent, kTraceparent);
  EXPECT_EQ(out_[0].x_request_id, "");
  EXPECT_TRUE(out_[0].headers_truncated);
  EXPECT_EQ(Errors(Http1ParseError::kCaptureGap), 1u);
}

TEST_F(HttpParserRobustnessTest, StatusLineCutBeforeItsCodeIsNotReported) {
  Feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1);
  Feed("HTTP/1.1 50", 2, 4000);
  Feed("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 3);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].status, 404);
  EXPECT_EQ(Errors(Http1ParseError::kCaptureGap), 1u);
}

TEST_F(HttpParserRobustnessTest, UnfinishedLineWaitsForMoreBytes) {
  Feed("GET /slow HTTP/1.1\r\nHost: a", 1);
  Feed("pi\r\nX-Request-ID: slow-1\r", 2);
  EXPECT_TRUE(out_.empty());
  Feed("\n\r\n", 3);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].x_request_id, "slow-1");
  EXPECT_EQ(out_[0].ts_ns, 1);
}

TEST_F(HttpParserRobustnessTest, MalformedMessagesAreCountedByReason) {
  Feed("GET /a HTTP/1.1\r\nBad Header Line\r\n\r\n", 1);
  Feed("GET /b HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n", 2);
  Feed("GET /c HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 3);
  Feed("GET /d HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 4);
  Feed("POST /e HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 5);
  Feed("HTTP/1.1 200 OK\r\n\r\n", 6);  // waiting for a request line: skipped
  Feed("GET /ok HTTP/1.1\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 7);  // a response on a request stream
  Feed("GET /f HTTP/1.1\r\n\r\n", 8);
  ASSERT_EQ(out_.size(), 7u);  // a..e are answered by the server, so they are reported
  EXPECT_TRUE(out_[0].headers_truncated);
  EXPECT_EQ(out_[1].path, "/b");
  EXPECT_FALSE(out_[4].headers_truncated);  // its chunk was bad, not its headers
  EXPECT_EQ(out_[5].path, "/ok");
  EXPECT_EQ(out_[6].path, "/f");
  EXPECT_EQ(Errors(Http1ParseError::kBadHeader), 1u);
  EXPECT_EQ(Errors(Http1ParseError::kBadFraming), 3u);
  EXPECT_EQ(Errors(Http1ParseError::kBadChunk), 1u);
  EXPECT_EQ(Errors(Http1ParseError::kBadStartLine), 1u);
  EXPECT_EQ(parser_.role(), Http1Role::kClient);
}

TEST_F(HttpParserRobustnessTest, WebSocketUpgradeStopsParsing) {
  Feed(
      "GET /ws HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n",
      1);
  Feed("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 2);
  EXPECT_TRUE(parser_.tunneled());
  EXPECT_EQ(stats_.tunnels.Get(), 1u);
  EXPECT_EQ(Errors(Http1ParseError::kBadStartLine), 0u);

  Http1Parser server(Http1ParserConfig{}, &stats_);
  std::string_view r = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi";
  server.Feed(Span(r), r.size(), 3, out_);
  EXPECT_TRUE(server.tunneled());
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].status, 101);
}

TEST_F(HttpParserRobustnessTest, RefusedUpgradeKeepsParsing) {
  Feed("GET / HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n", 1);
  Feed("GET /two HTTP/1.1\r\n\r\n", 2);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_FALSE(parser_.tunneled());
}

TEST_F(HttpParserRobustnessTest, ConnectTunnel) {
  Feed("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n", 1);
  Feed(kClientHello, 2);
  EXPECT_TRUE(parser_.tunneled());
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].path, "db.internal:5432");

  Http1Parser server(Http1ParserConfig{}, &stats_);
  server.ExpectResponseTo("CONNECT");
  std::string_view r = "HTTP/1.1 200 Connection established\r\n\r\n";
  server.Feed(Span(r), r.size(), 3, out_);
  EXPECT_TRUE(server.tunneled());
}

TEST(HttpRoleDetection, FromFirstBytes) {
  EXPECT_EQ(DetectHttp1Role("GET /index.html HTTP/1.1\r\n"), Http1Role::kClient);
  EXPECT_EQ(DetectHttp1Role("OPTIONS * HTTP/1.1"), Http1Role::kClient);
  EXPECT_EQ(DetectHttp1Role("CONNECT host:443 HTTP/1.1"), Http1Role::kClient);
  EXPECT_EQ(DetectHttp1Role("HEAD /x"), Http1Role::kClient);
  EXPECT_EQ(DetectHttp1Role("HTTP/1.1 200 OK\r\n"), Http1Role::kServer);
  EXPECT_EQ(DetectHttp1Role("HTTP/1.0 404"), Http1Role::kServer);
  EXPECT_EQ(DetectHttp1Role(""), Http1Role::kUnknown);
  EXPECT_EQ(DetectHttp1Role("H"), Http1Role::kUnknown);
  EXPECT_EQ(DetectHttp1Role("PO"), Http1Role::kUnknown);
  EXPECT_EQ(DetectHttp1Role("HTTP/1.1 2"), Http1Role::kUnknown);
  EXPECT_EQ(DetectHttp1Role("GET "), Http1Role::kUnknown);
  EXPECT_EQ(DetectHttp1Role(kClientHello.substr(0, 5)), Http1Role::kNotHttp);
  EXPECT_EQ(DetectHttp1Role("PRI * HTTP/2.0\r\n"), Http1Role::kNotHttp);
  EXPECT_EQ(DetectHttp1Role("HTTP/2 200"), Http1Role::kNotHttp);
  EXPECT_EQ(DetectHttp1Role("get / HTTP/1.1"), Http1Role::kNotHttp);
  EXPECT_EQ(DetectHttp1Role("GET\t/"), Http1Role::kNotHttp);
  EXPECT_EQ(DetectHttp1Role("SSH-2.0-OpenSSH_9.2"), Http1Role::kNotHttp);
  EXPECT_EQ(DetectHttp1Role("HTTP/1.1 2000"), Http1Role::kNotHttp);
}

TEST(HttpParserStats, CollectsEveryReason) {
  Http1ParserStats stats;
  stats.requests.Add(3);
  stats.CountParseError(Http1ParseError::kCaptureGap);
  std::vector<StatSample> out;
  stats.CollectStats(out);
  ASSERT_EQ(out.size(), 2 + kHttp1ParseErrorCount + 3);
  EXPECT_EQ(out[0].name, "edgewatch_sensor_http_requests_total");
  EXPECT_EQ(out[0].value, 3);
  std::vector<std::string> reasons;
  for (const StatSample& s : out) {
    if (s.name != "edgewatch_sensor_http_parse_errors_total") continue;
    ASSERT_EQ(s.labels.size(), 1u);
    reasons.push_back(s.labels[0].second);
    EXPECT_EQ(s.value, s.labels[0].second == "capture_gap" ? 1 : 0);
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"bad_start_line", "bad_header", "bad_framing",
                                               "bad_chunk", "header_too_large", "capture_gap"}));
}

}  // namespace
}  // namespace edgewatch::sensor
