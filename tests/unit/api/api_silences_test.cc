// The silence routes of the HTTP API over real HTTP on 127.0.0.1, and amtool (Debian's
// prometheus-alertmanager package) pointed at them: edgewatch speaks Alertmanager's API v2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alerting/silences.h"
#include "cmd/api_server.h"
#include "common/clock.h"
#include "detector/alert_board.h"
#include "detector/detector.h"
#include "schema/codec.h"
#include "tests/support/process.h"

namespace edgewatch::cmd {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr int kPort = 19791;
constexpr const char* kToken = "s3cret-Token_0123456789";

std::string Time(std::chrono::nanoseconds from_now) {
  return schema::FormatTime(NowUnixNs() + from_now.count());
}

Json NewSilence(const std::string& matchers_json = R"([{"name": "service", "value": "pay",
                                                         "isRegex": false}])") {
  return Json{{"matchers", Json::parse(matchers_json)},
              {"startsAt", Time(-1s)},
              {"endsAt", Time(1h)},
              {"createdBy", "oncall"},
              {"comment", "payments maintenance"}};
}

class ApiSilencesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = alerting::SilenceStore::Open({});
    ASSERT_TRUE(store.ok()) << store.error();
    silences_ = std::move(*store);
  }

  // Serves with `options` (the store of the fixture unless told otherwise).
  void Serve(std::string token, bool with_silences = true) {
    api_.reset();
    detector_ = std::make_unique<detector::Detector>(rules::RuleSet{}, detector::DetectorConfig{},
                                                     [](const schema::Alert&) {});
    ApiOptions options;
    options.silences = with_silences ? silences_.get() : nullptr;
    options.token = std::move(token);
    auto api = ApiServer::StartUnlessOff("127.0.0.1:" + std::to_string(kPort), *detector_, board_,
                                         std::move(options));
    ASSERT_TRUE(api.ok()) << api.error();
    api_ = std::move(*api);
  }

  static httplib::Headers Bearer(const std::string& token = kToken) {
    return {{"Authorization", "Bearer " + token}};
  }
  static httplib::Result Post(const Json& body, const httplib::Headers& headers = Bearer()) {
    httplib::Client c("127.0.0.1", kPort);
    return c.Post("/api/v2/silences", headers, body.dump(), "application/json");
  }
  static httplib::Result Get(const std::string& path) {
    httplib::Client c("127.0.0.1", kPort);
    return c.Get(path);
  }
  static httplib::Result Delete(const std::string& id, const httplib::Headers& headers = Bearer()) {
    httplib::Client c("127.0.0.1", kPort);
    return c.Delete("/api/v2/silence/" + id, headers);
  }
  // The id of a silence created through the API.
  static std::string Create(const Json& body = NewSilence()) {
    auto res = Post(body);
    EXPECT_TRUE(res) << "no answer";
    if (!res) return "";
    EXPECT_EQ(res->status, 200) << res->body;
    return Json::parse(res->body, nullptr, false).value("silenceID", "");
  }
  // v2 errors are a JSON string, as Alertmanager's.
  static std::string ErrorText(const httplib::Result& res) {
    if (!res) return "(no answer)";
    const Json j = Json::parse(res->body, nullptr, false);
    EXPECT_TRUE(j.is_string()) << res->body;
    return j.is_string() ? j.get<std::string>() : res->body;
  }
  double Stat(const std::string& name, const std::string& label_value) const {
    std::vector<StatSample> out;
    api_->CollectStats(out);
    for (const StatSample& s : out) {
      if (s.name == name && !s.labels.empty() && s.labels[0].second == label_value) {
        return s.value;
      }
    }
    return -1;
  }

  std::unique_ptr<alerting::SilenceStore> silences_;
  std::unique_ptr<detector::Detector> detector_;
  detector::AlertBoard board_;
  std::unique_ptr<ApiServer> api_;
};

