// Decoder (declared in codec.h): simdjson on-demand over the three wire records.
//
// Each object is walked once, in whatever order its fields come; known fields are dispatched
// through a small name table, unknown ones are skipped (forward compatibility), and a bit per
// known field catches the missing ones. Every field listed in a table is required. Errors
// name the field path; the path is assembled only on failure, as the error unwinds.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/codec.h"

namespace edgewatch::schema {
namespace {

namespace od = simdjson::ondemand;

// What went wrong, and where (dotted path, innermost part added first).
struct Failure {
  std::string path;
  std::string what;

  bool Set(std::string w) {
    what = std::move(w);
    return false;
  }
  bool At(std::string_view field) {
    if (!path.empty() && path.front() != '[') {
      path.insert(path.begin(), '.');
    }
    path.insert(0, field);
    return false;
  }
  bool AtIndex(size_t i) {
    if (!path.empty() && path.front() != '[') {
      path.insert(path.begin(), '.');
    }
    path.insert(0, "[" + std::to_string(i) + "]");
    return false;
  }
};

// Type errors name what was expected; anything else is broken JSON, said as simdjson says it.
bool Fail(simdjson::error_code e, std::string_view expected, Failure& f) {
  switch (e) {
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return f.Set("expected " + std::string(expected));
    default:
      return f.Set(std::string("malformed JSON: ") + simdjson::error_message(e));
  }
}

bool Read(od::value v, std::string& out, Failure& f) {
  std::string_view s;
  if (auto e = v.get_string().get(s)) return Fail(e, "string", f);
  out.assign(s.data(), s.size());  // reuses capacity when a decoded record is reused
  return true;
}

bool Read(od::value v, uint64_t& out, Failure& f) {
  if (auto e = v.get_uint64().get(out)) return Fail(e, "unsigned integer", f);
  return true;
}

template <typename U>
bool ReadNarrow(od::value v, U& out, std::string_view expected, Failure& f) {
  uint64_t x = 0;
  if (auto e = v.get_uint64().get(x)) return Fail(e, expected, f);
  if (x > std::numeric_limits<U>::max()) return Fail(simdjson::INCORRECT_TYPE, expected, f);
  out = static_cast<U>(x);
  return true;
}
bool Read(od::value v, uint16_t& out, Failure& f) {
  return ReadNarrow(v, out, "unsigned 16-bit integer", f);
}
bool Read(od::value v, uint32_t& out, Failure& f) {
  return ReadNarrow(v, out, "unsigned 32-bit integer", f);
}

bool Read(od::value v, int32_t& out, Failure& f) {
  int64_t x = 0;
  constexpr std::string_view kExpected = "32-bit integer";
  if (auto e = v.get_int64().get(x)) return Fail(e, kExpected, f);
  if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
    return Fail(simdjson::INCORRECT_TYPE, kExpected, f);
  }
  out = static_cast<int32_t>(x);
  return true;
}

// null stands for a non-finite value (see Number() in codec.cc).
bool ReadDouble(od::value v, double& out, Failure& f) {
  bool is_null = false;
  if (auto e = v.is_null().get(is_null)) return Fail(e, "number or null", f);
  if (is_null) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (auto e = v.get_double().get(out)) return Fail(e, "number or null", f);
  return true;
}

// The records of one window share their times, so the last few parsed are remembered (per
// thread): a 30-byte compare instead of a parse on the hot path.
class RecentTimes {
 public:
  bool Find(std::string_view s, int64_t& out) const {
    for (const Slot& slot : slots_) {
      if (slot.len == s.size() && std::memcmp(slot.text.data(), s.data(), s.size()) == 0) {
        out = slot.value;
        return true;
      }
    }
    return false;
  }
  void Add(std::string_view s, int64_t value) {
    if (s.size() > kMaxLen) return;
    Slot& slot = slots_[next_];
    next_ = (next_ + 1) % slots_.size();
    std::memcpy(slot.text.data(), s.data(), s.size());
    slot.len = s.size();
    slot.value = value;
  }

 private:
  static constexpr size_t kMaxLen = 40;
  struct Slot {
    std::array<char, kMaxLen> text{};
    size_t len = SIZE_MAX;
    int64_t value = 0;
  };
  std::array<Slot, 4> slots_;
  size_t next_ = 0;
};

bool ReadTime(od::value v, int64_t& out, Failure& f) {
  std::string_view s;
  if (auto e = v.get_string().get(s)) return Fail(e, "RFC 3339 time string", f);
  thread_local RecentTimes recent;
  if (recent.Find(s, out)) return true;
  Result<int64_t> t = ParseTime(s);
  if (!t.ok()) return f.Set(t.error());
  out = *t;
  recent.Add(s, out);
  return true;
}

// null (an alert that has not ended) reads as 0.
bool ReadOptionalTime(od::value v, int64_t& out, Failure& f) {
  bool is_null = false;
  if (auto e = v.is_null().get(is_null)) return Fail(e, "RFC 3339 time string or null", f);
  if (is_null) {
    out = 0;
    return true;
  }
  return ReadTime(v, out, f);
}

bool Read(od::value v, std::vector<std::string>& out, Failure& f) {
  od::array arr;
  if (auto e = v.get_array().get(arr)) return Fail(e, "array of strings", f);
  out.clear();
  size_t count = 0;  // a scan of the structural index: cheaper than regrowing the vector
  if (auto e = arr.count_elements().get(count)) return Fail(e, "array of strings", f);
  out.reserve(count);
  size_t i = 0;
  for (auto item : arr) {
    od::value elem;
    if (auto e = item.get(elem)) {
      Fail(e, "string", f);
      return f.AtIndex(i);
    }
    if (!Read(elem, out.emplace_back(), f)) return f.AtIndex(i);
    ++i;
  }
  return true;
}

bool Read(od::value v, std::map<std::string, std::string>& out, Failure& f) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return Fail(e, "object of strings", f);
  out.clear();
  for (auto item : obj) {
    od::field fld;
    std::string_view key;
    if (auto e = std::move(item).get(fld)) return Fail(e, "object of strings", f);
    if (auto e = fld.unescaped_key().get(key)) return Fail(e, "object key", f);
    std::string k(key);
    std::string& slot = out[k];
    if (!Read(fld.value(), slot, f)) return f.At(k);
  }
  return true;
}

