#include "sensor/http_stitcher.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sensor/http1_parser.h"

namespace edgewatch::sensor {
namespace {

constexpr std::string_view kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

HttpMessage Req(std::string_view method, std::string path, int64_t ts_ns,
                std::string request_id = "") {
  HttpMessage m;
  m.kind = HttpMessageKind::kRequest;
  m.method = KnownHttpMethod(method);
  m.path = std::move(path);
  m.ts_ns = ts_ns;
  m.x_request_id = std::move(request_id);
  return m;
}

HttpMessage Resp(int status, int64_t ts_ns) {
  HttpMessage m;
  m.kind = HttpMessageKind::kResponse;
  m.status = status;
  m.ts_ns = ts_ns;
  return m;
}

std::span<const char> Span(std::string_view s) { return {s.data(), s.size()}; }

class HttpStitcherTest : public ::testing::Test {
 protected:
  HttpStitcherStats stats_;
  HttpStitcher stitcher_{HttpStitcherConfig{}, &stats_};
  std::vector<HttpExchange> out_;
};

TEST_F(HttpStitcherTest, PipelinedRequestsMatchInOrderFromParsedBytes) {
  Http1ParserStats parser_stats;
  Http1Parser client(Http1ParserConfig{}, &parser_stats);
  Http1Parser server(Http1ParserConfig{}, &parser_stats);
  std::string requests;
  for (std::string_view id : {"r-1", "r-2", "r-3"}) {
    requests += "GET /api/users/12345/orders?page=" + std::string(id.substr(2)) +
                " HTTP/1.1\r\nHost: users\r\ntraceparent: " + std::string(kTraceparent) +
                "\r\nX-Request-ID: " + std::string(id) + "\r\n\r\n";
  }
  const std::string_view responses[] = {
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]",
      "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 4\r\n\r\nbusy"};
  std::vector<HttpMessage> msgs;
  client.Feed(Span(requests), requests.size(), 1'000'000, msgs);
  server.Feed(Span(responses[0]), responses[0].size(), 1'250'000, msgs);
  server.Feed(Span(responses[1]), responses[1].size(), 1'400'000, msgs);
  server.Feed(Span(responses[2]), responses[2].size(), 3'000'000, msgs);
  ASSERT_EQ(msgs.size(), 6u);
  for (HttpMessage& m : msgs) stitcher_.Add(std::move(m), out_);

  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].method, "GET");
  EXPECT_EQ(out_[0].path_template, "/api/users/{id}/orders");
  EXPECT_EQ(out_[0].status, 200);
  EXPECT_EQ(out_[0].latency_ns, 250'000);
  EXPECT_EQ(out_[0].request_ts_ns, 1'000'000);
  EXPECT_EQ(out_[0].traceparent, kTraceparent);
  EXPECT_EQ(out_[0].x_request_id, "r-1");
  EXPECT_EQ(out_[1].status, 404);
  EXPECT_EQ(out_[1].latency_ns, 400'000);
  EXPECT_EQ(out_[1].x_request_id, "r-2");
  EXPECT_EQ(out_[2].status, 503);
  EXPECT_EQ(out_[2].latency_ns, 2'000'000);
  EXPECT_EQ(out_[2].x_request_id, "r-3");
  EXPECT_EQ(stitcher_.outstanding(), 0u);
  EXPECT_EQ(stats_.exchanges.Get(), 3u);
}

TEST_F(HttpStitcherTest, InterleavedRequestsAndResponses) {
  stitcher_.Add(Req("POST", "/api/orders", 100, "a"), out_);
  stitcher_.Add(Resp(201, 180), out_);
  stitcher_.Add(Req("GET", "/api/orders/9f86d081884c7d659a2feaa0c55ad015", 200, "b"), out_);
  stitcher_.Add(Req("DELETE", "/api/orders/7", 210, "c"), out_);
  stitcher_.Add(Resp(200, 300), out_);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].method, "POST");
  EXPECT_EQ(out_[0].status, 201);
  EXPECT_EQ(out_[0].latency_ns, 80);
  EXPECT_EQ(out_[1].path_template, "/api/orders/{id}");
  EXPECT_EQ(out_[1].x_request_id, "b");
  EXPECT_EQ(out_[1].latency_ns, 100);
  EXPECT_EQ(stitcher_.outstanding(), 1u);
}

TEST_F(HttpStitcherTest, UnmatchedResponseIsCountedAndDropped) {
  stitcher_.Add(Resp(500, 10), out_);
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(stats_.unmatched_responses.Get(), 1u);
  stitcher_.Add(Req("GET", "/", 20), out_);
  stitcher_.Add(Resp(200, 25), out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].status, 200);
  EXPECT_EQ(out_[0].latency_ns, 5);
}

TEST_F(HttpStitcherTest, CloseReportsRequestsWithoutResponse) {
  stitcher_.Add(Req("GET", "/a", 1, "first"), out_);
  stitcher_.Add(Req("PUT", "/b/42", 2, "second"), out_);
  stitcher_.Add(Resp(200, 5), out_);
  stitcher_.Close(out_);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_FALSE(out_[0].no_response());
  EXPECT_TRUE(out_[1].no_response());
  EXPECT_EQ(out_[1].status, 0);
  EXPECT_EQ(out_[1].method, "PUT");
  EXPECT_EQ(out_[1].path_template, "/b/{id}");
  EXPECT_EQ(out_[1].x_request_id, "second");
  EXPECT_EQ(out_[1].latency_ns, 0);
  EXPECT_EQ(HttpStatusClass(out_[1].status), "none");
  EXPECT_EQ(stats_.no_response.Get(), 1u);
  EXPECT_EQ(stitcher_.outstanding(), 0u);
  stitcher_.Close(out_);  // nothing left
  EXPECT_EQ(out_.size(), 2u);
}