TEST_F(ApiSilencesTest, CreateListGetAndExpire) {
  Serve(kToken);
  const std::string id = Create();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(silences_->Silencing({{"service", "pay"}}, NowUnixNs()), id);

  auto list = Get("/api/v2/silences");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(list->get_header_value("Content-Type"), "application/json");
  const Json silences = Json::parse(list->body);
  ASSERT_TRUE(silences.is_array()) << list->body;
  ASSERT_EQ(silences.size(), 1u);
  const Json& s = silences[0];
  EXPECT_EQ(s["id"], id);
  EXPECT_EQ(s["status"]["state"], "active");
  EXPECT_EQ(s["createdBy"], "oncall");
  EXPECT_EQ(s["comment"], "payments maintenance");
  EXPECT_EQ(s["matchers"],
            Json::parse(R"([{"name":"service","value":"pay","isRegex":false,"isEqual":true}])"));
  for (const char* key : {"startsAt", "endsAt", "updatedAt"}) {
    EXPECT_TRUE(schema::ParseTime(s[key].get<std::string>()).ok()) << key << ": " << s[key];
  }

  auto one = Get("/api/v2/silence/" + id);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(Json::parse(one->body)["id"], id);

  auto del = Delete(id);
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  EXPECT_EQ(Json::parse(Get("/api/v2/silence/" + id)->body)["status"]["state"], "expired");
  EXPECT_EQ(silences_->Silencing({{"service", "pay"}}, NowUnixNs()), std::nullopt);
  // Still listed, and deleting again is fine.
  EXPECT_EQ(Json::parse(Get("/api/v2/silences")->body).size(), 1u);
  EXPECT_EQ(Delete(id)->status, 200);
  EXPECT_EQ(Stat("edgewatch_api_requests_total", "silences"), 7);
}

TEST_F(ApiSilencesTest, UpdateInPlaceOrReplace) {
  Serve(kToken);
  const std::string id = Create();
  Json same = Json::parse(Get("/api/v2/silence/" + id)->body);
  same["endsAt"] = Time(2h);
  same["comment"] = "longer";
  EXPECT_EQ(Create(same), id);
  EXPECT_EQ(Json::parse(Get("/api/v2/silence/" + id)->body)["comment"], "longer");

  Json other = same;
  other["matchers"] = Json::parse(R"([{"name": "service", "value": "ops", "isRegex": false}])");
  const std::string replaced = Create(other);
  EXPECT_NE(replaced, id);
  EXPECT_EQ(Json::parse(Get("/api/v2/silence/" + id)->body)["status"]["state"], "expired");

  Json unknown = NewSilence();
  unknown["id"] = "6f1d4ad1-0000-4000-8000-000000000000";
  auto res = Post(unknown);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_THAT(ErrorText(res), HasSubstr("not found"));
}

TEST_F(ApiSilencesTest, FilterSelectsSilencesByTheirEqualityMatchers) {
  Serve(kToken);
  const std::string pay = Create();
  const std::string ops =
      Create(NewSilence(R"([{"name": "service", "value": "ops", "isRegex": false}])"));
  ASSERT_FALSE(pay.empty());
  ASSERT_FALSE(ops.empty());
  auto res =
      Get("/api/v2/silences?filter=" + httplib::detail::encode_query_param("service=\"ops\""));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const Json list = Json::parse(res->body);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], ops);
  auto bad = Get("/api/v2/silences?filter=" + httplib::detail::encode_query_param("service~ops"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(ErrorText(bad), HasSubstr("service~ops"));
}

TEST_F(ApiSilencesTest, MutatingCallsNeedTheBearerToken) {
  Serve(kToken);
  for (const httplib::Headers& headers :
       {httplib::Headers{}, Bearer("wrong"), Bearer(std::string(kToken) + "x"),
        httplib::Headers{{"Authorization", std::string("Basic ") + kToken}}}) {
    auto res = Post(NewSilence(), headers);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    EXPECT_EQ(res->body.find(kToken), std::string::npos) << "the token is echoed";
    EXPECT_THAT(res->get_header_value("WWW-Authenticate"), HasSubstr("Bearer"));
  }
  EXPECT_TRUE(silences_->List().empty());
  const std::string id = Create();
  auto del = Delete(id, Bearer("wrong"));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 401);
  EXPECT_EQ(silences_->Get(id)->StateAt(NowUnixNs()), alerting::SilenceState::kActive);
  // The scheme is case-insensitive (RFC 7235).
  auto lower = Post(NewSilence(), {{"Authorization", std::string("bearer ") + kToken}});
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->status, 200);
  EXPECT_EQ(Stat("edgewatch_api_unauthorized_total", "missing"), 2);
  EXPECT_EQ(Stat("edgewatch_api_unauthorized_total", "wrong"), 3);
  // Reading needs no token.
  EXPECT_EQ(Get("/api/v2/silences")->status, 200);
}

