#include "alerting/silences.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <tuple>

#include "common/clock.h"
#include "common/durable_file.h"
#include "schema/codec.h"

namespace edgewatch::alerting {
namespace {

using Json = nlohmann::json;
constexpr const char* kFileSchema = "edgewatch.silences.v1";

// "line 3, column 2: syntax error …" out of nlohmann's parse_error text.
std::string ParseErrorText(const Json::parse_error& e) {
  std::string what = e.what();
  const std::string marker = "parse error at ";
  const auto at = what.find(marker);
  if (at != std::string::npos) return what.substr(at + marker.size());
  return "byte " + std::to_string(e.byte) + ": " + what;
}

Json MatcherJson(const Matcher& m) {
  return Json{{"name", m.name()},
              {"value", m.value()},
              {"isRegex", m.is_regex()},
              {"isEqual", !m.is_negative()}};
}

Json SilenceJson(const Silence& s) {
  Json matchers = Json::array();
  for (const Matcher& m : s.matchers) matchers.push_back(MatcherJson(m));
  return Json{{"id", s.id},
              {"matchers", std::move(matchers)},
              {"startsAt", schema::FormatTime(s.starts_at_ns)},
              {"endsAt", schema::FormatTime(s.ends_at_ns)},
              {"updatedAt", schema::FormatTime(s.updated_at_ns)},
              {"createdBy", s.created_by},
              {"comment", s.comment}};
}

// A string member; absent is "" unless `required`.
Result<std::string> StringField(const Json& j, const std::string& where, const char* key,
                                bool required) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Err(where + key + ": missing");
    return std::string();
  }
  if (!it->is_string()) return Err(where + key + ": expected a string, got " + it->dump());
  return it->get<std::string>();
}

Result<int64_t> TimeField(const Json& j, const std::string& where, const char* key) {
  auto text = StringField(j, where, key, true);
  if (!text) return Err(text.error() + " (an RFC 3339 time, e.g. 2026-11-22T10:15:03Z)");
  auto t = schema::ParseTime(*text);
  if (!t) return Err(where + key + ": " + t.error());
  return *t;
}

Result<Matcher> MatcherFromJson(const Json& j, const std::string& where) {
  if (!j.is_object()) return Err(where + ": expected an object {name, value, isRegex, isEqual}");
  auto name = StringField(j, where + ".", "name", true);
  if (!name) return Err(name.error());
  auto value = StringField(j, where + ".", "value", true);
  if (!value) return Err(value.error());
  bool is_regex = false;
  bool is_equal = true;
  for (auto [key, out, required] :
       {std::tuple{"isRegex", &is_regex, true}, std::tuple{"isEqual", &is_equal, false}}) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) return Err(where + "." + key + ": missing (true or false)");
      continue;
    }
    if (!it->is_boolean()) return Err(where + "." + key + ": expected true or false");
    *out = it->get<bool>();
  }
  const Matcher::Op op = is_regex ? (is_equal ? Matcher::Op::kRegex : Matcher::Op::kNotRegex)
                                  : (is_equal ? Matcher::Op::kEqual : Matcher::Op::kNotEqual);
  auto m = Matcher::Create(std::move(*name), op, std::move(*value));
  if (!m) return Err(where + ": " + m.error());
  return m;
}

// `where` prefixes field names in errors ("" for an API body, "silence #2: " in the file).
Result<Silence> SilenceFromJsonValue(const Json& j, const std::string& where, bool from_file) {
  if (!j.is_object()) return Err(where + "expected a JSON object, got " + j.type_name());
  Silence s;
  auto id = StringField(j, where, "id", from_file);
  if (!id) return Err(id.error());
  s.id = std::move(*id);
  const auto ms = j.find("matchers");
  if (ms == j.end() || !ms->is_array()) {
    return Err(where + "matchers: missing or not an array (at least one matcher is required)");
  }
  for (size_t i = 0; i < ms->size(); ++i) {
    auto m = MatcherFromJson((*ms)[i], where + "matchers[" + std::to_string(i) + "]");
    if (!m) return Err(m.error());
    s.matchers.push_back(std::move(*m));
  }
  auto starts = TimeField(j, where, "startsAt");
  if (!starts) return Err(starts.error());
  s.starts_at_ns = *starts;
  auto ends = TimeField(j, where, "endsAt");
  if (!ends) return Err(ends.error());
  s.ends_at_ns = *ends;
  if (from_file) {
    auto updated = TimeField(j, where, "updatedAt");
    if (!updated) return Err(updated.error());
    s.updated_at_ns = *updated;
  }
  auto by = StringField(j, where, "createdBy", from_file);
  if (!by) return Err(by.error());
  s.created_by = std::move(*by);
  auto comment = StringField(j, where, "comment", from_file);
  if (!comment) return Err(comment.error());
  s.comment = std::move(*comment);
  return s;
}

