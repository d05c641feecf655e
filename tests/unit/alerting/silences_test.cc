#include "alerting/silences.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "schema/codec.h"

namespace edgewatch::alerting {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMin = 60 * kS;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kT0 = 1'790'000'000 * kS;  // 2026-09-21

std::vector<Matcher> Ms(std::string_view text) {
  auto ms = ParseMatchers(text);
  EXPECT_TRUE(ms.ok()) << ms.error();
  return ms.ok() ? *ms : std::vector<Matcher>{};
}

// A silence of `matchers` from `start` for `length`.
Silence S(std::string_view matchers, int64_t start, int64_t length = kHour) {
  Silence s;
  s.matchers = Ms(matchers);
  s.starts_at_ns = start;
  s.ends_at_ns = start + length;
  s.created_by = "oncall";
  s.comment = "maintenance of payments";
  return s;
}

double Stat(const StatsSource& src, const std::string& name, const std::string& state = "") {
  std::vector<StatSample> out;
  src.CollectStats(out);
  for (const StatSample& s : out) {
    if (s.name != name) continue;
    if (!state.empty() && (s.labels.empty() || s.labels[0].second != state)) continue;
    return s.value;
  }
  ADD_FAILURE() << "no stat " << name << " " << state;
  return -1;
}

class SilenceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("silences_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SilenceStoreOptions Options(std::string path = "") {
    SilenceStoreOptions o;
    o.path = std::move(path);
    o.now_ns = [this] { return now_; };
    return o;
  }
  std::unique_ptr<SilenceStore> Open(std::string path = "") {
    auto store = SilenceStore::Open(Options(std::move(path)));
    EXPECT_TRUE(store.ok()) << store.error();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::string File() const { return (dir_ / "silences.json").string(); }
  void Write(const std::string& text) const { std::ofstream(File()) << text; }

  std::filesystem::path dir_;
  int64_t now_ = kT0;
};

TEST_F(SilenceStoreTest, CreateGivesARandomUuidV4AndTheSilenceIsActive) {
  auto store = Open();
  auto a = store->Create(S(R"(service="pay")", kT0));
  auto b = store->Create(S(R"(service="pay")", kT0));
  ASSERT_TRUE(a.ok()) << a.error();
  ASSERT_TRUE(b.ok()) << b.error();
  EXPECT_NE(*a, *b);
  ASSERT_EQ(a->size(), 36u);
  EXPECT_EQ((*a)[8], '-');
  EXPECT_EQ((*a)[14], '4');                                          // version
  EXPECT_NE(std::string("89ab").find((*a)[19]), std::string::npos);  // variant
  auto got = store->Get(*a);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->StateAt(now_), SilenceState::kActive);
  EXPECT_EQ(got->updated_at_ns, now_);
  EXPECT_EQ(got->created_by, "oncall");
  EXPECT_EQ(store->List().size(), 2u);
  EXPECT_EQ(Stat(*store, "edgewatch_silences_created_total"), 2);
  EXPECT_EQ(Stat(*store, "edgewatch_silences", "active"), 2);
}

TEST_F(SilenceStoreTest, RefusesWhatAlertmanagerRefuses) {
  auto store = Open();
  auto expect_error = [&](Silence s, const std::string& what) {
    auto r = store->Create(std::move(s));
    ASSERT_FALSE(r.ok()) << "accepted; wanted: " << what;
    EXPECT_THAT(r.error(), HasSubstr(what));
  };
  Silence none = S(R"(a="b")", kT0);
  none.matchers.clear();
  expect_error(none, "no matchers");
  expect_error(S(R"(foo="")", kT0), "all match the empty string");
  expect_error(S(R"(foo=~".*")", kT0), "all match the empty string");
  expect_error(S(R"(foo="", bar!="x", baz!~"y")", kT0), R"({foo="",bar!="x",baz!~"y"})");
  Silence anonymous = S(R"(a="b")", kT0);
  anonymous.created_by.clear();
  expect_error(anonymous, "createdBy is missing or empty");
  Silence silent = S(R"(a="b")", kT0);
  silent.comment.clear();
  expect_error(silent, "comment is missing or empty");
  expect_error(S(R"(a="b")", kT0, 0), "is not after startsAt");
  expect_error(S(R"(a="b")", kT0, -kS), "is not after startsAt");
  expect_error(S(R"(a="b")", kT0 - 2 * kHour), "is in the past");
  EXPECT_TRUE(store->List().empty());
  // One matcher that needs a value is enough.
  EXPECT_TRUE(store->Create(S(R"(foo="", service="pay")", kT0)).ok());
}