TEST_F(ApiSilencesTest, WithoutAConfiguredTokenMutatingCallsAreRefused) {
  Serve("");
  auto res = Post(NewSilence(), Bearer(""));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_THAT(ErrorText(res), HasSubstr("no API token is configured"));
  auto anything = Post(NewSilence(), Bearer("guess"));
  ASSERT_TRUE(anything);
  EXPECT_EQ(anything->status, 403);
  EXPECT_TRUE(silences_->List().empty());
  EXPECT_EQ(Delete("some-id")->status, 403);
  EXPECT_EQ(Get("/api/v2/silences")->status, 200);
  EXPECT_EQ(Stat("edgewatch_api_unauthorized_total", "not_configured"), 3);
}

TEST_F(ApiSilencesTest, WithoutAStoreTheSilenceRoutesSayTheyAreOff) {
  Serve(kToken, /*with_silences=*/false);
  auto off = [](const httplib::Result& res) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
    EXPECT_THAT(ErrorText(res), HasSubstr("silences are not enabled"));
  };
  off(Get("/api/v2/silences"));
  off(Post(NewSilence()));
  off(Get("/api/v2/silence/x"));
  off(Delete("x"));
  // v1 still answers.
  EXPECT_EQ(Get("/api/v1/alerts")->status, 200);
}