// What Create() refuses, in the words of the API's fields.
std::string CheckNew(const Silence& s, int64_t now) {
  if (s.matchers.empty()) return "silence: no matchers (at least one is required)";
  if (std::all_of(s.matchers.begin(), s.matchers.end(),
                  [](const Matcher& m) { return m.MatchesEmpty(); })) {
    std::string list;
    for (const Matcher& m : s.matchers) list += (list.empty() ? "" : ",") + m.ToString();
    return "silence: matchers {" + list +
           "} all match the empty string, so the silence would hold for every alert; at least "
           "one matcher must require a label value";
  }
  if (s.created_by.empty()) return "silence: createdBy is missing or empty (who silences)";
  if (s.comment.empty()) return "silence: comment is missing or empty (say why)";
  if (s.ends_at_ns <= s.starts_at_ns) {
    return "silence: endsAt " + schema::FormatTime(s.ends_at_ns) + " is not after startsAt " +
           schema::FormatTime(s.starts_at_ns);
  }
  if (s.ends_at_ns <= now) {
    return "silence: endsAt " + schema::FormatTime(s.ends_at_ns) + " is in the past (now " +
           schema::FormatTime(now) + ")";
  }
  return "";
}

// Alertmanager's canUpdate(): whether `next` may replace `prev` in place.
bool CanUpdateInPlace(const Silence& prev, const Silence& next, int64_t now) {
  if (prev.matchers != next.matchers) return false;
  switch (prev.StateAt(now)) {
    case SilenceState::kActive:
      return next.starts_at_ns == prev.starts_at_ns && next.ends_at_ns > now;
    case SilenceState::kPending:
      return next.starts_at_ns >= now;
    case SilenceState::kExpired:
      return false;
  }
  return false;
}

std::string RandomUuidV4() {
  uint8_t b[16];
  size_t got = 0;
  while (got < sizeof b) {
    const ssize_t n = ::getrandom(b + got, sizeof b - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      break;
    }
  }
  if (got < sizeof b) {  // no getrandom(2): the C++ library's source
    std::random_device rd;
    for (uint8_t& x : b) x = static_cast<uint8_t>(rd());
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < sizeof b; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xf]);
  }
  return out;
}

int StateRank(SilenceState s) {
  switch (s) {
    case SilenceState::kActive:
      return 0;
    case SilenceState::kPending:
      return 1;
    case SilenceState::kExpired:
      return 2;
  }
  return 3;
}

}  // namespace

const char* SilenceStateName(SilenceState s) {
  switch (s) {
    case SilenceState::kActive:
      return "active";
    case SilenceState::kPending:
      return "pending";
    case SilenceState::kExpired:
      return "expired";
  }
  return "unknown";
}

SilenceState Silence::StateAt(int64_t now_ns) const {
  if (now_ns < starts_at_ns) return SilenceState::kPending;
  if (now_ns < ends_at_ns) return SilenceState::kActive;
  return SilenceState::kExpired;
}

bool SilenceMatchesFilter(const Silence& s, const std::vector<Matcher>& filter) {
  if (filter.empty()) return true;
  Labels equal;
  for (const Matcher& m : s.matchers) {
    if (m.op() == Matcher::Op::kEqual) equal[m.name()] = m.value();
  }
  return MatchesAll(filter, equal);
}

std::string SilenceToJson(const Silence& s, int64_t now_ns) {
  Json j = SilenceJson(s);
  j["status"] = Json{{"state", SilenceStateName(s.StateAt(now_ns))}};
  return j.dump();
}

Result<Silence> SilenceFromJson(std::string_view json) {
  Json j;
  try {
    j = Json::parse(json);
  } catch (const Json::parse_error& e) {
    return Err("malformed JSON: " + ParseErrorText(e));
  }
  return SilenceFromJsonValue(j, "", false);
}

// ---- SilenceStore ----

SilenceStore::SilenceStore(SilenceStoreOptions options)
    : options_([&] {
        if (!options.now_ns) options.now_ns = [] { return NowUnixNs(); };
        return std::move(options);
      }()) {}