bool ReadExact(od::value v, std::string_view want, Failure& f) {
  std::string_view s;
  if (auto e = v.get_string().get(s)) return Fail(e, "string", f);
  if (s != want) {
    return f.Set("expected \"" + std::string(want) + "\", got \"" + std::string(s) + "\"");
  }
  return true;
}

// A field name prepared for comparison with raw keys in the input buffer. The name plus its
// closing quote (m bytes) is held as little-endian 8-byte words, so a key is
// checked with two or three integer compares instead of a byte loop or memcmp call: this runs
// for every key of every record. Loads may reach past a short key, never past the padding.
struct FieldKey {
  uint64_t head = 0;  // bytes [0, 8), masked when m < 8
  uint64_t mid = 0;   // bytes [8, 16), used when 16 < m <= 24
  uint64_t tail = 0;  // bytes [m - 8, m), used when m > 8
  uint64_t mask = 0;  // of `head`
  size_t m = 0;
  std::string_view name;  // for names longer than 23 bytes (none yet): a plain comparison
};

static_assert(std::endian::native == std::endian::little, "FieldKey words are little-endian");

constexpr uint64_t Word(std::string_view quoted, size_t from) {
  uint64_t w = 0;
  for (size_t i = 0; i < 8 && from + i < quoted.size(); ++i) {
    w |= uint64_t{static_cast<unsigned char>(quoted[from + i])} << (8 * i);
  }
  return w;
}

constexpr FieldKey MakeKey(std::string_view name) {
  // The quoted form is name + '"'; built byte by byte to stay constexpr.
  std::array<char, 25> buf{};
  for (size_t i = 0; i < name.size() && i < 24; ++i) {
    buf[i] = name[i];
  }
  buf[std::min<size_t>(name.size(), 24)] = '"';
  const std::string_view q(buf.data(), std::min<size_t>(name.size(), 24) + 1);
  FieldKey k;
  k.name = name;
  k.m = name.size() + 1;
  k.mask = k.m >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * k.m)) - 1;
  k.head = Word(q, 0) & k.mask;
  k.mid = Word(q, 8);
  k.tail = k.m > 8 && k.m <= 24 ? Word(q, k.m - 8) : 0;
  return k;
}

inline uint64_t Load(const char* p) {
  uint64_t w = 0;
  std::memcpy(&w, p, sizeof w);
  return w;
}

inline bool KeyIs(const char* raw, const FieldKey& k) {
  if ((Load(raw) & k.mask) != k.head) return false;
  if (k.m <= 8) return true;
  if (k.m <= 16) return Load(raw + k.m - 8) == k.tail;
  if (k.m <= 24) return Load(raw + 8) == k.mid && Load(raw + k.m - 8) == k.tail;
  for (size_t i = 0; i < k.name.size(); ++i) {  // stops at the key's closing quote at the latest
    if (raw[i] != k.name[i]) return false;
  }
  return raw[k.name.size()] == '"';
}

// The known fields of one JSON object: names for lookups and messages, keys for matching.
template <size_t N>
struct FieldTable {
  std::array<std::string_view, N> names;
  std::array<FieldKey, N> keys;
  uint64_t optional = 0;  // bit i: names[i] may be absent (fields added after v1 shipped)
};

template <size_t N>
constexpr FieldTable<N> MakeTable(const std::array<std::string_view, N>& names) {
  FieldTable<N> t{names, {}};
  for (size_t i = 0; i < N; ++i) {
    t.keys[i] = MakeKey(names[i]);
  }
  return t;
}

// Index of the field a raw key names, or -1. `hint` is where the encoder's order puts the
// next field, so in-order input costs one comparison per key.
template <size_t N>
int FieldIndex(const FieldTable<N>& table, od::raw_json_string key, size_t hint) {
  const char* raw = key.raw();
  for (size_t n = 0; n < N; ++n) {
    const size_t i = hint + n < N ? hint + n : hint + n - N;
    if (KeyIs(raw, table.keys[i])) return static_cast<int>(i);
  }
  return -1;
}

bool HasEscape(od::raw_json_string key) {
  for (const char* p = key.raw(); *p != '"'; ++p) {
    if (*p == '\\') return true;
  }
  return false;
}

// Walks `obj`, calling on_field(index, value) for each field named in `names`; all of them are
// required. on_field returns false after filling `f` (path relative to the field's value).
template <size_t N, typename OnField>
bool WalkObject(od::object obj, const FieldTable<N>& table, Failure& f, OnField&& on_field) {
  static_assert(N <= 64);
  const std::array<std::string_view, N>& names = table.names;
  uint64_t seen = 0;
  size_t hint = 0;
  for (auto item : obj) {
    od::field fld;
    if (auto e = std::move(item).get(fld)) return Fail(e, "object", f);
    int i = FieldIndex(table, fld.key(), hint);
    if (i < 0 && HasEscape(fld.key())) {  // rare: a key spelled with escapes, e.g. "n\u006fde"
      std::string_view key;
      if (auto e = fld.unescaped_key().get(key)) return Fail(e, "object key", f);
      i = static_cast<int>(std::find(names.begin(), names.end(), key) - names.begin());
      if (i == static_cast<int>(N)) {
        i = -1;
      }
    }
    if (i < 0) {
      continue;  // unknown: skipped by the iterator
    }
    const auto idx = static_cast<size_t>(i);
    if (!on_field(idx, fld.value())) return f.At(names[idx]);
    seen |= uint64_t{1} << idx;
    hint = idx + 1 < N ? idx + 1 : 0;
  }
  seen |= table.optional;
  for (size_t i = 0; i < N; ++i) {
    if ((seen & (uint64_t{1} << i)) == 0) {
      f.Set("missing");
      return f.At(names[i]);
    }
  }
  return true;
}