TEST_F(SilenceStoreTest, StateFollowsTheClock) {
  auto store = Open();
  auto id = store->Create(S(R"(service="pay")", kT0 + 10 * kMin, kHour));
  ASSERT_TRUE(id.ok()) << id.error();
  EXPECT_EQ(store->Get(*id)->StateAt(now_), SilenceState::kPending);
  EXPECT_EQ(Stat(*store, "edgewatch_silences", "pending"), 1);
  const Labels pay = {{"service", "pay"}};
  EXPECT_EQ(store->Silencing(pay, now_), std::nullopt);
  now_ = kT0 + 10 * kMin;
  EXPECT_EQ(store->Get(*id)->StateAt(now_), SilenceState::kActive);
  EXPECT_EQ(store->Silencing(pay, now_), *id);
  EXPECT_EQ(Stat(*store, "edgewatch_silences", "active"), 1);
  now_ = kT0 + 70 * kMin;
  EXPECT_EQ(store->Get(*id)->StateAt(now_), SilenceState::kExpired);
  EXPECT_EQ(store->Silencing(pay, now_), std::nullopt);
  EXPECT_EQ(Stat(*store, "edgewatch_silences", "expired"), 1);
  EXPECT_EQ(Stat(*store, "edgewatch_silences_expired_total"), 0);  // ended, not expired early
}

TEST_F(SilenceStoreTest, AStartInThePastBecomesNow) {
  auto store = Open();
  auto id = store->Create(S(R"(service="pay")", kT0 - kMin));
  ASSERT_TRUE(id.ok()) << id.error();
  EXPECT_EQ(store->Get(*id)->starts_at_ns, kT0);
  EXPECT_EQ(store->Get(*id)->ends_at_ns, kT0 - kMin + kHour);
}

TEST_F(SilenceStoreTest, ChangingOnlyEndOrCommentUpdatesInPlace) {
  auto store = Open();
  auto id = store->Create(S(R"(service="pay")", kT0));
  ASSERT_TRUE(id.ok());
  now_ += kMin;
  Silence s = *store->Get(*id);
  s.ends_at_ns += kHour;
  s.comment = "longer";
  auto again = store->Create(s);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(*again, *id);
  ASSERT_EQ(store->List().size(), 1u);
  EXPECT_EQ(store->Get(*id)->comment, "longer");
  EXPECT_EQ(store->Get(*id)->ends_at_ns, kT0 + 2 * kHour);
  EXPECT_EQ(store->Get(*id)->updated_at_ns, now_);
  EXPECT_EQ(Stat(*store, "edgewatch_silences_created_total"), 1);
}

TEST_F(SilenceStoreTest, ChangingTheMatchersOfAnActiveSilenceExpiresItAndCreatesANewOne) {
  auto store = Open();
  auto id = store->Create(S(R"(service="pay")", kT0));
  ASSERT_TRUE(id.ok());
  now_ += kMin;
  Silence s = *store->Get(*id);
  s.matchers = Ms(R"(service=~"pay|ops")");
  auto replaced = store->Create(s);
  ASSERT_TRUE(replaced.ok()) << replaced.error();
  EXPECT_NE(*replaced, *id);
  EXPECT_EQ(store->Get(*id)->StateAt(now_), SilenceState::kExpired);
  EXPECT_EQ(store->Get(*id)->ends_at_ns, now_);
  EXPECT_EQ(store->Get(*replaced)->StateAt(now_), SilenceState::kActive);
  EXPECT_EQ(store->Silencing({{"service", "ops"}}, now_), *replaced);
  EXPECT_EQ(Stat(*store, "edgewatch_silences_expired_total"), 1);
  EXPECT_EQ(Stat(*store, "edgewatch_silences_created_total"), 2);
}