TEST_F(HttpStitcherTest, OutstandingRequestsAreCapped) {
  HttpStitcher capped(HttpStitcherConfig{.max_outstanding = 4}, &stats_);
  for (std::string path : {"/a", "/b", "/c", "/d", "/e", "/f"}) {
    capped.Add(Req("GET", path, 1), out_);
  }
  EXPECT_EQ(capped.outstanding(), 4u);
  EXPECT_EQ(stats_.requests_dropped.Get(), 2u);
  capped.Add(Resp(200, 2), out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].path_template, "/c");  // the oldest two were dropped
  capped.Close(out_);
  ASSERT_EQ(out_.size(), 4u);
  EXPECT_EQ(out_[3].path_template, "/f");
}

TEST_F(HttpStitcherTest, ResponseStampedBeforeRequestHasZeroLatency) {
  stitcher_.Add(Req("GET", "/", 1000), out_);
  stitcher_.Add(Resp(200, 990), out_);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].latency_ns, 0);
}

TEST(HttpPathTemplate, Examples) {
  EXPECT_EQ(TemplatePath("/api/users/12345/orders?x=1"), "/api/users/{id}/orders");
  EXPECT_EQ(TemplatePath("/v1/items/550e8400-e29b-41d4-a716-446655440000/tags"),
            "/v1/items/{id}/tags");
  EXPECT_EQ(TemplatePath("/v1/items/550E8400-E29B-41D4-A716-446655440000"), "/v1/items/{id}");
  EXPECT_EQ(TemplatePath("/blobs/deadbeefdeadbeef0123"), "/blobs/{id}");
  EXPECT_EQ(TemplatePath("/blobs/deadbeef"), "/blobs/deadbeef");  // short hex: a word
  EXPECT_EQ(TemplatePath("/users/12abc/v2"), "/users/12abc/v2");
  EXPECT_EQ(TemplatePath("/2024/07/report"), "/{id}/{id}/report");
  EXPECT_EQ(TemplatePath("/docs/intro#install"), "/docs/intro");
  EXPECT_EQ(TemplatePath("/search?q=a/b#x"), "/search");
  EXPECT_EQ(TemplatePath("/"), "/");
  EXPECT_EQ(TemplatePath("/?q=1"), "/");
  EXPECT_EQ(TemplatePath("/a//b/"), "/a//b/");
  EXPECT_EQ(TemplatePath("http://shop.svc:8080/api/7?x=1"), "/api/{id}");
  EXPECT_EQ(TemplatePath("HTTP://shop.svc"), "/");
  EXPECT_EQ(TemplatePath("http://shop.svc?x=1"), "/");
  EXPECT_EQ(TemplatePath("*"), "*");
  EXPECT_EQ(TemplatePath("db.internal:5432"), "{authority}");
  EXPECT_EQ(TemplatePath(""), "{authority}");
}

TEST(HttpPathTemplate, TruncatedTo128Bytes) {
  const std::string long_path = "/" + std::string(300, 'x') + "/123";
  std::string t = TemplatePath(long_path);
  EXPECT_EQ(t.size(), kMaxPathTemplateBytes);
  EXPECT_EQ(t, "/" + std::string(127, 'x'));
  std::string many_ids;
  for (int i = 0; i < 100; ++i) many_ids += "/" + std::to_string(i);
  t = TemplatePath(many_ids);
  EXPECT_EQ(t.size(), kMaxPathTemplateBytes);
  EXPECT_EQ(t.substr(0, 10), "/{id}/{id}");
}

TEST(HttpStatusClass, ClosedSet) {
  EXPECT_EQ(HttpStatusClass(0), "none");
  EXPECT_EQ(HttpStatusClass(101), "1xx");
  EXPECT_EQ(HttpStatusClass(200), "2xx");
  EXPECT_EQ(HttpStatusClass(304), "3xx");
  EXPECT_EQ(HttpStatusClass(404), "4xx");
  EXPECT_EQ(HttpStatusClass(500), "5xx");
  EXPECT_EQ(HttpStatusClass(503), "5xx");
  EXPECT_EQ(HttpStatusClass(599), "5xx");
  EXPECT_EQ(HttpStatusClass(99), "other");
  EXPECT_EQ(HttpStatusClass(600), "other");
}

TEST(HttpStitcherStats, Names) {
  HttpStitcherStats stats;
  stats.unmatched_responses.Add(2);
  std::vector<StatSample> out;
  stats.CollectStats(out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].name, "edgewatch_sensor_http_exchanges_total");
  EXPECT_EQ(out[1].name, "edgewatch_sensor_http_no_response_total");
  EXPECT_EQ(out[2].name, "edgewatch_sensor_http_unmatched_responses_total");
  EXPECT_EQ(out[2].value, 2);
  EXPECT_EQ(out[3].name, "edgewatch_sensor_http_requests_dropped_total");
  for (const StatSample& s : out) EXPECT_TRUE(s.labels.empty());
}

}  // namespace
}  // namespace edgewatch::sensor