template <size_t N, typename OnField>
bool WalkObject(od::value v, const FieldTable<N>& table, Failure& f, OnField&& on_field) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return Fail(e, "object", f);
  return WalkObject(obj, table, f, std::forward<OnField>(on_field));
}

// --- Edge ------------------------------------------------------------------------------------

// service, business_system and tags came after v1 shipped (identity file): optional.
constexpr uint64_t kClientIdentityBits = uint64_t{7} << 3;
constexpr uint64_t kServerIdentityBits = uint64_t{7} << 4;
constexpr FieldTable<6> kClientFields = [] {
  auto t = MakeTable<6>({"ip", "workload", "container_id", "service", "business_system", "tags"});
  t.optional = kClientIdentityBits;
  return t;
}();
constexpr FieldTable<7> kServerFields = [] {
  auto t = MakeTable<7>(
      {"ip", "port", "workload", "container_id", "service", "business_system", "tags"});
  t.optional = kServerIdentityBits;
  return t;
}();
constexpr FieldTable<4> kEdgeFields = MakeTable<4>({"side", "client", "server", "protocol"});

// An object of strings into (key, value) pairs sorted by key, reusing `out`'s capacity.
bool ReadTags(od::value v, std::vector<std::pair<std::string, std::string>>& out, Failure& f) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return Fail(e, "object of strings", f);
  size_t n = 0;
  for (auto item : obj) {
    od::field fld;
    std::string_view key;
    if (auto e = std::move(item).get(fld)) return Fail(e, "object of strings", f);
    if (auto e = fld.unescaped_key().get(key)) return Fail(e, "object key", f);
    if (n == out.size()) out.emplace_back();
    out[n].first.assign(key.data(), key.size());
    if (!Read(fld.value(), out[n].second, f)) return f.At(out[n].first);
    ++n;
  }
  out.resize(n);
  if (!std::is_sorted(out.begin(), out.end())) std::sort(out.begin(), out.end());
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].first == out[i - 1].first) {
      f.Set("duplicate key");
      return f.At(out[i].first);
    }
  }
  return true;
}

bool ReadPeer(od::value v, Peer& p, bool with_port, Failure& f) {
  p.port = 0;
  p.service.clear();  // optional: absent in records of older sensors
  p.business_system.clear();
  bool tags_seen = false;  // tags are cleared only when absent, so their strings are reused
  // Switches on the server table's index; client indices map onto it (no "port").
  auto on_server_field = [&](size_t i, od::value fv) {
    switch (i) {
      case 0:
        return Read(fv, p.ip, f);
      case 1:
        return Read(fv, p.port, f);
      case 2:
        return Read(fv, p.workload, f);
      case 3:
        return Read(fv, p.container_id, f);
      case 4:
        return Read(fv, p.service, f);
      case 5:
        return Read(fv, p.business_system, f);
      default:
        tags_seen = true;
        return ReadTags(fv, p.tags, f);
    }
  };
  const bool ok = with_port ? WalkObject(v, kServerFields, f, on_server_field)
                            : WalkObject(v, kClientFields, f, [&](size_t i, od::value fv) {
                                return on_server_field(i == 0 ? 0 : i + 1, fv);
                              });
  if (!tags_seen) p.tags.clear();
  return ok;
}

bool ReadSide(od::value v, Side& side, Failure& f) {
  constexpr std::string_view kExpected = "\"client\" or \"server\"";
  std::string_view s;
  if (auto e = v.get_string().get(s)) return Fail(e, kExpected, f);
  if (s == "client") {
    side = Side::kClient;
  } else if (s == "server") {
    side = Side::kServer;
  } else {
    return f.Set("expected " + std::string(kExpected) + ", got \"" + std::string(s) + "\"");
  }
  return true;
}

bool ReadEdge(od::value v, Edge& edge, Failure& f) {
  // "key" is derived from the rest (Edge::Key()) and not read back.
  return WalkObject(v, kEdgeFields, f, [&](size_t i, od::value fv) {
    switch (i) {
      case 0:
        return ReadSide(fv, edge.side, f);
      case 1:
        return ReadPeer(fv, edge.client, /*with_port=*/false, f);
      case 2:
        return ReadPeer(fv, edge.server, /*with_port=*/true, f);
      default:
        return Read(fv, edge.protocol, f);
    }
  });
}

// --- Edge window -----------------------------------------------------------------------------

constexpr FieldTable<13> kWindowFields = [] {
  auto t = MakeTable<13>({"schema", "node", "seq", "window_start", "window_end", "edge", "counts",
                          "connect_latency_us", "evidence_ids", "evidence_dropped", "snat_suspect",
                          "dns", "http"});
  t.optional = (uint64_t{1} << 10) | (uint64_t{1} << 11) | (uint64_t{1} << 12);
  return t;
}();
constexpr FieldTable<4> kHttpFields =
    MakeTable<4>({"requests", "status", "no_response", "latency_us"});
constexpr FieldTable<4> kDnsFields = MakeTable<4>({"queries", "rcodes", "timeouts", "latency_us"});
constexpr FieldTable<2> kHistogramFields = MakeTable<2>({"buckets", "sum"});