TEST_F(SilenceStoreTest, MovingTheStartOfAnActiveSilenceCreatesANewOne) {
  auto store = Open();
  auto id = store->Create(S(R"(service="pay")", kT0));
  ASSERT_TRUE(id.ok());
  now_ += kMin;
  Silence s = *store->Get(*id);
  s.starts_at_ns += 10 * kMin;
  auto moved = store->Create(s);
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_NE(*moved, *id);
  EXPECT_EQ(store->Get(*moved)->StateAt(now_), SilenceState::kPending);
}

TEST_F(SilenceStoreTest, APendingSilenceMayMoveItsStartInPlace) {
  auto store = Open();
  auto id = store->Create(S(R"(service="pay")", kT0 + kHour));
  ASSERT_TRUE(id.ok());
  Silence s = *store->Get(*id);
  s.starts_at_ns = kT0 + 30 * kMin;
  auto again = store->Create(s);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(*again, *id);
  EXPECT_EQ(store->Get(*id)->starts_at_ns, kT0 + 30 * kMin);
}

TEST_F(SilenceStoreTest, UpdatingAnExpiredSilenceCreatesANewOne) {
  auto store = Open();
  auto id = store->Create(S(R"(service="pay")", kT0));
  ASSERT_TRUE(store->Expire(*id).ok());
  Silence s = *store->Get(*id);
  s.ends_at_ns = now_ + kHour;
  auto again = store->Create(s);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_NE(*again, *id);
  EXPECT_EQ(Stat(*store, "edgewatch_silences_expired_total"), 1);
}

TEST_F(SilenceStoreTest, UpdatingAnUnknownIdFails) {
  auto store = Open();
  Silence s = S(R"(service="pay")", kT0);
  s.id = "no-such-id";
  auto r = store->Create(s);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("silence no-such-id not found"));
  EXPECT_TRUE(store->List().empty());
}

