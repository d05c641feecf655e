#include "sensor/dns_transaction_table.h"

#include <algorithm>

namespace edgewatch::sensor {

std::array<uint8_t, 16> DnsTransactionKey::MapV4(const uint8_t (&v4)[4]) {
  std::array<uint8_t, 16> a{};
  a[10] = a[11] = 0xff;
  std::copy(std::begin(v4), std::end(v4), a.begin() + 12);
  return a;
}

size_t DnsTransactionKeyHash::operator()(const DnsTransactionKey& key) const noexcept {
  // FNV-1a over the fields (not the struct bytes: padding is indeterminate).
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&h](uint8_t b) {
    h ^= b;
    h *= 1099511628211ULL;
  };
  for (uint8_t b : key.client_ip) mix(b);
  for (uint8_t b : key.server_ip) mix(b);
  for (uint16_t v : {key.client_port, key.server_port, key.id}) {
    mix(static_cast<uint8_t>(v >> 8));
    mix(static_cast<uint8_t>(v));
  }
  mix(static_cast<uint8_t>(key.protocol));
  return static_cast<size_t>(h);
}

std::optional<Error> DnsTransactionTableConfig::Validate() const {
  if (timeout_ns <= 0) {
    return Err("sensor.dns.timeout_ns: must be positive (got " + std::to_string(timeout_ns) + ")");
  }
  if (capacity < 1) {
    return Err("sensor.dns.capacity: must be at least 1 (got 0)");
  }
  return std::nullopt;
}

DnsTransactionTable::DnsTransactionTable(DnsTransactionTableConfig cfg) : cfg_(cfg) {
  cfg_.capacity = std::max<size_t>(cfg_.capacity, 1);
  entries_.reserve(std::min<size_t>(cfg_.capacity, 4096));
}

void DnsTransactionTable::Erase(EntryMap::iterator it) {
  by_age_.erase(it->second.order);
  entries_.erase(it);
}

void DnsTransactionTable::OnQuery(const DnsTransactionKey& key, std::string_view name,
                                  uint16_t qtype, int64_t ts_ns) {
  if (entries_.find(key) != entries_.end()) {
    retransmits_.Add();
    return;
  }
  if (entries_.size() >= cfg_.capacity) {
    // Full: the oldest query is the one least likely to still be answered.
    Erase(entries_.find(by_age_.begin()->second));
    evicted_.Add();
  }
  OrderKey order{ts_ns, arrival_seq_++};
  entries_.emplace(key, Entry{std::string(name), qtype, order});
  by_age_.emplace(order, key);
  queries_.Add();
  outstanding_gauge_.store(entries_.size(), std::memory_order_relaxed);
}

std::optional<DnsTransaction> DnsTransactionTable::OnResponse(const DnsTransactionKey& key,
                                                              DnsRcode rcode, int64_t ts_ns) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    unmatched_.Add();
    return std::nullopt;
  }
  DnsTransaction t;
  t.key = key;
  t.name = std::move(it->second.name);
  t.qtype = it->second.qtype;
  t.rcode = rcode;
  t.query_ts_ns = it->second.order.first;
  // Events from different CPUs can arrive with the response stamped a little earlier.
  t.latency_ns = std::max<int64_t>(0, ts_ns - t.query_ts_ns);
  Erase(it);
  responses_by_rcode_[static_cast<size_t>(rcode)].Add();
  outstanding_gauge_.store(entries_.size(), std::memory_order_relaxed);
  return t;
}

void DnsTransactionTable::Expire(int64_t now_ns, std::vector<DnsTransaction>& timed_out) {
  while (!by_age_.empty()) {
    auto oldest = by_age_.begin();
    const int64_t query_ts = oldest->first.first;
    if (now_ns - query_ts < cfg_.timeout_ns) break;
    auto it = entries_.find(oldest->second);
    DnsTransaction t;
    t.key = it->first;
    t.name = std::move(it->second.name);
    t.qtype = it->second.qtype;
    t.timed_out = true;
    t.query_ts_ns = query_ts;
    t.latency_ns = now_ns - query_ts;
    timed_out.push_back(std::move(t));
    Erase(it);
    timeouts_.Add();
  }
  outstanding_gauge_.store(entries_.size(), std::memory_order_relaxed);
}

void DnsTransactionTable::CollectStats(std::vector<StatSample>& out) const {
  out.push_back(Counter("edgewatch_sensor_dns_queries_total",
                        "DNS queries seen, retransmissions of an outstanding query excluded.",
                        queries_.Get()));
  out.push_back(Counter("edgewatch_sensor_dns_retransmits_total",
                        "DNS queries repeated while the first with the same key was outstanding.",
                        retransmits_.Get()));
  for (size_t i = 0; i < responses_by_rcode_.size(); ++i) {
    out.push_back(Counter("edgewatch_sensor_dns_responses_total",
                          "DNS responses matched to an outstanding query, by response code.",
                          responses_by_rcode_[i].Get(),
                          {{"rcode", DnsRcodeName(static_cast<DnsRcode>(i))}}));
  }
  out.push_back(Counter("edgewatch_sensor_dns_unmatched_responses_total",
                        "DNS responses with no outstanding query (late, unseen or duplicate).",
                        unmatched_.Get()));
  out.push_back(Counter("edgewatch_sensor_dns_timeouts_total",
                        "DNS queries left unanswered for the configured timeout.",
                        timeouts_.Get()));
  out.push_back(
      Counter("edgewatch_sensor_dns_evicted_total",
              "Outstanding DNS queries dropped, oldest first, because the table was full.",
              evicted_.Get()));
  out.push_back(Gauge("edgewatch_sensor_dns_outstanding", "DNS queries awaiting a response.",
                      static_cast<double>(outstanding_gauge_.load(std::memory_order_relaxed))));
}

}  // namespace edgewatch::sensor