const FieldTable<kDnsRcodeClasses>& RcodeFields() {
  static const FieldTable<kDnsRcodeClasses> table = [] {
    std::array<std::string_view, kDnsRcodeClasses> names{};
    for (size_t i = 0; i < kDnsRcodeClasses; ++i) {
      names[i] = DnsRcodeClassName(static_cast<DnsRcodeClass>(i));
    }
    return MakeTable(names);
  }();
  return table;
}

bool ReadHistogram(od::value v, LatencyHistogram& h, Failure& f) {
  return WalkObject(v, kHistogramFields, f, [&](size_t i, od::value hv) {
    if (i == 1) return Read(hv, h.sum_us, f);
    od::array arr;
    if (auto e = hv.get_array().get(arr)) return Fail(e, "array of bucket counts", f);
    size_t n = 0;
    for (auto item : arr) {
      od::value bv;
      if (auto e = item.get(bv)) return Fail(e, "bucket count", f);
      if (n == h.buckets.size()) {
        return f.Set("more than " + std::to_string(h.buckets.size()) + " bucket counts");
      }
      if (!Read(bv, h.buckets[n], f)) return f.AtIndex(n);
      ++n;
    }
    if (n != h.buckets.size()) {
      return f.Set("expected " + std::to_string(h.buckets.size()) + " bucket counts, got " +
                   std::to_string(n));
    }
    return true;
  });
}

// null, or the DNS object.
bool ReadDns(od::value v, std::optional<DnsCounts>& out, Failure& f) {
  bool is_null = false;
  if (auto e = v.is_null().get(is_null)) return Fail(e, "object or null", f);
  if (is_null) {
    out.reset();
    return true;
  }
  DnsCounts& d = out.emplace();
  return WalkObject(v, kDnsFields, f, [&](size_t i, od::value dv) {
    switch (i) {
      case 0:
        return Read(dv, d.queries, f);
      case 1:
        return WalkObject(dv, RcodeFields(), f,
                          [&](size_t r, od::value rv) { return Read(rv, d.rcodes[r], f); });
      case 2:
        return Read(dv, d.timeouts, f);
      default:
        return ReadHistogram(dv, d.latency, f);
    }
  });
}

const FieldTable<kHttpStatusClasses>& StatusClassFields() {
  static const FieldTable<kHttpStatusClasses> table = [] {
    std::array<std::string_view, kHttpStatusClasses> names{};
    for (size_t i = 0; i < kHttpStatusClasses; ++i) {
      names[i] = HttpStatusClassName(static_cast<HttpStatusClass>(i));
    }
    return MakeTable(names);
  }();
  return table;
}

// null, or the HTTP object.
bool ReadHttp(od::value v, std::optional<HttpCounts>& out, Failure& f) {
  bool is_null = false;
  if (auto e = v.is_null().get(is_null)) return Fail(e, "object or null", f);
  if (is_null) {
    out.reset();
    return true;
  }
  HttpCounts& h = out.emplace();
  return WalkObject(v, kHttpFields, f, [&](size_t i, od::value hv) {
    switch (i) {
      case 0:
        return Read(hv, h.requests, f);
      case 1:
        return WalkObject(hv, StatusClassFields(), f,
                          [&](size_t c, od::value cv) { return Read(cv, h.status[c], f); });
      case 2:
        return Read(hv, h.no_response, f);
      default:
        return ReadHistogram(hv, h.latency, f);
    }
  });
}

constexpr FieldTable<3> kLatencyFields = MakeTable<3>({"count", "sum", "max"});

// Counter names live in edge_window.cc; the table is built from them once.
const FieldTable<kCounterCount>& CounterFields() {
  static const FieldTable<kCounterCount> table = [] {
    std::array<std::string_view, kCounterCount> names{};
    for (size_t i = 0; i < kCounterCount; ++i) {
      names[i] = CounterName(static_cast<Counter>(i));
    }
    return MakeTable(names);
  }();
  return table;
}

// A string, or null read as "".
bool ReadOptionalString(od::value v, std::string& out, Failure& f) {
  bool is_null = false;
  if (auto e = v.is_null().get(is_null)) return Fail(e, "string or null", f);
  if (is_null) {
    out.clear();
    return true;
  }
  return Read(v, out, f);
}

bool ReadEdgeWindow(od::object obj, EdgeWindow& w, Failure& f) {
  w.snat_suspect.clear();  // optional: absent in records of older sensors
  w.dns.reset();
  w.http.reset();
  return WalkObject(obj, kWindowFields, f, [&](size_t i, od::value v) {
    switch (i) {
      case 0:
        return ReadExact(v, kEdgeWindowSchema, f);
      case 1:
        return Read(v, w.node, f);
      case 2:
        return Read(v, w.seq, f);
      case 3:
        return ReadTime(v, w.window_start_ns, f);
      case 4:
        return ReadTime(v, w.window_end_ns, f);
      case 5:
        return ReadEdge(v, w.edge, f);
      case 6:
        return WalkObject(v, CounterFields(), f,
                          [&](size_t c, od::value cv) { return Read(cv, w.counts[c], f); });
      case 7:
        return WalkObject(v, kLatencyFields, f, [&](size_t k, od::value lv) {
          LatencySummary& l = w.connect_latency;
          return Read(lv, k == 0 ? l.count : k == 1 ? l.sum_us : l.max_us, f);
        });
      case 8:
        return Read(v, w.evidence_ids, f);
      case 9:
        return Read(v, w.evidence_dropped, f);
      case 10:
        return ReadOptionalString(v, w.snat_suspect, f);
      case 11:
        return ReadDns(v, w.dns, f);
      default:
        return ReadHttp(v, w.http, f);
    }
  });
}