TEST_F(SilenceStoreTest, ExpireEndsItNowAndKeepsItListed) {
  auto store = Open();
  auto active = store->Create(S(R"(service="pay")", kT0));
  auto pending = store->Create(S(R"(service="ops")", kT0 + kHour));
  ASSERT_TRUE(active.ok() && pending.ok());
  now_ += kMin;
  auto was = store->Expire(*active);
  ASSERT_TRUE(was.ok()) << was.error();
  EXPECT_EQ(*was, SilenceState::kActive);
  EXPECT_EQ(store->Get(*active)->ends_at_ns, now_);
  EXPECT_EQ(store->Get(*active)->StateAt(now_), SilenceState::kExpired);
  EXPECT_EQ(store->Silencing({{"service", "pay"}}, now_), std::nullopt);
  auto was_pending = store->Expire(*pending);
  ASSERT_TRUE(was_pending.ok());
  EXPECT_EQ(*was_pending, SilenceState::kPending);
  EXPECT_EQ(store->Get(*pending)->starts_at_ns, now_);
  EXPECT_EQ(store->Get(*pending)->ends_at_ns, now_);
  EXPECT_EQ(store->List().size(), 2u);
  // Again: nothing changes.
  now_ += kMin;
  auto twice = store->Expire(*active);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(*twice, SilenceState::kExpired);
  EXPECT_EQ(store->Get(*active)->ends_at_ns, now_ - kMin);
  EXPECT_EQ(Stat(*store, "edgewatch_silences_expired_total"), 2);
  EXPECT_EQ(Stat(*store, "edgewatch_silences", "expired"), 2);
  auto unknown = store->Expire("nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error(), HasSubstr("not found"));
}

TEST_F(SilenceStoreTest, SilencingWithEachOperatorAndAbsentLabels) {
  auto store = Open();
  const auto eq = *store->Create(S(R"(alertname="TcpRefused", service="pay")", kT0));
  const auto ne = *store->Create(S(R"(alertname="DnsFailing", env!="prod")", kT0));
  const auto re = *store->Create(S(R"(alertname="HttpErrors", service=~"pay|ops")", kT0));
  const auto nre = *store->Create(S(R"(alertname="Snat", node!~"edge-.*")", kT0));
  auto silencing = [&](const Labels& l) { return store->Silencing(l, now_); };
  EXPECT_EQ(silencing({{"alertname", "TcpRefused"}, {"service", "pay"}, {"x", "y"}}), eq);
  EXPECT_EQ(silencing({{"alertname", "TcpRefused"}, {"service", "ops"}}), std::nullopt);
  EXPECT_EQ(silencing({{"alertname", "TcpRefused"}}), std::nullopt);  // absent service
  EXPECT_EQ(silencing({{"alertname", "DnsFailing"}, {"env", "staging"}}), ne);
  EXPECT_EQ(silencing({{"alertname", "DnsFailing"}}), ne);  // absent env is "" != "prod"
  EXPECT_EQ(silencing({{"alertname", "DnsFailing"}, {"env", "prod"}}), std::nullopt);
  EXPECT_EQ(silencing({{"alertname", "HttpErrors"}, {"service", "ops"}}), re);
  EXPECT_EQ(silencing({{"alertname", "HttpErrors"}, {"service", "opsx"}}), std::nullopt);
  EXPECT_EQ(silencing({{"alertname", "HttpErrors"}}), std::nullopt);
  EXPECT_EQ(silencing({{"alertname", "Snat"}, {"node", "core-1"}}), nre);
  EXPECT_EQ(silencing({{"alertname", "Snat"}}), nre);
  EXPECT_EQ(silencing({{"alertname", "Snat"}, {"node", "edge-7"}}), std::nullopt);
  EXPECT_EQ(silencing({}), std::nullopt);
}

TEST_F(SilenceStoreTest, SilencingFromManyThreadsWhileSilencesChange) {
  auto store = Open();
  ASSERT_TRUE(store->Create(S(R"(service="pay")", kT0, 10 * kHour)).ok());
  std::atomic<int> silenced{0};
  std::vector<std::thread> readers;
  readers.reserve(4);
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (store->Silencing({{"service", "pay"}}, kT0 + kMin)) silenced.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 100; ++i) {
    auto id = store->Create(S(R"(service="ops")", kT0));
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store->Expire(*id).ok());
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(silenced.load(), 8000);
}

TEST_F(SilenceStoreTest, ExpiredSilencesAreForgottenAfterTheRetention) {
  auto store = Open();
  auto old_one = store->Create(S(R"(service="pay")", kT0, kHour));
  auto recent = store->Create(S(R"(service="ops")", kT0, int64_t{3} * 24 * kHour));
  ASSERT_TRUE(old_one.ok() && recent.ok());
  now_ = kT0 + kHour + 120 * kHour;  // exactly the retention after the end: still kept
  EXPECT_EQ(store->CollectGarbage(), 0u);
  now_ += kS;
  EXPECT_EQ(store->CollectGarbage(), 1u);
  EXPECT_FALSE(store->Get(*old_one).has_value());
  EXPECT_TRUE(store->Get(*recent).has_value());
  // Changes collect too.
  now_ = kT0 + int64_t{3} * 24 * kHour + 121 * kHour;
  ASSERT_TRUE(store->Create(S(R"(service="db")", now_)).ok());
  EXPECT_FALSE(store->Get(*recent).has_value());
  EXPECT_EQ(store->List().size(), 1u);
}

TEST_F(SilenceStoreTest, ListsActiveThenPendingThenExpired) {
  auto store = Open();
  const auto expired_early = *store->Create(S(R"(a="1")", kT0, kHour));
  const auto active_long = *store->Create(S(R"(a="2")", kT0, 3 * kHour));
  const auto active_short = *store->Create(S(R"(a="3")", kT0, 2 * kHour));
  const auto pending_late = *store->Create(S(R"(a="4")", kT0 + 2 * kHour));
  const auto pending_soon = *store->Create(S(R"(a="5")", kT0 + kHour));
  ASSERT_TRUE(store->Expire(expired_early).ok());
  now_ += kS;
  const auto expired_late = *store->Create(S(R"(a="6")", now_, kHour));
  ASSERT_TRUE(store->Expire(expired_late).ok());
  std::vector<std::string> ids;
  for (const Silence& s : store->List()) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{active_short, active_long, pending_soon, pending_late,
                                           expired_late, expired_early}));
}