Result<std::unique_ptr<SilenceStore>> SilenceStore::Open(SilenceStoreOptions options) {
  if (options.retention_ns < 0) return Err("silences: the retention must not be negative");
  std::unique_ptr<SilenceStore> store(new SilenceStore(std::move(options)));
  auto loaded = store->Load();
  if (!loaded) return Err(loaded.error());
  return store;
}

Result<bool> SilenceStore::Load() {
  const std::string& path = options_.path;
  if (path.empty()) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return false;  // first start
    return Err("silences file " + path + ": cannot read: " + std::strerror(errno));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const std::string where = "silences file " + path + ": ";
  const std::string advice =
      " (edgewatch refuses to start rather than drop silences: repair the file, or move it "
      "away to start without them)";
  if (text.empty()) return Err(where + "empty, not a silences file" + advice);
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return Err(where + ParseErrorText(e) + advice);
  }
  if (!j.is_object() || !j.contains("schema") || j["schema"] != kFileSchema) {
    return Err(where + "not a silences file: expected an object with \"schema\": \"" + kFileSchema +
               "\"" + advice);
  }
  const auto list = j.find("silences");
  if (list == j.end() || !list->is_array()) {
    return Err(where + "\"silences\": missing or not an array" + advice);
  }
  for (size_t i = 0; i < list->size(); ++i) {
    auto s = SilenceFromJsonValue((*list)[i], "silence #" + std::to_string(i + 1) + ": ", true);
    if (!s) return Err(where + s.error() + advice);
    if (s->id.empty() || s->matchers.empty() || s->ends_at_ns < s->starts_at_ns) {
      return Err(where + "silence #" + std::to_string(i + 1) +
                 ": an id, a matcher and endsAt >= startsAt are required" + advice);
    }
    const std::string id = s->id;
    if (!silences_.emplace(id, std::move(*s)).second) {
      return Err(where + "silence #" + std::to_string(i + 1) + ": id " + id + " appears twice" +
                 advice);
    }
  }
  std::unique_lock lock(mu_);
  if (CollectGarbageLocked(Now()) > 0) {
    ++generation_;
    std::string data = EncodeLocked();
    const uint64_t gen = generation_;
    lock.unlock();
    Persist(data, gen);
  }
  return true;
}

std::string SilenceStore::NewId() {
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string id = options_.new_id ? options_.new_id() : RandomUuidV4();
    if (!id.empty() && !silences_.contains(id)) return id;
  }
  return "";
}

Result<std::string> SilenceStore::Create(Silence s) {
  const int64_t now = Now();
  if (std::string bad = CheckNew(s, now); !bad.empty()) return Err(bad);
  std::unique_lock lock(mu_);
  CollectGarbageLocked(now);
  std::string id;
  if (!s.id.empty()) {
    const auto it = silences_.find(s.id);
    if (it == silences_.end()) return Err("silence " + s.id + " not found");
    Silence& prev = it->second;
    if (CanUpdateInPlace(prev, s, now)) {
      prev.starts_at_ns = s.starts_at_ns;
      prev.ends_at_ns = s.ends_at_ns;
      prev.created_by = std::move(s.created_by);
      prev.comment = std::move(s.comment);
      prev.updated_at_ns = now;
      id = prev.id;
    } else if (prev.StateAt(now) != SilenceState::kExpired) {
      ExpireLocked(prev, now);
    }
  }
  if (id.empty()) {
    id = NewId();
    if (id.empty()) return Err("silence: cannot make a new id (the id source repeats itself)");
    s.id = id;
    s.starts_at_ns = std::max(s.starts_at_ns, now);
    s.updated_at_ns = now;
    silences_.emplace(id, std::move(s));
    created_.Add();
  }
  ++generation_;
  std::string data = EncodeLocked();
  const uint64_t gen = generation_;
  lock.unlock();
  Persist(data, gen);
  return id;
}

void SilenceStore::ExpireLocked(Silence& s, int64_t now) {
  if (s.StateAt(now) == SilenceState::kPending) s.starts_at_ns = now;
  s.ends_at_ns = now;
  s.updated_at_ns = now;
  expired_.Add();
}

Result<SilenceState> SilenceStore::Expire(std::string_view id) {
  const int64_t now = Now();
  std::unique_lock lock(mu_);
  const auto it = silences_.find(id);
  if (it == silences_.end()) return Err("silence " + std::string(id) + " not found");
  const SilenceState was = it->second.StateAt(now);
  if (was == SilenceState::kExpired) return was;
  ExpireLocked(it->second, now);
  CollectGarbageLocked(now);
  ++generation_;
  std::string data = EncodeLocked();
  const uint64_t gen = generation_;
  lock.unlock();
  Persist(data, gen);
  return was;
}