// --- Conntrack window ------------------------------------------------------------------------

constexpr FieldTable<10> kConntrackFields =
    MakeTable<10>({"schema", "id", "node", "netns", "window_start", "window_end", "entries", "max",
                   "counts", "snat_suspect_edges"});

const FieldTable<kConntrackCounterCount>& ConntrackCounterFields() {
  static const FieldTable<kConntrackCounterCount> table = [] {
    std::array<std::string_view, kConntrackCounterCount> names{};
    for (size_t i = 0; i < kConntrackCounterCount; ++i) {
      names[i] = ConntrackCounterName(static_cast<ConntrackCounter>(i));
    }
    return MakeTable(names);
  }();
  return table;
}

bool ReadConntrackWindow(od::object obj, ConntrackWindow& c, Failure& f) {
  return WalkObject(obj, kConntrackFields, f, [&](size_t i, od::value v) {
    switch (i) {
      case 0:
        return ReadExact(v, kConntrackWindowSchema, f);
      case 1:
        return Read(v, c.id, f);
      case 2:
        return Read(v, c.node, f);
      case 3:
        return Read(v, c.netns, f);
      case 4:
        return ReadTime(v, c.window_start_ns, f);
      case 5:
        return ReadTime(v, c.window_end_ns, f);
      case 6:
        return Read(v, c.entries, f);
      case 7:
        return Read(v, c.max, f);
      case 8:
        return WalkObject(v, ConntrackCounterFields(), f,
                          [&](size_t k, od::value cv) { return Read(cv, c.counts[k], f); });
      default:
        return Read(v, c.snat_suspect_edges, f);
    }
  });
}

// --- Evidence --------------------------------------------------------------------------------

// "http" and "dns" came with v2 (always written there, null when not applicable); a v1 record
// has neither.
constexpr FieldTable<20> kEvidenceFields = [] {
  auto t = MakeTable<20>({"schema",      "id",      "node",         "kind",
                          "cause",       "time",    "edge",         "edge_key",
                          "tuple",       "process", "container_id", "cgroup_id",
                          "netns",       "sk_err",  "old_state",    "syn_retransmits",
                          "duration_us", "http",    "dns",          "nat"});
  t.optional = (uint64_t{1} << 17) | (uint64_t{1} << 18) | (uint64_t{1} << 19);
  return t;
}();
constexpr FieldTable<4> kNatEvidenceFields =
    MakeTable<4>({"netns", "translated_ip", "translated_port", "syn_drops"});
constexpr FieldTable<7> kHttpEvidenceFields = MakeTable<7>(
    {"method", "path", "status", "latency_us", "traceparent", "trace_id", "x_request_id"});
constexpr FieldTable<5> kDnsEvidenceFields = MakeTable<5>({"name", "qtype", "type", "rcode", "id"});
constexpr FieldTable<5> kTupleFields =
    MakeTable<5>({"protocol", "src_ip", "src_port", "dst_ip", "dst_port"});
constexpr FieldTable<2> kProcessFields = MakeTable<2>({"pid", "comm"});

constexpr std::string_view kV1Kinds = "\"connect_failed\", \"accept_failed\" or \"reset\"";

bool ReadKind(od::value v, EvidenceKind& kind, Failure& f) {
  constexpr std::string_view kExpected =
      "\"connect_failed\", \"accept_failed\", \"reset\", \"http_request\" or \"dns_query\"";
  std::string_view s;
  if (auto e = v.get_string().get(s)) return Fail(e, kExpected, f);
  for (size_t i = 0; i < kEvidenceKinds; ++i) {
    if (s == EvidenceKindName(static_cast<EvidenceKind>(i))) {
      kind = static_cast<EvidenceKind>(i);
      return true;
    }
  }
  return f.Set("expected " + std::string(kExpected) + ", got \"" + std::string(s) + "\"");
}

// The record's version (fields may come in any order: what depends on it is checked after the
// walk).
bool ReadEvidenceSchema(od::value v, bool& v1, Failure& f) {
  std::string_view s;
  if (auto e = v.get_string().get(s)) return Fail(e, "string", f);
  if (s == kEvidenceSchema || s == kEvidenceSchemaV1) {
    v1 = s == kEvidenceSchemaV1;
    return true;
  }
  return f.Set("expected \"" + std::string(kEvidenceSchema) + "\" or \"" +
               std::string(kEvidenceSchemaV1) + "\", got \"" + std::string(s) + "\"");
}

bool IsNull(od::value v, bool& is_null, Failure& f) {
  if (auto e = v.is_null().get(is_null)) return Fail(e, "object or null", f);
  return true;
}

bool ReadHttpEvidence(od::value v, std::optional<HttpEvidence>& out, Failure& f) {
  bool is_null = false;
  if (!IsNull(v, is_null, f)) return false;
  if (is_null) {
    out.reset();
    return true;
  }
  HttpEvidence& h = out.emplace();
  return WalkObject(v, kHttpEvidenceFields, f, [&](size_t i, od::value hv) {
    switch (i) {
      case 0:
        return Read(hv, h.method, f);
      case 1:
        return Read(hv, h.path, f);
      case 2:
        return Read(hv, h.status, f);
      case 3:
        return Read(hv, h.latency_us, f);
      case 4:
        return Read(hv, h.traceparent, f);
      case 5:
        return Read(hv, h.trace_id, f);
      default:
        return Read(hv, h.x_request_id, f);
    }
  });
}