TEST_F(ApiSilencesTest, BadRequestsSayWhatIsWrong) {
  Serve(kToken);
  auto bad = [](const std::string& body) {
    httplib::Client c("127.0.0.1", kPort);
    auto res = c.Post("/api/v2/silences", Bearer(), body, "application/json");
    EXPECT_TRUE(res);
    if (!res) return std::string();
    EXPECT_EQ(res->status, 400) << body;
    return ErrorText(res);
  };
  EXPECT_THAT(bad(R"({"matchers": [)"), HasSubstr("malformed JSON: line 1, column"));
  Json regex = NewSilence(R"([{"name": "service", "value": "pay(", "isRegex": true}])");
  EXPECT_THAT(bad(regex.dump()), HasSubstr(R"(matcher service=~"pay(": "pay(" is not a valid)"));
  Json name = NewSilence(R"([{"name": "ser vice", "value": "pay", "isRegex": false}])");
  EXPECT_THAT(bad(name.dump()), HasSubstr(R"("ser vice" is not a label name)"));
  Json empty = NewSilence(R"([{"name": "service", "value": ".*", "isRegex": true}])");
  EXPECT_THAT(bad(empty.dump()), HasSubstr("all match the empty string"));
  Json no_author = NewSilence();
  no_author.erase("createdBy");
  EXPECT_THAT(bad(no_author.dump()), HasSubstr("createdBy is missing or empty"));
  Json no_comment = NewSilence();
  no_comment["comment"] = "";
  EXPECT_THAT(bad(no_comment.dump()), HasSubstr("comment is missing or empty"));
  Json backwards = NewSilence();
  backwards["endsAt"] = Time(-10s);
  EXPECT_THAT(bad(backwards.dump()), HasSubstr("is not after startsAt"));
  Json past = NewSilence();
  past["startsAt"] = Time(-2h);
  past["endsAt"] = Time(-1h);
  EXPECT_THAT(bad(past.dump()), HasSubstr("is in the past"));
  Json when = NewSilence();
  when["startsAt"] = "tomorrow";
  EXPECT_THAT(bad(when.dump()), HasSubstr("startsAt: invalid RFC 3339 time \"tomorrow\""));
  EXPECT_TRUE(silences_->List().empty());

  auto unknown = Get("/api/v2/silence/no-such-id");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_THAT(ErrorText(unknown), HasSubstr("silence no-such-id not found"));
  EXPECT_EQ(Delete("no-such-id")->status, 404);
  auto endpoint = Get("/api/v2/alerts");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->status, 404);
  EXPECT_THAT(endpoint->body, HasSubstr("GET|POST /api/v2/silences"));
}

// amtool from Debian's prometheus-alertmanager (scripts/install-deps.sh): required, not skipped.
class AmtoolTest : public ApiSilencesTest {
 protected:
  void SetUp() override {
    ApiSilencesTest::SetUp();
    dir_ = testing::MakeTempDir();
    testing::WriteFile(
        dir_ + "/http.yml",
        std::string("authorization:\n  type: Bearer\n  credentials: ") + kToken + "\n");
  }
  // amtool's exit code; its stdout in `out`.
  int Amtool(std::vector<std::string> args, std::string* out) {
    std::vector<std::string> argv = {"amtool",
                                     "--alertmanager.url=http://127.0.0.1:" + std::to_string(kPort),
                                     "--http.config.file=" + dir_ + "/http.yml"};
    argv.insert(argv.end(), args.begin(), args.end());
    testing::ChildProcess p(argv);
    const int code = p.Wait(30s);
    *out = p.Stdout();
    if (code != 0) ADD_FAILURE() << "amtool exited " << code << ": " << p.Stderr();
    return code;
  }
  std::string dir_;
};

TEST_F(AmtoolTest, AmtoolAddsQueriesAndExpiresSilences) {
  ASSERT_EQ(std::system("command -v amtool >/dev/null"), 0)
      << "amtool is missing: apt-get install prometheus-alertmanager (scripts/install-deps.sh)";
  Serve(kToken);
  const std::string api_made = Create();
  std::string out;
  ASSERT_EQ(Amtool({"silence", "add", "--author=amtool-user", "--comment=from amtool",
                    "--duration=2h", "service=~pay|ops", "env!=dev"},
                   &out),
            0);
  const std::string id = out.substr(0, out.find_last_not_of(" \n") + 1);
  ASSERT_EQ(id.size(), 36u) << out;
  auto added = silences_->Get(id);
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->created_by, "amtool-user");
  EXPECT_EQ(added->comment, "from amtool");
  ASSERT_EQ(added->matchers.size(), 2u);
  EXPECT_EQ(silences_->Silencing({{"service", "ops"}, {"env", "prod"}}, NowUnixNs()), id);

  ASSERT_EQ(Amtool({"silence", "query", "-o", "json"}, &out), 0);
  const Json listed = Json::parse(out, nullptr, false);
  ASSERT_TRUE(listed.is_array()) << out;
  std::vector<std::string> ids;
  for (const Json& s : listed) ids.push_back(s.value("id", ""));
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre(api_made, id));

  ASSERT_EQ(Amtool({"silence", "query", "-o", "json", "service=pay"}, &out), 0);
  const Json filtered = Json::parse(out, nullptr, false);
  ASSERT_TRUE(filtered.is_array()) << out;
  ASSERT_EQ(filtered.size(), 1u) << out;
  EXPECT_EQ(filtered[0]["id"], api_made);

  ASSERT_EQ(Amtool({"silence", "expire", id}, &out), 0);
  EXPECT_EQ(silences_->Get(id)->StateAt(NowUnixNs()), alerting::SilenceState::kExpired);
  ASSERT_EQ(Amtool({"silence", "query", "-o", "json", "--expired"}, &out), 0);
  const Json expired = Json::parse(out, nullptr, false);
  ASSERT_TRUE(expired.is_array()) << out;
  ASSERT_EQ(expired.size(), 1u) << out;
  EXPECT_EQ(expired[0]["id"], id);
  EXPECT_EQ(expired[0]["status"]["state"], "expired");
}

}  // namespace
}  // namespace edgewatch::cmd