TEST_F(SilenceStoreTest, PersistsAndLoadsEverySilence) {
  std::string active, expired, pending;
  {
    auto store = Open(File());
    active = *store->Create(S(R"(service="pay", path=~"/api/.*")", kT0));
    expired = *store->Create(S(R"(service!="x\"y", team="b")", kT0));
    pending = *store->Create(S(R"(node!~"edge-\\d+", team="a")", kT0 + kHour));
    ASSERT_TRUE(store->Expire(expired).ok());
    EXPECT_EQ(Stat(*store, "edgewatch_silences_persist_failures_total"), 0);
  }
  EXPECT_FALSE(std::filesystem::exists(File() + ".tmp"));
  now_ += kMin;
  auto store = Open(File());
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->List().size(), 3u);
  EXPECT_EQ(store->Get(active)->StateAt(now_), SilenceState::kActive);
  EXPECT_EQ(store->Get(expired)->StateAt(now_), SilenceState::kExpired);
  EXPECT_EQ(store->Get(pending)->StateAt(now_), SilenceState::kPending);
  const Silence p = *store->Get(pending);
  EXPECT_EQ(p.matchers, Ms(R"(node!~"edge-\\d+", team="a")"));
  EXPECT_EQ(p.starts_at_ns, kT0 + kHour);
  EXPECT_EQ(p.ends_at_ns, kT0 + 2 * kHour);
  EXPECT_EQ(p.updated_at_ns, kT0);
  EXPECT_EQ(p.created_by, "oncall");
  EXPECT_EQ(p.comment, "maintenance of payments");
  EXPECT_EQ(store->Get(expired)->matchers[0].value(), "x\"y");
  EXPECT_EQ(store->Silencing({{"service", "pay"}, {"path", "/api/v1"}}, now_), active);
  // The loaded regex is compiled: \d+ matches digits only.
  now_ = kT0 + kHour + kMin;
  EXPECT_EQ(store->Silencing({{"node", "edge-7"}, {"team", "a"}}, now_), std::nullopt);
  EXPECT_EQ(store->Silencing({{"node", "edge-x"}, {"team", "a"}}, now_), pending);
  // The file says what it is.
  std::ifstream in(File());
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr(R"("schema": "edgewatch.silences.v1")"));
}

TEST_F(SilenceStoreTest, AnAbsentFileIsNoSilencesYet) {
  auto store = Open(File());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->List().empty());
  EXPECT_FALSE(std::filesystem::exists(File()));  // written with the first change
}

TEST_F(SilenceStoreTest, ACorruptFileIsAnErrorNamingTheFileAndTheLine) {
  Write("{\"schema\": \"edgewatch.silences.v1\",\n \"silences\": [\n  {\"id\": \"a\",,}\n]}\n");
  auto store = SilenceStore::Open(Options(File()));
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.error(), HasSubstr("silences file " + File()));
  EXPECT_THAT(store.error(), HasSubstr("line 3, column"));
  EXPECT_THAT(store.error(), HasSubstr("refuses to start"));
}

TEST_F(SilenceStoreTest, ATruncatedOrForeignFileIsAnError) {
  Write("");
  auto empty = SilenceStore::Open(Options(File()));
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error(), HasSubstr("empty"));
  Write("{\"schema\": \"edgewatch.silences.v1\", \"silences\": [");
  auto truncated = SilenceStore::Open(Options(File()));
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(truncated.error(), HasSubstr("line 1, column"));
  Write("[1, 2]");
  auto foreign = SilenceStore::Open(Options(File()));
  ASSERT_FALSE(foreign.ok());
  EXPECT_THAT(foreign.error(), HasSubstr("not a silences file"));
}