bool ReadNatEvidence(od::value v, std::optional<NatEvidence>& out, Failure& f) {
  bool is_null = false;
  if (!IsNull(v, is_null, f)) return false;
  if (is_null) {
    out.reset();
    return true;
  }
  NatEvidence& n = out.emplace();
  return WalkObject(v, kNatEvidenceFields, f, [&](size_t i, od::value nv) {
    switch (i) {
      case 0:
        return Read(nv, n.netns, f);
      case 1:
        return Read(nv, n.translated_ip, f);
      case 2:
        return Read(nv, n.translated_port, f);
      default:
        return Read(nv, n.syn_drops, f);
    }
  });
}

bool ReadDnsEvidence(od::value v, std::optional<DnsEvidence>& out, Failure& f) {
  bool is_null = false;
  if (!IsNull(v, is_null, f)) return false;
  if (is_null) {
    out.reset();
    return true;
  }
  DnsEvidence& d = out.emplace();
  return WalkObject(v, kDnsEvidenceFields, f, [&](size_t i, od::value dv) {
    switch (i) {
      case 0:
        return Read(dv, d.name, f);
      case 1:
        return Read(dv, d.qtype, f);
      case 2:
        return Read(dv, d.type, f);
      case 3:
        return Read(dv, d.rcode, f);
      default:
        return Read(dv, d.id, f);
    }
  });
}

bool ReadEvidence(od::object obj, EvidenceEvent& ev, Failure& f) {
  ev.http.reset();
  ev.dns.reset();
  ev.nat.reset();
  bool v1 = false;
  const bool ok = WalkObject(obj, kEvidenceFields, f, [&](size_t i, od::value v) {
    switch (i) {
      case 0:
        return ReadEvidenceSchema(v, v1, f);
      case 1:
        return Read(v, ev.id, f);
      case 2:
        return Read(v, ev.node, f);
      case 3:
        return ReadKind(v, ev.kind, f);
      case 4:
        return Read(v, ev.cause, f);
      case 5:
        return ReadTime(v, ev.time_ns, f);
      case 6:
        return ReadEdge(v, ev.edge, f);
      case 7:
        return Read(v, ev.edge_key, f);
      case 8:
        return WalkObject(v, kTupleFields, f, [&](size_t k, od::value tv) {
          switch (k) {
            case 0:
              return Read(tv, ev.protocol, f);
            case 1:
              return Read(tv, ev.src_ip, f);
            case 2:
              return Read(tv, ev.src_port, f);
            case 3:
              return Read(tv, ev.dst_ip, f);
            default:
              return Read(tv, ev.dst_port, f);
          }
        });
      case 9:
        return WalkObject(v, kProcessFields, f, [&](size_t k, od::value pv) {
          return k == 0 ? Read(pv, ev.pid, f) : Read(pv, ev.comm, f);
        });
      case 10:
        return Read(v, ev.container_id, f);
      case 11:
        return Read(v, ev.cgroup_id, f);
      case 12:
        return Read(v, ev.netns, f);
      case 13:
        return Read(v, ev.sk_err, f);
      case 14:
        return Read(v, ev.old_state, f);
      case 15:
        return Read(v, ev.syn_retransmits, f);
      case 16:
        return Read(v, ev.duration_us, f);
      case 17:
        return ReadHttpEvidence(v, ev.http, f);
      case 18:
        return ReadDnsEvidence(v, ev.dns, f);
      default:
        return ReadNatEvidence(v, ev.nat, f);
    }
  });
  if (!ok) return false;
  if (v1 && ev.kind > EvidenceKind::kReset) {
    f.Set("expected " + std::string(kV1Kinds) + " in " + std::string(kEvidenceSchemaV1) +
          ", got \"" + EvidenceKindName(ev.kind) + "\"");
    return f.At("kind");
  }
  if (v1 && (ev.http || ev.dns || ev.nat)) {
    return f.Set("\"http\", \"dns\" and \"nat\" are v2 fields; this record says " +
                 std::string(kEvidenceSchemaV1));
  }
  return true;
}

// --- Alert -----------------------------------------------------------------------------------

// kind and root_cause came after v1 shipped (root-cause alerts): optional.
constexpr FieldTable<22> kAlertFields = [] {
  auto t = MakeTable<22>(
      {"schema",       "fingerprint", "status",      "rule",      "rule_file", "business_system",
       "severity",     "labels",      "annotations", "node",      "edge",      "signal",
       "comparison",   "threshold",   "value",       "starts_at", "ends_at",   "window_end",
       "evidence_ids", "evidence",    "kind",        "root_cause"});
  t.optional = (uint64_t{1} << 20) | (uint64_t{1} << 21);
  return t;
}();
constexpr FieldTable<6> kRootCauseFields =
    MakeTable<6>({"cause", "scope", "blast_radius", "symptoms", "symptoms_truncated", "conntrack"});
constexpr FieldTable<3> kBlastRadiusFields =
    MakeTable<3>({"edge_count", "business_systems", "healthy_edges_in_scope"});
constexpr FieldTable<1> kRootCauseConntrackFields = MakeTable<1>({"conflicts"});
constexpr FieldTable<11> kSymptomFields =
    MakeTable<11>({"fingerprint", "rule", "severity", "node", "edge", "business_system", "signal",
                   "value", "symptoms", "starts_at", "ends_at"});

bool ReadSymptom(od::value v, SymptomRef& s, Failure& f) {
  return WalkObject(v, kSymptomFields, f, [&](size_t i, od::value sv) {
    switch (i) {
      case 0:
        return Read(sv, s.fingerprint, f);
      case 1:
        return Read(sv, s.rule, f);
      case 2:
        return Read(sv, s.severity, f);
      case 3:
        return Read(sv, s.node, f);
      case 4:
        return Read(sv, s.edge, f);
      case 5:
        return Read(sv, s.business_system, f);
      case 6:
        return Read(sv, s.signal, f);
      case 7:
        return ReadDouble(sv, s.value, f);
      case 8:
        return Read(sv, s.symptoms, f);
      case 9:
        return ReadTime(sv, s.starts_at_ns, f);
      default:
        return ReadOptionalTime(sv, s.ends_at_ns, f);
    }
  });
}