std::vector<Silence> SilenceStore::List() const {
  const int64_t now = Now();
  std::vector<Silence> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(silences_.size());
    for (const auto& [id, s] : silences_) out.push_back(s);
  }
  std::stable_sort(out.begin(), out.end(), [now](const Silence& a, const Silence& b) {
    const SilenceState sa = a.StateAt(now);
    const SilenceState sb = b.StateAt(now);
    if (sa != sb) return StateRank(sa) < StateRank(sb);
    switch (sa) {
      case SilenceState::kActive:
        return a.ends_at_ns < b.ends_at_ns;
      case SilenceState::kPending:
        return a.starts_at_ns < b.starts_at_ns;
      case SilenceState::kExpired:
        return a.ends_at_ns > b.ends_at_ns;
    }
    return false;
  });
  return out;
}

std::optional<Silence> SilenceStore::Get(std::string_view id) const {
  std::shared_lock lock(mu_);
  const auto it = silences_.find(id);
  if (it == silences_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> SilenceStore::Silencing(const Labels& labels, int64_t now_ns) const {
  std::shared_lock lock(mu_);
  for (const auto& [id, s] : silences_) {
    if (now_ns < s.starts_at_ns || now_ns >= s.ends_at_ns) continue;
    if (s.Matches(labels)) return id;
  }
  return std::nullopt;
}

size_t SilenceStore::CollectGarbage() {
  std::unique_lock lock(mu_);
  const size_t n = CollectGarbageLocked(Now());
  if (n == 0) return 0;
  ++generation_;
  std::string data = EncodeLocked();
  const uint64_t gen = generation_;
  lock.unlock();
  Persist(data, gen);
  return n;
}

size_t SilenceStore::CollectGarbageLocked(int64_t now) {
  return std::erase_if(silences_, [&](const auto& kv) {
    const Silence& s = kv.second;
    return s.StateAt(now) == SilenceState::kExpired && now - s.ends_at_ns > options_.retention_ns;
  });
}

std::string SilenceStore::EncodeLocked() const {
  if (options_.path.empty()) return "";
  Json list = Json::array();
  for (const auto& [id, s] : silences_) list.push_back(SilenceJson(s));
  return Json{{"schema", kFileSchema}, {"silences", std::move(list)}}.dump(1) + "\n";
}

void SilenceStore::Persist(const std::string& data, uint64_t generation) {
  if (options_.path.empty()) return;
  std::lock_guard lock(persist_mu_);
  if (generation <= persisted_generation_) return;  // a later state is on disk already
  const std::string why = WriteFileDurably(options_.path, data).value_or("");
  if (!why.empty()) {
    persist_failures_.Add();
    if (!persist_failing_) {
      std::fprintf(stderr,
                   "edgewatch: warning: silences: %s; the change holds in memory and is written "
                   "with the next one (edgewatch_silences_persist_failures_total)\n",
                   why.c_str());
    }
    persist_failing_ = true;
    return;
  }
  if (persist_failing_) {
    std::fprintf(stderr, "edgewatch: silences: written to %s again\n", options_.path.c_str());
  }
  persist_failing_ = false;
  persisted_generation_ = generation;
}

void SilenceStore::CollectStats(std::vector<StatSample>& out) const {
  const int64_t now = Now();
  double by_state[3] = {0, 0, 0};
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, s] : silences_) by_state[StateRank(s.StateAt(now))] += 1;
  }
  for (SilenceState st : {SilenceState::kActive, SilenceState::kPending, SilenceState::kExpired}) {
    out.push_back(Gauge("edgewatch_silences", "Silences held, by state.", by_state[StateRank(st)],
                        {{"state", SilenceStateName(st)}}));
  }
  out.push_back(Counter("edgewatch_silences_created_total",
                        "Silences created (an update that cannot be made in place creates one).",
                        static_cast<double>(created_.Get())));
  out.push_back(Counter("edgewatch_silences_expired_total",
                        "Silences expired before their end: by DELETE, or replaced by an update.",
                        static_cast<double>(expired_.Get())));
  out.push_back(Counter("edgewatch_silences_persist_failures_total",
                        "Writes of the silences file that failed (the change held in memory).",
                        static_cast<double>(persist_failures_.Get())));
}

}  // namespace edgewatch::alerting