TEST_F(SilenceStoreTest, ABadSilenceInTheFileIsAnErrorNamingIt) {
  const std::string good =
      R"({"id": "a", "matchers": [{"name": "x", "value": "y", "isRegex": false}],
    "startsAt": "2026-09-21T10:00:00Z", "endsAt": "2026-09-21T11:00:00Z",
    "updatedAt": "2026-09-21T10:00:00Z", "createdBy": "me", "comment": "why"})";
  Write(R"({"schema": "edgewatch.silences.v1", "silences": [)" + good +
        R"(, {"id": "b", "matchers": [{"name": "x", "value": "(", "isRegex": true}],
    "startsAt": "2026-09-21T10:00:00Z", "endsAt": "2026-09-21T11:00:00Z",
    "updatedAt": "2026-09-21T10:00:00Z", "createdBy": "me", "comment": "why"}]})");
  auto bad_regex = SilenceStore::Open(Options(File()));
  ASSERT_FALSE(bad_regex.ok());
  EXPECT_THAT(bad_regex.error(), HasSubstr("silence #2: matchers[0]: matcher x=~\"(\""));
  Write(R"({"schema": "edgewatch.silences.v1", "silences": [)" + good + "," + good + "]}");
  auto twice = SilenceStore::Open(Options(File()));
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.error(), HasSubstr("id a appears twice"));
  Write(R"({"schema": "edgewatch.silences.v1", "silences": [{"id": "c", "matchers": []}]})");
  auto partial = SilenceStore::Open(Options(File()));
  ASSERT_FALSE(partial.ok());
  EXPECT_THAT(partial.error(), HasSubstr("silence #1: startsAt: missing"));
}

TEST_F(SilenceStoreTest, LoadingForgetsSilencesPastTheRetention) {
  std::string id;
  {
    auto store = Open(File());
    id = *store->Create(S(R"(service="pay")", kT0, kHour));
  }
  now_ = kT0 + 200 * kHour;
  auto store = Open(File());
  EXPECT_TRUE(store->List().empty());
  auto reopened = Open(File());
  EXPECT_TRUE(reopened->List().empty());
}

TEST_F(SilenceStoreTest, AFailedWriteIsCountedAndTheSilenceHoldsInMemory) {
  auto store = Open((dir_ / "no-such-dir" / "silences.json").string());
  auto id = store->Create(S(R"(service="pay")", kT0));
  ASSERT_TRUE(id.ok()) << id.error();
  EXPECT_EQ(store->Silencing({{"service", "pay"}}, now_), *id);
  EXPECT_EQ(Stat(*store, "edgewatch_silences_persist_failures_total"), 1);
  ASSERT_TRUE(store->Expire(*id).ok());
  EXPECT_EQ(Stat(*store, "edgewatch_silences_persist_failures_total"), 2);
}

TEST_F(SilenceStoreTest, TestsMayPinTheIds) {
  SilenceStoreOptions o = Options();
  int n = 0;
  o.new_id = [&n] { return "id-" + std::to_string(n++ / 2); };  // repeats each id once
  auto store = SilenceStore::Open(o);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Create(S(R"(a="b")", kT0)).value(), "id-0");
  EXPECT_EQ((*store)->Create(S(R"(a="b")", kT0)).value(), "id-1");  // id-0 is taken
}

TEST(SilenceJsonTest, ReadsAPostableSilence) {
  auto s = SilenceFromJson(R"({"matchers": [
      {"name": "service", "value": "pay", "isRegex": false},
      {"name": "env", "value": "prod|staging", "isRegex": true, "isEqual": false}],
    "startsAt": "2026-09-21T10:00:00.000Z", "endsAt": "2026-09-21T12:00:00+02:00",
    "createdBy": "me", "comment": "deploy"})");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->id, "");
  ASSERT_EQ(s->matchers.size(), 2u);
  EXPECT_EQ(s->matchers[0].ToString(), R"(service="pay")");
  EXPECT_EQ(s->matchers[1].ToString(), R"(env!~"prod|staging")");
  EXPECT_EQ(s->ends_at_ns - s->starts_at_ns, 0);  // 12:00+02:00 is 10:00Z
  EXPECT_EQ(s->created_by, "me");
}