bool ReadRootCause(od::value v, std::optional<RootCauseInfo>& out, Failure& f) {
  bool is_null = false;
  if (!IsNull(v, is_null, f)) return false;
  if (is_null) {
    out.reset();
    return true;
  }
  RootCauseInfo& rc = out.emplace();
  return WalkObject(v, kRootCauseFields, f, [&](size_t i, od::value rv) {
    switch (i) {
      case 0:
        return Read(rv, rc.cause, f);
      case 1: {
        std::map<std::string, std::string> scope;
        if (!Read(rv, scope, f)) return false;
        rc.scope.assign(scope.begin(), scope.end());
        return true;
      }
      case 2:
        return WalkObject(rv, kBlastRadiusFields, f, [&](size_t k, od::value bv) {
          switch (k) {
            case 0:
              return Read(bv, rc.edge_count, f);
            case 1:
              return Read(bv, rc.business_systems, f);
            default:
              return Read(bv, rc.healthy_edges_in_scope, f);
          }
        });
      case 3: {
        od::array arr;
        if (auto e = rv.get_array().get(arr)) return Fail(e, "array of symptom objects", f);
        rc.symptoms.clear();
        size_t n = 0;
        for (auto item : arr) {
          od::value elem;
          if (auto e = item.get(elem)) {
            Fail(e, "symptom object", f);
            return f.AtIndex(n);
          }
          if (!ReadSymptom(elem, rc.symptoms.emplace_back(), f)) return f.AtIndex(n);
          ++n;
        }
        return true;
      }
      case 4:
        return Read(rv, rc.symptoms_truncated, f);
      default:
        return WalkObject(rv, kRootCauseConntrackFields, f, [&](size_t, od::value cv) {
          return Read(cv, rc.conntrack_conflicts, f);
        });
    }
  });
}

// "symptom" or "root_cause"; which one must agree with root_cause's presence (checked after).
bool ReadAlertKind(od::value v, bool& root_cause, Failure& f) {
  constexpr std::string_view kExpected = "\"symptom\" or \"root_cause\"";
  std::string_view s;
  if (auto e = v.get_string().get(s)) return Fail(e, kExpected, f);
  if (s == "symptom") {
    root_cause = false;
  } else if (s == "root_cause") {
    root_cause = true;
  } else {
    return f.Set("expected " + std::string(kExpected) + ", got \"" + std::string(s) + "\"");
  }
  return true;
}

bool ReadStatus(od::value v, AlertStatus& status, Failure& f) {
  constexpr std::string_view kExpected = "\"firing\" or \"resolved\"";
  std::string_view s;
  if (auto e = v.get_string().get(s)) return Fail(e, kExpected, f);
  if (s == "firing") {
    status = AlertStatus::kFiring;
  } else if (s == "resolved") {
    status = AlertStatus::kResolved;
  } else {
    return f.Set("expected " + std::string(kExpected) + ", got \"" + std::string(s) + "\"");
  }
  return true;
}

bool ReadEvidenceArray(od::value v, std::vector<EvidenceEvent>& out, Failure& f) {
  od::array arr;
  if (auto e = v.get_array().get(arr)) return Fail(e, "array of evidence objects", f);
  out.clear();
  size_t count = 0;
  if (auto e = arr.count_elements().get(count)) return Fail(e, "array of evidence objects", f);
  out.reserve(count);
  size_t i = 0;
  for (auto item : arr) {
    od::object obj;
    if (auto e = item.get_object().get(obj)) {
      Fail(e, "evidence object", f);
      return f.AtIndex(i);
    }
    if (!ReadEvidence(obj, out.emplace_back(), f)) return f.AtIndex(i);
    ++i;
  }
  return true;
}

bool ReadAlert(od::object obj, Alert& a, Failure& f) {
  a.root_cause.reset();
  bool root_cause_kind = false;
  const bool ok = WalkObject(obj, kAlertFields, f, [&](size_t i, od::value v) {
    switch (i) {
      case 0:
        return ReadExact(v, kAlertSchema, f);
      case 1:
        return Read(v, a.fingerprint, f);
      case 2:
        return ReadStatus(v, a.status, f);
      case 3:
        return Read(v, a.rule, f);
      case 4:
        return Read(v, a.rule_file, f);
      case 5:
        return Read(v, a.business_system, f);
      case 6:
        return Read(v, a.severity, f);
      case 7:
        return Read(v, a.labels, f);
      case 8:
        return Read(v, a.annotations, f);
      case 9:
        return Read(v, a.node, f);
      case 10:
        return ReadEdge(v, a.edge, f);
      case 11:
        return Read(v, a.signal, f);
      case 12:
        return Read(v, a.comparison, f);
      case 13:
        return ReadDouble(v, a.threshold, f);
      case 14:
        return ReadDouble(v, a.value, f);
      case 15:
        return ReadTime(v, a.starts_at_ns, f);
      case 16:
        return ReadOptionalTime(v, a.ends_at_ns, f);
      case 17:
        return ReadTime(v, a.window_end_ns, f);
      case 18:
        return Read(v, a.evidence_ids, f);
      case 19:
        return ReadEvidenceArray(v, a.evidence, f);
      case 20:
        return ReadAlertKind(v, root_cause_kind, f);
      default:
        return ReadRootCause(v, a.root_cause, f);
    }
  });
  if (!ok) return false;
  if (root_cause_kind && !a.root_cause) {
    f.Set("missing (kind is \"root_cause\")");
    return f.At("root_cause");
  }
  return true;
}

