// Silences, as Alertmanager has them: label matchers and a time range during which matching
// alerts are not notified. The Notifier asks Silencing() for every alert; the HTTP API
// (/api/v2/silences, docs/api.md) creates, lists and expires them. The store keeps them in a
// JSON file (format below) rewritten on every change, and garbage-collects expired silences
// after a retention (Alertmanager's --data.retention, 120h by default).
//
// File format (`schema` names the version; times are RFC 3339 as the API writes them):
//   {"schema": "edgewatch.silences.v1",
//    "silences": [{"id": "…", "matchers": [{"name": "…", "value": "…", "isRegex": false,
//                  "isEqual": true}], "startsAt": "…", "endsAt": "…", "updatedAt": "…",
//                  "createdBy": "…", "comment": "…"}]}
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/matcher.h"
#include "alerting/notification.h"
#include "common/result.h"
#include "common/stats.h"

namespace edgewatch::alerting {

// Derived from the time: pending before starts_at, active in [starts_at, ends_at), then expired.
enum class SilenceState : uint8_t { kActive, kPending, kExpired };
const char* SilenceStateName(SilenceState s);  // "active", "pending", "expired"

struct Silence {
  std::string id;                 // UUID v4; "" when creating
  std::vector<Matcher> matchers;  // all must hold; at least one must not match ""
  int64_t starts_at_ns = 0;       // unix ns
  int64_t ends_at_ns = 0;
  int64_t updated_at_ns = 0;  // set by the store
  std::string created_by;
  std::string comment;

  SilenceState StateAt(int64_t now_ns) const;
  bool Matches(const Labels& labels) const { return MatchesAll(matchers, labels); }
};

// Alertmanager's `filter` of GET /api/v2/silences: the silence's equality matchers, taken as a
// label set, satisfy every filter matcher (so `alertname="X"` finds silences of alertname="X").
bool SilenceMatchesFilter(const Silence& s, const std::vector<Matcher>& filter);

// JSON of one silence, in the API's and the file's shape (Alertmanager's gettableSilence, with
// status.state as at `now_ns`), and back. FromJson reads a postableSilence: `id` optional,
// `isEqual` defaults to true, `updatedAt` and `status` ignored; errors name the field.
std::string SilenceToJson(const Silence& s, int64_t now_ns);
Result<Silence> SilenceFromJson(std::string_view json);

struct SilenceStoreOptions {
  std::string path;  // the JSON file; "" keeps silences in memory only
  int64_t retention_ns = 120LL * 3600 * 1'000'000'000;  // expired silences kept this long
  std::function<int64_t()> now_ns;                      // unix ns; NowUnixNs() when empty
  std::function<std::string()> new_id;                  // random UUID v4 when empty (tests pin ids)
};

// Thread-safe. Silencing() takes a shared lock only; changes are written to the file before
// the call returns (temporary file, fsync, rename). A write that fails leaves the change in
// effect in memory, is counted (edgewatch_silences_persist_failures_total) and logged, and is
// retried with the next change: silencing keeps working while the disk is full.
class SilenceStore : public StatsSource {
 public:
  // Loads the file (absent: no silences yet). A file that cannot be read or parsed is an
  // error naming it and the line/column or the silence that is wrong: the store refuses to
  // start rather than drop silences.
  static Result<std::unique_ptr<SilenceStore>> Open(SilenceStoreOptions options);

  // Creates a silence (id ""), or updates the silence `id`, returning the id in effect.
  // Checks: at least one matcher, not all matching "", created_by and comment not empty,
  // ends_at > starts_at, ends_at in the future. A start in the past becomes now.
  // Updates follow Alertmanager: same matchers and, for an active silence, the same start
  // (and an end not in the past) — or, for a pending one, a start not in the past — change the
  // silence in place (end, comment, created_by); anything else expires the old silence (when
  // not yet expired) and creates a new one with a new id. An unknown id is an error.
  Result<std::string> Create(Silence s);
  // Ends the silence now (a pending one gets start = end = now); it stays listed until the
  // retention has passed. Expiring an expired silence changes nothing. Returns the state it
  // had; an unknown id is an error.
  Result<SilenceState> Expire(std::string_view id);

  // Active ones first (soonest end first), then pending (soonest start first), then expired
  // (latest end first), as Alertmanager's API sorts them.
  std::vector<Silence> List() const;
  std::optional<Silence> Get(std::string_view id) const;
  // The id of an active silence whose matchers all hold for `labels` at `now_ns`, or nullopt.
  // The hot path: a shared lock, compiled matchers, no allocation unless one matches.
  std::optional<std::string> Silencing(const Labels& labels, int64_t now_ns) const;

  // Forgets silences expired for longer than the retention; returns how many. Changes call
  // it; the owner may also call it now and then (a store nobody changes keeps them otherwise).
  size_t CollectGarbage();

  void CollectStats(std::vector<StatSample>& out) const override;

 private:
  explicit SilenceStore(SilenceStoreOptions options);
  Result<bool> Load();
  int64_t Now() const { return options_.now_ns(); }
  std::string NewId();
  void ExpireLocked(Silence& s, int64_t now);
  size_t CollectGarbageLocked(int64_t now);
  // Serializes the silences under mu_ (held by the caller); Persist() writes outside it.
  std::string EncodeLocked() const;
  void Persist(const std::string& data, uint64_t generation);

  const SilenceStoreOptions options_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Silence, std::less<>> silences_;  // by id
  uint64_t generation_ = 0;                               // bumped by every change

  std::mutex persist_mu_;  // orders file writes; held without mu_
  uint64_t persisted_generation_ = 0;
  bool persist_failing_ = false;

  StatCounter created_;
  StatCounter expired_;
  StatCounter persist_failures_;
};

}  // namespace edgewatch::alerting