TEST(SilenceJsonTest, ErrorsNameTheField) {
  auto error = [](std::string_view json) {
    auto s = SilenceFromJson(json);
    EXPECT_FALSE(s.ok()) << json;
    return s.ok() ? "" : s.error();
  };
  EXPECT_THAT(error(R"({"matchers": [)"), HasSubstr("malformed JSON: line 1, column"));
  EXPECT_THAT(error("[]"), HasSubstr("expected a JSON object"));
  EXPECT_THAT(error(R"({"startsAt": "x"})"), HasSubstr("matchers: missing"));
  const std::string m = R"({"matchers": [{"name": "a", "value": "b", "isRegex": false}], )";
  EXPECT_THAT(error(m + R"("startsAt": "yesterday", "endsAt": "2026-09-21T10:00:00Z"})"),
              HasSubstr("startsAt: invalid RFC 3339 time \"yesterday\""));
  EXPECT_THAT(error(m + R"("startsAt": "2026-09-21T10:00:00Z"})"), HasSubstr("endsAt: missing"));
  EXPECT_THAT(error(m + R"("startsAt": 5, "endsAt": "2026-09-21T10:00:00Z"})"),
              HasSubstr("startsAt: expected a string"));
  EXPECT_THAT(error(R"({"matchers": [{"name": "a", "value": "(", "isRegex": true}]})"),
              HasSubstr(R"(matchers[0]: matcher a=~"(": "(" is not a valid regex)"));
  EXPECT_THAT(error(R"({"matchers": [{"name": "a b", "value": "c", "isRegex": false}]})"),
              HasSubstr(R"(matchers[0]: matcher a b="c": "a b" is not a label name)"));
  EXPECT_THAT(error(R"({"matchers": [{"name": "a", "value": "c"}]})"),
              HasSubstr("matchers[0].isRegex: missing"));
  EXPECT_THAT(error(R"({"matchers": [{"name": "a", "value": 3, "isRegex": false}]})"),
              HasSubstr("matchers[0].value: expected a string"));
}

TEST(SilenceJsonTest, WritesAGettableSilence) {
  Silence s = S(R"(service="pay", env!~"dev")", kT0);
  s.id = "abc";
  s.updated_at_ns = kT0;
  const auto j = nlohmann::json::parse(SilenceToJson(s, kT0 + kS));
  EXPECT_EQ(j["id"], "abc");
  EXPECT_EQ(j["status"]["state"], "active");
  EXPECT_EQ(j["startsAt"], schema::FormatTime(kT0));
  EXPECT_EQ(j["endsAt"], schema::FormatTime(kT0 + kHour));
  EXPECT_EQ(j["updatedAt"], schema::FormatTime(kT0));
  EXPECT_EQ(j["createdBy"], "oncall");
  EXPECT_EQ(j["matchers"][1],
            nlohmann::json::parse(
                R"({"name": "env", "value": "dev", "isRegex": true, "isEqual": false})"));
  auto back = SilenceFromJson(j.dump());
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->matchers, s.matchers);
  EXPECT_EQ(back->id, "abc");
}

TEST(SilenceJsonTest, FilterMatchesTheEqualityMatchersOfASilence) {
  Silence s = S(R"(alertname="TcpRefused", service="pay", env=~"prod.*")", kT0);
  EXPECT_TRUE(SilenceMatchesFilter(s, {}));
  EXPECT_TRUE(SilenceMatchesFilter(s, Ms(R"(alertname="TcpRefused")")));
  EXPECT_TRUE(SilenceMatchesFilter(s, Ms(R"(service=~"pay|ops", alertname="TcpRefused")")));
  EXPECT_FALSE(SilenceMatchesFilter(s, Ms(R"(service="ops")")));
  EXPECT_FALSE(SilenceMatchesFilter(s, Ms(R"(env="prod")")));  // a regex matcher is no label
}

}  // namespace
}  // namespace edgewatch::alerting