Error DecodeError(std::string_view record, const Failure& f) {
  std::string msg(record);
  msg += ": ";
  if (!f.path.empty()) {
    msg += "field \"" + f.path + "\": ";
  }
  msg += f.what;
  return Err(std::move(msg));
}

}  // namespace

struct Decoder::Impl {
  od::parser parser;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input; Kafka payloads
  // give no such guarantee, so every record is copied into this reusable, padded buffer.
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;
  od::document doc;

  // Copies `json` into the padded buffer and starts a document on it.
  bool Load(std::string_view json, Failure& f) {
    const size_t need = json.size() + simdjson::SIMDJSON_PADDING;
    if (need > capacity) {
      capacity = std::max(need, 2 * capacity);
      buffer = std::make_unique_for_overwrite<char[]>(capacity);
    }
    std::memcpy(buffer.get(), json.data(), json.size());
    std::memset(buffer.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    if (auto e = parser.iterate(buffer.get(), json.size(), capacity).get(doc)) {
      return Fail(e, "JSON object", f);
    }
    return true;
  }

  // Runs `read(object, out, failure)` over the loaded document's top-level object, which
  // nothing but whitespace may follow.
  template <typename T, typename Reader>
  Result<T> Read(std::string_view record, Reader&& read) {
    Failure f;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) {
      Fail(e, "JSON object", f);
      return DecodeError(record, f);
    }
    Result<T> out{T{}};  // filled in place: records are large to move
    if (!read(obj, *out, f)) return DecodeError(record, f);
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
      f.Set("trailing content after the record");
      return DecodeError(record, f);
    }
    return out;
  }

  template <typename T, typename Reader>
  std::string ReadInto(std::string_view record, Reader&& read, T& out) {
    Failure f;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) {
      Fail(e, "JSON object", f);
      return DecodeError(record, f).message;
    }
    if (!read(obj, out, f)) return DecodeError(record, f).message;
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
      f.Set("trailing content after the record");
      return DecodeError(record, f).message;
    }
    return "";
  }

  template <typename T, typename Reader>
  Result<T> Run(std::string_view json, std::string_view record, Reader&& read) {
    Failure f;
    if (!Load(json, f)) return DecodeError(record, f);
    return Read<T>(record, std::forward<Reader>(read));
  }

  enum class Kind : uint8_t { kEdgeWindow, kEvidence, kAlert, kConntrackWindow };

  // Classifies the loaded document by its "schema" field, then rewinds it.
  Result<Kind> Classify() {
    Failure f;
    od::object obj;
    od::value v;
    std::string_view schema;
    simdjson::error_code e = doc.get_object().get(obj);
    if (e) {
      Fail(e, "JSON object", f);
    } else if ((e = obj.find_field_unordered("schema").get(v))) {
      e == simdjson::NO_SUCH_FIELD ? f.Set("missing") : Fail(e, "string", f);
      f.At("schema");
    } else if ((e = v.get_string().get(schema))) {
      Fail(e, "string", f);
      f.At("schema");
    }
    if (e) return DecodeError("record", f);
    doc.rewind();
    if (schema == kEdgeWindowSchema) return Kind::kEdgeWindow;
    if (schema == kEvidenceSchema || schema == kEvidenceSchemaV1) return Kind::kEvidence;
    if (schema == kAlertSchema) return Kind::kAlert;
    if (schema == kConntrackWindowSchema) return Kind::kConntrackWindow;
    return Err("record: unknown schema \"" + std::string(schema) + "\"");
  }
};

Decoder::Decoder() : impl_(new Impl) {}
Decoder::~Decoder() { delete impl_; }

Result<EdgeWindow> Decoder::DecodeEdgeWindow(std::string_view json) {
  return impl_->Run<EdgeWindow>(json, "edge_window", ReadEdgeWindow);
}

std::string Decoder::DecodeEdgeWindowInto(std::string_view json, EdgeWindow& out) {
  Failure f;
  if (!impl_->Load(json, f)) return DecodeError("edge_window", f).message;
  return impl_->ReadInto("edge_window", ReadEdgeWindow, out);
}

Result<EvidenceEvent> Decoder::DecodeEvidence(std::string_view json) {
  return impl_->Run<EvidenceEvent>(json, "evidence", ReadEvidence);
}

Result<Alert> Decoder::DecodeAlert(std::string_view json) {
  return impl_->Run<Alert>(json, "alert", ReadAlert);
}

Result<ConntrackWindow> Decoder::DecodeConntrackWindow(std::string_view json) {
  return impl_->Run<ConntrackWindow>(json, "conntrack_window", ReadConntrackWindow);
}

namespace {
template <typename T>
Result<Record> ToRecord(Result<T> r) {
  if (!r.ok()) return Err(r.error());
  return Record(std::move(r).value());
}
}  // namespace

Result<Record> Decoder::Decode(std::string_view json) {
  Failure f;
  if (!impl_->Load(json, f)) return DecodeError("record", f);
  Result<Impl::Kind> kind = impl_->Classify();
  if (!kind.ok()) return Err(kind.error());
  // Decoded from the same parse: the document was rewound, not re-indexed.
  switch (*kind) {
    case Impl::Kind::kEdgeWindow:
      return ToRecord(impl_->Read<EdgeWindow>("edge_window", ReadEdgeWindow));
    case Impl::Kind::kEvidence:
      return ToRecord(impl_->Read<EvidenceEvent>("evidence", ReadEvidence));
    case Impl::Kind::kConntrackWindow:
      return ToRecord(impl_->Read<ConntrackWindow>("conntrack_window", ReadConntrackWindow));
    case Impl::Kind::kAlert:
      break;
  }
  return ToRecord(impl_->Read<Alert>("alert", ReadAlert));
}

}  // namespace edgewatch::schema
